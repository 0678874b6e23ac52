"""Colour jumps of one pixel or Truth track while it is visible (part of
``object_permanence``; the rule is ``identity_change`` in :mod:`.permanence_events`'
module docstring), and the size tests that keep a merge from passing for a new colour."""

from __future__ import annotations

from typing import Any

import numpy as np

from .physics_traj import box_centre, near_usual_area
from .track_colour import MIN_SAT, circ_median, hue_deg, hue_diff, hue_jump_needed

__all__ = ["colour_jumps", "usual_size", "same_size"]


def colour_jumps(tid: str, tr: Any, vis: np.ndarray) -> list[dict[str, Any]]:
    """Identity changes while visible: the circular median hue of the (up to) 3 visible
    frames before frame t and of the 3 from t on differ by more than
    :func:`hue_jump_needed` for the duller side, both sides being saturated (chroma offset
    from grey > 0.06) and of one size (:func:`same_size`), in frames where the region has
    its usual size (:func:`usual_size`); one event per run of such
    frames, at its largest difference relative to what was needed."""
    app = np.asarray(tr.appearance, np.float64)
    chroma = app[:, 3:6]
    sat = np.linalg.norm(chroma - 1.0 / 3.0, axis=1)
    ok = vis & np.isfinite(chroma).all(axis=1) & (sat > MIN_SAT) & usual_size(tr)
    idx = np.flatnonzero(ok)
    hue = hue_deg(app[:, :3])
    d = np.zeros(len(idx))
    need = np.full(len(idx), np.inf)
    for k in range(2, len(idx) - 1):
        b, a = idx[max(0, k - 3):k], idx[k:k + 3]
        if len(b) >= 2 and len(a) >= 2 and same_size(tr.area, b, a):
            d[k] = hue_diff(circ_median(hue[b]), circ_median(hue[a]))
            need[k] = hue_jump_needed(min(float(np.median(sat[b])), float(np.median(sat[a]))))
    out = []
    k = 0
    while k < len(idx):
        if d[k] > need[k]:
            s = k
            while k < len(idx) and d[k] > need[k]:
                k += 1
            j = s + int(np.argmax(d[s:k] / need[s:k]))
            t = int(idx[j])
            out.append({"kind": "identity_change", "object": tid, "frames": [int(idx[j - 1]), t],
                        "position": box_centre(tr.box[t]), "hue_change_deg": float(d[j]),
                        "severity": float(min(1.0, d[j] / (2 * need[j])))})
        k += 1
    return out


def usual_size(tr: Any, reach: int = 2, lo: float = 0.6, hi: float = 1.6) -> np.ndarray:
    """(T,) bool: the track's area within ``lo..hi`` x the median of its ``2 reach + 1``
    nearest sightings (itself included). :func:`~.permanence_events._solo` compares with
    the median over the whole track, which a track whose region shrinks as it slows (its
    motion blur and shadow going) cannot use: a region that flickers between the object
    alone and the object merged with a neighbour would keep the merged frames, and their
    hue."""
    return near_usual_area(tr.area, np.flatnonzero(np.asarray(tr.visible, bool)), lo, hi, reach)


def same_size(area: np.ndarray, before, after) -> bool:
    """The region keeps its size across a colour change (median areas within a factor
    1 / 0.7): one that grows or shrinks as its colour shifts is merging with, or parting
    from, something of another colour, not becoming another object."""
    if not len(before) or not len(after):
        return True  # nothing to compare (the hue test has nothing either)
    a = np.asarray(area, np.float64)
    x, y = float(np.median(a[list(before)])), float(np.median(a[list(after)]))
    return min(x, y) >= 0.7 * max(x, y)
