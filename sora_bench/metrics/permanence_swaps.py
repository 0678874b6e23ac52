"""Identity swaps from continuity teleports (part of ``object_permanence``; the rules are in
:mod:`.permanence_events`' module docstring). Positions are stabilised pixels."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from ..types import Tracks
from .physics_traj import box_centre, boxes_near, clear_of_edges, own_sightings, stabilised, track_size
from .track_colour import hue_change

__all__ = ["exchanged", "swaps"]


def exchanged(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    """Two teleport events of different tracks, each landing within the larger of their
    allowances of where the other came from: the tracks exchanged places."""
    if a["object"] == b["object"] or not (a.get("from") and b.get("from")):
        return False
    tol = max(a["allowed_px"], b["allowed_px"])
    return bool(np.linalg.norm(np.subtract(a["position"], b["from"])) < tol
                and np.linalg.norm(np.subtract(b["position"], a["from"])) < tol)


def swaps(teleports: list[dict[str, Any]], tracks: Tracks) -> list[dict[str, Any]]:
    """``identity_swap`` events from continuity teleports (rules: :mod:`.permanence_events`
    module docstring): two exchanging jumps, or one clear jump whose partner took the
    opposite way or was lost while a newcomer took the jumper's old place."""
    out = []
    for i, a in enumerate(teleports):
        for b in teleports[i + 1:]:
            # the two jumps span a common frame pair (a track with a gap before the jump
            # reports a longer span), or start within 3 frames of each other (the tracker
            # may hold one identity a little longer)
            shared = (max(a["frames"][0], b["frames"][0]) < min(a["frames"][1], b["frames"][1])
                      or abs(a["frames"][0] - b["frames"][0]) <= 3)
            if not shared:
                continue
            if exchanged(a, b):
                out.append(_swap(a, b["object"]))
    paired = {o for e in out for o in e["objects"]}
    # a jump back to where the same track was before its jump of up to 3 frames earlier:
    # the tracker held a merged region for a frame or two (a collision), no object moved
    teleports = [a for a in teleports if not _returns(a, teleports)]
    # one teleport whose partner's move stayed within its own allowance (a fast faller):
    # the other track went from where this one landed to where it came from
    pos = {tid: stabilised(tracks, tid) for tid in tracks.tracks}
    # frames a track was seen on its own (a share of a merged region is a prediction: the
    # red ball's track "seen" on the blue ball's region after they swapped places)
    own = {tid: own_sightings(tracks, tid) for tid in tracks.tracks}
    for a in teleports:
        if a["object"] in paired or not a.get("from"):
            continue
        # two objects colliding nudge each other: a jump short of clear (J < 1.5) is a swap
        # only when the colour evidence is strong (_took_its_colour)
        clear = a.get("J", 0.0) >= 1.5
        f0, f1 = a["frames"]
        # a track that appears where this one came from as it jumps: the other object,
        # in the colour this one had (the tracker starts a new track for it)
        # (first seen on its own at the jump: from f0 on, the jumper itself may be a share)
        took_over = [tid for tid in tracks.tracks
                     if tid != a["object"] and own[tid][f1] and not own[tid][max(f0 - 1, 0)]
                     and np.linalg.norm(pos[tid][f1] - a["from"]) < a["allowed_px"]]
        for tid in tracks.tracks:
            seen = np.flatnonzero(own[tid][:f0 + 1])
            # where it was at the jump (or last seen, up to 2 frames before: lost as the
            # colours changed)
            if tid == a["object"] or tid in paired or not seen.size or f0 - seen[-1] > 2:
                continue
            p = pos[tid]
            # it kept moving between its last sighting and the landing frame
            steps = np.linalg.norm(np.diff(p[seen[-3:]], axis=0), axis=1) / np.diff(seen[-3:])
            reach = a["allowed_px"] + (float(np.median(steps)) * (f1 - seen[-1])
                                       if steps.size else 0.0)
            if not np.linalg.norm(p[seen[-1]] - a["position"]) < reach:
                continue
            # (at the landing frame, or the next: the tracker may first give it a share of
            # the jumper's region)
            back = [t for t in (f1, f1 + 1) if t < len(own[tid]) and own[tid][t]]
            went_back = bool(back) and np.linalg.norm(p[back[0]] - a["from"]) < a["allowed_px"]
            if (clear and (went_back or (not own[tid][f1] and took_over))) or _took_its_colour(
                    tracks, own, pos, a["object"], tid, seen[-1], f1, a["allowed_px"]):
                out.append(_swap(a, tid))
                paired |= {a["object"], tid}
                break
    # a smaller jump (an allowance stretched by a fast faller) is a swap only when the two
    # exchanged places exactly, at least a size apart and not touching as it happened (two
    # objects pressed together in a collision may change tracks without any defect)
    for a in teleports:
        if a["object"] in paired or not a.get("from") or not a.get("position"):
            continue
        f0, f1 = a["frames"]
        size = track_size(tracks.tracks[a["object"]])
        if not np.linalg.norm(np.subtract(a["position"], a["from"])) >= 1.2 * size:
            continue
        for tid in tracks.tracks:
            seen = np.flatnonzero(own[tid][:f1])  # its last sighting before the landing
            if (tid == a["object"] or tid in paired or not seen.size or f0 - seen[-1] > 2
                    or not own[tid][f1]):
                continue
            p = pos[tid]
            if (np.linalg.norm(p[seen[-1]] - a["position"]) < 0.5 * size
                    and np.linalg.norm(p[f1] - a["from"]) < 0.5 * size
                    and _apart(tracks, a["object"], tid, seen[-1])):
                out.append(_swap(a, tid))
                paired |= {a["object"], tid}
                break
    return out


def _swap(a: Mapping[str, Any], other: str) -> dict[str, Any]:
    """The ``identity_swap`` event of teleport ``a``'s track and track ``other``."""
    return {"kind": "identity_swap", "objects": [a["object"], other], "object": a["object"],
            "frames": a["frames"], "position": a["position"], "severity": 1.0}


def _returns(a: Mapping[str, Any], teleports: list[dict[str, Any]]) -> bool:
    """Teleport ``a`` lands within its allowance of where an earlier teleport of the same
    track, ending at most 3 frames before ``a`` starts, came from."""
    return any(b is not a and b["object"] == a["object"] and b.get("from") and a.get("position")
               and 0 <= a["frames"][0] - b["frames"][1] <= 3
               and np.linalg.norm(np.subtract(a["position"], b["from"])) < a["allowed_px"]
               for b in teleports)


def _took_its_colour(tracks: Tracks, own: Mapping[str, np.ndarray],
                     pos: Mapping[str, np.ndarray], jumper: str, partner: str, last: int,
                     landed: int, allowed: float) -> bool:
    """The jumper landed within ``allowed`` px of where the partner was last seen on its
    own (at ``last``); the partner was never seen on its own again nor headed out of the
    picture (:func:`_heading_out`), the region the jumper landed on has the partner's size
    (median areas within a factor 2), and the partner's hue clashes with the jumper's (the
    tracker never gives a track a region of a clashing hue:
    :func:`~sora_bench.tracking.tracker._hue_clash`, 35 degrees): the object the jumper
    landed on now wears the jumper's colour, so it changed colour (the other object, now in
    the partner's old colour, may have left the picture or merged with something as it
    happened, so no newcomer shows up at the jumper's old place). Out of the picture is
    judged from the last box and motion, not from the tracker's ``out_of_frame`` state many
    frames later: that is a constant-velocity guess (a falling ball "leaves" through the
    floor)."""
    if own[partner][landed:].any() or _heading_out(tracks, own, partner, last):
        return False  # (seen again, or gone out of the picture: no colour change)
    if not np.linalg.norm(pos[partner][last] - pos[jumper][landed]) < allowed:
        return False  # landed where the partner was, not where it may have got to
    ja, pa = tracks.tracks[jumper].appearance, tracks.tracks[partner].appearance
    before = [t for t in range(max(0, last - 2), last + 1) if own[partner][t]]
    after = [t for t in range(landed, min(len(own[jumper]), landed + 3)) if own[jumper][t]]
    x = float(np.median(tracks.tracks[partner].area[before])) if before else 0.0
    y = float(np.median(tracks.tracks[jumper].area[after])) if after else 0.0
    if not min(x, y) >= 0.5 * max(x, y):
        return False  # landed on something else than the partner (a shadow, a speck)
    change, need = hue_change(pa, before, ja, after)
    return change > max(2.0 * need, 45.0)


def _heading_out(tracks: Tracks, own: Mapping[str, np.ndarray], tid: str, last: int) -> bool:
    """Track ``tid``'s box at its sighting ``last``, moved by two frames of its image motion
    since its previous own sighting, comes within 1 px of an image edge."""
    box = np.asarray(tracks.tracks[tid].box, np.float64)
    prev = np.flatnonzero(own[tid][:last])
    step = np.zeros(4)
    if prev.size:
        d = (np.array(box_centre(box[last])) - box_centre(box[prev[-1]])) / (last - prev[-1])
        step = np.tile(d, 2)
    return not clear_of_edges(box[last] + 2 * step, tracks.width, tracks.height)


def _apart(tracks: Tracks, a: str, b: str, t: int) -> bool:
    """The two tracks' boxes at frame ``t`` are more than 1 px apart (the jumper's last box
    at or before ``t``)."""
    seen_a = np.flatnonzero(np.asarray(tracks.tracks[a].visible)[:t + 1])
    if not seen_a.size:
        return False
    box_a = np.asarray(tracks.tracks[a].box[seen_a[-1]], np.float64)
    return not boxes_near(box_a, np.asarray(tracks.tracks[b].box[t], np.float64), 1.0)
