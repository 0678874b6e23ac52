"""Trajectory helpers shared by the physics and permanence metrics (pure numpy).

Coordinates are pixel-like units with y pointing **down**, camera motion removed. Truth
tracks: the world position seen from the side (x, -height) times the object's median pixels
per metre (exact, no perspective). Pixel tracks: ``meta["stabilized"]`` (frame-0 pixel
coordinates from the tracker's background motion estimate) when present, else the raw
centroids (static-camera assumption).
Times are frame indices; velocities px/frame, accelerations px/frame^2.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..types import Prompt, Track, Tracks
from .track_colour import hue_deg

__all__ = ["Traj", "trajectories", "bind_scene", "free_flight_segments", "bounces",
           "own_sightings", "clear_of_edges", "boxes_near", "box_centre", "stabilised",
           "track_size", "near_usual_area", "DEFAULT_SIZE_M", "NON_FREE_KINDS"]

#: Real size assumed for an object of unknown size (metres), for the metric scale of pixel
#: tracks that no scene describes.
DEFAULT_SIZE_M = 0.4
#: Kinds that are not free bodies (occluders, furniture, self-propelled things).
NON_FREE_KINDS = frozenset({"wall", "screen", "pillar", "building", "container", "table",
                            "person", "car", "flying_car", "bird", "drone"})
#: Scene motions of self-propelled or scripted objects: gravity is not judged on them.
NON_FREE_MOTIONS = frozenset({"path", "flies", "walks", "runs", "waves", "jumps", "picks_up",
                              "carries", "spins"})


@dataclass
class Traj:
    """One track, reduced to what physics needs (all arrays length T).

    ``p``: stabilised centroid (NaN where not visible); ``size``: box diagonal / sqrt 2 in px
    (the diameter of a ball); ``full``: visible, off the image border, and its area within
    0.75..1.35 x the track's median (not cut by occlusion, not merged with something touching
    it); ``px_per_m``: pixels per metre at the object's depth (NaN when unknown); ``free``: a
    free body (gravity applies; not a person, vehicle, occluder, fragment, or something a
    character picks up or carries); ``y_ok``: frames whose vertical position is reliable:
    ``full`` ones, and those cut only by the left or right image edge while the region keeps
    its usual height (its centre is still inside, so the box's vertical middle is the
    object's); None means ``full``.
    """

    id: str
    p: np.ndarray
    size: np.ndarray
    full: np.ndarray
    visible: np.ndarray
    px_per_m: np.ndarray
    free: bool
    scene: Mapping[str, Any] | None
    y_ok: np.ndarray | None = None

    def __post_init__(self) -> None:
        if self.y_ok is None:
            self.y_ok = self.full

    @property
    def typical_size(self) -> float:
        s = self.size[self.full]
        return float(np.median(s)) if s.size else float(np.nanmedian(self.size)) if \
            np.isfinite(self.size).any() else 1.0


def _scene_objects(prompt: Prompt | None) -> dict[str, dict[str, Any]]:
    """Scene objects of a prompt (id -> kind, size_m, color, motion), best effort."""
    if prompt is None or prompt.scene is None:
        return {}
    try:
        from ..generator.reference.scene import parse_scene

        scene = parse_scene(prompt.scene)
        carried = {o.target for o in scene.objects if o.motion in ("picks_up", "carries")}
        return {o.id: {"carried": o.id in carried, "kind": o.kind, "size_m": float(max(o.size[0], o.size[1])),
                       "width_m": float(o.size[0]), "height_m": float(o.size[1]),
                       "depth_m": float(o.size[2]),
                       "color": tuple(o.color), "motion": o.motion} for o in scene.objects}
    except Exception:  # noqa: BLE001 - an unparsable scene just means "no scene knowledge"
        return {}


def bind_scene(tracks: Tracks, prompt: Prompt | None) -> dict[str, str]:
    """Track id -> scene object id. Truth tracks carry scene ids already; pixel tracks are
    matched by colour: Hungarian on the hue difference (degrees / 180) between the track's
    median dominant colour and the scene colour (RGB distance when both are grey, plus a
    small penalty for small tracks); pairs costing more than 35 degrees stay unbound."""
    objs = _scene_objects(prompt)
    if not objs:
        return {}
    direct = {tid: tid for tid in tracks.tracks if tid in objs}
    if direct:
        return direct
    from scipy.optimize import linear_sum_assignment

    tids = [t for t, tr in tracks.tracks.items() if np.isfinite(tr.appearance).any()]
    oids = [o for o in objs if objs[o]["kind"] not in ("wall", "screen", "pillar", "building")]
    if not tids or not oids:
        return {}
    # hue (degrees) of the track's median dominant colour vs the scene colour; rendering
    # shades and tints colours but keeps their hue. Grey on either side: distance by rgb.
    tapp = np.array([np.nanmedian(tracks.tracks[t].appearance, axis=0) for t in tids])
    orgb = np.array([np.asarray(objs[o]["color"], np.float64) for o in oids])
    th, oh = hue_deg(tapp[:, :3]), hue_deg(orgb)
    tsat = np.linalg.norm(tapp[:, 3:6] - 1 / 3, axis=1) > 0.06
    osat = (orgb.max(axis=1) - orgb.min(axis=1)) > 0.15
    dh = np.abs((th[:, None] - oh[None] + 180.0) % 360.0 - 180.0) / 180.0
    drgb = np.linalg.norm(tapp[:, None, :3] - orgb[None], axis=-1)
    cost = np.where(tsat[:, None] & osat[None], dh, np.where(~tsat[:, None] & ~osat[None],
                                                             drgb, 1.0))
    # bigger tracks first: a shadow or fragment should not take an object's colour
    area = np.array([np.median(tracks.tracks[t].area[tracks.tracks[t].visible]) for t in tids])
    cost = cost + 0.05 * (1.0 - area / max(area.max(), 1e-6))[:, None]
    r, c = linear_sum_assignment(cost)
    return {tids[a]: oids[b] for a, b in zip(r, c) if cost[a, b] < 35.0 / 180.0 + 0.05}


def _traj(tr: Track, tracks: Tracks, scene: Mapping[str, Any] | None) -> Traj:
    n = tracks.num_frames
    p = stabilised(tracks, tr.id).reshape(n, 2).copy()
    vis = np.asarray(tr.visible, bool) & np.isfinite(p).all(axis=1)
    p[~vis] = np.nan
    box = np.asarray(tr.box, np.float64)
    bw, bh = box[:, 2] - box[:, 0], box[:, 3] - box[:, 1]
    size = np.where(vis, np.sqrt((bw ** 2 + bh ** 2) / 2), np.nan)
    full = vis.copy()
    y_ok = vis.copy()
    if vis.any():
        # the region's usual size: smaller is cut (occlusion), larger is merged with
        # something touching it (its shadow, another object)
        med = np.nanmedian(np.asarray(tr.area, np.float64)[vis])
        pix = np.asarray(tr.area, np.float64)
        full &= (pix >= 0.75 * med) & (pix <= 1.35 * med)
        w, h = tracks.width, tracks.height
        in_x = (box[:, 0] > 0.5) & (box[:, 2] < w - 0.5)
        in_y = (box[:, 1] > 0.5) & (box[:, 3] < h - 0.5)
        full &= in_x & in_y
        # cut by a side edge only: y stays right while the box keeps its usual height (a
        # falling ball drifting out sideways under a pan or a dolly)
        h_med = float(np.median(bh[full])) if full.any() else np.nan
        y_ok = full | (vis & ~in_x & in_y & (bh >= 0.9 * h_med) & (bh <= 1.15 * h_med)
                       & (pix >= 0.35 * med) & (pix <= 1.35 * med))
    ppm = np.full(n, np.nan)
    meta_ppm = tracks.meta.get("px_per_m", {}) if isinstance(tracks.meta, Mapping) else {}
    world = tracks.meta.get("world", {}) if isinstance(tracks.meta, Mapping) else {}
    if tr.id in world and tr.id in meta_ppm:
        # Truth: a side view of the world position (x right, height up -> y down), scaled by
        # the object's median pixels per metre: perspective and camera motion are gone
        sc = float(np.nanmedian(np.asarray(meta_ppm[tr.id], np.float64)[vis])) if vis.any() else 1.0
        xyz = np.asarray(world[tr.id], np.float64).reshape(n, 3)
        p = np.stack([xyz[:, 0], -xyz[:, 1]], axis=1) * sc
        p[~vis] = np.nan
        ppm = np.full(n, sc)
        y_ok = vis  # world positions: exact however much of the object is in view
    elif tr.id in meta_ppm:
        ppm = np.asarray(meta_ppm[tr.id], np.float64).reshape(n)
    else:
        size_m = float(scene["size_m"]) if scene else DEFAULT_SIZE_M
        if full.any():
            ppm = np.where(vis, np.median(size[full]) / size_m, np.nan)
    kind = str(tr.attributes.get("kind", scene.get("kind", "") if scene else ""))
    motion = str(scene.get("motion", "")) if scene else str(tr.attributes.get("motion", ""))
    free = kind not in NON_FREE_KINDS and motion not in NON_FREE_MOTIONS \
        and not tr.attributes.get("parent") and not (scene or {}).get("carried")
    return Traj(tr.id, p, size, full, vis, ppm, free, scene, y_ok)


def own_sightings(tracks: Tracks, tid: str) -> np.ndarray:
    """``(T,)`` bool: frames where track ``tid`` was seen on its own: visible, and not the
    tracker's share of a merged region (``meta["grouped"]``: a predicted box, not a
    sighting)."""
    own = np.asarray(tracks.tracks[tid].visible, bool).copy()
    grouped = tracks.meta.get("grouped", {}) if isinstance(tracks.meta, Mapping) else {}
    own[list(grouped.get(tid, ()))] = False
    return own


def stabilised(tracks: Tracks, tid: str) -> np.ndarray:
    """``(T, 2)`` positions of track ``tid`` in camera-stabilised px (``meta["stabilized"]``;
    its centroids when the tracks carry none)."""
    stab = tracks.meta.get("stabilized", {}) if isinstance(tracks.meta, Mapping) else {}
    return np.asarray(stab.get(tid, tracks.tracks[tid].centroid), np.float64)


def track_size(tr: Track) -> float:
    """A track's size in px: the square root of its median area over its visible frames (0
    when never seen)."""
    vis = np.asarray(tr.visible, bool)
    return float(np.sqrt(np.median(np.asarray(tr.area)[vis]))) if vis.any() else 0.0


def near_usual_area(area: np.ndarray, seen: np.ndarray, lo: float, hi: float,
                    reach: int = 2) -> np.ndarray:
    """(T,) bool: at each frame of ``seen`` (sorted frame indices) the area lies within
    ``lo..hi`` x the median over its ``2 reach + 1`` nearest sightings (itself included),
    not over the whole track: a region that shrinks or grows steadily (an object slowing
    down, sinking into the floor) keeps its usual size, a merge or a cut does not."""
    area = np.asarray(area, np.float64)
    out = np.zeros(len(area), bool)
    for j, t in enumerate(seen):
        m = float(np.median(area[seen[max(0, j - reach):j + reach + 1]]))
        out[t] = lo * m <= area[t] <= hi * m
    return out


def boxes_near(box_a: np.ndarray, box_b: np.ndarray, slack: float) -> bool:
    """Whether two xyxy boxes overlap or come within ``slack`` px of each other (False when
    either is unseen: NaN)."""
    if not (np.isfinite(box_a).all() and np.isfinite(box_b).all()):
        return False
    return bool(box_a[0] - slack <= box_b[2] and box_b[0] - slack <= box_a[2]
                and box_a[1] - slack <= box_b[3] and box_b[1] - slack <= box_a[3])


def box_centre(box: np.ndarray) -> list[float]:
    """Centre ``[x, y]`` of an xyxy box."""
    return [float((box[0] + box[2]) / 2), float((box[1] + box[3]) / 2)]


def clear_of_edges(box: np.ndarray, width: int, height: int, margin: float = 1.0) -> bool:
    """Whether an xyxy box stays more than ``margin`` px inside every image edge."""
    return bool(box[0] > margin and box[1] > margin and box[2] < width - margin
                and box[3] < height - margin)


def trajectories(tracks: Tracks, prompt: Prompt | None = None) -> dict[str, Traj]:
    """Every track as a :class:`Traj` (scene knowledge attached when the prompt has a scene)."""
    objs = _scene_objects(prompt)
    binding = bind_scene(tracks, prompt) if objs else {}
    return {tid: _traj(tr, tracks, objs.get(binding.get(tid, ""))) for tid, tr in
            sorted(tracks.tracks.items())}


def bounces(tr: Traj, min_drop: float = 0.5) -> list[int]:
    """Frames where the object hits bottom and rebounds: y (down) is a local maximum over its
    neighbours (strictly above one of them by 2 % of the size), it fell at least ``min_drop``
    sizes since the previous bounce (or the start), and it rises by 5 % of the size within
    the next 2 frames. The sample at the maximum may lie just before or just after the contact,
    so callers leave that frame out of both flights."""
    y = tr.p[:, 1]
    size = tr.typical_size
    n = len(y)
    out: list[int] = []
    for t in range(1, n - 1):
        if not np.isfinite(y[t - 1:t + 2]).all():
            continue
        if not (y[t] >= y[t - 1] and y[t] >= y[t + 1]):
            continue
        if max(y[t] - y[t - 1], y[t] - y[t + 1]) <= 0.02 * size:
            continue
        after = y[t + 1:t + 3]
        if not (np.isfinite(after).any() and y[t] - np.nanmin(after) > 0.05 * size):
            continue
        start = out[-1] + 1 if out else 0
        seg = y[start:t]
        seg = seg[np.isfinite(seg)]
        if seg.size and y[t] - seg.min() >= min_drop * size:
            out.append(t)
    return out


def _landings(tr: Traj) -> list[int]:
    """Frames where a falling object stops going down or brakes (arrives from above by > 2 %
    of its size, then descends less than 60 % as fast, over the next step and over the next
    two on average when there are two): in free flight a descent only speeds up, so any
    such frame is a contact (a dead landing, a small hop, settling). A pixel track's
    centroid moves in whole-pixel jumps: one short step in a slow fall is not a contact."""
    y = tr.p[:, 1]
    eps = 0.02 * tr.typical_size
    out = []
    for t in range(1, len(y) - 1):
        if not np.isfinite(y[t - 1:t + 2]).all():
            continue
        down, nxt = y[t] - y[t - 1], y[t + 1] - y[t]
        two = (y[t + 2] - y[t]) / 2 if t + 2 < len(y) and np.isfinite(y[t + 2]) else nxt
        # stops descending, or brakes hard while descending (free fall only speeds up)
        if down > eps and (nxt <= eps or max(nxt, two) < 0.6 * down - eps):
            out.append(t)
    return out


def _hidden_rebounds(tr: Traj, idx: np.ndarray) -> list[int]:
    """Frames just before a one-frame gap across which a descending object (by > 2 % of its
    size per frame) rises or brakes (its mean step across the gap is under 60 % of the step
    before, as :func:`_landings` judges braking): a contact hidden in the gap
    (:func:`bounces` and :func:`_landings` need the neighbours of the lowest frame). A
    descent in free flight only speeds up."""
    y = tr.p[:, 1]
    eps = 0.02 * tr.typical_size
    out = []
    for k in range(1, len(idx) - 1):
        a, b = int(idx[k]), int(idx[k + 1])
        if b - a != 2:
            continue
        down = (y[a] - y[idx[k - 1]]) / (a - idx[k - 1])
        across = (y[b] - y[a]) / (b - a)
        if down > eps and across < 0.6 * down - eps:
            out.append(a)
    return out


def free_flight_segments(tr: Traj, min_len: int = 5, min_span: float = 0.5) -> list[np.ndarray]:
    """Frame-index arrays of free-flight candidates: runs of frames with a reliable vertical
    position (``y_ok``; gaps of one
    frame allowed) between bounces and landings, trimmed at both ends of frames moving less
    than 2 % of the size per frame vertically, with at least ``min_len`` frames and a vertical extent of at
    least ``min_span`` sizes."""
    if not tr.free:
        return []
    size = tr.typical_size
    idx = np.flatnonzero(tr.y_ok)
    if idx.size < min_len:
        return []
    cuts = set(bounces(tr)) | set(_landings(tr)) | set(_hidden_rebounds(tr, idx))
    runs: list[list[int]] = [[int(idx[0])]]
    for a, b in zip(idx[:-1], idx[1:]):
        if b - a > 2 or any(a <= c <= b for c in cuts):
            runs.append([])
        if int(b) not in cuts:
            runs[-1].append(int(b))
    out = []
    for r in runs:
        r = [t for t in r if t not in cuts]
        if len(r) < min_len:
            continue
        pts = tr.p[r]
        step = np.abs(np.diff(pts[:, 1]))
        moving = np.concatenate([[step[0]], step]) > 0.02 * size
        # trim frames without vertical motion at both ends (resting, or sliding along a
        # table before falling off it, is not free flight)
        lo = int(np.argmax(moving))
        hi = len(r) - int(np.argmax(moving[::-1]))
        r = r[max(lo - 1, 0):hi]
        if len(r) < min_len:
            continue
        y = tr.p[r, 1]
        if np.nanmax(y) - np.nanmin(y) >= min_span * size:
            out.append(np.asarray(r))
    return out
