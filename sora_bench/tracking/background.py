"""Background model of the blob tracker (numpy + OpenCV); camera motion is in
:mod:`.camera_motion`.

- :func:`background`: per-frame background, the median of up to 12 frames warped into it;
  on a static camera, :func:`static_background`.
- :func:`static_background`: the per-pixel median with objects seen on a spot for about
  half the clip taken back out.
- :func:`illumination`: pixels that differ from the background only in brightness (shadows).
- :func:`compact_regions`: the object-sized regions of a foreground mask.
"""

from __future__ import annotations

import numpy as np

__all__ = ["apply_affine", "background", "static_background", "illumination",
           "compact_regions", "rgb_distance"]


def rgb_distance(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Euclidean distance over the last axis (RGB, 0..1 units): the foreground test's."""
    return np.sqrt(((a - b) ** 2).sum(axis=-1))


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


def background(frames: np.ndarray, frame_to_ref: np.ndarray, moving: bool,
               static_threshold: float | None = None) -> np.ndarray:
    """Per-frame background ``(T, H, W, 3)``: median of other frames warped into frame t. A
    static camera's is the plain median, or given ``static_threshold`` (the foreground
    distance) :func:`static_background`."""
    t_n, h, w, _ = frames.shape
    if not moving:
        bg = np.median(frames, axis=0) if static_threshold is None else static_background(
            frames, static_threshold)
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


def static_background(frames: np.ndarray, threshold: float = 0.12, share: float = 0.45,
                      tol: float = 0.06, margin: float = 0.6, agree: float = 0.06,
                      max_contested: float = 0.5) -> np.ndarray:
    """Background ``(H, W, 3)`` of a static-camera clip ``(T, H, W, 3)`` (0..1 floats).

    The per-pixel median over time takes in an object seen on a spot for about half the
    clip or more, and two objects resting on one spot in turn leave a median that is
    neither (with an even frame count, the mean of the two middle values). Such a pixel is
    *contested*: its colour lies more than ``threshold`` (RGB distance) from the median in
    at least ``share`` of the frames. Contested pixels are decided from the outside in,
    one distance layer at a time, against the nearest *reference* pixel (uncontested, or
    decided before and trusted): a pixel takes the median of its frames within ``tol`` of
    its frame nearest the reference colour (the floor showing there) when the median
    stands out from the reference by more than ``threshold``, that candidate lies nearer
    it than ``margin`` x the median's distance, and the candidate is itself a change of
    more than ``threshold`` (noise moves the pick a little, an object a lot). A decided
    pixel becomes a reference if it was taken or its median agrees with the reference
    within ``agree``; one left ambiguous (a blurred object edge) does not pass its doubt
    inwards. An object that never leaves a pixel stays in the background, as does one on
    a floor-coloured spot: the rule only picks between colours the pixel did show. When
    more than ``max_contested`` of the image is contested the clip is no static scene
    (an unregistered camera move) and the plain median is returned."""
    from scipy import ndimage

    t_n = frames.shape[0]
    bg = np.median(frames, axis=0)
    differs = rgb_distance(frames, bg) > threshold
    contested = differs.sum(axis=0) >= max(2, int(np.ceil(share * t_n)))
    if not contested.any() or contested.mean() > max_contested:
        return bg
    out = bg.copy()
    undecided = contested.copy()
    reference = ~contested
    while undecided.any():
        dist, (iy, ix) = ndimage.distance_transform_edt(~reference, return_indices=True)
        layer = undecided & (dist <= dist[undecided].min() + 0.5)
        ys, xs = np.nonzero(layer)
        ref = out[iy[ys, xs], ix[ys, xs]]
        seen = frames[:, ys, xs]  # (T, N, 3)
        d = rgb_distance(seen, ref[None])
        near = d <= d.min(axis=0)[None] + tol
        cand = _nanmedian0(np.where(near[..., None], seen, np.nan), bg[ys, xs])
        d_bg = rgb_distance(bg[ys, xs], ref)
        d_cand = rgb_distance(cand, ref)
        jump = rgb_distance(cand, bg[ys, xs])
        take = (near.sum(axis=0) >= 2) & (d_bg > threshold) & (d_cand < margin * d_bg) & (
            jump > threshold)
        out[ys[take], xs[take]] = cand[take]
        reference[ys, xs] = take | (d_bg <= agree)
        undecided[ys, xs] = False
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
