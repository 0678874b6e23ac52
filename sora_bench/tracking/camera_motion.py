"""Camera motion of a clip from its background: per-frame translation to a keyframe.

:func:`estimate_camera_motion` returns ``(T, 3, 3)`` affine maps *frame t px -> frame 0 px*
(pure translations) that the tracker uses to stabilise positions and to warp frames into a
common background model.

Method (robust Lucas-Kanade against a keyframe, not frame-to-frame chaining):

- Frames are band-passed per colour channel (a Gaussian blur minus a wider one, see
  :data:`BANDS`) so that smooth, screen-fixed shading (vignetting, auto exposure) does not
  pull the estimate; what is left are edges: the horizon, floor texture, the objects. All
  channels count: a blue sky over green grass is an edge with little contrast in grey.
- Frame ``t`` is aligned to the keyframe by inverse-compositional Gauss-Newton on the
  translation, coarse band then fine band, initialised by a constant-velocity prediction,
  with Tukey weights (c = 4.685 x 1.4826 x median|r|) so that moving objects, their shadows
  and whatever the ``exclude`` mask misses do not drag it. Per-frame camera motion is often
  below a pixel; comparing with a keyframe lets it accumulate to something measurable
  instead of being rounded away pair by pair.
- Directions the background does not constrain are not moved: the step is solved along the
  eigenvectors of the weighted normal matrix (judged on the coarse band, where pixel noise
  does not pose as texture) with at least :data:`OBSERVABLE_FRACTION` of the largest
  eigenvalue; the others keep their predicted value.
- Each axis of the result is kept only when it explains the background clearly better than
  the same motion without it (:func:`_significant_axes`, gain :data:`MOVING_GAIN`); a
  static camera therefore stays exactly static, and an axis that only a moving object
  "supports" is dropped.
- A new keyframe starts when the shift from the current one exceeds a quarter of the
  smaller image side (too little overlap left).

Limitations: translation only, so zooms, dollies and orbits are reported as no motion or as
their mean shift, and the perspective of a tilt leaves thin residues at vertical edges; a
background with texture along one axis only (a horizon, floor lines) makes the other axis
unobservable when something else dominates it: a pan over a plain floor is then missed,
which is harmless for the background model (the floor looks the same) but leaves the pan
in the stabilised trajectories. Measured in BENCHMARKS.md (tracker section).
"""

from __future__ import annotations

import numpy as np

__all__ = ["estimate_camera_motion", "align_translation", "bandpass"]

#: eigen-directions below this fraction of the strongest are held (see module doc)
OBSERVABLE_FRACTION = 0.1
#: an axis of motion must lower the background cost below this fraction of the cost without it
MOVING_GAIN = 0.9


#: band-pass scales (inner blur, outer blur) in px, coarse to fine: the coarse band has a
#: basin wide enough to follow a camera that moved several px since the last frame's
#: estimate (or was lost in noise); the fine band pins it to a fraction of a pixel
BANDS = ((2.5, 8.0), (0.0, 4.0))


def bandpass(image: np.ndarray, inner: float, outer: float) -> np.ndarray:
    """Image (H, W) or (H, W, C) blurred by ``inner`` minus blurred by ``outer`` (float32)."""
    import cv2

    g = np.asarray(image, np.float32)
    fine = cv2.GaussianBlur(g, (0, 0), inner) if inner > 0 else g
    return (fine - cv2.GaussianBlur(g, (0, 0), outer)).reshape(g.shape)


def _warp(img: np.ndarray, d: np.ndarray) -> np.ndarray:
    """``img`` (H, W, C) sampled at ``x + d`` (template px -> input px), NaN outside."""
    import cv2

    h, w = img.shape[:2]
    m = np.array([[1.0, 0.0, d[0]], [0.0, 1.0, d[1]]], np.float32)
    out = cv2.warpAffine(img, m, (w, h), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                         borderMode=cv2.BORDER_CONSTANT, borderValue=np.nan)
    return out.reshape(img.shape)


def _residuals(tmpl: np.ndarray, inp: np.ndarray, ok_t: np.ndarray, d: np.ndarray
               ) -> np.ndarray:
    """Residuals ``inp(x + d) - tmpl(x)`` (N, C) over ``ok_t`` for translation ``d``.
    ``inp`` is NaN where it is not background, so those pixels drop out (with their
    bilinear neighbours)."""
    warped = _warp(inp, d)
    return (warped - tmpl)[ok_t & np.isfinite(warped).all(axis=-1)]


def _tukey_scale(r: np.ndarray) -> float:
    return 4.685 * max(1.4826 * float(np.median(np.abs(r))), 2e-3)


def _observable(normal: np.ndarray) -> np.ndarray:
    """``(K, 2)`` unit eigenvectors of a 2x2 normal matrix with at least
    :data:`OBSERVABLE_FRACTION` of its largest eigenvalue (K = 0..2)."""
    lam, vec = np.linalg.eigh(normal)
    keep = (lam > OBSERVABLE_FRACTION * lam.max()) & (lam > 1e-9)
    return vec[:, keep].T


def align_translation(tmpl: np.ndarray, inp: np.ndarray, ok_t: np.ndarray, d0: np.ndarray,
                      basis: np.ndarray | None = None, iters: int = 12, tol: float = 5e-3
                      ) -> tuple[np.ndarray, np.ndarray] | None:
    """Translation ``d`` (px) with ``inp(x + d) ~ tmpl(x)``; images ``(H, W, C)``.

    Inverse-compositional Gauss-Newton (the Jacobian is the template's gradient, computed
    once) with Tukey weights, from ``d0``; pixels count where ``ok_t`` holds and ``inp`` is
    finite. Every channel contributes (a blue sky over green grass is an edge with little
    contrast in grey). The step is confined to ``basis``, by default the directions the
    Tukey-weighted normal matrix constrains (:func:`_observable`, re-judged each
    iteration); other directions keep ``d0``'s component. Returns ``(d, basis)``, or
    ``None`` when fewer than 32 pixels overlap."""
    fixed = basis is not None
    gy, gx = np.gradient(tmpl, axis=(0, 1))
    gxx, gxy, gyy = gx * gx, gx * gy, gy * gy
    d = np.array(d0, np.float64)
    c = 1.0
    for it in range(iters):
        # full-array sums with zero weight off the valid pixels (cheaper than indexing)
        res = _warp(inp, d) - tmpl
        valid = np.isfinite(res) & ok_t[..., None]
        n_valid = int(valid.all(axis=-1).sum())
        if n_valid < 32:
            return None
        res = np.where(valid, res, 0.0)
        if it < 3:  # the robust scale settles within a few iterations
            c = _tukey_scale(res[valid])
        u = np.minimum((res / c) ** 2, 1.0)
        wt = (1.0 - u) ** 2  # Tukey biweight; 0 off valid (res 0 -> wt 1, so mask it)
        wt = np.where(valid, wt, 0.0)
        normal = np.array([[(wt * gxx).sum(), (wt * gxy).sum()],
                           [(wt * gxy).sum(), (wt * gyy).sum()]], np.float64)
        rhs = np.array([(wt * gx * res).sum(), (wt * gy * res).sum()], np.float64)
        if not fixed:
            basis = _observable(normal)
        if not len(basis):
            break
        nb = basis @ normal @ basis.T + 1e-9 * np.eye(len(basis))
        step = basis.T @ np.linalg.solve(nb, basis @ rhs)
        step = np.clip(step, -2.0, 2.0)  # a Gauss-Newton step beyond 2 px is not trusted
        d -= step  # inverse composition: x -> (x - step) + d
        if np.abs(step).max() < tol:
            break
    return d, basis


def _edges(tmpl: np.ndarray, ok_t: np.ndarray) -> np.ndarray:
    """The template's edge pixels: top 30 % gradient magnitude among ``ok_t``, where a
    misregistration shows above pixel noise."""
    if not ok_t.any():
        return ok_t
    gy, gx = np.gradient(tmpl, axis=(0, 1))
    mag = np.hypot(gx, gy).sum(axis=-1)
    return ok_t & (mag >= np.percentile(mag[ok_t], 70))


def _cost(tmpl: np.ndarray, inp: np.ndarray, edges: np.ndarray, d: np.ndarray,
          c: float | None = None) -> tuple[float, float]:
    """Mean truncated quadratic ``min(r^2, c^2)`` over ``edges`` and the scale c used
    (NaN when fewer than 32 pixels overlap)."""
    r = _residuals(tmpl, inp, edges, d).ravel()
    if r.size < 32:
        return np.nan, c or 1.0
    c = _tukey_scale(r) if c is None else c
    return float(np.minimum(r * r, c * c).mean()), c


def estimate_camera_motion(frames: np.ndarray, exclude: np.ndarray | None = None,
                           bands: tuple[tuple[float, float], ...] = BANDS
                           ) -> tuple[np.ndarray, list[str]]:
    """``(T, 3, 3)`` maps frame t px -> frame 0 px, and warnings.

    Args:
        frames: ``(T, H, W, C)`` (or grey ``(T, H, W)``) frames, float, 0..1; lightly
            blurred frames work best (pixel noise is not texture).
        exclude: optional ``(T, H, W)`` bool, pixels that are not background (moving
            objects found by a first pass); they carry no weight.
        bands: band-pass scales, coarse to fine (default :data:`BANDS`); the coarse band
            alone is a cheaper, rougher estimate (the tracker's first pass).
    """
    frames = np.asarray(frames, np.float32)
    if frames.ndim == 3:
        frames = frames[..., None]
    t_n, h, w = frames.shape[:3]
    ok = np.ones((t_n, h, w), bool) if exclude is None else ~np.asarray(exclude, bool)
    passed = [np.stack([bandpass(x, a, b) for x in frames]) for a, b in bands]
    # as inputs: NaN off the background, so masked pixels drop out of every warp
    masked = [np.where(ok[..., None], band, np.nan).astype(np.float32) for band in passed]
    g, g_in = passed[-1], masked[-1]
    shift = np.zeros((t_n, 2))  # frame t px -> frame 0 px
    key, key_shift = 0, np.zeros(2)
    failed = 0
    for t in range(1, t_n):
        # constant-velocity prediction (camera moves are smooth)
        d = shift[t - 1] - key_shift + (shift[t - 1] - shift[t - 2] if t >= 2 else 0.0)
        basis = None  # judged on the coarse band, where noise does not pose as texture
        for band, band_in in zip(passed, masked):
            res = align_translation(band[t], band_in[key], ok[t], d, basis)
            if res is None:
                failed += 1
                d = shift[t - 1] - key_shift
                break
            d, basis = res
        shift[t] = key_shift + d
        if np.abs(d).max() > 0.25 * min(h, w):  # little overlap left: new keyframe
            key, key_shift = t, shift[t].copy()
    keep = _significant_axes(g, g_in, ok, shift)
    out = np.tile(np.eye(3), (t_n, 1, 1))
    out[:, :2, 2] = shift * keep
    warnings = []
    if failed:
        warnings.append(f"camera motion: {failed} frames had too little background to align")
    return out, warnings


def _significant_axes(g: np.ndarray, g_in: np.ndarray, ok: np.ndarray, shift: np.ndarray
                      ) -> np.ndarray:
    """``[keep_x, keep_y]`` (0/1): an axis of the estimated motion is kept only when it
    explains the background clearly better than the same motion without it (edge cost of
    the full motion, summed over the clip, < :data:`MOVING_GAIN` x that with the axis
    zeroed; every frame against frame 0, at the static camera's robust scale; frames that
    no longer overlap frame 0 are skipped). A static camera thus stays exactly static, and
    an axis the background cannot see (x under a horizon and a plain floor) is not left to
    drift with the moving objects."""
    variants = {"full": np.ones(2), "no_x": np.array([0.0, 1.0]), "no_y": np.array([1.0, 0.0])}
    total = dict.fromkeys(variants, 0.0)
    for t in range(1, len(g)):
        edges = _edges(g[t], ok[t])
        _, c = _cost(g[t], g_in[0], edges, np.zeros(2))
        costs = {k: _cost(g[t], g_in[0], edges, shift[t] * m, c)[0] for k, m in variants.items()}
        if all(np.isfinite(v) for v in costs.values()):
            for k, v in costs.items():
                total[k] += v
    return np.array([total["full"] < MOVING_GAIN * total["no_x"],
                     total["full"] < MOVING_GAIN * total["no_y"]], np.float64)
