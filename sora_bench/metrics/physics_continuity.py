"""physics_continuity as pure functions over :class:`~.physics_traj.Traj` (image px, y down):
teleports and freezes (return value and events as in :mod:`.physics_checks`).

A teleport: the displacement ``d_t = |p_t - p_prev|`` over a gap of ``g`` frames is one
when ``J = d_t / (2 * g * v_med + 0.5 * size + 1 px) > 1`` with ``v_med`` the median
speed of the 6 neighbouring steps (excluding this one); the same per axis (x and y
separately, with the median per-axis speeds) when >= 2 steps lie on each side, so a
sideways jump of a falling object is not hidden by its fall speed. On pixel tracks a jump
across frames where the track was not seen counts only when the object was seen on 2
steps before it and stays where it landed (next 2 steps short); and a track that ends
away from the image edge while a same-hue track starts (or comes back) 1-2 frames later
and stays, further away than that allowance, is a teleport too (the tracker's gate split
the jumping object).
A freeze is a run of >= 3 frames moving less than ``max(0.25 px, 0.02 size)`` per frame
while the object moves faster than ``max(0.75 px, 0.08 size)`` per frame both before and
after, and that did not slow down into the stop (last step >= half the median of the 3
before: friction stops are legal, and a collision may start it again), unless it lasts
at most 5 frames (:data:`TURN_PAUSE`) where the motion turns on either axis (the top of
a hop, a bounce, a roller pushed back: the speed passes through zero there, while a
frozen frame resumes the course the object was on). On pixel tracks
a still run of up to 4 frames in contact with another track (boxes within 1 px, or a
share of a merged region, in half its frames) is a collision, not a freeze; a still run
whose box touches the image edge in half its frames is an object crossing the edge (its
visible part stays pinned there); and two
tracks that jump across the same frames, each to where the other came from, exchanged
identities (``details["exchanges"]``, a clue for ``object_permanence``'s identity
swaps), so neither counts as a teleport. Score
``exp(-(sum (J - 1) over teleports + sum run_length / 3 over freezes))``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from ..types import Tracks
from .permanence_swaps import exchanged
from .physics_checks import position
from .physics_traj import Traj, boxes_near, clear_of_edges, own_sightings
from .track_colour import brightness, hue_diff, track_hue

__all__ = ["check_continuity", "BOX_SPREAD", "TURN_PAUSE"]


def _teleports(tr: Traj, confirmed: bool = False) -> list[dict[str, Any]]:
    """Jumps beyond ``2 gap v_med + size / 2 + 1`` px (v_med: median speed of the 3 steps on
    either side; per axis as well). ``confirmed`` (pixel tracks): a jump across frames where
    the track was not seen counts only when the object was seen on 2 steps before it and
    stays where it landed (the next 2 steps, each within 2 frames, shorter than half the
    jump): a tracker that coasts through a gap and then grabs some other region makes
    such jumps on clean clips."""
    idx = np.flatnonzero(tr.visible)
    if idx.size < 3:
        return []
    size = tr.typical_size
    p = tr.p[idx]
    steps = np.linalg.norm(np.diff(p, axis=0), axis=1)
    gaps = np.diff(idx).astype(np.float64)
    speed = steps / gaps
    # per axis too: gravity and bounces change the vertical speed, nothing changes the
    # horizontal one of a free body much, so a sideways jump is judged against the
    # sideways speed alone
    d_xy = np.abs(np.diff(p, axis=0))
    speed_xy = d_xy / gaps[:, None]
    out = []
    for k in range(len(steps)):
        nb = np.concatenate([speed[max(0, k - 3):k], speed[k + 1:k + 4]])
        v_med = float(np.median(nb)) if nb.size else 0.0
        allow = 2.0 * gaps[k] * v_med + 0.5 * size + 1.0
        j = steps[k] / allow
        before, after = speed_xy[max(0, k - 3):k], speed_xy[k + 1:k + 4]
        nb_xy = np.concatenate([before, after])
        # (only with >= 2 steps on each side: a body just set going, e.g. a fragment of
        # something that broke, has no sideways speed to speak of yet)
        if len(before) >= 2 and len(after) >= 2:
            allow_xy = 2.0 * gaps[k] * np.median(nb_xy, axis=0) + 0.5 * size + 1.0
            j = max(j, float((d_xy[k] / allow_xy).max()))
        if j > 1.0 and confirmed and gaps[k] > 1 and not (
                k >= 2 and k + 2 < len(steps) and (gaps[k + 1:k + 3] <= 2).all()
                and (steps[k + 1:k + 3] < 0.5 * steps[k]).all()):
            continue
        if j > 1.0:
            t0, t1 = int(idx[k]), int(idx[k + 1])
            out.append({"kind": "teleport", "object": tr.id, "frames": [t0, t1],
                        "position": position(tr, t1), "from": position(tr, t0),
                        "jump_px": float(steps[k]), "allowed_px": float(allow), "J": float(j)})
    return out


#: pixel tracks: a frame whose box is wider or taller than this many times the track's usual
#: box (+1 px) is a region spanning more than the object; its centroid is no position
BOX_SPREAD = 2.0
#: the longest still run (frames) that counts as a turn of the motion rather than a freeze
TURN_PAUSE = 5


def _freezes(tr: Traj) -> list[dict[str, Any]]:
    """Still runs (>= 3 frames showing one position) of an object that was cruising before
    (the last step before the run is at least half its speed 3 steps earlier: it did not slow
    down to a stop) and moves again after."""
    size = tr.typical_size
    p = tr.p
    n = len(p)
    step = np.full(n, np.nan)
    step[1:] = np.linalg.norm(np.diff(p, axis=0), axis=1)
    still = step < max(0.25, 0.02 * size)
    moving = step > max(0.75, 0.08 * size)
    out = []
    t = 1
    while t < n:
        if still[t]:
            s = t
            while t < n and still[t]:
                t += 1
            run = t - s + 1  # frames s-1 .. t-1 show the same position
            before = s >= 2 and moving[s - 1]
            if before and s >= 4 and np.isfinite(step[s - 4:s - 1]).all():
                before = step[s - 1] >= 0.5 * float(np.median(step[s - 4:s - 1]))
            after = t < n and moving[t:t + 2].any()
            # a short pause where the motion turns (rising to falling: the top of a hop;
            # falling to rising: a bounce; a roller pushed back) is where the speed passes
            # through zero, and a pixel centroid stays put for a few frames there; a frozen
            # frame instead resumes the course the object was on
            turn = run <= TURN_PAUSE and s >= 2 and t < n and any(
                (p[s - 1, a] - p[s - 2, a]) * (p[t, a] - p[t - 1, a]) < 0 for a in (0, 1))
            if run >= 3 and before and after and not turn:
                out.append({"kind": "freeze", "object": tr.id, "frames": [s - 1, t - 1],
                            "position": position(tr, s - 1), "length": int(run)})
        t += 1
    return out


def check_continuity(trajs: Mapping[str, Traj], tracks: Tracks | None = None
                     ) -> tuple[float | None, dict[str, Any]]:
    """Teleports and freezes. For pixel tracks only the tracks permanence judges are used
    (no specks, shadows, ghosts), and only frames whose region has the track's usual area
    (0.6..1.6 x the median within +-5 frames: a region merged with or cut by another is not
    a position) and a box at most :data:`BOX_SPREAD` x its usual width and height."""
    # things a character picks up or carries move with the hand, not on their own
    judged = [tr for tr in trajs.values() if tr.visible.sum() >= 3
              and not (tr.scene or {}).get("carried")]
    if tracks is not None and tracks.source != "truth":
        from .permanence_events import judged_tracks

        keep = set(judged_tracks(tracks))
        judged = [_area_steady(tr, tracks) for tr in judged if tr.id in keep]
    if not judged:
        return None, {"reason": "no track with 3 visible frames"}
    events: list[dict[str, Any]] = []
    pixels = tracks is not None and tracks.source != "truth"
    for tr in judged:
        # self-propelled things (people, cars, drones) may stop and go at will
        events += _teleports(tr, confirmed=pixels) + (_freezes(tr) if tr.free else [])
    if pixels:
        events += _broken_jumps(judged, tracks)
        ids = [tr.id for tr in judged]
        events = [e for e in events if not (
            e["kind"] == "freeze" and (
                _cut_by_edge(tracks, e["object"], *e["frames"])
                or (e["length"] <= 4 and _in_contact(tracks, e["object"], ids, *e["frames"]))))]
    exchanges = _exchanges(events) if pixels else []
    events = [e for e in events if not any(e is x for x in exchanges)]
    penalty = sum(e["J"] - 1.0 for e in events if e["kind"] == "teleport") + \
        sum(e["length"] / 3.0 for e in events if e["kind"] == "freeze")
    return float(np.exp(-penalty)), {"events": events, "objects": len(judged),
                                     "exchanges": exchanges}


def _cut_by_edge(tracks: Tracks, tid: str, f0: int, f1: int) -> bool:
    """Pixel tracks: the track's box touches the image edge in at least half of frames
    ``f0..f1``. Only the part of an object inside the picture is seen there, so its box
    stays pinned to the edge while the object crosses it: that is no stop."""
    box = np.asarray(tracks.tracks[tid].box, np.float64)
    cut = sum(not clear_of_edges(box[t], tracks.width, tracks.height) for t in range(f0, f1 + 1))
    return cut >= 0.5 * (f1 - f0 + 1)


def _in_contact(tracks: Tracks, tid: str, ids: list[str], f0: int, f1: int) -> bool:
    """Pixel tracks: the track's box touches (<= 1 px) another judged track's box, or is a
    share of a merged region, in at least half of frames ``f0..f1``. Two objects pressed
    together in a collision may stand still for a moment, and the tracker cannot tell
    their regions apart: a still run of up to 4 frames in contact is no freeze."""
    share = np.asarray(tracks.tracks[tid].visible, bool) & ~own_sightings(tracks, tid)
    box = np.asarray(tracks.tracks[tid].box, np.float64)
    touching = sum(share[t] or any(
        boxes_near(box[t], np.asarray(tracks.tracks[j].box[t], np.float64), 1.0)
        for j in ids if j != tid) for t in range(f0, f1 + 1))
    return touching >= 0.5 * (f1 - f0 + 1)


def _exchanges(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Pixel tracks: teleports of two tracks across the same frames, each to within the
    allowance of where the other came from (``permanence_swaps.exchanged``): the tracks
    exchanged identities (a tracker switch, or an identity swap, which
    ``object_permanence`` judges); neither object jumped."""
    tele = [e for e in events if e["kind"] == "teleport"]
    out: list[dict[str, Any]] = []
    for i, a in enumerate(tele):
        for b in tele[i + 1:]:
            if a["frames"] == b["frames"] and exchanged(a, b):
                out += [e for e in (a, b) if not any(e is x for x in out)]
    return out


def _broken_jumps(judged: list[Traj], tracks: Tracks) -> list[dict[str, Any]]:
    """Pixel tracks: a track that ends (or stops being seen for >= 3 frames) in the picture
    (away from the image edge, or touching it with >= 60 % of its usual area and its
    centre further from that edge than 2 frames of its motion) while a track of the same hue
    (within 20 degrees, both saturated, neither less than half as bright as the other: a
    dim region of that hue is a shadow) starts (or comes back after 2 unseen frames) 1-2
    frames later away from the edge and stays for 2 of its first 3 frames, further
    than the teleport allowance: the tracker lost an object that jumped (its gate refuses
    such jumps), so the jump is judged across the two tracks."""
    def hue(tr: Traj, frames: np.ndarray) -> float | None:
        return track_hue(tracks.tracks[tr.id].appearance, frames)

    def in_view(tr: Traj, f: int, usual: float, v: float) -> bool:
        # touching the edge but mostly in the picture, its centre further from that edge
        # than it moves in 2 frames: it cannot have left the picture before it was missed
        t = tracks.tracks[tr.id]
        if not own_sightings(tracks, tr.id)[f]:
            return False  # a share of a merged region: a guess, not where it was seen
        x, y = t.centroid[f]
        box = t.box[f]
        dist = min(d for d, touch in ((x, box[0] <= 1), (y, box[1] <= 1),
                                      (tracks.width - x, box[2] >= tracks.width - 1),
                                      (tracks.height - y, box[3] >= tracks.height - 1)) if touch)
        return bool(t.area[f] >= 0.6 * usual and dist > 2.0 * v + 1.0)

    out = []
    n = tracks.num_frames
    for a in judged:
        va = np.flatnonzero(a.visible)
        if va.size < 3:
            continue
        # every end of a sighting run followed by >= 3 unseen frames (or the clip's end):
        # a track the tracker later re-used for something else still lost its object here
        ends = [int(f) for f in va if f >= va[2] and f < n - 2 and not a.visible[f + 1:f + 4].any()]
        usual = float(np.median(tracks.tracks[a.id].area[va]))
        for end in ends:
            before = va[va <= end][-3:]
            ha = hue(a, before)
            steps = np.linalg.norm(np.diff(a.p[before], axis=0), axis=1)
            v = float(np.median(steps)) if steps.size else 0.0
            if not clear_of_edges(tracks.tracks[a.id].box[end], tracks.width, tracks.height) \
                    and not in_view(a, end, usual, v):
                continue
            for b in judged:
                vb = np.flatnonzero(b.visible)
                # b (re)appears 1-2 frames after a ends, unseen the 2 frames before, and stays
                start = next((int(f) for f in vb if end + 1 <= f <= end + 2
                              and not b.visible[max(0, f - 2):f].any()), None)
                if b.id == a.id or vb.size < 3 or start is None or \
                        b.visible[start:start + 3].sum() < 2:
                    continue
                after = vb[vb >= start][:3]
                hb = hue(b, after)
                if ha is None or hb is None or hue_diff(ha, hb) > 20 or not clear_of_edges(
                        tracks.tracks[b.id].box[start], tracks.width, tracks.height):
                    continue
                # of the same hue but less than half as bright: a shadow (or the object
                # seen through one), not the lost object lit as it was
                la, lb = (brightness(tracks.tracks[x.id].appearance, fr)
                          for x, fr in ((a, before), (b, after)))
                if min(la, lb) < 0.5 * max(la, lb):
                    continue
                gap = start - end
                jump = float(np.linalg.norm(b.p[start] - a.p[end]))
                allow = 2.0 * gap * v + 0.5 * a.typical_size + 1.0
                if jump > allow:
                    out.append({"kind": "teleport", "object": a.id, "objects": [a.id, b.id],
                                "frames": [end, start], "position": position(b, start),
                                "from": position(a, end), "jump_px": jump, "allowed_px": allow,
                                "J": jump / allow})
    return out


def _area_steady(tr: Traj, tracks: Tracks) -> Traj:
    from dataclasses import replace

    area = np.asarray(tracks.tracks[tr.id].area, np.float64)
    box = np.asarray(tracks.tracks[tr.id].box, np.float64)
    extent = np.stack([box[:, 2] - box[:, 0], box[:, 3] - box[:, 1]], axis=1)
    # the usual size around each frame (median over the visible frames within +-5): a
    # region merged with or cut by another for a few frames is off it, while an object
    # whose size changes for good (it moved away or nearer) keeps its frames
    vis = np.flatnonzero(tr.visible)
    med = np.zeros(len(area))
    med_extent = np.zeros((len(area), 2))
    for t in vis:
        near = vis[np.abs(vis - t) <= 5]
        med[t] = float(np.median(area[near]))
        med_extent[t] = np.median(extent[near], axis=0)
    ok = tr.visible & (area >= 0.6 * med) & (area <= 1.6 * med)
    # a sparse region strung across two objects (noise speckle bridging them) can keep
    # the usual pixel count while its box spans both: no position either
    with np.errstate(invalid="ignore"):
        ok &= np.all(extent <= BOX_SPREAD * med_extent + 1.0, axis=1)
    p = tr.p.copy()
    p[~ok] = np.nan
    return replace(tr, p=p, visible=ok)
