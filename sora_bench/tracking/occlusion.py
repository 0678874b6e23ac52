"""Occlusion reasoning of the blob tracker: the state of a track in the frames it is not
seen (``out_of_frame``, ``occluded``, ``at_rest`` or ``absent``); rules in :mod:`.tracker`
(step 5)."""

from __future__ import annotations

import numpy as np

from .background import apply_affine as _apply
from .detect import _Det

__all__ = ["track_states", "at_rest", "in_background"]


def _box_in_frame_fraction(box: np.ndarray, w: int, h: int) -> float:
    bw, bh = box[2] - box[0], box[3] - box[1]
    if bw <= 0 or bh <= 0:
        return 0.0
    iw = max(0.0, min(box[2], w) - max(box[0], 0))
    ih = max(0.0, min(box[3], h) - max(box[1], 0))
    return float(iw * ih / (bw * bh))


def _edge_normals(box: np.ndarray, w: int, h: int, margin: float = 1.0) -> list[np.ndarray]:
    """Outward unit normals of the image edges the box touches."""
    out = []
    for touch, n in ((box[0] <= margin, (-1.0, 0.0)), (box[1] <= margin, (0.0, -1.0)),
                     (box[2] >= w - margin, (1.0, 0.0)), (box[3] >= h - margin, (0.0, 1.0))):
        if touch:
            out.append(np.array(n))
    return out


def _touches_border(box: np.ndarray, w: int, h: int, margin: float = 1.0) -> bool:
    return bool(_edge_normals(box, w, h, margin))


def _going_out(seq: list[_Det], w: int, h: int) -> bool:
    """Whether a region touching the image edge in ``seq[0]`` goes out through that edge over
    ``seq`` (consecutive sightings): it shrinks by >= 15 % and its centroid moves >= 0.5 px
    per frame towards the edge. Run on a track's first sightings, it means the track was
    leaving when first seen, so it cannot have come in there; on its last ones, reversed,
    that it was still coming in when lost."""
    if len(seq) < 3 or seq[-1].area > 0.85 * seq[0].area:
        return False
    step = (seq[-1].centroid - seq[0].centroid) / (len(seq) - 1)
    return any(float(step @ n) >= 0.5 for n in _edge_normals(seq[0].box, w, h))


def track_states(k: int, o: dict[int, _Det], boxes: np.ndarray, f2r: np.ndarray,
                 t_n: int, w: int, h: int) -> tuple[str, ...]:
    """Per-frame state of track k (observations ``o``: frame -> detection) among all
    tracks' ``boxes`` (K, T, 4), see :mod:`.tracker` step 5."""
    fr = sorted(o)
    med_area = float(np.median([o[t].area for t in fr]))
    state = ["visible" if t in o else "" for t in range(t_n)]

    def shifted(box: np.ndarray, t_from: int, t_to: int, v: np.ndarray) -> np.ndarray:
        # move a box with stabilised velocity v, then back into frame t_to coordinates
        c = _apply(f2r[t_from], np.array([[(box[0] + box[2]) / 2, (box[1] + box[3]) / 2]]))[0]
        c = c + v * (t_to - t_from)
        c = _apply(np.linalg.inv(f2r[t_to]), c[None])[0]
        hw, hh = (box[2] - box[0]) / 2, (box[3] - box[1]) / 2
        return np.array([c[0] - hw, c[1] - hh, c[0] + hw, c[1] + hh])

    def vel(t_a: int, t_b: int) -> np.ndarray:
        pa = _apply(f2r[t_a], o[t_a].centroid[None])[0]
        pb = _apply(f2r[t_b], o[t_b].centroid[None])[0]
        return (pb - pa) / (t_b - t_a)

    def others_cover(box: np.ndarray, t: int) -> bool:
        from .evaluate import iou_matrix

        for j in range(boxes.shape[0]):
            if j != k and np.isfinite(boxes[j, t]).all():
                b = boxes[j, t]
                ix = max(0.0, min(box[2], b[2]) - max(box[0], b[0]))
                iy = max(0.0, min(box[3], b[3]) - max(box[1], b[1]))
                if ix * iy > 0.3 * max((box[2] - box[0]) * (box[3] - box[1]), 1.0):
                    return True
                if iou_matrix(box[None], b[None])[0, 0] > 0.2:
                    return True
        return False

    def label(box: np.ndarray, t: int, border: bool, gradual: bool) -> str:
        # border: lost (or found) touching the image edge -> it left (entered) the frame
        if border or _box_in_frame_fraction(box, w, h) < 0.5:
            return "out_of_frame"
        if gradual or others_cover(box, t):
            return "occluded"
        return "absent"

    def crossing(t: int, v: np.ndarray, step: int) -> bool:
        # a region touching the edge can have crossed it (out after its last sighting, in
        # before its first) when it is cut by the edge already or would be one frame on;
        # "cut" needs a usual size to compare with: 5 sightings at least
        if len(fr) < 5 or not 0 <= t + step < t_n:
            return True
        return (o[t].area < 0.85 * med_area
                or _box_in_frame_fraction(shifted(o[t].box, t, t + step, v), w, h) < 0.9)

    # before the first sighting: predicted backwards from the first observations
    first, last = fr[0], fr[-1]
    v0 = vel(fr[0], fr[1]) if len(fr) >= 2 else np.zeros(2)
    grew = o[first].area < 0.6 * med_area
    head = [o[t] for t in fr[:3]] if fr[:3] == list(range(first, first + 3)) else []
    entered = (_touches_border(o[first].box, w, h) and not _going_out(head, w, h)
               and crossing(first, v0, -1))
    for t in range(first):
        b = shifted(o[first].box, first, t, v0)
        state[t] = label(b, t, entered, grew)
    # gaps
    for a, b_ in zip(fr[:-1], fr[1:]):
        if b_ - a <= 1:
            continue
        gradual = o[a].area < 0.7 * med_area or o[b_].area < 0.7 * med_area
        border = _touches_border(o[a].box, w, h) and _touches_border(o[b_].box, w, h)
        v = vel(a, b_)
        for t in range(a + 1, b_):
            state[t] = label(shifted(o[a].box, a, t, v), t, border, gradual)
    # after the last sighting
    v1 = vel(fr[-2], fr[-1]) if len(fr) >= 2 else np.zeros(2)
    shrank = o[last].area < 0.6 * med_area
    tail = [o[t] for t in fr[-3:][::-1]] if fr[-3:] == list(range(last - 2, last + 1)) else []
    exited = (_touches_border(o[last].box, w, h) and not _going_out(tail, w, h)
              and crossing(last, v1, 1))
    for t in range(last + 1, t_n):
        state[t] = label(shifted(o[last].box, last, t, v1), t, exited, shrank)
    return tuple(state)


def at_rest(state: tuple[str, ...], o: dict[int, _Det], frames: np.ndarray, f2r: np.ndarray
            ) -> tuple[str, ...]:
    """``absent`` frames after a track's last sighting, or before its first, become
    ``at_rest`` while the frame still shows the object where it was last (first) seen. The
    background model (a median over the clip) takes in an object that rests on a spot for
    much of the clip, which then stops being foreground without having gone anywhere (and
    is found only when it moves off that spot: not a pop-in). Rules: the track was still
    when last (first) seen (stabilised speed over those 3 sightings <= 1 px/frame), and the
    median colour of the inner half of that box (moved with the camera) is nearer the
    track's colour (median over its sightings) than the median colour of the 3-px ring
    around the box. ``frames``: ``(T, H, W, 3)`` float 0..1."""
    fr = sorted(o)
    if len(fr) < 3:
        return state
    colour = np.median([o[t].app[:3] for t in fr], axis=0)
    out = list(state)
    # (sightings whose stillness counts, the sighting whose box is looked in, frames judged)
    for ends, ref, span in ((fr[-3:], fr[-1], range(fr[-1] + 1, len(state))),
                            (fr[:3], fr[0], range(fr[0]))):
        p = [_apply(f2r[t], o[t].centroid[None])[0] for t in ends]
        if np.linalg.norm(p[-1] - p[0]) / max(ends[-1] - ends[0], 1) > 1.0:
            continue
        for t in span:
            if out[t] == "absent" and _shows(frames[t], o[ref].box, f2r, ref, t, colour):
                out[t] = "at_rest"
    return tuple(out)


def _shows(frame: np.ndarray, box: np.ndarray, f2r: np.ndarray, ref: int, t: int,
           colour: np.ndarray) -> bool:
    """Frame ``t`` shows ``colour`` inside ``box`` (seen at frame ``ref``, moved with the
    camera) rather than the colour around it (:func:`at_rest`)."""
    x0, y0, x1, y1 = _moved(box, f2r, ref, t)
    qx, qy = (x1 - x0) / 4, (y1 - y0) / 4
    inner = frame[max(0, int(round(y0 + qy))):max(0, int(round(y1 - qy))),
                  max(0, int(round(x0 + qx))):max(0, int(round(x1 - qx)))]
    ys, xs, ring = _window(frame.shape[:2], x0, y0, x1, y1, 3)
    if inner.size < 3 or ring is None:
        return False
    c = np.median(inner.reshape(-1, 3), axis=0)
    around = np.median(frame[ys, xs][ring], axis=0)
    return bool(np.linalg.norm(c - colour) < np.linalg.norm(c - around))


def in_background(state: tuple[str, ...], o: dict[int, _Det], blurred: np.ndarray,
                  bg: np.ndarray, f2r: np.ndarray, max_hue: float = 15.0,
                  min_chroma: float = 0.1, share: float = 0.5) -> tuple[str, ...]:
    """``absent`` frames become ``at_rest`` where the object is there but inside the
    background model. An object that enters at the image edge and stops there (a sliding
    box) holds most of its pixels for most of the clip, so the model takes those in and
    only the strip it crossed is foreground: a track that starts and ends mid-picture,
    next to the rest of its own object.

    Rule: within the box of the nearest sighting (moved with the camera) grown by half its
    larger side on each side, at least ``share`` x the track's median area shows the
    track's colour in both the frame and the background: OpenCV hue within ``max_hue``
    degrees of the track's, chroma (RGB max - min) above ``min_chroma``, and an RGB colour
    nearer the track's (median over its sightings) than the surroundings' (median
    background colour of the 3-px ring around the grown box). Pixels count only in the
    background's regions of that colour that reach into the grown box, end within 3
    half-sides of it (or at the image edge) and span at most half the image: a region
    running on (the sky above a blue ball) is scenery, not an object the model holds
    (:func:`_held_nearby`). A vanished object fails the rule (the frame no longer shows
    it), as does a popped-in one (nothing of its colour before it). Grey tracks (chroma
    below ``min_chroma``) have no reliable hue and are left as they are. ``blurred`` and
    ``bg``: ``(T, H, W, 3)`` float 0..1."""
    if "absent" not in state:
        return state
    fr = sorted(o)
    colour = np.median([o[t].app[:3] for t in fr], axis=0).astype(np.float32)
    if colour.max() - colour.min() < min_chroma:
        return state
    hue = _hue(colour[None, None])[0, 0]
    need = share * float(np.median([o[t].area for t in fr]))
    out = list(state)
    for t in range(len(state)):
        if out[t] != "absent":
            continue
        ref = min(fr, key=lambda s: abs(s - t))
        x0, y0, x1, y1 = _moved(o[ref].box, f2r, ref, t)
        g = max(x1 - x0, y1 - y0) / 2
        sy, sx, ring = _window(bg.shape[1:3], x0 - g, y0 - g, x1 + g, y1 + g, 3)
        if ring is None:
            continue
        around = np.median(bg[t][sy, sx][ring], axis=0)
        if _held_nearby(blurred[t], bg[t], (x0 - g, y0 - g, x1 + g, y1 + g), 3 * g,
                        colour, hue, around, max_hue, min_chroma) >= need:
            out[t] = "at_rest"
    return tuple(out)


def _held_nearby(frame: np.ndarray, bg: np.ndarray, grown: tuple[float, ...], reach: float,
                 colour: np.ndarray, hue: float, around: np.ndarray, max_hue: float,
                 min_chroma: float) -> int:
    """Pixels of the track's colour in both ``frame`` and ``bg`` (:func:`in_background`)
    in the bounded regions of the background that reach into ``grown``. Regions are
    looked at in ``grown`` widened by ``reach`` px; one that runs into that window's side
    (other than the image edge), or spans more than half the image width or height (as
    :func:`~.background.compact_regions` judges objects), is no object held by the model
    but a stretch of scene of that colour (sky above a blue ball, a floor)."""
    from scipy import ndimage

    h, w = bg.shape[:2]
    x0, y0, x1, y1 = grown
    ys = slice(max(0, int(y0 - reach)), min(h, int(np.ceil(y1 + reach))))
    xs = slice(max(0, int(x0 - reach)), min(w, int(np.ceil(x1 + reach))))

    def match(img: np.ndarray) -> np.ndarray:
        gap = np.abs((_hue(img) - hue + 180.0) % 360.0 - 180.0)
        return ((gap < max_hue) & (img.max(axis=-1) - img.min(axis=-1) > min_chroma)
                & (np.linalg.norm(img - colour, axis=-1) < np.linalg.norm(img - around, axis=-1)))

    held = match(bg[ys, xs])
    lab, n = ndimage.label(held, structure=np.ones((3, 3), bool))
    if n == 0:
        return 0
    side = np.zeros(lab.shape, bool)  # the window's sides that are not the image edge
    side[0], side[-1] = ys.start > 0, ys.stop < h
    side[:, 0] |= xs.start > 0
    side[:, -1] |= xs.stop < w
    unbounded = set(np.unique(lab[side]).tolist())
    near = lab[max(0, int(y0) - ys.start):max(0, int(np.ceil(y1)) - ys.start),
               max(0, int(x0) - xs.start):max(0, int(np.ceil(x1)) - xs.start)]
    spans = ndimage.find_objects(lab)
    keep = [k for k in np.unique(near) if k and k not in unbounded
            and spans[k - 1][0].stop - spans[k - 1][0].start <= 0.5 * h
            and spans[k - 1][1].stop - spans[k - 1][1].start <= 0.5 * w]
    return int((np.isin(lab, keep) & match(frame[ys, xs])).sum())


def _hue(img: np.ndarray) -> np.ndarray:
    """OpenCV HSV hue in degrees (0..360) of an RGB float image ``(H, W, 3)``."""
    import cv2

    return cv2.cvtColor(np.ascontiguousarray(img, np.float32), cv2.COLOR_RGB2HSV)[..., 0]


def _moved(box: np.ndarray, f2r: np.ndarray, ref: int, t: int) -> tuple[float, ...]:
    """``box`` seen at frame ``ref`` in frame ``t`` coordinates (moved with the camera)."""
    shift = _apply(np.linalg.inv(f2r[t]) @ f2r[ref], np.zeros((1, 2)))[0]
    return (box[0] + shift[0], box[1] + shift[1], box[2] + shift[0], box[3] + shift[1])


def _window(shape: tuple[int, int], x0: float, y0: float, x1: float, y1: float, pad: int
            ) -> tuple[slice, slice, np.ndarray | None]:
    """Slices of the box grown by ``pad`` px (clipped to the image) and the mask of its
    ``pad``-px ring outside the box within them (None when under 8 px or the box is empty)."""
    h, w = shape
    ys = slice(max(0, int(y0) - pad), min(h, int(np.ceil(y1)) + pad))
    xs = slice(max(0, int(x0) - pad), min(w, int(np.ceil(x1)) + pad))
    if ys.stop <= ys.start or xs.stop <= xs.start:
        return ys, xs, None
    ring = np.ones((ys.stop - ys.start, xs.stop - xs.start), bool)
    ring[max(0, int(y0) - ys.start):max(0, int(np.ceil(y1)) - ys.start),
         max(0, int(x0) - xs.start):max(0, int(np.ceil(x1)) - xs.start)] = False
    if ring.sum() < 8 or ring.all():
        return ys, xs, None
    return ys, xs, ring
