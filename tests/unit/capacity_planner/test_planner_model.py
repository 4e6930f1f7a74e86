"""The sizing formulas on small cases computed by hand."""

import pytest
from planner_helpers import unit_coefficients

from capacity_planner import model
from capacity_planner.model import GIB, MIB, Activity, AnalyticsLoad, DatabaseSize, Requests
from capacity_planner.region import Backups, LoadProfile, Network

PROFILE = LoadProfile(working_days_per_year=247, working_hours_per_day=8, peak_factor=5)


def test_peak_per_second_spreads_a_year_over_working_hours_times_the_peak_factor():
    working_seconds = 247 * 8 * 3600  # 7 113 600
    assert model.peak_per_second(working_seconds / 10, PROFILE) == pytest.approx(0.5)


def test_requests_for_counts_form_pages_and_posts():
    c = unit_coefficients(
        read_requests_per_entry_action=2,
        write_requests_per_entry_action=1,
        read_requests_per_other_action=1,
    )
    requests = model.requests_for(Activity(entry=10, other=100), analytics_requests=3, c=c)
    assert requests == Requests(read=120, write=10, analytics=3)
    assert requests.total == 133


def test_analytics_request_is_a_fixed_part_plus_the_rollup_rows_it_adds_up():
    c = unit_coefficients(cpu_ms_per_analytics_request=150, cpu_us_per_rollup_row=2)
    assert model.analytics_request_ms(500_000, c) == pytest.approx(1150)


def test_rollup_rows_grow_with_users_and_never_exceed_the_events():
    c = unit_coefficients(rollup_rows_per_user_month=4)
    # 10 users × 12 months × 4 actions a month
    assert model.rollup_rows_per_year(10, 100_000, c) == pytest.approx(480)
    # a user with few events cannot fill a row per action and month
    assert model.rollup_rows_per_year(10, 100, c) == 100


def test_busy_cores_sum_cpu_milliseconds_per_second():
    c = unit_coefficients(
        cpu_ms_per_read_request=40,
        cpu_ms_per_write_request=80,
        cpu_ms_per_analytics_request=100,
        cpu_us_per_rollup_row=0,
        cpu_ms_per_replicated_action=2,
    )
    # 10 analytics requests a year at 100 ms each, spread like any other load.
    analytics = [AnalyticsLoad(requests=10 * 247 * 8 * 3600 / 5, scope_rollup_rows=0)]
    busy = model.busy_cores(Requests(read=2, write=1), analytics, 5, PROFILE, c)
    # 2 × 40 + 1 × 80 + 10 × 100 + 5 × 2 = 1170 ms per second
    assert busy == pytest.approx(1.17)


def test_cores_needed_divide_by_the_target_and_add_background():
    c = unit_coefficients(background_cpu_cores=0.5)
    assert model.cores_needed(0.3, 0.6, c) == pytest.approx(1.0)


@pytest.mark.parametrize(
    ("cores", "min_vcpu", "vcpu"),
    [(0.0, 2, 2), (1.0, 2, 2), (2.1, 2, 4), (5.0, 2, 6), (0.4, 1, 2), (3.0, 8, 8)],
)
def test_vcpu_is_an_even_count_at_least_the_minimum(cores, min_vcpu, vcpu):
    assert model.vcpu_for(cores, min_vcpu) == vcpu


def test_database_size_counts_rows_in_partly_filled_pages_and_their_indexes():
    c = unit_coefficients(
        card_row_bytes=1000,
        registry_row_bytes=500,
        audit_event_row_bytes=400,
        registry_heap_fill=0.8,
        audit_heap_fill=0.5,
        registry_index_factor=0.5,
        audit_index_factor=1.0,
        empty_database_bytes=1000,
        reference_bytes_per_user=10,
        rollup_row_bytes=100,
    )
    data = model.StoredData(
        cards=4,
        registry_rows=8,
        open_case_rows=2,
        audit_events=10,
        hot_audit_events=5,
        rollup_rows=3,
        users=100,
    )
    size = model.database_size(data, c)
    assert size.registry == pytest.approx((4 * 1000 + 8 * 500) / 0.8 * 1.5)  # 15 000
    # events 10 × 400 / 0.5 × 2 = 16 000, and the rollup 3 × 100
    assert size.audit == pytest.approx(16_300)
    assert size.reference == 2000
    assert size.open_registry == pytest.approx((4 * 1000 + 2 * 500) / 0.8 * 1.5)  # 9 375
    # the whole rollup is hot: every analytics page reads it
    assert size.hot == pytest.approx(9375 + 2000 + 8000 + 300)
    assert size.total == pytest.approx(33_300)


def test_wal_and_replication_bytes_by_kind_of_action():
    c = unit_coefficients(
        wal_bytes_per_entry_action=20,
        wal_bytes_per_other_action=4,
        replication_bytes_per_entry_action=3,
        replication_bytes_per_other_action=1,
    )
    assert model.wal_bytes(Activity(entry=10, other=100), c) == 600
    assert model.replication_bytes(Activity(entry=10, other=100), c) == 130


def test_logs_keep_the_retention_compressed_and_today_uncompressed():
    c = unit_coefficients(
        pgaudit_bytes_per_read_request=1,
        pgaudit_bytes_per_write_request=3,
        app_log_bytes_per_request=2,
        log_compression_ratio=0.1,
    )
    yearly = model.log_bytes_per_year(Requests(read=100, write=10, analytics=5), c)
    assert yearly == (100 + 5) * 1 + 10 * 3 + 115 * 2  # 365
    assert model.logs_on_disk(365_000, 365, PROFILE, c) == pytest.approx(36_500 + 365_000 / 247)


def test_backups_keep_fulls_differentials_and_the_wal_archive():
    c = unit_coefficients(backup_compression_ratio=0.5, wal_archive_compression_ratio=0.25)
    database = DatabaseSize(registry=10, audit=80, reference=10, open_registry=5, hot=0)
    policy = Backups(full_every_days=7, differential_every_days=1, retention_days=14)
    stored = model.backup_storage(database, 1, 2, policy, c)
    # fulls: ceil(14 / 7) + 1 = 3; six differentials a cycle of 15 + k (k = 1..6) = 111;
    # WAL for 14 + 7 days.
    assert stored == pytest.approx(3 * (100 + 111) * 0.5 + 21 * 2 * 0.25)


def test_a_differential_never_exceeds_a_full():
    c = unit_coefficients()
    database = DatabaseSize(registry=10, audit=0, reference=0, open_registry=10, hot=0)
    policy = Backups(full_every_days=3, differential_every_days=1, retention_days=3)
    # 2 fulls of 10 and, per cycle, differentials of min(10, 10 + k): 10 + 10
    assert model.backup_storage(database, 5, 0, policy, c) == pytest.approx(2 * (10 + 20))


def test_max_wal_size_holds_three_checkpoints_of_peak_wal():
    assert model.max_wal_size_mib(0) == 1024
    assert model.max_wal_size_mib(1 * MIB) == 3072  # 3 × 900 s × 1 MiB = 2700 MiB
    assert model.slot_wal_keep_mib(3, 500 * MIB) == 2048  # 1500 MiB
    assert model.slot_wal_keep_mib(3, 1 * MIB) == 1024


def test_wal_volume_adds_the_slot_retention_and_a_day_not_archived():
    assert model.wal_volume(1024, None, 5 * MIB) == 1029 * MIB
    assert model.wal_volume(1024, 2048, 0) == 3 * GIB


def test_gunicorn_and_connection_rules():
    assert model.gunicorn_workers(2) == 5
    assert model.max_connections(5) == 30
    assert model.max_connections(13) == 40


def test_replication_settings_grow_with_peers_above_postgresql_defaults():
    small = model.Replication(peers=1, vcpu=2)
    assert (small.slots, small.wal_senders, small.logical_workers, small.worker_processes) == (
        10,
        10,
        4,
        8,
    )
    large = model.Replication(peers=60, vcpu=8)
    assert (large.slots, large.wal_senders, large.logical_workers, large.worker_processes) == (
        62,
        64,
        62,
        72,
    )


def test_ram_holds_os_workers_backends_and_hot_set_with_shared_buffers_on_top():
    c = unit_coefficients(
        os_and_agents_mib=2560, gunicorn_worker_rss_mib=150, postgresql_backend_mib=16
    )
    needed = model.ram_needed_mib(0, workers=5, backends=30, c=c)
    assert needed == pytest.approx((2560 + 750 + 480) / 0.75)  # 5053 MiB
    assert model.ram_size_gib(needed, min_ram_gib=4) == 6
    assert model.ram_size_gib(1000, min_ram_gib=4) == 4
    assert model.ram_size_gib(300 * 1024, min_ram_gib=4) == 384
    assert model.ram_size_gib(1100 * 1024, min_ram_gib=4) == 1280


def test_memory_settings_from_the_sized_ram():
    c = unit_coefficients(os_and_agents_mib=2560, gunicorn_worker_rss_mib=150)
    settings = model.memory_settings(8, workers=5, connections=30, c=c)
    assert settings == model.MemorySettings(
        shared_buffers_mib=2048,
        effective_cache_size_mib=6144,
        work_mem_mib=47,  # (8192 - 2048 - 2560 - 750) / 60
        maintenance_work_mem_mib=512,
    )
    tight = model.memory_settings(4, workers=5, connections=30, c=c)
    assert tight.work_mem_mib == 4  # never below PostgreSQL's default


def test_iops_count_cache_misses_commits_page_writes_and_applied_changes():
    c = unit_coefficients(
        page_reads_per_read_request=0.2,
        wal_flushes_per_request=1,
        page_writes_per_read_request=0.5,
        page_writes_per_write_request=6,
    )
    peak = Requests(read=10, write=2, analytics=0)
    applied = Activity(entry=1, other=4)
    # 12 × 1.2 + 10 × 0.5 + 2 × 6 = 31.4; applied 6 + 2 + 5 = 13
    assert model.iops(peak, applied, c) == pytest.approx(44.4)


def test_link_rate_adds_vpn_overhead_and_keeps_the_link_below_target():
    network = Network(vpn_overhead=0.15, link_utilisation_target=0.7)
    assert model.link_mbps(125_000, network) == pytest.approx(1.15 / 0.7)
    assert model.catch_up_bytes_per_second(1e6, 3, Network(catch_up_hours=8)) == pytest.approx(
        3e6 / (8 * 3600)
    )


def test_online_traffic_by_request_type():
    c = unit_coefficients(
        wire_bytes_per_read_request=30_000,
        wire_bytes_per_write_request=8_000,
        wire_bytes_per_analytics_request=80_000,
    )
    assert model.online_bytes_per_second(Requests(1, 1, 1), c) == 118_000
