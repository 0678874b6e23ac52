"""Camera-motion estimate and background model of the blob tracker (numpy + OpenCV).

- :func:`estimate_camera_motion`: per-frame affine maps to frame 0, chained over consecutive
  frames (identity, phase correlation or affine ECC, whichever explains the textured
  pixels best).
- :func:`background`: per-frame background, the median of up to 12 frames warped into it.
- :func:`illumination`: pixels that differ from the background only in brightness (shadows).
"""

from __future__ import annotations

import numpy as np

__all__ = ["estimate_camera_motion", "apply_affine", "background", "illumination"]


def estimate_camera_motion(gray: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """``(T, 3, 3)`` affine maps frame t px -> frame 0 px, chained over consecutive frames.

    Per pair three candidates are compared: identity, the phase-correlation translation and an
    affine ECC refinement of it. The one with the lowest *median* absolute grey difference
    after warping wins (the median ignores small moving objects); a moving candidate must beat
    the identity by 10 % so that flat, texture-less backgrounds stay static.
    """
    import cv2

    t_n, h, w = gray.shape
    out = np.tile(np.eye(3), (t_n, 1, 1))
    warnings: list[str] = []
    crit = (cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, 30, 1e-4)
    win = cv2.createHanningWindow((w, h), cv2.CV_32F)
    failed = 0

    def err(prev: np.ndarray, cur: np.ndarray, m: np.ndarray) -> float:
        # warp frame t (cur) into frame t-1 (prev) coordinates: m maps t px -> t-1 px;
        # judged on textured pixels only (flat sky says nothing about motion), trimmed mean
        # of the lower 80 % of differences (moving objects are the rest)
        warped = cv2.warpAffine(cur, m[:2].astype(np.float32), (w, h),
                                flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                                borderMode=cv2.BORDER_CONSTANT, borderValue=np.nan)
        gy, gx = np.gradient(prev)
        grad = np.hypot(gx, gy)
        mask = grad >= max(np.percentile(grad, 70), 1e-3)
        d = np.abs(warped - prev)[mask]
        d = d[np.isfinite(d)]
        if d.size < 0.5 * mask.sum() or d.size < 16:
            return np.inf
        d = np.sort(d)[: max(1, int(0.8 * d.size))]
        return float(d.mean())

    for t in range(1, t_n):
        # copies: OpenCV may write into its inputs
        prev, cur = gray[t - 1].copy(), gray[t].copy()
        cands = [np.eye(3)]
        (dx, dy), _ = cv2.phaseCorrelate(prev.copy(), cur.copy(), win)
        m = np.eye(3)
        m[:2, 2] = (dx, dy)
        cands.append(m)
        warp = m[:2].astype(np.float32).copy()
        try:
            _, warp = cv2.findTransformECC(cur.copy(), prev.copy(), warp, cv2.MOTION_AFFINE, crit, None, 1)
            m2 = np.eye(3)
            m2[:2] = warp
            cands.append(m2)
        except cv2.error:
            failed += 1
        errs = [err(prev, cur, c) for c in cands]
        best = int(np.argmin(errs))
        if best and not errs[best] < 0.9 * errs[0]:
            best = 0
        out[t] = out[t - 1] @ cands[best]
    if failed:
        warnings.append(f"affine camera-motion refinement failed on {failed} frame pairs")
    return out, warnings


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
