"""Exact tracks from the reference generator's Truth (DESIGN.md §3).

Truth describes what was *rendered* (after any injected defect), so the tracks built here are
the perfect-perception input of the permanence and physics judgments: a vanished object is
hidden while in frame with nothing in front of it, a teleported one jumps, and so on.

Per object and frame:

- ``box``: Truth's visible-part box (NaN where nothing is visible).
- ``centroid``: the centre of that box; ``area``: the box area in px^2 (a proxy for the
  visible pixel count, which Truth does not store).
- ``visible``: box finite, ``visible_fraction > 0`` and the object exists.
- ``state``: ``visible``; else ``absent`` (does not exist); else ``out_of_frame``
  (projection off the image, or its full extent, centred on the projected centre with the
  half-size of its unclipped boxes, crosses the image edge); else ``occluded`` when
  something nearer covers the place it would be (a nearer object's box contains its
  projected centre, or Truth lists an ``occluded``/``contained`` event over that frame);
  else ``absent`` (in frame, unexplained).
- ``appearance``: dominant colour (mean RGB 0..1 of the more saturated half of the pixels)
  and its rgb-chromaticity, over the central half of the box, read
  from the video when given (so colour defects show), else from the ``color`` attribute.

``Tracks.meta`` carries exact geometry the pixel tracker can only estimate:
``stabilized`` (id -> (T, 2) centroid re-projected into frame 0's camera, camera motion
removed), ``px_per_m`` (id -> (T,) frame 0's focal length / the object's depth in frame 0's
camera: the scale of the stabilised coordinates), ``depth`` (id -> (T,) camera z),
``world`` (id -> (T, 3)), ``floor_y`` (world floor height, 0).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..types import Track, Tracks, Truth, Video

__all__ = ["tracks_from_truth", "appearance_from_pixels", "dominant_colour", "APPEARANCE_DIM",
           "color_rgb"]

APPEARANCE_DIM = 6

#: Named colours of scene specs -> RGB 0..1 (used only when no video is given).
_NAMED = {
    "red": (0.85, 0.15, 0.15), "green": (0.2, 0.7, 0.25), "blue": (0.2, 0.3, 0.85),
    "yellow": (0.9, 0.85, 0.2), "orange": (0.95, 0.55, 0.15), "purple": (0.55, 0.25, 0.7),
    "white": (0.92, 0.92, 0.92), "black": (0.08, 0.08, 0.08), "gray": (0.5, 0.5, 0.5),
    "grey": (0.5, 0.5, 0.5), "brown": (0.5, 0.32, 0.18), "pink": (0.95, 0.55, 0.7),
    "cyan": (0.2, 0.8, 0.85), "magenta": (0.85, 0.2, 0.75),
}


def color_rgb(value: Any) -> np.ndarray | None:
    """A colour attribute (name, ``#rrggbb``, or 3 numbers 0..1 or 0..255) -> RGB 0..1."""
    if value is None:
        return None
    if isinstance(value, str):
        v = value.strip().lower()
        if v.startswith("#") and len(v) == 7:
            return np.array([int(v[i:i + 2], 16) for i in (1, 3, 5)], np.float64) / 255.0
        rgb = _NAMED.get(v)
        return None if rgb is None else np.array(rgb, np.float64)
    try:
        a = np.asarray(value, np.float64).reshape(-1)[:3]
    except (TypeError, ValueError):
        return None
    if a.size != 3 or not np.isfinite(a).all():
        return None
    return a / 255.0 if a.max() > 1.0 else a


def _descriptor(rgb: np.ndarray) -> np.ndarray:
    """RGB (..., 3) in 0..1 -> appearance (..., 6): mean RGB and rg-chromaticity (+ b)."""
    s = rgb.sum(axis=-1, keepdims=True)
    chroma = rgb / np.maximum(s, 1e-6)
    return np.concatenate([rgb, chroma], axis=-1).astype(np.float32)


def appearance_from_pixels(frame: np.ndarray, box: np.ndarray) -> np.ndarray:
    """Appearance of the central half of ``box`` (xyxy px) in one uint8 RGB frame."""
    x0, y0, x1, y1 = (float(v) for v in box)
    cx, cy, hw, hh = (x0 + x1) / 2, (y0 + y1) / 2, max((x1 - x0) / 4, 0.5), max((y1 - y0) / 4, 0.5)
    h, w = frame.shape[:2]
    xa, xb = int(np.clip(np.floor(cx - hw), 0, w - 1)), int(np.clip(np.ceil(cx + hw), 1, w))
    ya, yb = int(np.clip(np.floor(cy - hh), 0, h - 1)), int(np.clip(np.ceil(cy + hh), 1, h))
    patch = frame[ya:max(yb, ya + 1), xa:max(xb, xa + 1)].reshape(-1, 3).astype(np.float64) / 255.0
    return _descriptor(dominant_colour(patch))


def dominant_colour(pixels: np.ndarray) -> np.ndarray:
    """Mean RGB of the more saturated half of ``pixels (N, 3)`` (saturation = max - min):
    the object's own colour, not its white stripes, highlights or dark shading."""
    sat = pixels.max(axis=1) - pixels.min(axis=1)
    keep = sat >= np.median(sat)
    return pixels[keep].mean(axis=0)


def _depth(truth: Truth, pos: np.ndarray) -> np.ndarray:
    """Camera-space z of world points ``(T, 3)``, per frame."""
    cam = truth.camera
    pc = np.einsum("tij,tj->ti", cam.rotation, pos) + cam.translation
    return pc[:, 2]


def _project_ref(truth: Truth, pos: np.ndarray) -> np.ndarray:
    """World points ``(T, 3)`` projected with frame 0's camera -> ``(T, 2)`` px."""
    return truth.camera.project(0, pos)


def _event_cover(truth: Truth, kinds: set[str]) -> dict[str, np.ndarray]:
    """object id -> (T,) bool: frames covered by Truth events of the given kinds."""
    out: dict[str, np.ndarray] = {}
    n = truth.num_frames
    for ev in truth.events:
        if ev.kind not in kinds:
            continue
        end = ev.frame if ev.end_frame is None else ev.end_frame
        for oid in ev.objects[:1]:  # the first object is the one the event is about
            m = out.setdefault(oid, np.zeros(n, bool))
            m[max(ev.frame, 0):min(end, n - 1) + 1] = True
    return out


def tracks_from_truth(truth: Truth, video: Video | None = None) -> Tracks:
    """Exact :class:`Tracks` from a :class:`Truth` (see module docstring for every field)."""
    n = truth.num_frames
    ids = sorted(truth.objects)
    boxes = {i: truth.objects[i].box for i in ids}
    depth = {i: _depth(truth, truth.objects[i].position) for i in ids}
    covered = _event_cover(truth, {"occluded", "contained"})
    frames = None if video is None else video.frames
    tracks: dict[str, Track] = {}
    meta: dict[str, Any] = {"stabilized": {}, "px_per_m": {}, "depth": {}, "world": {},
                            "floor_y": 0.0}
    for i in ids:
        o = truth.objects[i]
        box = np.array(boxes[i], np.float64)
        finite = np.isfinite(box).all(axis=1)
        visible = finite & (o.visible_fraction > 0) & o.exists
        box[~visible] = np.nan
        centroid = np.stack([(box[:, 0] + box[:, 2]) / 2, (box[:, 1] + box[:, 3]) / 2], axis=1)
        area = np.where(visible, (box[:, 2] - box[:, 0]) * (box[:, 3] - box[:, 1]), 0.0)
        ref_uv = _project_ref(truth, o.position)
        cur_uv = np.array([truth.camera.project(t, o.position[t:t + 1])[0] for t in range(n)])
        full_vis = visible & (o.visible_fraction >= 0.9)
        inner = full_vis & ~_touches_border(box, truth.width, truth.height)
        dims = np.maximum(box[:, 2] - box[:, 0], box[:, 3] - box[:, 1])
        half = (0.5 * float(np.nanmedian(dims[inner])) if inner.any() else
                0.5 * float(np.nanmax(dims)) if visible.any() else 0.0)
        state = []
        for t in range(n):
            if visible[t]:
                state.append("visible")
            elif not o.exists[t]:
                state.append("absent")
            elif not o.in_frame[t] or _cut_by_border(cur_uv[t], half, truth):
                state.append("out_of_frame")
            elif (i in covered and covered[i][t]) or _occluder_in_front(
                    i, t, cur_uv[t], depth, boxes, truth):
                state.append("occluded")
            else:
                state.append("absent")
        app = np.full((n, APPEARANCE_DIM), np.nan, np.float32)
        rgb = color_rgb(o.attributes.get("color", o.attributes.get("colour")))
        # appearance only where mostly visible: a partly hidden box holds occluder pixels
        for t in np.flatnonzero(visible & (o.visible_fraction >= 0.6)
                                & ~_touches_border(box, truth.width, truth.height)):
            if frames is not None:
                app[t] = appearance_from_pixels(frames[t], box[t])
            elif rgb is not None:
                app[t] = _descriptor(rgb)
        attrs = {"kind": o.kind, **{k: v for k, v in o.attributes.items()}}
        tracks[i] = Track(id=i, box=box, centroid=centroid, area=area, visible=visible,
                          state=tuple(state), appearance=app, attributes=attrs)
        stab = np.where(visible[:, None], ref_uv, np.nan)
        meta["stabilized"][i] = stab
        # scale of the *stabilised* coordinates: frame 0's camera at the object's position
        z0 = (o.position @ truth.camera.rotation[0].T + truth.camera.translation[0])[:, 2]
        meta["px_per_m"][i] = truth.camera.intrinsics[0, 0, 0] / np.maximum(z0, 1e-6)
        meta["depth"][i] = depth[i]
        meta["world"][i] = np.array(o.position, np.float64)
    return Tracks(tracks=tracks, num_frames=n, width=truth.width, height=truth.height,
                  source="truth", camera=truth.camera, meta=meta)


def _touches_border(box: np.ndarray, w: int, h: int) -> np.ndarray:
    """(T,) bool: the box reaches within 1 px of the image edge (NaN rows: False)."""
    with np.errstate(invalid="ignore"):
        return (box[:, 0] <= 1) | (box[:, 1] <= 1) | (box[:, 2] >= w - 1) | (box[:, 3] >= h - 1)


def _cut_by_border(uv: np.ndarray, half: float, truth: Truth) -> bool:
    """The object's full extent around its projected centre crosses the image edge."""
    if not np.isfinite(uv).all():
        return False
    return bool(uv[0] - half < 0 or uv[1] - half < 0 or uv[0] + half > truth.width
                or uv[1] + half > truth.height)


def _occluder_in_front(oid: str, t: int, uv: np.ndarray, depth: dict[str, np.ndarray],
                       boxes: dict[str, np.ndarray], truth: Truth) -> bool:
    """True when another object nearer to the camera covers the point ``uv`` at frame ``t``."""
    if not np.isfinite(uv).all():
        return False
    for j, b in boxes.items():
        if j == oid or not np.isfinite(b[t]).all() or depth[j][t] >= depth[oid][t]:
            continue
        x0, y0, x1, y1 = b[t]
        if x0 - 1 <= uv[0] <= x1 + 1 and y0 - 1 <= uv[1] <= y1 + 1:
            return True
    return False
