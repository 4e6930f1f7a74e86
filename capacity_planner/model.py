"""The sizing formulas: pure functions of yearly volumes, policies and coefficients.

Every formula here is written out in docs/capacity-planner.md with the origin of
its coefficients. Units: bytes and MiB (binary), requests or actions per year or
per second, link rates in Mbit/s (decimal, as links are sold).
"""

import math
from dataclasses import dataclass

from capacity_planner.calibration import Coefficients
from capacity_planner.region import Backups, LoadProfile, Network

MIB = 1024**2
GIB = 1024**3
SECONDS_PER_HOUR = 3600
DAYS_PER_YEAR = 365
MONTHS_PER_YEAR = 12
CHECKPOINT_SECONDS = 15 * 60  # checkpoint_timeout the plan sets; max_wal_size is sized for it

# PostgreSQL's documented starting points: shared_buffers a quarter of RAM, and the
# planner's estimate of the OS cache (effective_cache_size) three quarters.
SHARED_BUFFERS_SHARE = 0.25
EFFECTIVE_CACHE_SHARE = 0.75
# Connections beyond the gunicorn workers: 3 superuser-reserved, admin sessions,
# monitoring, backups, migrations, scheduled jobs.
RESERVED_CONNECTIONS = 20
# PostgreSQL 15 defaults, kept as floors so a small site keeps the stock values.
DEFAULT_MAX_REPLICATION_SLOTS = 10
DEFAULT_MAX_WAL_SENDERS = 10
DEFAULT_MAX_LOGICAL_REPLICATION_WORKERS = 4
DEFAULT_MAX_WORKER_PROCESSES = 8
DEFAULT_MAX_WAL_SIZE_MIB = 1024
# Table-synchronisation workers a subscription may start beside its apply worker
# (max_sync_workers_per_subscription's default).
SYNC_WORKERS = 2
# RAM sizes servers and VMs are usually offered in, GiB.
STANDARD_RAM_GIB = (2, 4, 6, 8, 12, 16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512, 768, 1024)


@dataclass(frozen=True)
class Activity:
    """User actions per year: those that enter data, and all the others."""

    entry: float = 0.0
    other: float = 0.0

    @property
    def total(self) -> float:
        return self.entry + self.other

    def __add__(self, other: "Activity") -> "Activity":
        return Activity(self.entry + other.entry, self.other + other.other)

    def scaled(self, factor: float) -> "Activity":
        return Activity(self.entry * factor, self.other * factor)


@dataclass(frozen=True)
class AnalyticsLoad:
    """Analytics requests of one kind: how many a year, and how many rows of the monthly
    rollup each reads (the views count whole months there, not in the audit events)."""

    requests: float
    scope_rollup_rows: float


@dataclass(frozen=True)
class Requests:
    """HTTP requests by type (per year or per second, as the caller says)."""

    read: float = 0.0
    write: float = 0.0
    analytics: float = 0.0

    @property
    def total(self) -> float:
        return self.read + self.write + self.analytics


def requests_for(activity: Activity, analytics_requests: float, c: Coefficients) -> Requests:
    """The requests that user actions make in the application."""
    return Requests(
        read=activity.entry * c.read_requests_per_entry_action
        + activity.other * c.read_requests_per_other_action,
        write=activity.entry * c.write_requests_per_entry_action,
        analytics=analytics_requests,
    )


def peak_per_second(per_year: float, profile: LoadProfile) -> float:
    """A yearly count as a rate in the peak hour: all work falls in working hours."""
    working_seconds = (
        profile.working_days_per_year * profile.working_hours_per_day * SECONDS_PER_HOUR
    )
    return per_year / working_seconds * profile.peak_factor


def analytics_request_ms(scope_rollup_rows: float, c: Coefficients) -> float:
    """CPU of one analytics request: a fixed part plus the rollup rows it adds up."""
    return c.cpu_ms_per_analytics_request + scope_rollup_rows * c.cpu_us_per_rollup_row / 1000


def rollup_rows_per_year(users: float, events: float, c: Coefficients) -> float:
    """Rows a year adds to the monthly rollup (one per month, user and action); never
    more than the year's events."""
    return min(events, users * MONTHS_PER_YEAR * c.rollup_rows_per_user_month)


def busy_cores(
    peak: Requests,
    analytics: list[AnalyticsLoad],
    replicated_per_second: float,
    profile: LoadProfile,
    c: Coefficients,
) -> float:
    """Cores kept busy in the peak hour (at 100 % utilisation), background excluded."""
    analytics_ms_per_second = sum(
        peak_per_second(load.requests, profile) * analytics_request_ms(load.scope_rollup_rows, c)
        for load in analytics
    )
    ms_per_second = (
        peak.read * c.cpu_ms_per_read_request
        + peak.write * c.cpu_ms_per_write_request
        + analytics_ms_per_second
        + replicated_per_second * c.cpu_ms_per_replicated_action
    )
    return ms_per_second / 1000


def cores_needed(busy: float, target_utilisation: float, c: Coefficients) -> float:
    """Cores so the peak hour runs at the target utilisation, plus background work."""
    return busy / target_utilisation + c.background_cpu_cores


def vcpu_for(cores: float, min_vcpu: int) -> int:
    """Whole vCPU, rounded up to an even count as VM templates offer them."""
    return max(min_vcpu, 2 * math.ceil(cores / 2))


def registry_on_disk(heap_bytes: float, c: Coefficients) -> float:
    """Registry bytes on disk: rows in partly filled pages, plus their indexes."""
    return heap_bytes / c.registry_heap_fill * (1 + c.registry_index_factor)


def audit_on_disk(events: float, c: Coefficients) -> float:
    """Audit-event bytes on disk: rows in pages, plus their indexes."""
    return events * c.audit_event_row_bytes / c.audit_heap_fill * (1 + c.audit_index_factor)


@dataclass(frozen=True)
class StoredData:
    """What a site's database holds at the end of a year."""

    cards: float  # family and minor cards, current and archived
    registry_rows: float  # plans, measures, reports, resolutions, raids, history
    open_case_rows: float  # of which rows of cases still on record: read all the time
    audit_events: float  # within the retention period
    hot_audit_events: float  # the recent months the event log views keep reading
    rollup_rows: float  # the analytics' monthly rollup over the same period
    users: float  # accounts (reference data is replicated to every site)


@dataclass(frozen=True)
class DatabaseSize:
    registry: float
    audit: float  # the audit events and the analytics' monthly rollup of them
    reference: float
    open_registry: float  # cards and rows of open cases: what updates touch
    hot: float  # bytes the working set needs in memory

    @property
    def total(self) -> float:
        return self.registry + self.audit + self.reference


def database_size(data: StoredData, c: Coefficients) -> DatabaseSize:
    registry = registry_on_disk(
        data.cards * c.card_row_bytes + data.registry_rows * c.registry_row_bytes, c
    )
    reference = c.empty_database_bytes + data.users * c.reference_bytes_per_user
    rollup = data.rollup_rows * c.rollup_row_bytes
    # Read all the time: the cards (searched by name), the rows of open cases, the
    # directories and accounts, the recent months of audit events and the rollup.
    hot_registry = registry_on_disk(
        data.cards * c.card_row_bytes + data.open_case_rows * c.registry_row_bytes, c
    )
    hot = hot_registry + reference + audit_on_disk(data.hot_audit_events, c) + rollup
    audit = audit_on_disk(data.audit_events, c) + rollup
    return DatabaseSize(registry, audit, reference, hot_registry, hot)


def wal_bytes(written: Activity, c: Coefficients) -> float:
    """WAL generated by actions written at a site (its own and those applied by replication)."""
    return (
        written.entry * c.wal_bytes_per_entry_action + written.other * c.wal_bytes_per_other_action
    )


def replication_bytes(activity: Activity, c: Coefficients) -> float:
    return (
        activity.entry * c.replication_bytes_per_entry_action
        + activity.other * c.replication_bytes_per_other_action
    )


def log_bytes_per_year(requests: Requests, c: Coefficients) -> float:
    """pgaudit lines for every write statement and access/application log lines."""
    pgaudit = (
        requests.read + requests.analytics
    ) * c.pgaudit_bytes_per_read_request + requests.write * c.pgaudit_bytes_per_write_request
    return pgaudit + requests.total * c.app_log_bytes_per_request


def logs_on_disk(
    log_bytes_year: float, logs_days: int, profile: LoadProfile, c: Coefficients
) -> float:
    """Compressed logs of the retention period plus the current day's uncompressed file."""
    per_working_day = log_bytes_year / profile.working_days_per_year
    return log_bytes_year * logs_days / DAYS_PER_YEAR * c.log_compression_ratio + per_working_day


def backup_storage(
    database: DatabaseSize,
    new_bytes_per_day: float,
    wal_bytes_per_day: float,
    policy: Backups,
    c: Coefficients,
) -> float:
    """Full and differential backups kept for the retention period, with their WAL archive.

    A full backup copies the database. A differential copies every file (1 GB
    segment) changed since the last full: updates touch the open cases, which lie
    in the newest segments of the registry tables; inserts add new data at the
    ends of the tables; the directories change anywhere. One more full than the
    retention holds is counted, for the one being taken while the oldest is still
    kept; archived WAL covers the retention plus one full cycle.
    """
    fulls = math.ceil(policy.retention_days / policy.full_every_days) + 1
    diffs_per_cycle = math.ceil(policy.full_every_days / policy.differential_every_days) - 1
    changed = database.open_registry + database.reference
    diff_bytes = sum(
        min(database.total, changed + k * policy.differential_every_days * new_bytes_per_day)
        for k in range(1, diffs_per_cycle + 1)
    )
    backups = fulls * (database.total + diff_bytes) * c.backup_compression_ratio
    archived_wal_days = policy.retention_days + policy.full_every_days
    return backups + archived_wal_days * wal_bytes_per_day * c.wal_archive_compression_ratio


def max_wal_size_mib(peak_wal_bytes_per_second: float) -> int:
    """Room for three checkpoints' worth of peak WAL, so checkpoints stay timed, not forced."""
    needed = 3 * peak_wal_bytes_per_second * CHECKPOINT_SECONDS / MIB
    return max(DEFAULT_MAX_WAL_SIZE_MIB, _round_up(needed, 1024))


def slot_wal_keep_mib(outage_days: float, wal_bytes_per_working_day: float) -> int:
    """WAL a replication slot may hold while its peer is offline for the outage days."""
    return max(1024, _round_up(outage_days * wal_bytes_per_working_day / MIB, 1024))


def wal_volume(
    max_wal_mib: int, slot_keep_mib: int | None, wal_bytes_per_working_day: float
) -> float:
    """pg_wal: the checkpoint window, the WAL a slot retains, and a day not yet archived."""
    return (max_wal_mib + (slot_keep_mib or 0)) * MIB + wal_bytes_per_working_day


def with_headroom(bytes_needed: float, headroom: float) -> float:
    return bytes_needed * (1 + headroom)


def gunicorn_workers(vcpu: int) -> int:
    """gunicorn's documented rule for sync workers: 2 × cores + 1."""
    return 2 * vcpu + 1


def max_connections(workers: int) -> int:
    """One persistent connection per worker plus the reserve, rounded up to tens."""
    return _round_up(workers + RESERVED_CONNECTIONS, 10)


@dataclass(frozen=True)
class Replication:
    """Logical-replication settings for a site with ``peers`` replicating sites."""

    peers: int
    vcpu: int

    @property
    def slots(self) -> int:
        return max(DEFAULT_MAX_REPLICATION_SLOTS, self.peers + 2)

    @property
    def wal_senders(self) -> int:
        return max(DEFAULT_MAX_WAL_SENDERS, self.peers + 4)

    @property
    def logical_workers(self) -> int:
        # One apply worker per subscription, plus its table-sync workers.
        return max(DEFAULT_MAX_LOGICAL_REPLICATION_WORKERS, self.peers + SYNC_WORKERS)

    @property
    def worker_processes(self) -> int:
        # Logical workers, parallel-query workers (one per vCPU) and the launchers.
        return max(DEFAULT_MAX_WORKER_PROCESSES, self.logical_workers + self.vcpu + 2)


def ram_needed_mib(hot_bytes: float, workers: int, backends: int, c: Coefficients) -> float:
    """RAM for the OS and agents, gunicorn, PostgreSQL backends, the hot set in the OS
    cache, and shared_buffers on top (a quarter of the total)."""
    base = (
        c.os_and_agents_mib
        + workers * c.gunicorn_worker_rss_mib
        + backends * c.postgresql_backend_mib
        + hot_bytes / MIB
    )
    return base / (1 - SHARED_BUFFERS_SHARE)


def ram_size_gib(needed_mib: float, min_ram_gib: int) -> int:
    """The smallest standard size that holds what is needed."""
    needed_gib = max(needed_mib / 1024, min_ram_gib)
    for size in STANDARD_RAM_GIB:
        if size >= needed_gib:
            return size
    return _round_up(needed_gib, 256)


@dataclass(frozen=True)
class MemorySettings:
    shared_buffers_mib: int
    effective_cache_size_mib: int
    work_mem_mib: int
    maintenance_work_mem_mib: int


def memory_settings(
    ram_gib: int, workers: int, connections: int, c: Coefficients
) -> MemorySettings:
    """PostgreSQL memory settings from the sized RAM.

    work_mem shares what the OS, gunicorn and shared_buffers leave among the
    connections, two sorts or hashes each, between 4 MiB (the default) and 64 MiB.
    maintenance_work_mem is 1/16 of RAM between 64 MiB and 1 GiB.
    """
    ram_mib = ram_gib * 1024
    shared_buffers = int(ram_mib * SHARED_BUFFERS_SHARE)
    left = ram_mib - shared_buffers - c.os_and_agents_mib - workers * c.gunicorn_worker_rss_mib
    return MemorySettings(
        shared_buffers_mib=shared_buffers,
        effective_cache_size_mib=int(ram_mib * EFFECTIVE_CACHE_SHARE),
        work_mem_mib=_clamp(int(left / (2 * connections)), 4, 64),
        maintenance_work_mem_mib=_clamp(ram_mib // 16, 64, 1024),
    )


def iops(peak: Requests, applied_peak: Activity, c: Coefficients) -> float:
    """Disk operations per second in the peak hour.

    Every request reads the pages missing from the cache, commits (a WAL flush)
    and dirties pages the checkpointer writes; an applied action writes like the
    action it copies. Analytics read the rollup, which is in the hot set.
    """
    requests = (
        peak.total * (c.page_reads_per_read_request + c.wal_flushes_per_request)
        + (peak.read + peak.analytics) * c.page_writes_per_read_request
        + peak.write * c.page_writes_per_write_request
    )
    applied = (
        applied_peak.entry * c.page_writes_per_write_request
        + applied_peak.other * c.page_writes_per_read_request
        + applied_peak.total * c.wal_flushes_per_request
    )
    return requests + applied


def link_mbps(bytes_per_second: float, network: Network) -> float:
    """A link rate that carries the traffic through the VPN at the target utilisation."""
    return bytes_per_second * 8 * (1 + network.vpn_overhead) / network.link_utilisation_target / 1e6


def online_bytes_per_second(peak: Requests, c: Coefficients) -> float:
    """Web traffic of users working online, in the peak hour."""
    return (
        peak.read * c.wire_bytes_per_read_request
        + peak.write * c.wire_bytes_per_write_request
        + peak.analytics * c.wire_bytes_per_analytics_request
    )


def catch_up_bytes_per_second(
    replicated_bytes_per_working_day: float, outage_days: float, network: Network
) -> float:
    """Rate that ships the backlog of an outage within the catch-up hours."""
    backlog = replicated_bytes_per_working_day * outage_days
    return backlog / (network.catch_up_hours * SECONDS_PER_HOUR)


def _round_up(value: float, step: int) -> int:
    return int(math.ceil(value / step) * step)


def _clamp(value: int, low: int, high: int) -> int:
    return max(low, min(high, value))
