"""Pure functions behind ``warping_error``, ``motion_smoothness`` and ``dynamic_degree``."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = [
    "ORDER_VIOLATION_THRESHOLD",
    "warp_mse",
    "smoothness_score",
    "dynamic_sample_indices",
    "dynamic_verdict",
    "order_violation",
    "frozen_frames",
]

#: Operating threshold of :func:`order_violation`: a clip is flagged above it. Set from the
#: calibration (tests/calibration/test_temporal_calibration.py): at least twice the largest
#: value over the clean reference renders; sensor noise stays far below it.
ORDER_VIOLATION_THRESHOLD = 2.0


def warp_mse(ref: np.ndarray, warped: np.ndarray, matched: np.ndarray) -> float:
    """EvalCrafter-style warping error of one pair, pixels scaled to [0, 1]:

        e = sum_x matched(x) * mean_c (warped(x) - ref(x))^2 / sum_x matched(x)

    ``ref``/``warped`` are ``(h, w, 3)`` in 0..255; NaN when no pixel is matched.
    """
    n = int(matched.sum())
    if n == 0:
        return float("nan")
    d = (warped[matched].astype(np.float64) - ref[matched].astype(np.float64)) / 255.0
    return float(np.mean(d**2))


def smoothness_score(errors: Sequence[float]) -> float:
    """VBench motion smoothness from per-odd-frame mean absolute errors (8-bit levels):
    ``(255 - mean_k d_k) / 255``, 1 = interpolation reproduces every odd frame exactly."""
    if len(errors) == 0:
        return 1.0
    return float((255.0 - float(np.mean(errors))) / 255.0)


def dynamic_sample_indices(num_frames: int, fps: float,
                           timestamps: Sequence[float] | None = None) -> list[int]:
    """Frame indices resampled to about 8 fps, VBench style.

    ``interval = max(1, round(fps / 8))``. For constant frame rate this is every
    ``interval``-th frame, exactly VBench's choice. When per-frame ``timestamps`` (seconds)
    are known, targets ``t_0 + k * interval / fps`` are matched to the nearest frame, which
    keeps the 8 fps spacing on variable-frame-rate input; duplicates are dropped.
    """
    interval = max(1, round(fps / 8.0))
    if timestamps is None or len(timestamps) != num_frames or num_frames < 2:
        return list(range(0, num_frames, interval))
    ts = np.asarray(timestamps, dtype=np.float64)
    step = interval / fps
    targets = np.arange(ts[0], ts[-1] + 1e-9, step)
    idx: list[int] = []
    for tt in targets:
        j = int(np.argmin(np.abs(ts - tt)))
        if not idx or j > idx[-1]:
            idx.append(j)
    return idx


def dynamic_verdict(top5: Sequence[float], num_sampled: int, min_side: int) -> dict:
    """VBench dynamic degree for one video.

    ``top5`` holds, per sampled pair, the mean of the top 5 % flow magnitudes (px at the
    working resolution). ``thres = 6.0 * min_side / 256``; ``count_num = max(1,
    round(4 * T' / 16))`` with T' sampled frames (Python rounding as VBench; ``max(1, .)``
    is our guard for T' < 3). Dynamic when at least ``count_num`` pairs exceed ``thres``.
    """
    thres = 6.0 * min_side / 256.0
    count_num = max(1, round(4 * num_sampled / 16))
    n_over = int(np.sum(np.asarray(top5, dtype=np.float64) > thres))
    return {
        "dynamic": bool(n_over >= count_num),
        "thres_px": float(thres),
        "count_num": int(count_num),
        "pairs_over": n_over,
    }


def order_violation(frames: np.ndarray, c: float = 10.0) -> tuple[float, np.ndarray]:
    """Soft count of frame-order violations (a shuffle / back-and-forth detector).

    With ``D1(t) = MSE(f_t, f_{t+1})`` and ``D2(t) = MSE(f_t, f_{t+2})`` (8-bit levels^2,
    all pixels and channels), in a correctly ordered clip whose content changes
    monotonically a frame's neighbour is never farther than the frame two steps away. Per
    triple ``t = 0 .. T-3``:

        v_t = [max(0, D1(t) - D2(t)) + max(0, D1(t+1) - D2(t))] / (D2(t) + c),  c = 10

    and ``order_violation = sum_t v_t`` (>= 0, 0 = no violation; lower is better).
    Independent sensor noise adds the same ``2 sigma^2`` to every MSE, so it cancels in the
    numerators and only enlarges the denominator: noise does not raise the statistic.
    Returns ``(value, v (T-2,))``.
    """
    f = np.asarray(frames, dtype=np.float32)
    t = f.shape[0]
    if t < 3:
        return 0.0, np.zeros(0)
    d1 = np.array([np.mean((f[i + 1] - f[i]) ** 2, dtype=np.float64) for i in range(t - 1)])
    d2 = np.array([np.mean((f[i + 2] - f[i]) ** 2, dtype=np.float64) for i in range(t - 2)])
    v = (np.maximum(0.0, d1[:-1] - d2) + np.maximum(0.0, d1[1:] - d2)) / (d2 + c)
    return float(v.sum()), v


def frozen_frames(frames: np.ndarray, tol: int = 2) -> tuple[int, list[list[int]]]:
    """Frames repeated inside motion (a freeze / stall detector).

    A consecutive pair is *still* when no pixel changes by more than ``tol`` levels. A run
    of still pairs ``[a, b]`` counts as frozen only when the pair before it and the pair
    after it both change, i.e. the clip moves, stops dead, then moves on: a scene that
    simply comes to rest (or never moves) is not a freeze. Returns ``(number of frozen
    frames, [[first, last] frame index of each frozen run]])``.
    """
    f = np.asarray(frames)
    t = f.shape[0]
    if t < 3:
        return 0, []
    still = np.array([int(np.abs(f[i + 1].astype(np.int16) - f[i].astype(np.int16)).max()) <= tol
                      for i in range(t - 1)])
    n, runs, i = 0, [], 0
    while i < t - 1:
        if not still[i]:
            i += 1
            continue
        a = i
        while i < t - 1 and still[i]:
            i += 1
        if a > 0 and i < t - 1:  # moving pair before (a-1) and after (i)
            n += i - a
            runs.append([a + 1, i])  # frames a+1 .. i repeat frame a
    return n, runs
