"""Detections of the blob tracker: foreground regions as :class:`_Det` (box, centroid, area,
dominant colour), with cast shadows and background-model ghosts left out. See
:mod:`.tracker` (module docstring, step 3) for the rules."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .background import illumination as _illumination


@dataclass
class _Det:
    box: np.ndarray
    centroid: np.ndarray
    area: float
    app: np.ndarray
    group: bool = False  # a share of a region that covers several objects
    illum: float = 0.0  # fraction of its pixels that look like shadow / lighting change


#: standard errors of a region's per-channel dimming fit that the shade test allows
SHADE_Z = 2.0


def _detect(frame: np.ndarray, fg: np.ndarray, min_area: int, bg: np.ndarray | None = None,
            colour: np.ndarray | None = None) -> list[_Det]:
    """Regions of ``fg`` as detections; ``colour`` (default ``frame``): the frame the
    appearance is read from (a blurred one is steadier under pixel noise)."""
    from scipy import ndimage

    lab, n = ndimage.label(fg, structure=np.ones((3, 3), bool))
    if n == 0:
        return []
    lab, n = split_by_colour(lab, n, frame if colour is None else colour, min_area, bg)
    idx = np.arange(1, n + 1)
    areas = ndimage.sum_labels(np.ones_like(lab), lab, idx)
    ys, xs = np.indices(lab.shape)
    cy = ndimage.mean(ys, lab, idx)
    cx = ndimage.mean(xs, lab, idx)
    illum = _illumination(frame, bg) if bg is not None else np.zeros(lab.shape, bool)
    illum_frac = np.asarray(ndimage.mean(illum.astype(np.float64), lab, idx))
    if bg is not None:  # regions that are the floor dimmed, up to the sensor noise
        illum_frac = np.where(_shade_regions(frame, bg, lab, idx), 1.0, illum_frac)
    # dominant colour: mean over the pixels at least as saturated as the region's median,
    # leaving out shadow-like pixels (a ball's own shadow touching it)
    # and the rim: its pixels mix the object's colour with the floor's behind it
    inner = ndimage.binary_erosion(lab > 0, structure=np.ones((3, 3), bool))
    n_in = np.asarray(ndimage.sum_labels(inner, lab, idx))
    keep = np.zeros(n + 1, bool)
    keep[1:] = n_in >= 4
    core = np.where(keep[lab], inner, lab > 0)
    frame = frame if colour is None else colour
    sat = frame.max(axis=-1) - frame.min(axis=-1)
    med = np.zeros(n + 1)
    med[1:] = ndimage.median(np.where(illum | ~core, 0.0, sat), lab, idx)
    lab_sat = np.where((sat >= med[lab]) & ~illum & core, lab, 0)
    with np.errstate(invalid="ignore", divide="ignore"):  # regions with no coloured pixel
        rgb = np.stack([ndimage.mean(frame[..., c], lab_sat, idx) for c in range(3)], axis=1)
    rgb_all = np.stack([ndimage.mean(frame[..., c], lab, idx) for c in range(3)], axis=1)
    rgb = np.where(np.isfinite(rgb), rgb, rgb_all)
    slices = ndimage.find_objects(lab)
    dets = []
    for k in range(n):
        if areas[k] < min_area or illum_frac[k] >= 0.6:
            continue
        sy, sx = slices[k]
        # (large regions are camera-motion leaks with objects inside: not judged as ghosts)
        if bg is not None and areas[k] <= 0.04 * lab.size and _ghost(frame, bg, lab, k + 1, sy, sx):
            continue
        box = np.array([sx.start, sy.start, sx.stop, sy.stop], np.float64)
        c = rgb[k]
        app = np.concatenate([c, c / max(c.sum(), 1e-6)]).astype(np.float32)
        dets.append(_Det(box, np.array([cx[k] + 0.5, cy[k] + 0.5]), float(areas[k]), app,
                         illum=float(illum_frac[k])))
    return dets


def _shade_regions(frame: np.ndarray, bg: np.ndarray, lab: np.ndarray, idx: np.ndarray,
                   max_chi2: float = 1.5, z: float = SHADE_Z) -> np.ndarray:
    """Per region: is it the background under it dimmed (a cast shadow) to within the sensor
    noise? Fits ``frame_c = k_c x background_c`` per channel over the region (least
    squares, standard error ``se_c = sigma / sqrt(sum background_c^2)``): a shade when every
    ``k_c`` is below 0.95, within a factor 1.45 of each other (sky light tints a shadow a
    little), both up to ``z`` standard errors (a small shadow on a dark floor has few
    levels per channel, and the fitted ``k`` of its darkest channel scatters by 0.2 under
    noise), and each pixel's colour is that tinted floor
    colour times a brightness of its own (penumbra) up to the noise: the residual
    orthogonal to ``k * background`` per pixel, averaged over the region, at most
    ``max_chi2`` x its expectation under pure noise (2 sigma^2; sigma: 1.4826 x the median
    absolute frame - background difference outside the regions).

    The per-pixel test (:func:`~.background.illumination`) fails under sensor noise on dark
    floors, where the noise is as large as the shadow's darkening; this test pools the
    region's pixels and asks only whether their colour is the floor's. An object's colour
    is not (its residual is many times the noise); on clean video sigma is tiny, so only
    regions that the per-pixel test already takes for shadow qualify."""
    from scipy import ndimage

    rest = lab == 0
    inside = ~rest
    if not rest.any() or not inside.any():
        return np.zeros(len(idx), bool)
    sigma = max(1.4826 * float(np.median(np.abs(frame[rest] - bg[rest]))), 1e-4)
    f = frame.astype(np.float64)
    b = bg.astype(np.float64)
    fb = np.stack([ndimage.sum_labels(f[..., c] * b[..., c], lab, idx) for c in range(3)], 1)
    bb = np.stack([ndimage.sum_labels(b[..., c] ** 2, lab, idx) for c in range(3)], 1)
    k = fb / np.maximum(bb, 1e-12)
    # per pixel: best brightness s along the region's floor colour d = k * background
    ks = np.zeros((len(idx) + 1, 3))
    ks[1:] = k
    fi, d = f[inside], ks[lab[inside]] * b[inside]
    s = (fi * d).sum(axis=1) / np.maximum((d * d).sum(axis=1), 1e-12)
    perp = ((fi - s[:, None] * d) ** 2).sum(axis=1)
    chi2 = np.asarray(ndimage.mean(perp, lab[inside], idx)) / (2.0 * sigma ** 2)
    se = sigma / np.sqrt(np.maximum(bb, 1e-12))
    hi, lo = (k - z * se).max(axis=1), (k + z * se).min(axis=1)
    return (hi < 0.95) & (hi < 1.45 * lo) & (chi2 <= max_chi2)


def _ghost(frame: np.ndarray, bg: np.ndarray, lab: np.ndarray, k: int, sy: slice, sx: slice,
           pad: int = 3) -> bool:
    """A background-model ghost (the background remembers an object that is not there in
    this frame, e.g. one that dwelt on that spot for half the clip): in the frame the region
    looks like its surroundings (median colours within half the background's contrast)
    while in the background it stands out (contrast > 0.1). Surroundings: the ring of
    non-foreground pixels within ``pad`` px of the region."""
    from scipy import ndimage

    h, w = lab.shape
    ys = slice(max(0, sy.start - pad), min(h, sy.stop + pad))
    xs = slice(max(0, sx.start - pad), min(w, sx.stop + pad))
    sub = lab[ys, xs]
    comp = sub == k
    ring = ndimage.binary_dilation(comp, iterations=pad) & (sub == 0)
    if ring.sum() < 8:
        return False
    f, b = frame[ys, xs], bg[ys, xs]
    d_frame = np.linalg.norm(np.median(f[comp], 0) - np.median(f[ring], 0))
    d_bg = np.linalg.norm(np.median(b[comp], 0) - np.median(b[ring], 0))
    return bool(d_bg > 0.15 and d_frame < 0.3 * d_bg)


def split_by_colour(lab: np.ndarray, n: int, frame: np.ndarray, min_area: int,
                    bg: np.ndarray | None = None, min_chroma: float = 0.15, min_sep: float = 35.0
                    ) -> tuple[np.ndarray, int]:
    """Split regions that hold objects of clearly different colours (two balls touching,
    one passing in front of the other) into one region per colour.

    Per region: a hue histogram (10-degree bins, circularly smoothed) of its saturated
    pixels (chroma ``max - min`` of RGB > ``min_chroma``: dark pixels have a high HSV
    saturation but no reliable hue) that are not the background's colour
    (a region's rim and the shade it casts on a coloured floor have the floor's hue: shade
    pixels by :func:`~.background.illumination`, rim pixels by a hue within 30 degrees of a
    saturated background's or a colour within 0.2 of the background's); peaks with at least ``min_area`` px
    and 15 % of those pixels, at least ``min_sep`` degrees apart, are the colours. Saturated
    pixels go to the nearest peak hue; the rest (white stripes, highlights, dark rims) to
    the colour of the nearest assigned pixel; a colour that is only a blend of another and
    the background (:func:`_fold_blends`) is not an object. Returns the new labels and
    their count.
    One object of two colours is split too; :func:`~.tracker._merge_parts` joins such
    parts back when they move together."""
    import cv2
    from scipy import ndimage

    hsv = cv2.cvtColor(np.ascontiguousarray(frame, np.float32), cv2.COLOR_RGB2HSV)
    like_bg = np.zeros(lab.shape, bool)
    if bg is not None:
        bg_hsv = cv2.cvtColor(np.ascontiguousarray(bg, np.float32), cv2.COLOR_RGB2HSV)
        hue_gap = np.abs((hsv[..., 0] - bg_hsv[..., 0] + 180.0) % 360.0 - 180.0)
        near = np.linalg.norm(frame - bg, axis=-1) < 0.2  # barely off the background
        like_bg = (_illumination(frame, bg) | near
                   | ((bg_hsv[..., 1] > 0.2) & (hue_gap < 30.0)))
    out = lab.copy()
    for k, sl in enumerate(ndimage.find_objects(lab), start=1):
        if sl is None:
            continue
        region = lab[sl] == k
        if region.sum() < 2 * min_area:
            continue
        sub = hsv[sl]
        chroma = frame[sl].max(axis=-1) - frame[sl].min(axis=-1)
        sat = region & (chroma > min_chroma) & ~like_bg[sl]
        n_sat = int(sat.sum())
        if n_sat < 2 * min_area:
            continue
        hues = sub[..., 0][sat]
        hist = np.bincount((hues // 10).astype(int) % 36, minlength=36).astype(np.float64)
        smooth = hist + 0.5 * (np.roll(hist, 1) + np.roll(hist, -1))
        need = max(min_area, 0.15 * n_sat)
        peaks = [b for b in np.argsort(-smooth)
                 if smooth[b] >= np.roll(smooth, 1)[b] and smooth[b] >= np.roll(smooth, -1)[b]
                 and (hist[b] + 0.5 * (hist[b - 1] + hist[(b + 1) % 36])) >= need]
        centres: list[float] = []
        for b in peaks:
            c = b * 10.0 + 5.0
            if all(abs((c - o + 180.0) % 360.0 - 180.0) >= min_sep for o in centres):
                centres.append(c)
        if len(centres) < 2:
            continue
        dist = np.abs((hues[:, None] - np.array(centres)[None] + 180.0) % 360.0 - 180.0)
        assign = np.zeros(region.shape, np.int32)  # 0: unassigned, 1..K colours
        assign[sat] = dist.argmin(axis=1) + 1
        if bg is not None:  # a colour that is a blend of another and the floor: a rim
            assign = _fold_blends(assign, frame[sl], bg[sl], len(centres))
        # a minor colour that is the floor's around the region (the frame shows floor where
        # the background model remembers the object: a ghost part) is not an object
        sy, sx = sl
        pad = (slice(max(0, sy.start - 3), min(lab.shape[0], sy.stop + 3)),
               slice(max(0, sx.start - 3), min(lab.shape[1], sx.stop + 3)))
        ring = ndimage.binary_dilation(lab[pad] == k, iterations=3) & (lab[pad] == 0)
        if ring.sum() >= 8:
            floor = np.median(frame[pad][ring], axis=0)
            sizes = [(assign == j).sum() for j in range(1, assign.max() + 1)]
            for j in range(1, assign.max() + 1):
                if j != int(np.argmax(sizes)) + 1 and sizes[j - 1] and np.linalg.norm(
                        frame[sl][assign == j].mean(axis=0) - floor) < 0.08:
                    assign[assign == j] = -1
        # the rest of the region takes the colour of its nearest assigned pixel; only the
        # ghost-coloured pixels themselves leave the region
        ghost = assign < 0
        assign[ghost] = 0
        colours = np.unique(assign[assign > 0])
        if colours.size == 0 or (colours.size == 1 and not ghost.any()):
            continue
        _, (iy, ix) = ndimage.distance_transform_edt(assign == 0, return_indices=True)
        filled = np.where(region & ~ghost, assign[iy, ix], 0)
        view = out[sl]
        view[ghost] = 0
        keep = np.unique(filled[filled > 0]).tolist()
        main = max(keep, key=lambda j: (filled == j).sum()) if keep else None
        for j in keep:
            if j != main:
                n += 1
                view[filled == j] = n
    return out, n


def _fold_blends(assign: np.ndarray, frame: np.ndarray, bg: np.ndarray, k: int) -> np.ndarray:
    """Reassign colour clusters whose mean colour is a mix of a bigger cluster's and the
    background's under them (``c = a x c_big + (1 - a) x bg`` with 0.15 < a < 0.9 and a
    residual under 0.05): a region's rim, where the object and the floor blend into an
    in-between hue (purple over brown wood reads red). Clusters renumbered 1..K'."""
    sizes = [(assign == j).sum() for j in range(1, k + 1)]
    order = np.argsort(sizes)[::-1] + 1  # biggest first
    means = {j: frame[assign == j].mean(axis=0) for j in order if sizes[j - 1]}
    for j in order[1:]:
        if not sizes[j - 1]:
            continue
        c, b = means[j], bg[assign == j].mean(axis=0)
        for i in order:
            if i == j or sizes[i - 1] <= sizes[j - 1]:
                continue
            d = means[i] - b
            a = float(np.dot(c - b, d) / max(float(np.dot(d, d)), 1e-9))
            if 0.15 < a < 0.9 and np.linalg.norm(c - (b + a * d)) < 0.05:
                assign[assign == j] = i
                break
    # renumber the colours left (the biggest keeps the region's label)
    out = np.zeros_like(assign)
    for new, j in enumerate([j for j in order if (assign == j).any()], start=1):
        out[assign == j] = new
    return out
