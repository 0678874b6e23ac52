"""Penetration check (``physics_penetration``) as a pure function over trajectories.

Free solid bodies only (containers, tables, walls, people hold or pass things by design).

- **With Truth** (world positions in metres): two spheres whose centres are closer than
  ``0.75 (r_i + r_j)`` (depth: the shortfall as a fraction of the smaller radius), other
  shapes whose centres are closer than half the smallest extent of either (orientation is
  not known), and any body sinking into the floor by more than 25 % of its smallest
  extent.
- **From pixels** there is no depth, but for two objects resting on the floor the image row
  of their floor contact (box bottom) orders them in depth: a camera above the floor sees
  nearer contacts lower. Two floor objects whose contact rows differ by less than
  :data:`SAME_DEPTH` x the smaller object's height share depth, which for a camera about as
  high above the floor as 0.3 x its distance means their depth ranges overlap (``dy / h ~
  cam_h dz / (2 r D)``); their paths may part in depth after they meet, so frames up to
  2 x that apart are judged and the contact-row difference where they cross (linear
  between the frames either side of the swap) must be within it. Two such objects that
  **swap order** along x within
  :data:`MAX_SWAP_GAP` frames passed through each other (depth 1 for each frame of the
  swap), when the order before and after holds on one more judged frame, or, at either
  end of the judged frames, on the nearest frame where both were seen (not as a merged
  share; a fragment seen twice does not swap) and each track keeps its hue across the
  swap (median of up to 3 judged frames on either side within 35 degrees,
  ``track_colour.hue_gap``: a track that jumped onto another object does not count; one
  frame that mixes both colours does not decide it), and neither track jumps between the
  two judged frames (a step between its own sightings longer than its widest judged box
  and 3 x its median step: the tracker mixed up look-alikes, nothing passed through
  anything). Judged frames: the region has its usual area around then (0.3..1.6 x the
  median of its 5 nearest sightings, and at least 0.3 x its median over the clip: an
  object sinking into the floor shows less of itself, a partly hidden one still shows its
  side, a fragment is not the object; a region merged with a neighbour or its shadow has
  neither the object's contact row nor its centre), it is not the tracker's share of a
  merged region (``meta["grouped"]``: a predicted box), and the object rests on the floor
  (contact row within 0.3 heights of its lowest within +-4 frames, the track's steady
  drift of that row taken out; airborne objects are not judged). A track the tracker lost
  while passing through the other object and the new track it started for it on the far
  side are one object here (:func:`_continuations`). Overlapping boxes alone are not judged
  (touching objects and merged regions overlap too); sinking into the floor is not judged
  (a ball's box that includes its shadow looks like a sunk ball's cap).

Score ``exp(-sum over events of frames * depth)``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..types import Tracks
from .physics_traj import Traj, clear_of_edges, near_usual_area, own_sightings, stabilised
from .track_colour import hue_diff, hue_gap, track_hue

__all__ = ["check_penetration"]

#: contact rows closer than this many object heights: same depth (module doc)
SAME_DEPTH = 0.3
#: a swap of order counts when seen across at most this many frames (the two regions
#: merge, or one is lost, while one passes through the other: up to 10 frames at 15 fps
#: on the calibration renders; a bounce keeps the order however long the merge lasts)
MAX_SWAP_GAP = 12


def _pos(tr: Traj, t: int) -> list[float]:
    p = tr.p[t]
    return [float(p[0]), float(p[1])] if np.isfinite(p).all() else [float("nan")] * 2


def check_penetration(trajs: Mapping[str, Traj], tracks: Tracks
                      ) -> tuple[float | None, dict[str, Any]]:
    solids = [tr for tr in trajs.values() if tr.visible.any() and tr.free and _solid(tracks, tr.id)]
    world = tracks.meta.get("world", {}) if isinstance(tracks.meta, Mapping) else {}
    floor_y = float(tracks.meta.get("floor_y", 0.0)) if isinstance(tracks.meta, Mapping) else 0.0
    events: list[dict[str, Any]] = []
    for tr in solids:  # sinking into the floor (Truth only: needs heights in metres)
        if tr.id not in world:
            continue
        half_h = 0.5 * min(_extent_m(tr))  # lying or standing, its thinnest side is down
        y = np.asarray(world[tr.id], np.float64)[:, 1]
        sink = np.clip((floor_y - (y - half_h)) / max(2 * half_h, 1e-6), 0, None)
        frames = np.flatnonzero(tr.visible & (sink > 0.25))
        for run in _runs(frames):
            events.append({"kind": "sinks_into_floor", "objects": [tr.id], "object": tr.id,
                           "frames": [int(run[0]), int(run[-1])],
                           "position": _pos(tr, int(run[0])), "depth": float(sink[run].max())})
    if len(solids) < 2 and not events:
        return None, {"reason": "fewer than two free solid objects"}
    if all(tr.id in world for tr in solids):
        for a in range(len(solids)):
            for b in range(a + 1, len(solids)):
                ta, tb = solids[a], solids[b]
                _add(events, [ta.id], [tb.id], _penetration_3d(ta, tb, world), trajs)
    else:
        objs = _pixel_objects(tracks, [tr.id for tr in solids])
        names = list(objs)
        for a in range(len(names)):
            for b in range(a + 1, len(names)):
                depth = _penetration_2d(tracks.num_frames, objs[names[a]], objs[names[b]])
                _add(events, objs[names[a]].members, objs[names[b]].members, depth, trajs)
    penalty = sum((e["frames"][1] - e["frames"][0] + 1) * e["depth"] for e in events)
    return float(np.exp(-penalty)), {"events": events, "pairs": len(solids) * (len(solids) - 1) // 2}


def _add(events: list[dict[str, Any]], a: list[str], b: list[str], depth: np.ndarray,
         trajs: Mapping[str, Traj]) -> None:
    """Append one interpenetration event per run of frames with ``depth > 0`` between the
    objects made of tracks ``a`` and ``b``."""
    for run in _runs(np.flatnonzero(depth > 0)):
        t = int(run[0])
        first = next((x for x in a if trajs[x].visible[t]), a[0])
        events.append({"kind": "interpenetration", "objects": [*a, *b], "object": a[0],
                       "frames": [t, int(run[-1])], "position": _pos(trajs[first], t),
                       "depth": float(depth[run].max())})


def _runs(frames: np.ndarray) -> list[np.ndarray]:
    return [r for r in np.split(frames, np.flatnonzero(np.diff(frames) > 1) + 1) if r.size]


def _solid(tracks: Tracks, tid: str) -> bool:
    attrs = tracks.tracks[tid].attributes
    if attrs.get("solid") is False:
        return False
    return str(attrs.get("kind", "")) not in ("person", "bird", "screen")


def _extent_m(tr: Traj) -> tuple[float, float, float]:
    """(width, height, depth) in metres: from the scene when known, else from pixels."""
    if tr.scene and tr.scene.get("width_m"):
        w, h = float(tr.scene["width_m"]), float(tr.scene.get("height_m", tr.scene["width_m"]))
        return w, h, float(tr.scene.get("depth_m", w))
    s = tr.size[tr.full] / tr.px_per_m[tr.full]
    s = s[np.isfinite(s)]
    d = float(np.median(s)) if s.size else 0.4
    return d, d, d


def _penetration_3d(ta: Traj, tb: Traj, world: Mapping[str, Any]) -> np.ndarray:
    """Penetration depth per frame (0 when apart) from Truth centres (module doc)."""
    xa, xb = np.asarray(world[ta.id]), np.asarray(world[tb.id])
    ea, eb = np.array(_extent_m(ta)), np.array(_extent_m(tb))
    kinds = {str((t.scene or {}).get("kind", "")) for t in (ta, tb)}
    if kinds == {"sphere"}:
        ra, rb = ea[0] / 2, eb[0] / 2
        d = np.linalg.norm(xa - xb, axis=1)
        pen = (0.75 * (ra + rb) - d) / max(min(ra, rb), 1e-6)
    else:  # orientation unknown (toppled, yawed): only centres deep inside each other count
        reach = 0.5 * float(min(ea.min(), eb.min()))
        d = np.linalg.norm(xa - xb, axis=1)
        pen = 1.0 - d / max(reach, 1e-6)
    return np.where(np.isfinite(pen), np.clip(pen, 0, None), 0.0)


def _floor_contact(tracks: Tracks, tid: str) -> tuple[np.ndarray, np.ndarray, float]:
    """Stabilised box ``(T, 4)`` of a pixel track, whether each frame rests on the floor
    (contact row within 0.3 heights of the track's lowest row within +-4 frames) with the
    region's usual area, and its median height in px."""
    tr = tracks.tracks[tid]
    box = np.asarray(tr.box, np.float64).copy()
    f2r = tracks.meta.get("frame_to_ref") if isinstance(tracks.meta, Mapping) else None
    if f2r is not None:  # camera translation (the tracker's model) moves the whole box
        box[:, [0, 2]] += np.asarray(f2r)[:, 0, 2][:, None]
        box[:, [1, 3]] += np.asarray(f2r)[:, 1, 2][:, None]
    height = box[:, 3] - box[:, 1]
    vis = own_sightings(tracks, tid) & np.isfinite(box).all(axis=1)
    if not vis.any():
        return box, vis, 1.0
    area = np.asarray(tr.area, np.float64)
    seen = np.flatnonzero(vis)
    vis = near_usual_area(area, seen, 0.3, 1.6) & (area >= 0.3 * float(np.median(area[seen])))
    if not vis.any():
        return box, vis, 1.0
    h_med = float(np.median(height[vis]))
    # the floor row drifts as the object rolls nearer or the camera dollies or tilts:
    # compare with the lowest contact row within +-4 frames, after taking out the track's
    # steady drift (median per-frame change of its contact row)
    t_vis = np.flatnonzero(vis)
    rows = box[t_vis, 3]
    drift = float(np.median(np.diff(rows) / np.diff(t_vis))) if t_vis.size >= 3 else 0.0
    n = len(box)
    bottom = np.where(vis, box[:, 3] - drift * np.arange(n), -np.inf)
    lowest = np.array([bottom[max(0, t - 4):t + 5].max() for t in range(n)])
    on_floor = vis & (bottom >= lowest - SAME_DEPTH * h_med)
    return box, on_floor, h_med


@dataclass
class _FloorObject:
    """A pixel object for the order-swap rule: one track, or a track and its continuation
    (the tracker lost the object as it passed through the other and started a new track
    for it on the far side). ``box``: stabilised ``(T, 4)``; ``on_floor``: judged frames;
    ``height``: median box height (px); ``app``: appearance rows; ``seen``: frames with an
    observation of its own (not a merged share)."""

    members: list[str]
    box: np.ndarray
    on_floor: np.ndarray
    height: float
    app: np.ndarray
    seen: np.ndarray


def _pixel_objects(tracks: Tracks, ids: list[str]) -> dict[str, _FloorObject]:
    """Per solid pixel track a :class:`_FloorObject`; a track that ends where a later one
    continues it (:func:`_continuations`) is joined with it into one."""
    objs: dict[str, _FloorObject] = {}
    for tid in ids:
        box, on_floor, h = _floor_contact(tracks, tid)
        objs[tid] = _FloorObject([tid], box, on_floor, h,
                                 np.asarray(tracks.tracks[tid].appearance, np.float64),
                                 own_sightings(tracks, tid))
    for x, y in _continuations(tracks, ids).items():
        if x not in objs or y not in objs:
            continue
        ox, oy = objs.pop(x), objs.pop(y)
        # y's box where x is not seen, or not judged while y is (the frame they share)
        use_y = ~np.asarray(tracks.tracks[x].visible, bool) | (oy.on_floor & ~ox.on_floor)
        objs[f"{x}+{y}"] = _FloorObject(
            ox.members + oy.members, np.where(use_y[:, None], oy.box, ox.box),
            ox.on_floor | oy.on_floor, float(np.median([ox.height, oy.height])),
            np.where(use_y[:, None], oy.app, ox.app), ox.seen | oy.seen)
    return objs


def _continuations(tracks: Tracks, ids: list[str]) -> dict[str, str]:
    """Track x -> track y when y is x's object seen again: y is first seen from 2 frames
    before to :data:`MAX_SWAP_GAP` frames after x's last sighting (the object passed through
    shows in two pieces for a frame or two, and the tracker followed the wrong one), away
    from the image edge, within
    reach (``2 x max(gap, 1) x speed + size`` of where x was last seen; speed: x's median step,
    stabilised px), in the same hue (medians over all sightings within 20 degrees, both
    saturated: the last frames before the loss are often mixed with the other object),
    and no other track fits either end."""
    info = {}
    for tid in ids:
        tr = tracks.tracks[tid]
        vis = np.flatnonzero(tr.visible)
        hue = track_hue(tr.appearance, vis)
        if vis.size < 2 or hue is None:
            continue
        p = stabilised(tracks, tid)
        steps = np.linalg.norm(np.diff(p[vis], axis=0), axis=1) / np.diff(vis)
        inner = clear_of_edges(tr.box[vis[0]], tracks.width, tracks.height)
        info[tid] = (int(vis[0]), int(vis[-1]), hue, p[vis[0]], p[vis[-1]],
                     float(np.median(steps)), float(np.sqrt(np.median(tr.area[vis]))), inner)

    def fits(x: str, y: str) -> bool:
        _, end, hx, _, px, v, size, _ = info[x]
        start, _, hy, py, _, _, _, inner = info[y]
        gap = start - end
        return (-2 <= gap <= MAX_SWAP_GAP and inner and hue_diff(hx, hy) <= 20.0
                and float(np.linalg.norm(py - px)) <= 2 * max(gap, 1) * v + size)

    pairs = [(x, y) for x in info for y in info if x != y and fits(x, y)]
    out = {}
    for x, y in pairs:
        if sum(1 for a, _ in pairs if a == x) == 1 and sum(1 for _, b in pairs if b == y) == 1:
            out[x] = y
    return out


def _penetration_2d(n: int, oa: _FloorObject, ob: _FloorObject) -> np.ndarray:
    """Per-frame depth of two pixel objects resting on the floor at one depth (module doc)."""
    ba, fa, ha = oa.box, oa.on_floor, oa.height
    bb, fb, hb = ob.box, ob.on_floor, ob.height
    out = np.zeros(n)
    tol = SAME_DEPTH * min(ha, hb)
    dy = ba[:, 3] - bb[:, 3]  # contact rows: nearer is lower
    dx = (ba[:, 0] + ba[:, 2]) / 2 - (bb[:, 0] + bb[:, 2]) / 2
    with np.errstate(invalid="ignore"):
        # judged frames: both on the floor, at one depth or at most 2 tolerances apart (their
        # paths may part in depth after they meet; the depth at the crossing decides)
        both = fa & fb & (np.abs(dy) < 2 * tol)
    frames = np.flatnonzero(both)
    if not frames.size:
        return out
    with np.errstate(invalid="ignore"):
        side_all = np.sign(dx)
    side = side_all[frames]
    # frames both were seen (not judged: merged, or off the floor): the order they held
    # there confirms a swap at either end of the judged frames (predicted boxes of merged
    # shares have no order of their own)
    seen = np.flatnonzero(np.isfinite(side_all) & (side_all != 0) & oa.seen & ob.seen)

    def held(k: int, before: bool) -> bool:
        j = k - 1 if before else k + 1
        if 0 <= j < len(frames):
            return bool(side[j] == side[k])
        t = frames[k]
        near = seen[seen < t][-1:] if before else seen[seen > t][:1]
        return bool(near.size and side_all[near[0]] == side[k])

    for k in range(len(frames) - 1):
        t0, t1 = frames[k], frames[k + 1]
        # depth difference where they cross (linear between the two frames) within tolerance
        u = abs(dx[t0]) / max(abs(dx[t0]) + abs(dx[t1]), 1e-9)
        # swapped order (passed through), held on the judged frame before and after, by
        # tracks that kept their colour (not a track that jumped onto another object)
        if (t1 - t0 <= MAX_SWAP_GAP and side[k] * side[k + 1] < 0
                and abs(dy[t0] + u * (dy[t1] - dy[t0])) < tol
                and held(k, True) and held(k + 1, False)
                and not (_jumps(oa, t0, t1) or _jumps(ob, t0, t1))
                and all(hue_gap(app, frames[max(0, k - 2):k + 1], frames[k + 1:k + 4]) <= 35.0
                        for app in (oa.app, ob.app))):
            out[t0:t1 + 1] = 1.0
    return out


def _jumps(o: _FloorObject, t0: int, t1: int) -> bool:
    """Between its sightings of its own from frame ``t0`` to ``t1`` the object's box centre
    moves further in one frame than its widest box on the floor (judged frames) and 3 x its
    median step: the track jumped onto another object (a look-alike the tracker mixed up),
    it did not pass through one."""
    seen = np.flatnonzero(o.seen & np.isfinite(o.box).all(axis=1))
    if seen.size < 2 or not o.on_floor.any():
        return False
    c = (o.box[seen, :2] + o.box[seen, 2:]) / 2
    step = np.linalg.norm(np.diff(c, axis=0), axis=1) / np.diff(seen)
    width = float(np.max(o.box[o.on_floor, 2] - o.box[o.on_floor, 0]))
    limit = max(width, 3.0 * float(np.median(step)))
    span = (seen[1:] > t0) & (seen[:-1] < t1)
    return bool((step[span] > limit).any())
