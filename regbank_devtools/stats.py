"""Response-time statistics, computed one way for the bench and the calibration."""

from __future__ import annotations

import math
from collections.abc import Sequence

P95 = 0.95


def percentile(values: Sequence[float], q: float = P95) -> float:
    """Nearest-rank percentile: the smallest value with at least q of all at or below it;
    nan for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]
