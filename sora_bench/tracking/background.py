"""Background model of the blob tracker (numpy + OpenCV); camera motion is in
:mod:`.camera_motion`.

- :func:`background`: per-frame background, the median of up to 12 frames warped into it.
- :func:`illumination`: pixels that differ from the background only in brightness (shadows).
- :func:`compact_regions`: the object-sized regions of a foreground mask.
"""

from __future__ import annotations

import numpy as np

__all__ = ["apply_affine", "background", "illumination", "compact_regions"]


def apply_affine(m: np.ndarray, pts: np.ndarray) -> np.ndarray:
    """Apply a 3x3 affine to points ``(N, 2)``."""
    return pts @ m[:2, :2].T + m[:2, 2]


def _nanmedian0(stack: np.ndarray, fill: np.ndarray) -> np.ndarray:
    """Median over axis 0 ignoring NaN (sort puts NaN last), ``fill`` where all are NaN;
    much faster than ``np.nanmedian`` on small stacks."""
    srt = np.sort(stack, axis=0)
    k = np.isfinite(stack).sum(axis=0)
    lo = np.take_along_axis(srt, np.maximum((k - 1) // 2, 0)[None], 0)[0]
    hi = np.take_along_axis(srt, np.maximum(k // 2, 0)[None], 0)[0]
    med = 0.5 * (lo + hi)
    return np.where(k > 0, med, fill)


def background(frames: np.ndarray, frame_to_ref: np.ndarray, moving: bool) -> np.ndarray:
    """Per-frame background ``(T, H, W, 3)``: median of other frames warped into frame t."""
    t_n, h, w, _ = frames.shape
    if not moving:
        bg = np.median(frames, axis=0)
        return np.broadcast_to(bg, frames.shape)
    import cv2

    out = np.empty_like(frames)
    for t in range(t_n):
        others = np.unique(np.linspace(0, t_n - 1, min(12, t_n)).round().astype(int))
        stack = np.full((len(others), h, w, 3), np.nan, np.float32)
        for k, s in enumerate(others):
            # frame s px -> frame t px = inv(ref_from_t) @ ref_from_s
            m = np.linalg.inv(frame_to_ref[t]) @ frame_to_ref[s]
            warped = cv2.warpAffine(frames[s], m[:2].astype(np.float32), (w, h),
                                    flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT,
                                    borderValue=(np.nan, np.nan, np.nan))
            stack[k] = warped
        out[t] = _nanmedian0(stack, frames[t])
    return out


def illumination(frame: np.ndarray, bg: np.ndarray) -> np.ndarray:
    """Pixels that differ from the background only in brightness (a cast shadow, or its ghost
    in the background model): every channel ratio frame/background below 0.95 (or every one
    above 1.05), ratios within a factor 2 of each other (sky light tints shadows blue).
    Limitation: a black or grey object on a light floor looks the same and is dropped."""
    ratio = (frame + 0.02) / (bg + 0.02)
    hi, lo = ratio.max(axis=-1), ratio.min(axis=-1)
    return ((hi < 0.95) | (lo > 1.05)) & (hi < 2.0 * lo)


def compact_regions(fg: np.ndarray, max_frac: float = 0.5, dilate: int = 3) -> np.ndarray:
    """``(T, H, W)`` bool: the connected regions of ``fg`` whose box spans at most
    ``max_frac`` of the image width and height (objects), grown by ``dilate`` px. Regions
    spanning more are background the camera model failed to register, not objects."""
    from scipy import ndimage

    t_n, h, w = fg.shape
    out = np.zeros(fg.shape, bool)
    for t in range(t_n):
        lab, _ = ndimage.label(fg[t], structure=np.ones((3, 3), bool))
        for k, (sy, sx) in enumerate(ndimage.find_objects(lab)):
            if sx.stop - sx.start <= max_frac * w and sy.stop - sy.start <= max_frac * h:
                out[t][sy, sx] |= lab[sy, sx] == k + 1
    if dilate:
        out = ndimage.binary_dilation(out, structure=np.ones((1, 3, 3), bool), iterations=dilate)
    return out
