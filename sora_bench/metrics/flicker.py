"""Pure functions behind ``temporal_flicker`` and ``flicker_index`` (numpy only).

Two views of flicker:

- VBench's raw form (:func:`frame_mae`, :func:`vbench_flicker_score`): the mean absolute
  difference of consecutive frames. It cannot tell flicker from motion: any pan lowers it.
- The flow-compensated index (:func:`matched_change`, :func:`flicker_index_from_changes`):
  follow every pixel with optical flow, measure how the brightness/colour of *the same
  content* changes between frames, and keep only the high-frequency part of that signal.
  Motion does not change a tracked pixel's colour; a slow fade changes it at low frequency;
  flicker changes it at the frame rate.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "FLICKER_THRESHOLD",
    "RGB_TO_YCBCR",
    "frame_mae",
    "vbench_flicker_score",
    "static_verdict",
    "matched_change",
    "flicker_index_from_changes",
]

#: BT.601 full-range RGB -> (Y, Cb, Cr) without offsets (offsets cancel in differences).
RGB_TO_YCBCR = np.array(
    [[0.299, 0.587, 0.114],
     [-0.168736, -0.331264, 0.5],
     [0.5, -0.418688, -0.081312]],
    dtype=np.float64,
)

#: Operating threshold of ``flicker_index`` (8-bit levels): a clip is flagged above it. Set
#: from the calibration (tests/calibration/test_temporal_calibration.py): clean reference
#: renders stay under 1 level, the index's floor under sigma-20 sensor noise at 64x64 is
#: ~0.6-1.5 levels, and a 2-level frame-rate alternation is about the smallest visible one.
FLICKER_THRESHOLD = 2.0

#: Below this fraction of flow-matched pixels a pair falls back to all in-frame pixels.
MIN_MATCHED_FRACTION = 0.05


def frame_mae(frames: np.ndarray) -> np.ndarray:
    """``MAE_t = mean_{pixels, channels} |f_{t+1} - f_t|`` in 8-bit levels, shape ``(T-1,)``.

    ``frames`` is uint8 ``(T, H, W, C)``; computed in int16 chunks, float64 result.
    """
    t = frames.shape[0]
    out = np.empty(max(t - 1, 0), np.float64)
    for i in range(t - 1):
        d = np.abs(frames[i + 1].astype(np.int16) - frames[i].astype(np.int16))
        out[i] = float(d.mean(dtype=np.float64))
    return out


def vbench_flicker_score(mae: np.ndarray) -> float:
    """VBench temporal flickering: ``(255 - mean_t MAE_t) / 255``, in [0, 1], 1 = no change."""
    if len(mae) == 0:
        return 1.0
    return float((255.0 - float(np.mean(mae))) / 255.0)


def static_verdict(top2: np.ndarray, first_last: tuple[float, float], num_frames: int,
                   min_side: int) -> dict:
    """VBench's static filter, re-done on any flow (here DIS).

    ``top2`` is, per consecutive pair, the mean of the top 2 % flow magnitudes; ``first_last``
    the same for the pairs (f_0, f_{T-1}) and (f_{T-1}, f_0). With
    ``thres = 3.0 * min_side / 256`` and ``count_num = max(1, round(2 * T / 16))`` (Python
    rounding as in VBench; the ``max(1, .)`` guard is ours, for clips under 12 frames where
    VBench's count would be 0), the video is static when at most ``count_num`` pairs exceed
    ``thres`` and neither first<->last pair exceeds ``thres * count_num * 2``.
    """
    thres = 3.0 * min_side / 256.0
    count_num = max(1, round(2 * num_frames / 16))
    n_exceed = int(np.sum(np.asarray(top2) > thres))
    ends_ok = all(v <= thres * count_num * 2 for v in first_last)
    return {
        "static": bool(n_exceed <= count_num and ends_ok),
        "thres_px": float(thres),
        "count_num": int(count_num),
        "pairs_over": n_exceed,
        "first_last_top2": [float(v) for v in first_last],
    }


def matched_change(ref: np.ndarray, warped: np.ndarray, matched: np.ndarray,
                   inside: np.ndarray | None = None) -> tuple[np.ndarray, float]:
    """Signed colour change of flow-matched pixels from ``ref`` (f_t) to ``warped`` (f_{t+1}
    warped onto f_t), as the per-channel **median** over matched pixels, in (Y, Cb, Cr)
    8-bit levels. Returns ``(change (3,), matched fraction)``.

    The median ignores the few pixels where flow is wrong (edges, texture aliasing): they
    err in both directions, while a lighting change shifts every pixel the same way. When
    fewer than ``MIN_MATCHED_FRACTION`` of the pixels are matched (hard cuts, frame
    shuffles), every in-frame pixel is used instead.
    """
    import cv2  # lazy; the colour transform on the whole image beats fancy-indexed matmul

    frac = float(matched.mean()) if matched.size else 0.0
    sel = matched
    if frac < MIN_MATCHED_FRACTION:
        sel = inside if inside is not None else np.ones_like(matched)
    if not sel.any():
        return np.zeros(3), frac
    diff = warped.astype(np.float32) - ref.astype(np.float32)  # (h, w, 3) RGB
    ycc = cv2.transform(diff, RGB_TO_YCBCR.astype(np.float32))[sel]  # (N, 3)
    return np.median(ycc, axis=0).astype(np.float64), frac


def flicker_index_from_changes(changes: np.ndarray) -> tuple[float, np.ndarray]:
    """Flicker index from per-pair matched changes ``d_t`` (``(T-1, 3)``, Y/Cb/Cr levels).

    The tracked brightness/colour signal is ``b_t = sum_{s<t} d_s`` (b_0 = 0). Its
    high-frequency part is the half second difference

        h_t = (b_{t-1} - 2 b_t + b_{t+1}) / 2 = (d_t - d_{t-1}) / 2,   t = 1 .. T-2

    which is 0 for constant or linearly drifting lighting (fades) and equals the
    peak-to-peak amplitude A for a signal that alternates between two levels A apart. The
    index is the RMS over frames of the Euclidean norm over (Y, Cb, Cr):

        flicker_index = sqrt( mean_t ||h_t||^2 )     [8-bit levels, >= 0, lower is better]

    Returns ``(index, h (T-2, 3))``; with fewer than 2 pairs the index is 0.
    """
    d = np.asarray(changes, dtype=np.float64).reshape(-1, 3)
    if d.shape[0] < 2:
        return 0.0, np.zeros((0, 3))
    h = 0.5 * (d[1:] - d[:-1])
    return float(np.sqrt(np.mean(np.sum(h**2, axis=1)))), h
