"""Body-body contacts of the simulator: detection (sphere/sphere, sphere/box, box/box with
boxes axis-aligned after their yaw) and resolution (mass-weighted position correction plus a
restitution impulse ``j = -(1 + e) v_n / (1/m_a + 1/m_b)``, ``e = sqrt(e_a e_b)``, 0 for
normal speeds under 0.3 m/s so resting contacts settle). Impacts shatter breakable bodies
above ``BREAK_SPEED`` and knock standing topplable bodies over.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["SimEvent", "BREAK_SPEED", "collide"]

BREAK_SPEED = 1.5  # m/s: normal impact speed that shatters a breakable body


@dataclass
class SimEvent:
    kind: str
    time: float
    objects: tuple[str, ...]
    position: tuple[float, float, float]
    detail: dict = field(default_factory=dict)


def collide(bodies: list[Any], statics: list, t: float, events: list[SimEvent],
             penetrate: float, pen_ids: frozenset[str]) -> None:
    live = [b for b in bodies if b.alive(t) and b.held_by is None]
    for i, a in enumerate(live):
        for b in live[i + 1:]:
            s = penetrate if (a.id in pen_ids or b.id in pen_ids) else 0.0
            hit = _contact(a, b.p, b.r if b.sphere else None, b.half, scale=1 - s)
            if hit is not None:
                _resolve(a, b, hit[0], hit[1], t, events)
        for sid, lo, hi in statics:
            c, h = (lo + hi) / 2, (hi - lo) / 2
            hit = _contact(a, c, None, h, scale=1.0)
            if hit is not None:
                _resolve(a, None, hit[0], hit[1], t, events, sid)


def _contact(a: Any, pb: np.ndarray, rb: float | None, hb: np.ndarray,
             scale: float) -> tuple[np.ndarray, float] | None:
    """Normal (from b towards a) and penetration depth, or None."""
    if scale <= 1e-6:
        return None
    if a.sphere and rb is not None:
        d = a.p - pb
        dist = float(np.linalg.norm(d))
        pen = (a.r + rb) * scale - dist
        if pen <= 0:
            return None
        return (d / dist if dist > 1e-9 else np.array([0.0, 1.0, 0.0])), pen
    if a.sphere or rb is not None:  # sphere vs box (either order)
        sc, r, bc, bh, sign = (a.p, a.r, pb, hb, 1.0) if a.sphere else (pb, rb, a.p, a.half, -1.0)
        q = np.clip(sc, bc - bh * scale, bc + bh * scale)
        d = sc - q
        dist = float(np.linalg.norm(d))
        if dist >= r * scale:
            return None
        if dist > 1e-9:
            return sign * d / dist, r * scale - dist
        k = int(np.argmin(bh - np.abs(sc - bc)))
        n = np.zeros(3)
        n[k] = 1.0 if sc[k] >= bc[k] else -1.0
        return sign * n, r * scale + bh[k] - abs(sc[k] - bc[k])
    ov = (a.half + hb) * scale - np.abs(a.p - pb)
    if np.any(ov <= 0):
        return None
    k = int(np.argmin(ov))
    n = np.zeros(3)
    n[k] = 1.0 if a.p[k] >= pb[k] else -1.0
    return n, float(ov[k])


def _resolve(a: Any, b: Any | None, n: np.ndarray, pen: float, t: float,
             events: list[SimEvent], static_id: str | None = None) -> None:
    ia = 1.0 / a.mass if a.topple is None else 0.0
    ib = 0.0 if b is None or b.topple is not None else 1.0 / b.mass
    if b is not None:  # a moving body knocks a standing topplable one over
        for hit, by in ((b, a), (a, b)):
            tp = hit.topple
            if tp is not None and by.topple is None and "theta" not in tp and tp["start"] > t:
                push = by.v * [1.0, 0.0, 1.0]
                if np.linalg.norm(push) > 0.2:
                    tp["start"], tp["dir"] = t, push
                    events.append(SimEvent("collision", t, (by.id, hit.id), tuple(hit.p)))
    if ia + ib == 0:
        return
    a.p += n * pen * ia / (ia + ib)
    if b is not None:
        b.p -= n * pen * ib / (ia + ib)
    vb = b.v if b is not None else np.zeros(3)
    vn = float(np.dot(a.v - vb, n))
    if vn >= 0:
        return
    e = math.sqrt(a.e * (b.e if b is not None else 0.5)) if -vn > 0.3 else 0.0
    j = -(1 + e) * vn / (ia + ib)
    a.v += j * ia * n
    if b is not None:
        b.v -= j * ib * n
    if n[1] > 0.7 and a.v[1] < 0.05:
        a.resting = False
    other = b.id if b is not None else static_id
    if -vn > 0.4 and other is not None:
        events.append(SimEvent("collision", t, (a.id, other), tuple(a.p), {"speed": -vn}))
    for body in (a, b):
        if body is not None and body.obj.breakable and -vn > BREAK_SPEED and body.alive(t):
            body.exists_until = t
            events.append(SimEvent("fracture", t, (body.id,), tuple(body.p), {"speed": -vn}))
