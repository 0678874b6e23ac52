"""Checks of a prompt's ``expect:`` entries against tracks (pure functions).

Each entry gives ``met``: True, False, or None (not checkable from tracks: ``walks``, ``runs``,
``waves``, ``jumps``, ``carries``, ``shadow_moves``; an object the pixel tracker cannot bind;
camera moves without camera information). ``frames: [start, end]`` restricts the check to
that window. Distances are in units of the object's typical size ``s`` (px), stabilised
image coordinates, y down.

- falls / rises: the object goes down / up by >= 0.75 s at some point of the window.
- bounces: number of bounces (see physics_traj.bounces) >= ``min_count`` (default 1).
- rolls / slides: with Truth, >= 0.3 m of ground travel in any direction; else horizontal
  image travel >= 1 s. moves_left / moves_right: signed horizontal travel >= 1 s.
- thrown: moving faster than 0.1 s per frame within its first 3 visible frames.
- stays_still: never more than 0.25 s from its first position. stays_visible: visible in every
  frame of the window. exits_frame / enters_frame: ``out_of_frame`` after / before being seen.
- occluded / reappears_after_occlusion: an ``occluded`` frame, or a frame away from the image
  edge with less than half its median area (followed by a visible one).
- breaks: a Truth ``fracture`` event, a track with ``parent`` = object, or a split event.
- collides: a Truth ``collision`` event with both, else the two boxes touch (within 0.1 s).
- topples: box aspect ratio (h/w) changes by more than 30 %.
- enters_container / stays_in_container: a Truth ``contained`` event; else the object's centre
  inside the container's box (at some frame after being outside / at the last visible frame).
- keeps_identity: no identity_change / identity_swap event for it.
- camera: from Truth's camera move, else from the estimated frame-to-reference transform
  (pan: centre shift > 3 % of the width; tilt: of the height; zoom/dolly/push: scale change
  > 5 %; static: none of these).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from ..types import Tracks, Truth
from .physics_traj import Traj, bounces

__all__ = ["check_expectations", "UNCHECKABLE"]

UNCHECKABLE = frozenset({"walks", "runs", "waves", "jumps", "carries", "shadow_moves"})


def _window(entry: Mapping[str, Any], n: int) -> tuple[int, int]:
    fr = entry.get("frames")
    if fr:
        return max(0, int(fr[0])), min(n - 1, int(fr[1]))
    return 0, n - 1


def check_expectations(entries: tuple[Mapping[str, Any], ...], tracks: Tracks,
                       trajs: Mapping[str, Traj], events: list[dict[str, Any]],
                       binding: Mapping[str, str], truth: Truth | None = None
                       ) -> list[dict[str, Any]]:
    """One result dict per entry: ``{entry, met, why}``."""
    inv = {obj: tid for tid, obj in binding.items()}
    out = []
    for e in entries:
        met, why = _one(e, tracks, trajs, events, inv, truth)
        out.append({"entry": {k: (list(v) if isinstance(v, tuple) else v) for k, v in e.items()},
                    "met": met, "why": why})
    return out


def _tid(obj: str | None, tracks: Tracks, inv: Mapping[str, str]) -> str | None:
    if obj is None:
        return None
    if obj in tracks.tracks:
        return obj
    return inv.get(obj)


def _one(e: Mapping[str, Any], tracks: Tracks, trajs: Mapping[str, Traj],
         events: list[dict[str, Any]], inv: Mapping[str, str], truth: Truth | None
         ) -> tuple[bool | None, str]:
    n = tracks.num_frames
    lo, hi = _window(e, n)
    if "camera" in e:
        return _camera(str(e["camera"]), tracks)
    ev = str(e.get("event"))
    if ev in UNCHECKABLE:
        return None, f"'{ev}' is not checkable from object tracks"
    obj = str(e.get("object"))
    truth_ev = [x for x in (truth.events if truth else ()) if obj in x.objects]
    if ev == "breaks":
        if any(x.kind in ("fracture", "shatter") for x in truth_ev):
            return True, "truth fracture event"
        tid = _tid(obj, tracks, inv)
        kids = [t for t, tr in tracks.tracks.items() if tr.attributes.get("parent") == obj]
        splits = [x for x in events if x["kind"] == "split" and x.get("parent") in (obj, tid)]
        return bool(kids or splits), f"{len(kids) + len(splits)} fragment(s) seen"
    tid = _tid(obj, tracks, inv)
    if tid is None or tid not in trajs:
        return None if ev == "stays_still" else False, f"object {obj!r} not found in the tracks"
    tr = trajs[tid]
    s = tr.typical_size
    p = tr.p[lo:hi + 1]
    ok = np.isfinite(p).all(axis=1)
    st = np.asarray(tracks.tracks[tid].state[lo:hi + 1])
    if ev in ("falls", "rises"):
        y = p[ok, 1]
        if y.size < 2:
            return False, "seen in fewer than 2 frames"
        drop = max(float(np.max(y[k:] - y[k])) for k in range(len(y))) if ev == "falls" else \
            max(float(np.max(y[k] - y[k:])) for k in range(len(y)))
        return drop >= 0.75 * s, f"moved {drop / s:.2f} sizes {'down' if ev == 'falls' else 'up'}"
    if ev == "bounces":
        need = int(e.get("min_count", 1) or 1)
        nb = len([b for b in bounces(tr) if lo <= b <= hi])
        return nb >= need, f"{nb} bounce(s), needed {need}"
    world = tracks.meta.get("world", {}) if isinstance(tracks.meta, Mapping) else {}
    if ev in ("rolls", "slides") and tid in world:  # Truth: ground-plane travel, any direction
        xz = np.asarray(world[tid], np.float64)[lo:hi + 1][ok][:, [0, 2]]
        if len(xz) < 2:
            return False, "seen in fewer than 2 frames"
        d = float(np.max(np.linalg.norm(xz - xz[0], axis=1)))
        return d >= 0.3, f"travelled {d:.2f} m on the ground"
    if ev in ("rolls", "slides", "moves_left", "moves_right"):
        x = p[ok, 0]
        if x.size < 2:
            return False, "seen in fewer than 2 frames"
        dx = float(x[-1] - x[0])
        if ev == "moves_left":
            return dx <= -s, f"moved {dx / s:.2f} sizes in x"
        if ev == "moves_right":
            return dx >= s, f"moved {dx / s:.2f} sizes in x"
        return abs(dx) >= s, f"moved {abs(dx) / s:.2f} sizes in x"
    if ev == "thrown":
        idx = np.flatnonzero(ok)[:3]
        if idx.size < 2:
            return False, "seen in fewer than 2 frames"
        v = float(np.max(np.linalg.norm(np.diff(p[idx], axis=0), axis=1) / np.diff(idx)))
        return v >= 0.1 * s, f"initial speed {v / s:.2f} sizes/frame"
    if ev == "stays_still":
        if not ok.any():
            return None, "not seen"
        d = float(np.max(np.linalg.norm(p[ok] - p[ok][0], axis=1)))
        return d <= 0.25 * s, f"strayed {d / s:.2f} sizes"
    if ev == "stays_visible":
        return bool((st == "visible").all()), f"{int((st != 'visible').sum())} hidden frame(s)"
    if ev in ("exits_frame", "enters_frame"):
        seen = np.flatnonzero(st == "visible")
        if not seen.size:
            return False, "never visible"
        part = st[seen[0]:] if ev == "exits_frame" else st[:seen[-1] + 1]
        return bool((part == "out_of_frame").any()), "out_of_frame state " + (
            "after" if ev == "exits_frame" else "before") + " being seen"
    if ev in ("occluded", "reappears_after_occlusion"):
        # hidden, or at least half hidden away from the image edge (a tall person behind a
        # low screen)
        area = np.asarray(tracks.tracks[tid].area, np.float64)[lo:hi + 1]
        box = np.asarray(tracks.tracks[tid].box, np.float64)[lo:hi + 1]
        vis_t = st == "visible"
        med = float(np.median(area[vis_t])) if vis_t.any() else 0.0
        with np.errstate(invalid="ignore"):
            inner = (box[:, 0] > 1) & (box[:, 1] > 1) & (box[:, 2] < tracks.width - 1) & (
                box[:, 3] < tracks.height - 1)
        half = vis_t & inner & (area < 0.5 * med)
        st = np.where(half, "occluded", st)
        occ = np.flatnonzero(st == "occluded")
        if ev == "occluded":
            return bool(occ.size), f"{occ.size} occluded frame(s)"
        back = occ.size and (st[occ[0]:] == "visible").any()
        return bool(back), "visible again after occlusion" if back else "no reappearance"
    if ev == "keeps_identity":
        bad = [x for x in events if x["kind"] in ("identity_change", "identity_swap")
               and (x.get("object") == tid or tid in x.get("objects", []))]
        return not bad, f"{len(bad)} identity event(s)"
    other_key = "with" if ev == "collides" else "container" if "container" in ev else None
    if other_key:
        other = str(e.get(other_key))
        if ev == "collides" and any(x.kind == "collision" and other in x.objects for x in truth_ev):
            return True, "truth collision event"
        if "container" in ev and any(x.kind == "contained" for x in truth_ev):
            return True, "truth contained event"
        oid = _tid(other, tracks, inv)
        if oid is None:
            return None, f"object {other!r} not found in the tracks"
        a, b = tracks.tracks[tid].box[lo:hi + 1], tracks.tracks[oid].box[lo:hi + 1]
        both = np.isfinite(a).all(1) & np.isfinite(b).all(1)
        if ev == "collides":
            gapx = np.maximum(a[:, 0], b[:, 0]) - np.minimum(a[:, 2], b[:, 2])
            gapy = np.maximum(a[:, 1], b[:, 1]) - np.minimum(a[:, 3], b[:, 3])
            touch = both & (gapx <= 0.1 * s) & (gapy <= 0.1 * s)
            return bool(touch.any()), f"boxes touch in {int(touch.sum())} frame(s)"
        cx, cy = (a[:, 0] + a[:, 2]) / 2, (a[:, 1] + a[:, 3]) / 2
        inside = both & (cx >= b[:, 0]) & (cx <= b[:, 2]) & (cy >= b[:, 1] - 0.5 * s) & (cy <= b[:, 3])
        if ev == "enters_container":
            k = np.flatnonzero(inside)
            return bool(k.size and (~inside[:k[0]]).any()), f"inside in {int(inside.sum())} frame(s)"
        last = np.flatnonzero(both)
        return bool(last.size and inside[last[-1]]), "inside at the end" if last.size and \
            inside[last[-1]] else "not inside at the end"
    if ev == "topples":
        box = tracks.tracks[tid].box[lo:hi + 1]
        r = (box[:, 3] - box[:, 1]) / np.maximum(box[:, 2] - box[:, 0], 1e-6)
        r = r[np.isfinite(r)]
        if r.size < 2:
            return False, "seen in fewer than 2 frames"
        ch = abs(np.log(r[-1] / r[0]))
        return ch > np.log(1.3), f"aspect changed by {np.exp(ch):.2f}x"
    return None, f"no checker for {ev!r}"


def _camera(move: str, tracks: Tracks) -> tuple[bool | None, str]:
    if tracks.camera is not None:
        got = tracks.camera.move.split(":")[0]
        return got == move, f"truth camera move {got!r}"
    f2r = tracks.meta.get("frame_to_ref") if isinstance(tracks.meta, Mapping) else None
    if f2r is None:
        return None, "no camera information"
    m = np.asarray(f2r)[-1]
    w, h = tracks.width, tracks.height
    c = np.array([w / 2, h / 2])
    shift = m[:2, :2] @ c + m[:2, 2] - c
    scale = float(np.sqrt(abs(np.linalg.det(m[:2, :2]))))
    panx, tilty = shift[0] / w, shift[1] / h
    desc = f"shift ({panx:+.3f}, {tilty:+.3f}) of the frame, scale {scale:.3f}"
    checks = {
        "static": abs(panx) < 0.03 and abs(tilty) < 0.03 and abs(scale - 1) < 0.05,
        "pan_left": panx < -0.03, "pan_right": panx > 0.03,
        "tilt_up": tilty < -0.03, "tilt_down": tilty > 0.03,
        "zoom_in": scale < 0.95, "dolly_in": scale < 0.95, "push_in": scale < 0.95,
        "zoom_out": scale > 1.05, "dolly_out": scale > 1.05,
        "orbit": abs(panx) > 0.03, "tracking": abs(panx) > 0.03 or abs(tilty) > 0.03,
    }
    return checks.get(move), desc
