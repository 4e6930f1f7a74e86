"""The catch-up benchmark's volume comes from the planner's own plan of the large region:
the municipal server with the most WAL, and that МО's actions at the plan's horizon."""

from capacity_planner.calibration import load_calibration
from capacity_planner.planner import plan_region
from capacity_planner.region import load_region
from regbank.bench_catch_up import REGION_FILE, busiest_volume


def test_the_volume_is_the_busiest_municipal_server_of_the_large_region():
    volume = busiest_volume()
    plan = plan_region(load_region(REGION_FILE), load_calibration().coefficients)
    wal = {s.layout.mo_code: s.years[-1].wal_bytes_per_working_day for s in plan.sites[1:]}
    assert volume.source_mo in wal
    assert volume.predicted_wal_per_day == max(wal.values())
    assert 0 < volume.entries_per_day < volume.actions_per_day
