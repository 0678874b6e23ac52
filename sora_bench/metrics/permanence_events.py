"""Object-permanence events from tracks (pure functions).

Events (dicts with ``kind``, ``object``, ``frames: [start, end]`` inclusive, ``position: [x, y]``
in image px of the frame named first, ``severity`` in [0, 1]):

- ``vanish``: a track seen for >= 3 frames goes from ``visible`` (whole and on its own, see
  ``_solo``; or whole, its area usual for its nearest sightings and steady over its last 3
  (within 0.8..1.25 x their median), off the image edge but touching a neighbour, when
  then ``absent`` for >= 3 frames) to ``absent`` (hidden while in frame with nothing in
  front of it). Severity
  ``min(1, hidden frames / 2)``. Pixel tracks: unseen for at most 2 frames and then seen
  again within half its size of where it was lost is a detector dropout, not a vanish;
  nor is a loss after which another track of its hue takes over at the spot the next
  frame (as for handovers below, within the hue change ``need``: the tracker lost the
  object, on a bounce it did not predict, and started a new track on it).
- ``pop_in``: a track first seen at frame 2 or later for >= 3 frames, whole and on its own
  in at least one of its first 3 (it may appear touching a neighbour), or away from the
  others in all 3 while cut by the image edge, or (pixel tracks) seen in all 3 with every
  track it touches of a clearly other hue (both saturated, > 45 degrees apart: no piece
  cut from it); ``absent`` in the frame before it and in
  >= 2 frames in all, with no ``occluded`` frame before it, or else ``absent`` in the 3
  frames right before it (a backward guess that crossed something long ago does not
  excuse frames in plain view; an ``out_of_frame`` guess far back does not either: it
  would have been seen crossing the edge; a tracker that misses an object in frame 0
  alone has not seen a pop-in); and not a fragment split off another object. Severity 1.
- ``split``: a track appears touching another track's box (within half a size), e.g. a
  fragment; ``expected`` when Truth has a fracture there, the track has a ``parent`` or the
  prompt expects ``breaks``: then severity 0, else 1.
- ``merge``: a track is hidden for good while overlapping another visible track whose area
  grows by >= 30 %. Severity 1.
- ``identity_change``: the median hue of the (up to) 3 visible frames before and after a
  hidden gap, or of 3 visible frames before and 3 from a frame on, differs by more than
  ``need`` = 20 degrees x max(1, 0.2 / saturation) (saturation: chroma offset from grey
  of the duller side, which must exceed 0.06; a dull colour's hue is noisy), and the
  region keeps its size (median areas within a factor 1 / 0.7, else it is merging with or
  parting from something) and, for a change while visible, only frames where the region
  has the size of its nearest sightings count (not a share merged with a neighbour);
  severity ``min(1, change / (2 need))``. Pixel tracks also: a track whose stay at a place
  ends on its own (for 3 frames not seen on its own within a size plus its motion of
  there: lost, or its id carried off to another object) while a track of a hue more than
  ``need`` away and of its size arrives there the next frame (unseen the frame before and
  not near there in the 2 before) and takes over (the tracker never lets a track change
  hue, so it splits an object that does; ``into`` names the new track). Not checked for
  people and birds, whose colours change as they move, nor for glass and mirror materials.
- ``identity_swap``: two tracks jump (continuity teleports) across a common frame pair, or
  starting within 3 frames of each other, each to within the teleport allowance of the
  other's previous position; or one track teleports clearly (J >= 1.5) onto where another
  was (at the jump, or last seen up to 2 frames before, within the allowance plus its own
  travel since) while that other goes, over the same frames (or seen the frame after),
  from there to where the jumper came from (within that allowance; its own move may be
  within its allowance, e.g. a fast faller), or is lost while a new track starts (or comes
  back) where the jumper came from (the other object in the jumper's old colour); or one
  track teleports (any J) onto where another was last seen (within the allowance) that is
  lost for good (not seen on its own again, its last box not at or heading to an image
  edge), the region it landed on of that one's size (median areas within a factor 2) and
  its hue clashing with the jumper's (by more than twice ``need`` and 45 degrees: the
  tracker gives no track a region of a clashing hue, so the object there took the
  jumper's colour; the other object, now in the lost one's colour, may have merged with
  something or left as it happened); or a smaller jump (any teleport) onto within half a
  size of where another track was last seen (up to 2 frames before) while that one lands
  within half a size of where the jumper came from, the jump at least 1.2 sizes long and
  the two boxes more than 1 px apart before it (touching objects in a collision may
  change tracks with no defect). A jump that lands back where the same track came from
  on a jump ending at most 3 frames before is neither (the tracker held a merged region
  for a frame or two).
  Seen here means seen on its own: a share of a merged region is a prediction.
  Severity 1.
- ``track_exchange`` (pixel tracks, severity 0): an ``identity_change`` that another
  track explains: their boxes overlapped between the frames compared and each took the
  other's hue (within ``need``), so the tracker swapped objects where they merged (a red
  and an orange roller colliding); the objects kept their colours.
- ``count_change``: the number of tracks present (visible or occluded) changes with no
  enter/exit to explain it; reported, not scored again (vanish/pop-in already are).

Pixel-tracker tracks seen in fewer than 3 frames, or smaller than 0.1 % of the image or than
a quarter of the median track's area, are ignored (noise, shadows, not objects). Colour
jumps are only looked for in frames where the track is alone (see ``_solo``).

**Score** = ``prod over events (1 - w_kind * severity)`` with
``w = {vanish: .6, pop_in: .6, identity_swap: .6, identity_change: .5, split: .3, merge: .3}``,
in [0, 1], 1 = no violation.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..types import Tracks
from .permanence_colour import colour_jumps, same_size, usual_size
from .permanence_handovers import continued, exchanges, handovers
from .permanence_swaps import swaps
from .physics_traj import box_centre, boxes_near, clear_of_edges, own_sightings, track_size
from .track_colour import HUE_JUMP, hue_change, hue_diff, track_hue

__all__ = ["permanence_events", "permanence_score", "WEIGHTS", "judged_tracks"]

#: Kinds whose colour legitimately changes (clothes, limbs): no colour identity check.
NONRIGID_KINDS = frozenset({"person", "bird"})
#: Materials that show their surroundings (their colour moves with the background).
SEE_THROUGH = frozenset({"glass", "mirror"})

WEIGHTS = {"vanish": 0.6, "pop_in": 0.6, "identity_swap": 0.6, "identity_change": 0.5,
           "split": 0.3, "merge": 0.3, "expectation": 0.5}


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    idx = np.flatnonzero(mask)
    if idx.size == 0:
        return []
    cuts = np.flatnonzero(np.diff(idx) > 1)
    starts = np.concatenate([[idx[0]], idx[cuts + 1]])
    ends = np.concatenate([idx[cuts], [idx[-1]]])
    return [(int(a), int(b)) for a, b in zip(starts, ends)]


def judged_tracks(tracks: Tracks) -> list[str]:
    """Track ids worth judging: all Truth tracks; pixel tracks seen >= 3 frames, >= 0.1 % of
    the image and >= a quarter of the median track's area."""
    if tracks.source == "truth":
        return sorted(tracks.tracks)
    med = {tid: float(np.median(tr.area[tr.visible])) for tid, tr in tracks.tracks.items()
           if tr.visible.sum() >= 3}
    if not med:
        return []
    min_area = max(0.001 * tracks.width * tracks.height, 0.25 * float(np.median(list(med.values()))))
    return sorted(tid for tid, a in med.items() if a >= min_area)


def permanence_events(tracks: Tracks, *, fractures: dict[str, int] | None = None,
                      breaks_expected: bool = False,
                      teleports: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    """All permanence events of a video (see the module docstring).

    ``fractures``: object id -> frame of a Truth fracture; ``teleports``: continuity
    teleport events (for identity swaps)."""
    ids = judged_tracks(tracks)
    pixel = tracks.source != "truth"
    fractures = fractures or {}
    n = tracks.num_frames
    events: list[dict[str, Any]] = []
    solos = {tid: _solo(tracks, ids, tid) for tid in ids}
    rigids = {tid for tid in ids if _rigid(tracks.tracks[tid])}
    for tid in ids:
        tr = tracks.tracks[tid]
        vis = np.asarray(tr.visible, bool)
        state = np.asarray(tr.state)
        runs = _runs(vis)
        if not runs:
            continue
        size = track_size(tr) or 1.0
        solo = solos[tid]
        usual = usual_size(tr)
        rigid = tid in rigids
        first = runs[0][0]
        # --- appearance at the start: pop-in or split? (only a whole object, on its own,
        # that stays: a region cut from something else is a tracker artefact)
        # unseen and uncovered right before, and never covered earlier or for 3 frames in a
        # row: had it come in from outside the frame, it would have been seen crossing the
        # edge (a backward extrapolation that leaves the image early on does not excuse it)
        pre = state[:first]
        lead = _runs(pre == "absent")
        uncovered = bool(lead) and lead[-1][1] == first - 1 and (
            ("occluded" not in pre and (pre == "absent").sum() >= 2)
            or lead[-1][1] - lead[-1][0] >= 2)
        if first >= 2 and uncovered and (
                tr.attributes.get("parent") or (runs[0][1] - first >= 2 and (
                    solo[first:first + 3].any()
                    or _solo(tracks, ids, tid, edge_ok=True)[first:first + 3].all()
                    or (pixel and _unlike_neighbours(tracks, ids, tid, first))))):
            # Truth names fragments' parents; pixel tracks guess from contact
            parent = None if tracks.source == "truth" else _parent(tracks, ids, tid, first, size)
            expected = bool(tr.attributes.get("parent")) or breaks_expected or any(
                f <= first <= f + 2 for f in fractures.values())
            if parent is not None or tr.attributes.get("parent"):
                events.append({"kind": "split", "object": tid,
                               "parent": parent or str(tr.attributes.get("parent")),
                               "frames": [first, first], "position": box_centre(tr.box[first]),
                               "expected": expected, "severity": 0.0 if expected else 1.0})
            else:
                events.append({"kind": "pop_in", "object": tid, "frames": [first, first],
                               "position": box_centre(tr.box[first]), "severity": 1.0})
        # --- gaps and the end
        for k, (a, b) in enumerate(runs):
            nxt = runs[k + 1][0] if k + 1 < len(runs) else n
            hidden = state[b + 1:nxt]
            if hidden.size == 0:
                continue
            absent = _runs(hidden == "absent")
            for s, e in absent:
                s0, e0 = b + 1 + s, b + 1 + e
                # gone right after being seen whole and on its own: vanish (unless it broke)
                broke = tid in fractures and fractures[tid] <= s0 + 1
                # (or whole but touching a neighbour, then unexplained for 3 frames: had it
                # merged with the neighbour, the tracker would call it covered)
                whole = solo[b] or (e0 - s0 >= 2 and usual[b] and _steady(tr, a, b)
                                    and clear_of_edges(tr.box[b], tracks.width, tracks.height))
                if s0 == b + 1 and whole and b - a >= 2 and not broke and not (
                        pixel and (_dropout(tr, b, nxt, e0 - s0 + 1, size)
                                   or continued(tracks, ids, solos, tid, b))):
                    events.append({"kind": "vanish", "object": tid, "frames": [s0, e0],
                                   "position": box_centre(tr.box[b]),
                                   "severity": float(min(1.0, (e0 - s0 + 1) / 2))})
            if nxt == n and (hidden == "occluded").all():
                m = _merged_into(tracks, ids, tid, b, size)
                if m is not None:
                    events.append({"kind": "merge", "object": tid, "into": m,
                                   "frames": [b + 1, n - 1], "position": box_centre(tr.box[b]),
                                   "severity": 1.0})
            if nxt < n:  # reappeared: same identity? (compare solo frames only)
                before = [t for t in range(max(a, b - 2), b + 1) if solo[t]]
                after = [t for t in range(nxt, min(nxt + 3, runs[k + 1][1] + 1)) if solo[t]]
                d, need = hue_change(tr.appearance, before, tr.appearance, after)
                if d > need and rigid and same_size(tr.area, before, after):
                    events.append({"kind": "identity_change", "object": tid,
                                   "frames": [b, nxt], "position": box_centre(tr.box[nxt]),
                                   "hue_change_deg": d,
                                   "severity": float(min(1.0, d / (2 * need)))})
        # --- abrupt appearance change while visible and alone (hue: robust to shading)
        if rigid:
            events += colour_jumps(tid, tr, vis & solo)
    if pixel:
        usual = {tid: own_sightings(tracks, tid) & usual_size(tracks.tracks[tid]) for tid in ids}
        events = exchanges(tracks, ids, solos, usual, events)
        events += handovers(tracks, ids, solos, rigids)
    events += swaps(teleports or [], tracks)
    events += _count_changes(tracks, ids)
    return events


def _rigid(tr: Any) -> bool:
    """Whether a track's colour is its identity: people change colour as they turn and move
    their limbs, glass and mirrors show their surroundings."""
    return (str(tr.attributes.get("kind", "")) not in NONRIGID_KINDS
            and str(tr.attributes.get("material", "")) not in SEE_THROUGH)


def _solo(tracks: Tracks, ids: list[str], tid: str, *, edge_ok: bool = False) -> np.ndarray:
    """(T,) bool: the track is seen on its own: its box keeps >= 1 px from every other
    judged track's box, stays off the image edge, and its area is within 0.6..1.6 x its
    median (not a region merged with, or cut by, something else). ``edge_ok``: a box at the
    image edge counts as on its own when it keeps away from the others (a region the edge
    cuts is still one object; its size is not checked)."""
    tr = tracks.tracks[tid]
    box = np.asarray(tr.box, np.float64)
    vis = np.asarray(tr.visible, bool)
    area = np.asarray(tr.area, np.float64)
    med = float(np.median(area[vis])) if vis.any() else 0.0
    with np.errstate(invalid="ignore"):
        inside = (box[:, 0] > 1) & (box[:, 1] > 1) & (box[:, 2] < tracks.width - 1) & (
            box[:, 3] < tracks.height - 1)
        ok = vis & (area >= 0.6 * med) & (area <= 1.6 * med) & inside
        if edge_ok:
            ok |= vis & ~inside
        for j in ids:
            if j == tid:
                continue
            b = np.asarray(tracks.tracks[j].box, np.float64)
            near = ((box[:, 0] - 1 <= b[:, 2]) & (b[:, 0] - 1 <= box[:, 2])
                    & (box[:, 1] - 1 <= b[:, 3]) & (b[:, 1] - 1 <= box[:, 3]))
            ok &= ~near
    return ok


def _steady(tr: Any, a: int, b: int) -> bool:
    """The track's last 3 sightings of the run ``a..b`` have areas within 0.8..1.25 x their
    median: a well-detected object, not a region that noise makes come and go."""
    if b - a < 2:
        return False
    x = np.asarray(tr.area, np.float64)[b - 2:b + 1]
    m = float(np.median(x))
    return bool(m > 0 and (x >= 0.8 * m).all() and (x <= 1.25 * m).all())


def _dropout(tr: Any, last: int, back: int, gap: int, size: float) -> bool:
    """Pixel tracks: unseen for at most 2 frames, then seen again within half its size of
    where it was lost: the detector missed it (sensor noise, a colour close to the floor,
    the background model taking in a resting object), it did not vanish."""
    if gap > 2 or back >= len(tr.visible) or not tr.visible[back]:
        return False
    shift = np.subtract(box_centre(tr.box[last]), box_centre(tr.box[back]))
    return bool(np.hypot(*shift) <= 0.5 * size)


def _unlike_neighbours(tracks: Tracks, ids: list[str], tid: str, first: int) -> bool:
    """Pixel tracks: in each of its first 3 frames, seen, and every track its box touches
    (within 1 px) is of a clearly other hue (both saturated, more than 45 degrees apart):
    a ball that appears against a roller is no piece cut from it."""
    tr = tracks.tracks[tid]
    frames = list(range(first, min(first + 3, tracks.num_frames)))
    mine = track_hue(tr.appearance, frames)
    if len(frames) < 3 or mine is None or not all(tr.visible[f] for f in frames):
        return False
    for j in ids:
        o = tracks.tracks[j]
        if j == tid or not any(boxes_near(tr.box[f], o.box[f], 1.0) for f in frames):
            continue
        theirs = track_hue(o.appearance, [f for f in range(max(0, first - 3), first + 3)
                                          if o.visible[f]])
        if theirs is None or hue_diff(mine, theirs) <= 45.0:
            return False
    return True


def _parent(tracks: Tracks, ids: list[str], tid: str, t: int, size: float) -> str | None:
    """Another track seen at t-1 or t whose box touches this one's first box and whose colour
    it shares (a piece of an object has the object's hue: both saturated and more than
    ``HUE_JUMP`` apart rules the other track out)."""
    tr = tracks.tracks[tid]
    box = tr.box[t]
    mine = track_hue(tr.appearance, [f for f in range(t, min(t + 3, tracks.num_frames))
                                      if tr.visible[f]])
    for j in ids:
        if j == tid:
            continue
        o = tracks.tracks[j]
        theirs = track_hue(o.appearance, [f for f in range(max(0, t - 3), t + 1) if o.visible[f]])
        if mine is not None and theirs is not None and hue_diff(mine, theirs) > HUE_JUMP:
            continue
        for tt in (t - 1, t):
            if tt >= 0 and o.visible[tt] and o.visible[:t].any() and boxes_near(box, o.box[tt], 0.5 * size):
                return j
    return None


def _merged_into(tracks: Tracks, ids: list[str], tid: str, last: int, size: float) -> str | None:
    box = tracks.tracks[tid].box[last]
    area = tracks.tracks[tid].area[last]
    n = tracks.num_frames
    for j in ids:
        o = tracks.tracks[j]
        if j == tid or last + 1 >= n or not o.visible[last] or not o.visible[last + 1:].any():
            continue
        if not boxes_near(box, o.box[last], 0.25 * size):
            continue
        after = o.area[last + 1:][o.visible[last + 1:]]
        if np.median(after) >= 1.3 * o.area[last] and np.median(after) >= o.area[last] + 0.5 * area:
            return j
    return None


def _count_changes(tracks: Tracks, ids: list[str]) -> list[dict[str, Any]]:
    if not ids:
        return []
    state = np.array([tracks.tracks[i].state for i in ids])
    present = np.isin(state, ("visible", "occluded", "at_rest")).sum(axis=0)
    out_ = (state == "out_of_frame")
    out = []
    for t in range(1, tracks.num_frames):
        if present[t] != present[t - 1]:
            moved_frame = (out_[:, t] != out_[:, t - 1]).sum()
            if abs(int(present[t]) - int(present[t - 1])) > moved_frame:
                out.append({"kind": "count_change", "frames": [t - 1, t], "object": "",
                            "from": int(present[t - 1]), "to": int(present[t]),
                            "position": [], "severity": 0.0})
    return out


def permanence_score(events: list[dict[str, Any]]) -> float:
    """``prod (1 - w_kind * severity)`` over events (count changes carry severity 0)."""
    s = 1.0
    for e in events:
        s *= 1.0 - WEIGHTS.get(e["kind"], 0.0) * float(e.get("severity", 0.0))
    return float(max(0.0, s))
