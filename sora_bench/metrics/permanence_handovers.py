"""Identity changes the pixel tracker split into two tracks (part of ``object_permanence``;
the rules are in :mod:`.permanence_events`' module docstring). The tracker's association
never lets a track change hue, so an object that changes colour ends one track and starts
another, and the two tracks' occlusion states excuse each other (no vanish, no pop-in).
Positions are stabilised pixels."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

import numpy as np

from ..types import Tracks
from .physics_traj import box_centre, own_sightings, stabilised, track_size
from .track_colour import hue_change

__all__ = ["handovers"]


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


def _handed_to(tracks: Tracks, ids: list[str], solo: Mapping[str, np.ndarray],
               pos: dict[str, np.ndarray], a: str, end: int, before: list[int],
               reach: float, size: float) -> dict[str, Any] | None:
    """The identity change of track ``a``, gone from its place after frame ``end``, into a
    track arriving there (:func:`handovers`); None when none took over from it."""
    ta = tracks.tracks[a]
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
        d, need = hue_change(ta.appearance, before, tb.appearance, after)
        if d > need:
            return {"kind": "identity_change", "object": a, "into": b, "frames": [end, end + 1],
                    "position": box_centre(tb.box[end + 1]), "hue_change_deg": d,
                    "severity": float(min(1.0, d / (2 * need)))}
    return None
