"""p95 computed one way, for the bench and the calibration."""

import math

from regbank_devtools.stats import percentile


def test_nearest_rank_percentile():
    values = list(range(1, 21))  # 1..20: 95 % of 20 is 19 values at or below the 19th
    assert percentile(values) == 19
    assert percentile([5.0]) == 5.0
    assert percentile([3, 1, 2], 0.5) == 2
    # 30 values: 95 % is 28.5 values, so the 29th (the bench once rounded to the 28th)
    assert percentile(list(range(1, 31))) == 29
    assert math.isnan(percentile([]))
