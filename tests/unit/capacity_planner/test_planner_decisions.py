"""Which МО get a municipal server, how sites are laid out, and the regional server's limits."""

import pytest
import yaml
from planner_helpers import LARGE_REGION, SAMPLE_REGION

from capacity_planner import bench, plots, report
from capacity_planner.calibration import load_calibration
from capacity_planner.planner import (
    REGIONAL_SITE,
    Resource,
    ServerReason,
    SiteRole,
    municipal_site_name,
    plan_region,
    project,
)
from capacity_planner.region import Region, load_region


@pytest.fixture
def sample(sample_data, write_region):
    """Load the sample after an optional change to its data."""

    def load(change=lambda data: None):
        change(sample_data)
        return load_region(write_region(sample_data))

    return load


def test_projection_fills_the_first_year_split_and_grows_after_the_last(sample):
    region = sample()
    mo = region.municipalities[0]  # MO-1
    volumes = project(mo, region)
    # 2018 has no entry split: the mean share of 2019 (11069/20415) and 2020 (17514/38258).
    share = (11069 / 20415 + 17514 / 38258) / 2
    assert volumes[2018].activity.entry == pytest.approx(8098 * share)
    assert volumes[2020].activity.entry == 17514
    assert volumes[2020].activity.other == 38258 - 17514
    assert volumes[2022].activity.total == pytest.approx(38258 * 1.05**2)
    assert volumes[2025].records == pytest.approx(81 * 1.03**5)
    assert volumes[2025].users == pytest.approx(23 * 1.02**5)
    assert project(mo, region, scale=30)[2020].activity.total == pytest.approx(38258 * 30)


def test_sample_mixed_gives_the_remote_mo_a_server_for_both_reasons(sample, shipped_coefficients):
    plan = plan_region(sample(), shipped_coefficients)
    assert plan.server_codes == ("MO-3",)
    mo3 = plan.municipalities[2]
    assert mo3.server_reasons == (ServerReason.SLOW_LINK, ServerReason.UNRELIABLE_LINK)
    assert [site.layout.name for site in plan.sites] == [REGIONAL_SITE, "mo3-srv"]
    regional, municipal = plan.sites
    assert "MO-3" not in regional.layout.served
    assert regional.layout.applied == ("MO-3",)
    assert len(regional.layout.stored) == 10  # the regional database holds every МО
    assert municipal.layout.role is SiteRole.MUNICIPAL
    assert municipal.layout.published == ("MO-3",)
    # Both ends hold WAL for an offline peer: the settings are bounded.
    assert regional.final.slot_wal_keep_mib and municipal.final.slot_wal_keep_mib


def test_centralized_keeps_every_mo_online_and_flags_the_poor_link(sample, shipped_coefficients):
    plan = plan_region(sample(lambda d: d.update(topology="centralized")), shipped_coefficients)
    assert plan.server_codes == ()
    assert len(plan.sites) == 1
    assert plan.regional.replication is None
    assert plan.regional.final.slot_wal_keep_mib is None
    at_risk = [mo.code for mo in plan.municipalities if mo.online_at_risk]
    assert at_risk == ["MO-3"]


def test_distributed_gives_every_mo_a_server(sample, shipped_coefficients):
    plan = plan_region(sample(lambda d: d.update(topology="distributed")), shipped_coefficients)
    assert len(plan.server_codes) == 10
    assert all(mo.server_reasons == (ServerReason.TOPOLOGY,) for mo in plan.municipalities)
    assert plan.regional.layout.served == ()
    assert plan.regional.replication.peers == 10
    assert plan.regional.replication.logical_workers == 12


def test_wishes_override_the_link_in_the_mixed_topology(sample, shipped_coefficients):
    def wishes(data):
        data["municipalities"][0]["municipal_server"] = "always"
        data["municipalities"][2]["municipal_server"] = "never"

    plan = plan_region(sample(wishes), shipped_coefficients)
    assert plan.server_codes == ("MO-1",)
    assert plan.municipalities[0].server_reasons == (ServerReason.WISH,)
    assert plan.municipalities[2].online_at_risk


def test_thresholds_come_from_the_region_file(sample, shipped_coefficients):
    def strict(data):
        data["online_work"] = {"min_bandwidth_mbps": 9, "min_availability": 0.995}

    plan = plan_region(sample(strict), shipped_coefficients)
    # Below 9 Mbit/s: MO-3, MO-7 (4), MO-9 (8), MO-10 (6); below 0.995: MO-6, MO-7, MO-9, MO-10.
    assert plan.server_codes == ("MO-3", "MO-6", "MO-7", "MO-9", "MO-10")
    assert plan.municipalities[5].server_reasons == (ServerReason.UNRELIABLE_LINK,)


def test_the_online_need_is_the_demand_or_the_minimum(sample, shipped_coefficients):
    plan = plan_region(sample(), shipped_coefficients)
    mo1 = plan.municipalities[0]
    assert mo1.online_demand_mbps < 1
    assert mo1.online_need_mbps == 1.0
    assert mo1.link_need_mbps == 1.0
    mo3 = plan.municipalities[2]
    assert mo3.link_need_mbps == mo3.replication_need_mbps < mo3.link.bandwidth_mbps


def test_sites_are_sized_from_the_last_year(sample, shipped_coefficients):
    plan = plan_region(sample(), shipped_coefficients)
    regional = plan.regional
    assert [year.year for year in regional.years] == list(range(2020, 2026))
    assert regional.vcpu == 2
    assert regional.gunicorn_workers == 5
    assert regional.memory.shared_buffers_mib == regional.ram_gib * 1024 // 4
    storage = [year.database.total for year in regional.years]
    assert storage == sorted(storage)  # the database only grows over the horizon
    assert regional.exceeds == ()
    assert plan.offload is None


def test_an_overfull_regional_server_gets_the_busiest_mo_moved_off(
    sample_data, write_region, shipped_coefficients
):
    sample_data["topology"] = "centralized"
    region_file = write_region(sample_data)
    baseline = plan_region(load_region(region_file), shipped_coefficients)
    sample_data.update(topology="mixed", server_limits={"max_vcpu": 2})
    sample_data["sizing"]["cpu_target_utilisation"] = 0.01  # makes 2 vCPU too few
    plan = plan_region(load_region(write_region(sample_data)), shipped_coefficients)
    assert Resource.VCPU in plan.regional.exceeds
    busiest = max(
        (mo for mo in baseline.municipalities if mo.code != "MO-3"), key=lambda m: m.peak_rps
    )
    assert plan.offload.codes[0] == busiest.code == "MO-4"
    assert Resource.VCPU not in plan.offload.remaining


def test_memory_the_whole_region_needs_cannot_be_offloaded(shipped_coefficients, tmp_path):
    data = yaml.safe_load(LARGE_REGION.read_text(encoding="utf-8"))
    data["server_limits"]["max_ram_gib"] = 16  # the large region's regional server needs 24
    path = tmp_path / "large.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    plan = plan_region(load_region(path), shipped_coefficients)
    assert Resource.RAM in plan.offload.remaining
    findings = " ".join(report.findings(plan))
    assert "горячий набор" in findings and "server_limits.max_ram_gib" in findings
    assert "max_vcpu" not in findings


def test_disk_over_the_limit_cannot_be_offloaded(sample_data, write_region, shipped_coefficients):
    sample_data["server_limits"] = {"max_disk_gib": 1}
    plan = plan_region(load_region(write_region(sample_data)), shipped_coefficients)
    assert plan.regional.exceeds == (Resource.DISK,)
    assert plan.offload.codes == ()
    assert plan.offload.remaining == (Resource.DISK,)


def test_single_server_limit_of_the_sample_and_the_large_region(shipped_coefficients):
    sample = plan_region(load_region(SAMPLE_REGION), shipped_coefficients).scale
    large = plan_region(load_region(LARGE_REGION), shipped_coefficients).scale
    sample_resource, sample_multiplier = sample.first
    large_resource, large_multiplier = large.first
    assert sample_multiplier > 30  # the large region (×30) fits one server...
    assert 1 < large_multiplier < sample_multiplier / 10  # ...with less room to grow
    # Memory first: the hot set (cards, open cases, recent events) grows with the volumes,
    # while the analytics add up monthly rollup rows and stay cheap in CPU.
    assert large_resource is Resource.RAM
    # The curve is what the chart draws: usage grows with the multiplier.
    vcpus = [point.vcpu for point in large.curve]
    assert vcpus == sorted(vcpus)


def test_slow_regional_analytics_are_reported_with_what_to_do(
    sample_data, write_region, shipped_coefficients
):
    sample_data["sizing"]["analytics_max_seconds"] = 0.01
    plan = plan_region(load_region(write_region(sample_data)), shipped_coefficients)
    findings = " ".join(report.findings(plan))
    assert "самый тяжёлый отчёт аналитики" in findings
    assert "сложение помесячных итогов" in findings
    assert "итоги без разбивки по пользователям" in findings


def test_generous_limits_are_never_reached(sample_data, write_region, shipped_coefficients):
    sample_data["server_limits"] = {
        "max_vcpu": 100_000,
        "max_ram_gib": 10_000_000,
        "max_disk_gib": 10_000_000,
    }
    scale = plan_region(load_region(write_region(sample_data)), shipped_coefficients).scale
    assert scale.first is None
    assert set(scale.limits.values()) == {None}


def test_municipal_site_names_follow_the_inventory():
    assert municipal_site_name("MO-3") == "mo3-srv"
    assert municipal_site_name("mo_12") == "mo12-srv"


def test_cpu_and_ram_both_over_get_both_advices(shipped_coefficients, tmp_path):
    """Moving the busiest МО fixes the CPU but never the RAM (the regional server holds
    every МО's hot set): the plan names the МО for the CPU and advises on the RAM."""
    data = yaml.safe_load(LARGE_REGION.read_text(encoding="utf-8"))
    data["server_limits"].update(max_ram_gib=16, max_vcpu=4)
    data["sizing"]["cpu_target_utilisation"] = 0.05  # the regional server needs 10 vCPU
    path = tmp_path / "large.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    plan = plan_region(load_region(path), shipped_coefficients)
    assert set(plan.regional.exceeds) == {Resource.VCPU, Resource.RAM}
    assert plan.offload.codes, "the МО that bring the CPU within the limit"
    assert plan.offload.remaining == (Resource.RAM,)
    findings = " ".join(report.findings(plan))
    assert f"дать муниципальные серверы МО {', '.join(plan.offload.codes)}" in findings
    assert "ОЗУ: горячий набор" in findings
    assert "max_vcpu" not in findings  # the CPU is dealt with by the МО named


def test_a_region_of_a_thousand_mo_is_planned_and_summed_up_briefly(shipped_coefficients):
    """The МО are summed as arrays: a thousand plan in well under a second of CPU, and the
    console and the links chart show the МО that need attention, not all of them."""
    region = Region.model_validate(bench.region_of(1000))
    plan = plan_region(region, shipped_coefficients)
    servers = [mo for mo in plan.municipalities if mo.has_server]
    assert len(plan.sites) == len(servers) + 1 > 100
    lines = report.summary_lines(plan, load_calibration())
    assert len(lines) < 100
    assert "  … и ещё 970 МО (все — в report.md)" in lines
    assert f"  … и ещё {len(servers) - 30} муниципальных серверов" in "\n".join(lines)
    bars = plots._links(plan).axes[0].patches
    assert len(bars) == plots.MAX_LINK_BARS
