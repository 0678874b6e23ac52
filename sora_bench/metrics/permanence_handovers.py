"""Identity changes the pixel tracker split into two tracks (part of ``object_permanence``;
the rules are in :mod:`.permanence_events`' module docstring). The tracker's association
never lets a track change hue, so an object that changes colour ends one track and starts
another, and the two tracks' occlusion states excuse each other (no vanish, no pop-in).
:func:`continued` finds the same kind of arrival in the old track's own hue: the tracker
lost an object and started a new track on it, which is no vanish. :func:`exchanges` finds
colour changes that two tracks made by swapping objects where their regions merged. Positions are
stabilised pixels."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

import numpy as np

from ..types import Tracks
from .physics_traj import box_centre, own_sightings, stabilised, track_size
from .track_colour import hue_change, hue_diff, hue_jump_needed, saturation, track_hue

__all__ = ["handovers", "continued", "exchanges"]


def handovers(tracks: Tracks, ids: list[str], solo: Mapping[str, np.ndarray],
              rigid: Collection[str]) -> list[dict[str, Any]]:
    """``identity_change`` events (with ``into``: the new track). A track of ``rigid`` seen
    >= 3 frames whose stay at a place ends on its own (``solo``; then for 3 frames, or for
    good, not seen on its own within a size plus its motion of there: unseen, or the
    tracker carried its id off elsewhere), and a track of ``ids`` that arrives the next
    frame (unseen the frame before; not seen within a size of there in the 2 before),
    on its own in 2 of its first 3 frames from there, within half a size plus one frame of
    the old one's motion of where it was, of one size (median areas within a factor
    1 / 0.7) and a hue more than :func:`~.track_colour.hue_jump_needed` away."""
    pos = {tid: stabilised(tracks, tid) for tid in ids}
    own = {tid: own_sightings(tracks, tid) for tid in ids}
    out = []
    for a in ids:
        ta = tracks.tracks[a]
        va = np.flatnonzero(ta.visible)
        if va.size < 3 or a not in rigid:
            continue
        size = track_size(ta)
        for end in (int(f) for f in va if f >= va[2] and solo[a][f]
                    and f + 1 < tracks.num_frames):
            seen = va[va <= end][-3:]
            steps = np.linalg.norm(np.diff(pos[a][seen], axis=0), axis=1)
            step = float(np.median(steps)) if steps.size else 0.0
            later = [g for g in range(end + 1, min(end + 4, tracks.num_frames)) if own[a][g]]
            if any(np.linalg.norm(pos[a][g] - pos[a][end]) <= size + step * (g - end)
                   for g in later):
                continue  # still there
            ev = _handed_to(tracks, ids, solo, pos, a, end,
                            [int(t) for t in seen if solo[a][t]], 0.5 * size + step, size)
            if ev:
                out.append(ev)
                break
    return out


def continued(tracks: Tracks, ids: list[str], solo: Mapping[str, np.ndarray], a: str,
              end: int) -> str | None:
    """The track that carries on track ``a``'s object after its last sighting ``end`` of a
    run: one that arrives the next frame as :func:`handovers` requires, in ``a``'s hue
    (both sides saturated, within :func:`~.track_colour.hue_jump_needed`). The tracker
    lost the object (a bounce it did not predict) and started a new track on it, so
    ``a`` did not vanish. None when there is none."""
    ta = tracks.tracks[a]
    va = np.flatnonzero(ta.visible)
    if end + 1 >= tracks.num_frames or va.size == 0:
        return None
    pos = {tid: stabilised(tracks, tid) for tid in ids}
    size = track_size(ta)
    seen = va[va <= end][-3:]
    steps = np.linalg.norm(np.diff(pos[a][seen], axis=0), axis=1)
    step = float(np.median(steps)) if steps.size else 0.0
    before = [int(t) for t in seen if solo[a][t]]
    if not before:  # no colour of its own to compare
        return None
    for b, after in _arrivals(tracks, ids, solo, pos, a, end, before, 0.5 * size + step, size):
        tb = tracks.tracks[b]
        if track_hue(ta.appearance, before) is None or track_hue(tb.appearance, after) is None:
            continue
        d, need = hue_change(ta.appearance, before, tb.appearance, after)
        if d <= need:
            return b
    return None


def _arrivals(tracks: Tracks, ids: list[str], solo: Mapping[str, np.ndarray],
              pos: dict[str, np.ndarray], a: str, end: int, before: list[int],
              reach: float, size: float) -> list[tuple[str, list[int]]]:
    """Tracks arriving where track ``a`` was after frame ``end`` (:func:`handovers`), with
    their first sightings on their own (up to 3)."""
    ta = tracks.tracks[a]
    out = []
    for b in ids:
        tb = tracks.tracks[b]
        vb = np.flatnonzero(tb.visible)
        if b == a or vb.size < 3 or tb.visible[end] or not tb.visible[end + 1]:
            continue
        if any(tb.visible[t] and np.linalg.norm(pos[b][t] - pos[a][end]) <= size
               for t in range(max(0, end - 2), end)):
            continue  # it was there already (hidden behind it for a frame, say)
        after = [int(t) for t in vb[vb > end][:3] if solo[b][t]]
        if len(after) < 2 or not np.linalg.norm(pos[b][end + 1] - pos[a][end]) <= reach:
            continue
        x, y = float(np.median(ta.area[before])), float(np.median(tb.area[after]))
        if min(x, y) < 0.7 * max(x, y):
            continue
        out.append((b, after))
    return out


def _handed_to(tracks: Tracks, ids: list[str], solo: Mapping[str, np.ndarray],
               pos: dict[str, np.ndarray], a: str, end: int, before: list[int],
               reach: float, size: float) -> dict[str, Any] | None:
    """The identity change of track ``a``, gone from its place after frame ``end``, into a
    track arriving there (:func:`handovers`); None when none took over from it."""
    ta = tracks.tracks[a]
    for b, after in _arrivals(tracks, ids, solo, pos, a, end, before, reach, size):
        tb = tracks.tracks[b]
        d, need = hue_change(ta.appearance, before, tb.appearance, after)
        if d > need:
            return {"kind": "identity_change", "object": a, "into": b, "frames": [end, end + 1],
                    "position": box_centre(tb.box[end + 1]), "hue_change_deg": d,
                    "severity": float(min(1.0, d / (2 * need)))}
    return None


def exchanges(tracks: Tracks, ids: list[str], solo: Mapping[str, np.ndarray],
              usual: Mapping[str, np.ndarray], events: list[dict[str, Any]]
              ) -> list[dict[str, Any]]:
    """``events`` with each ``identity_change`` of a track (frames ``[p, t]``, no ``into``)
    that another track explains turned into a ``track_exchange`` of severity 0: the two
    tracks' boxes overlapped (by >= a quarter of the smaller box) in frames of
    ``p - 3..t + 3`` (the hue windows the events compare reach 3 frames out), and over
    the frames around that overlap the other's hue before is this track's after, and
    after it this track's before (each within :func:`~.track_colour.hue_jump_needed`,
    which this track's change exceeds; hues over up to 3 frames: this track's ``solo``
    ones, the other's ``usual`` ones, where it is seen on its own at its usual size: next
    to this one as they part, it is seldom apart). Two objects that merge into one region
    and part again, a red and an orange roller colliding, say, leave the tracker a guess
    at which is which; when it guesses wrong, both tracks seem to change colour. Objects
    that only come near each other do not."""
    out = []
    for e in events:
        if e["kind"] != "identity_change" or "into" in e:
            out.append(e)
            continue
        a, (p, t) = e["object"], e["frames"]
        u = _exchanged_with(tracks, ids, solo, usual, a, p, t)
        out.append(e if u is None else {**e, "kind": "track_exchange", "with": u,
                                        "severity": 0.0})
    return out


def _exchanged_with(tracks: Tracks, ids: list[str], solo: Mapping[str, np.ndarray],
                    usual: Mapping[str, np.ndarray], a: str, p: int, t: int) -> str | None:
    """The track that exchanged colours with ``a`` around frames ``p..t``
    (:func:`exchanges`), or None."""
    n = tracks.num_frames
    ta = tracks.tracks[a]

    def hue(tid: str, frames: list[int]) -> tuple[float | None, float]:
        app = tracks.tracks[tid].appearance
        return track_hue(app, frames), saturation(app, frames)

    def around(tid: str, ok: Mapping[str, np.ndarray], o0: int, o1: int
               ) -> tuple[list[int], list[int]]:
        seen = [f for f in range(n) if tracks.tracks[tid].visible[f] and ok[tid][f]]
        return [f for f in seen if f < o0][-3:], [f for f in seen if f > o1][:3]

    for u in ids:
        tu = tracks.tracks[u]
        met = [f for f in range(max(0, p - 3), min(n, t + 4))
               if _overlap(ta.box[f], tu.box[f]) >= 0.25]
        if u == a or not met:
            continue
        (hb, sb), (ha, sa) = (hue(a, x) for x in around(a, solo, met[0], met[-1]))
        (ub, sub), (ua, sua) = (hue(u, x) for x in around(u, usual, met[0], met[-1]))
        if None in (hb, ha, ub, ua):
            continue
        need = hue_jump_needed(min(sb, sa, sub, sua))
        if hue_diff(ub, ha) <= need and hue_diff(ua, hb) <= need and hue_diff(ha, hb) > need:
            return u
    return None


def _overlap(a: np.ndarray, b: np.ndarray) -> float:
    """Intersection of two xyxy boxes over the smaller one's area (0 when either is unseen)."""
    if not (np.isfinite(a).all() and np.isfinite(b).all()):
        return 0.0
    iw = min(a[2], b[2]) - max(a[0], b[0])
    ih = min(a[3], b[3]) - max(a[1], b[1])
    small = min((a[2] - a[0]) * (a[3] - a[1]), (b[2] - b[0]) * (b[3] - b[1]))
    return float(max(0.0, iw) * max(0.0, ih) / small) if small > 0 else 0.0
