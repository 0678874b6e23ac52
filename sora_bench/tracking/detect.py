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


def _detect(frame: np.ndarray, fg: np.ndarray, min_area: int, bg: np.ndarray | None = None,
            colour: np.ndarray | None = None) -> list[_Det]:
    """Regions of ``fg`` as detections; ``colour`` (default ``frame``): the frame the
    appearance is read from (a blurred one is steadier under pixel noise)."""
    from scipy import ndimage

    lab, n = ndimage.label(fg, structure=np.ones((3, 3), bool))
    if n == 0:
        return []
    idx = np.arange(1, n + 1)
    areas = ndimage.sum_labels(np.ones_like(lab), lab, idx)
    ys, xs = np.indices(lab.shape)
    cy = ndimage.mean(ys, lab, idx)
    cx = ndimage.mean(xs, lab, idx)
    illum = _illumination(frame, bg) if bg is not None else np.zeros(lab.shape, bool)
    illum_frac = np.asarray(ndimage.mean(illum.astype(np.float64), lab, idx))
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
