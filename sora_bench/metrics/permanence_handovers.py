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
from .physics_traj import box_centre, stabilised, track_size
from .track_colour import hue_change

__all__ = ["handovers"]


def handovers(tracks: Tracks, ids: list[str], solo: Mapping[str, np.ndarray],
              rigid: Collection[str]) -> list[dict[str, Any]]:
    """``identity_change`` events (with ``into``: the new track). A track of ``rigid`` seen
    >= 3 frames whose sighting run ends on its own (``solo``; then unseen >= 3 frames, or
    for good), and a track of ``ids`` first seen the next frame, on its own in 2 of its
    first 3 frames, within half a size plus one frame of the old one's motion of where it
    was, of one size (median areas within a factor 1 / 0.7) and a hue more than
    :func:`~.track_colour.hue_jump_needed` away."""
    pos = {tid: stabilised(tracks, tid) for tid in ids}
    out = []
    for a in ids:
        ta = tracks.tracks[a]
        va = np.flatnonzero(ta.visible)
        if va.size < 3 or a not in rigid:
            continue
        size = track_size(ta)
        ends = [int(f) for f in va if f >= va[2] and solo[a][f] and f + 1 < tracks.num_frames
                and not ta.visible[f + 1:f + 4].any()]
        for end in ends:
            seen = va[va <= end][-3:]
            steps = np.linalg.norm(np.diff(pos[a][seen], axis=0), axis=1)
            reach = 0.5 * size + (float(np.median(steps)) if steps.size else 0.0)
            ev = _handed_to(tracks, ids, solo, pos, a, end,
                            [int(t) for t in seen if solo[a][t]], reach)
            if ev:
                out.append(ev)
    return out


def _handed_to(tracks: Tracks, ids: list[str], solo: Mapping[str, np.ndarray],
               pos: dict[str, np.ndarray], a: str, end: int, before: list[int],
               reach: float) -> dict[str, Any] | None:
    """The identity change of track ``a``, lost after frame ``end``, into a new track
    (:func:`handovers`); None when no new track took over from it."""
    ta = tracks.tracks[a]
    for b in ids:
        tb = tracks.tracks[b]
        vb = np.flatnonzero(tb.visible)
        if b == a or vb.size < 3 or int(vb[0]) != end + 1:
            continue
        after = [int(t) for t in vb[:3] if solo[b][t]]
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
