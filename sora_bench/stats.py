"""Small statistics shared by aggregation, comparisons and gates (numpy only).

All functions are deterministic: bootstrap resampling uses a fixed seed unless told
otherwise, and accumulation is float64.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["mean_ci", "bootstrap_ci"]

BOOTSTRAP_RESAMPLES = 2000
BOOTSTRAP_SEED = 20240229


def bootstrap_ci(
    values: Sequence[float] | np.ndarray,
    *,
    statistic: str = "mean",
    level: float = 0.95,
    resamples: int = BOOTSTRAP_RESAMPLES,
    seed: int = BOOTSTRAP_SEED,
) -> tuple[float, float] | None:
    """Percentile bootstrap interval of the mean (or median) of ``values``.

    Returns None for fewer than 2 values (no interval can be had). Resamples are drawn with
    ``numpy.random.default_rng(seed)`` so the interval is reproducible.
    """
    x = np.asarray(values, dtype=np.float64)
    if x.ndim != 1 or x.size < 2:
        return None
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, x.size, size=(resamples, x.size))
    draws = x[idx]
    stats = draws.mean(axis=1) if statistic == "mean" else np.median(draws, axis=1)
    alpha = (1.0 - level) / 2.0
    lo, hi = np.quantile(stats, [alpha, 1.0 - alpha])
    return float(lo), float(hi)


def mean_ci(values: Sequence[float] | np.ndarray) -> tuple[float | None, tuple[float, float] | None]:
    """Mean (float64) and bootstrap 95 % CI; ``(None, None)`` for no values."""
    x = np.asarray(values, dtype=np.float64)
    if x.size == 0:
        return None, None
    return float(x.mean()), bootstrap_ci(x)
