"""Truth from what was rendered: id buffer -> visible boxes and fractions; simulation -> 3D
state and physical events; visibility history -> occluded / reappeared / exit / enter events.

- ``box``: extent of the object's pixels in the (supersampled) id buffer, in image pixels
  ``x0, y0, x1, y1`` (x1, y1 exclusive), NaN where none is visible.
- ``visible_fraction``: visible pixels / pixels the object covers when drawn alone (so it
  is 0 when something hides it, or when a defect erased it while it is in frame).
- ``in_frame``: the projection of the object's bounding sphere overlaps the image (geometric,
  so an erased object is still "in frame").
- Events: physics events (bounce, collision, fracture, topple) at ``round(time * fps)`` with
  the projected position; ``occluded`` (visible fraction < 0.1 for >= 1 frame while in frame
  and drawn alone > 0, ``detail.behind`` = the object covering its centre), ``reappeared``,
  ``exit``/``enter`` (in-frame changes), ``contained`` (inside a container to the end).
"""

from __future__ import annotations

import numpy as np

from ...types import CameraTruth, Event, ObjectTruth, Truth
from .physics import SimResult
from .render import RenderOut
from .shapes import ObjectInfo

__all__ = ["build_truth", "OCCLUDED_BELOW"]

OCCLUDED_BELOW = 0.1


def _boxes(ids: np.ndarray, n_obj: int, ss: int) -> tuple[np.ndarray, np.ndarray]:
    T = ids.shape[0]
    box = np.full((T, n_obj, 4), np.nan)
    count = np.zeros((T, n_obj), np.int64)
    for f in range(T):
        flat = ids[f]
        c = np.bincount(flat[flat >= 0].ravel(), minlength=n_obj)[:n_obj]
        count[f] = c
        for o in np.flatnonzero(c):
            m = flat == o
            rows = np.flatnonzero(m.any(1))
            cols = np.flatnonzero(m.any(0))
            box[f, o] = [cols[0] / ss, rows[0] / ss, (cols[-1] + 1) / ss, (rows[-1] + 1) / ss]
    return box, count


def _in_frame(cam: CameraTruth, pos: np.ndarray, radius: float, w: int, h: int) -> np.ndarray:
    T = pos.shape[0]
    out = np.zeros(T, bool)
    for f in range(T):
        pc = cam.rotation[f] @ pos[f] + cam.translation[f]
        if pc[2] <= -radius:
            continue
        z = max(pc[2], 1e-3)
        fpx = cam.intrinsics[f, 0, 0]
        u = fpx * pc[0] / z + cam.intrinsics[f, 0, 2]
        v = fpx * pc[1] / z + cam.intrinsics[f, 1, 2]
        r = fpx * radius / z
        out[f] = (u + r > 0) and (u - r < w) and (v + r > 0) and (v - r < h)
    return out


def build_truth(sim: SimResult, infos: list[ObjectInfo], out: RenderOut, cam: CameraTruth,
                fps: float, width: int, height: int, *, hidden_objects: set[str] = frozenset(),
                meta: dict | None = None) -> Truth:
    T = out.ids.shape[0]
    n = len(infos)
    box, vis_px = _boxes(out.ids, n, out.ss)
    objects: dict[str, ObjectTruth] = {}
    events: list[Event] = []
    for oi, info in enumerate(infos):
        bt = sim.bodies[info.id]
        radius = float(np.linalg.norm(bt.size)) / 2
        inf = _in_frame(cam, bt.position, radius, width, height) & bt.exists
        cover = out.unoccluded[:, oi]
        vf = np.where(cover > 0, vis_px[:, oi] / np.maximum(cover, 1), 0.0)
        vf = np.clip(vf, 0, 1)
        objects[info.id] = ObjectTruth(info.id, info.kind, info.attributes, box[:, oi], vf, inf,
                                       bt.position, bt.velocity, bt.exists)
        events += _visibility_events(info.id, vf, inf, cover, bt.exists, box, oi, cam, bt.position)
    for e in sim.events:
        f = int(min(T - 1, max(0, round(e.time * fps))))
        uv = cam.project(f, np.array([e.position]))[0]
        pos = None if not np.all(np.isfinite(uv)) else (float(uv[0]), float(uv[1]))
        events.append(Event(e.kind, f, e.objects, None, pos, dict(e.detail)))
    events += _containment(sim, infos)
    _add_behind(events, objects, cam)
    events.sort(key=lambda e: (e.frame, e.kind, e.objects))
    return Truth(T, fps, width, height, objects, cam, tuple(events), (), sim.gravity, meta or {})


def _visibility_events(oid, vf, inf, cover, exists, box, oi, cam, pos) -> list[Event]:
    ev: list[Event] = []
    T = len(vf)
    occ = inf & exists & (cover > 0) & (vf < OCCLUDED_BELOW)
    f = 0
    while f < T:
        if occ[f] and (f == 0 or not occ[f - 1]):
            g = f
            while g + 1 < T and occ[g + 1]:
                g += 1
            ev.append(Event("occluded", f, (oid,), g, None, {}))
            if g + 1 < T and vf[g + 1] >= OCCLUDED_BELOW:
                ev.append(Event("reappeared", g + 1, (oid,), None, _centre(box[g + 1, oi])))
            f = g + 1
        else:
            f += 1
    for f in range(1, T):
        if exists[f] and exists[f - 1] and inf[f] != inf[f - 1]:
            kind = "enter" if inf[f] else "exit"
            ev.append(Event(kind, f, (oid,), None, _centre(box[f, oi] if inf[f] else box[f - 1, oi])))
    return ev


def _centre(b: np.ndarray) -> tuple[float, float] | None:
    if not np.all(np.isfinite(b)):
        return None
    return (float((b[0] + b[2]) / 2), float((b[1] + b[3]) / 2))


def _add_behind(events: list[Event], objects: dict[str, ObjectTruth], cam: CameraTruth) -> None:
    for i, e in enumerate(events):
        if e.kind != "occluded":
            continue
        o = objects[e.objects[0]]
        uv = cam.project(e.frame, o.position[e.frame:e.frame + 1])[0]
        best, area = None, 0.0
        for oid, other in objects.items():
            b = other.box[e.frame]
            if oid == o.id or not np.all(np.isfinite(b)) or not np.all(np.isfinite(uv)):
                continue
            if b[0] <= uv[0] <= b[2] and b[1] <= uv[1] <= b[3]:
                a = (b[2] - b[0]) * (b[3] - b[1])
                if a > area:
                    best, area = oid, a
        if best is not None:
            events[i] = Event(e.kind, e.frame, e.objects, e.end_frame, e.position, {"behind": best})


def _containment(sim: SimResult, infos: list[ObjectInfo]) -> list[Event]:
    ev = []
    containers = [i.id for i in infos if i.kind == "container"]
    for cid in containers:
        c = sim.bodies[cid]
        lo = c.position[0] - np.array(c.size) / 2
        hi = c.position[0] + np.array(c.size) / 2
        for info in infos:
            if info.id == cid or info.kind in ("person", "container"):
                continue
            p = sim.bodies[info.id].position
            inside = np.all((p > lo - [0, 0.05, 0]) & (p < hi + [0, 0.2, 0]), axis=1)
            inside &= sim.bodies[info.id].exists
            if inside.size and inside[-1]:
                f = len(inside) - 1
                while f > 0 and inside[f - 1]:
                    f -= 1
                ev.append(Event("contained", f, (info.id, cid)))
    return ev
