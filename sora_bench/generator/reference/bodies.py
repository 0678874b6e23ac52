"""Free bodies of the simulator and their per-substep integration.

:class:`Body` is one free body's state (centre, velocity, rotation, half extents axis-aligned
after its yaw, mass = ``DENSITY`` x volume, existence interval, topple state).
:func:`step_free` moves it under gravity ``g`` with an exact closed-form step: within a substep
``dt`` the motion is the parabola ``p + v t + 1/2 g t^2``, and a floor impact is located by
solving that quadratic for the contact time, so bounce times are exact; each bounce multiplies
the normal speed by the restitution ``e``, and a normal speed below ``REST_SPEED`` (0.15 m/s)
comes to rest (a breakable body hitting the floor faster than ``BREAK_SPEED`` shatters). On the
floor, spheres roll with rolling resistance ``a = 0.03 * friction * g`` and boxes slide with
Coulomb friction ``a = friction * g``. :func:`step_topple` rotates a toppling body about its
bottom edge (``phi'' = 3 g sin(phi) / (2 L)``, ``L`` the edge-to-far-corner length) and knocks
over the next topplable body its top reaches.
"""

from __future__ import annotations

import math

import numpy as np

from .contacts import BREAK_SPEED, SimEvent
from .kinematics import rot_y
from .scene import SceneObject

__all__ = ["Body", "DENSITY", "REST_SPEED", "rot_axis", "step_free", "step_topple"]

REST_SPEED = 0.15  # m/s: a bounce slower than this comes to rest
DENSITY = {"rubber": 1100, "wood": 600, "metal": 7800, "glass": 2500, "plastic": 950,
           "stone": 2400, "cloth": 300, "ceramic": 2300, "neon": 1000, "emissive": 1000,
           "mirror": 2500}


# --------------------------------------------------------------------------------- rotations
def rot_axis(axis: np.ndarray, a: float) -> np.ndarray:
    """Rodrigues: rotation by ``a`` radians about the unit ``axis``."""
    k = np.asarray(axis, float)
    k = k / (np.linalg.norm(k) + 1e-12)
    kx = np.array([[0, -k[2], k[1]], [k[2], 0, -k[0]], [-k[1], k[0], 0]])
    return np.eye(3) + math.sin(a) * kx + (1 - math.cos(a)) * (kx @ kx)


# ------------------------------------------------------------------------------------ bodies
class Body:
    """One free body's state, read and updated by the substep integration and the contacts."""

    def __init__(self, obj: SceneObject, size: tuple[float, float, float], pos: np.ndarray,
                 vel: np.ndarray, active_from: float, exists_from: float | None = 0.0) -> None:
        self.obj, self.id, self.size = obj, obj.id, size
        self.sphere = obj.kind == "sphere"
        self.r = size[0] / 2
        self.half = np.array(size, float) / 2
        c, s = abs(math.cos(math.radians(obj.yaw))), abs(math.sin(math.radians(obj.yaw)))
        if not self.sphere:  # axis-aligned extents of the yawed box
            self.half = np.array([c * self.half[0] + s * self.half[2], self.half[1],
                                  s * self.half[0] + c * self.half[2]])
        vol = (math.pi / 6 * size[0] ** 3) if self.sphere else size[0] * size[1] * size[2]
        self.mass = DENSITY.get(obj.material, 1000) * vol
        self.p, self.v = pos.astype(float), vel.astype(float)
        self.R = rot_y(math.radians(obj.yaw))
        self.e, self.mu = obj.restitution, obj.friction
        self.active_from, self.exists_from = active_from, exists_from
        self.exists_until = math.inf
        self.resting = False
        self.topple: dict | None = None
        self.held_by: str | None = None

    @property
    def bottom(self) -> float:
        return self.p[1] - (self.r if self.sphere else self.half[1])

    @property
    def height(self) -> float:
        return 2 * self.r if self.sphere else 2 * self.half[1]

    def alive(self, t: float) -> bool:
        return self.exists_from is not None and self.exists_from <= t < self.exists_until


def step_free(b: Body, t: float, dt: float, g: np.ndarray, events: list[SimEvent],
               sink: float) -> None:
    """Exact parabola over ``dt`` with floor impacts located in closed form."""
    floor = -sink * b.height
    remaining = dt
    if b.resting and g[1] < 0:
        b.v[1] = 0.0
        _ground_friction(b, remaining, -g[1])
        b.p += b.v * remaining
        _roll(b, remaining)
        return
    b.resting = False
    for _ in range(4):
        y0 = b.bottom - floor
        vy, ay = b.v[1], g[1]
        tc = _first_root(0.5 * ay, vy, y0, remaining) if y0 >= -1e-9 else 0.0
        if tc is None:
            b.p += b.v * remaining + 0.5 * g * remaining ** 2
            b.v += g * remaining
            _roll(b, remaining)
            return
        b.p += b.v * tc + 0.5 * g * tc ** 2
        b.v += g * tc
        b.p[1] = floor + (b.r if b.sphere else b.half[1])
        remaining -= tc
        vn = -b.v[1]
        if vn <= 0:
            continue
        if b.obj.breakable and vn > BREAK_SPEED:
            b.exists_until = t + dt - remaining
            events.append(SimEvent("fracture", b.exists_until, (b.id,), tuple(b.p), {"speed": vn}))
            return
        if vn * b.e < REST_SPEED or g[1] >= 0:
            b.v[1] = 0.0
            b.resting = g[1] < 0
            if vn > 0.5:
                events.append(SimEvent("bounce", t + dt - remaining, (b.id,), tuple(b.p),
                                       {"speed_in": vn, "speed_out": 0.0}))
            _ground_friction(b, remaining, -g[1])
            b.p += b.v * remaining
            _roll(b, remaining)
            return
        b.v[1] = vn * b.e
        events.append(SimEvent("bounce", t + dt - remaining, (b.id,), tuple(b.p),
                               {"speed_in": vn, "speed_out": vn * b.e}))


def _first_root(a: float, b: float, c: float, limit: float) -> float | None:
    """Smallest t in (0, limit] with a t^2 + b t + c = 0 while moving down (c >= 0)."""
    if c > 1e-12 and b >= 0 and a >= 0:
        return None
    if abs(a) < 1e-12:
        if b >= 0:
            return None
        t = -c / b
        return t if 0 <= t <= limit else None
    disc = b * b - 4 * a * c
    if disc < 0:
        return None
    sq = math.sqrt(disc)
    roots = sorted(((-b - sq) / (2 * a), (-b + sq) / (2 * a)))
    for r in roots:
        if 0 <= r <= limit and (b + 2 * a * r) < 0:
            return r
    return None


def _ground_friction(b: Body, dt: float, gmag: float) -> None:
    vh = b.v[[0, 2]]
    sp = float(np.linalg.norm(vh))
    if sp <= 0:
        return
    a = (0.03 if b.sphere else 1.0) * b.mu * gmag
    new = max(0.0, sp - a * dt)
    b.v[0], b.v[2] = vh * (new / sp)


def _roll(b: Body, dt: float) -> None:
    if not b.sphere or b.bottom > 0.01:
        return
    w = np.cross([0.0, 1.0, 0.0], b.v) / max(b.r, 1e-3)
    a = float(np.linalg.norm(w)) * dt
    if a > 1e-9:
        b.R = rot_axis(w, -a) @ b.R


def step_topple(b: Body, t: float, dt: float, g: np.ndarray, bodies: dict[str, Body],
                 events: list[SimEvent]) -> None:
    tp = b.topple
    assert tp is not None
    if t < tp["start"]:
        return
    h = b.size[1]
    if "theta" not in tp:
        d = np.array(tp.get("dir", b.obj.direction), float)
        d[1] = 0.0
        d = d / np.linalg.norm(d) if np.linalg.norm(d) > 1e-9 else np.array([1.0, 0, 0])
        w = float(np.abs(b.R.T @ d) @ np.array(b.size))  # body extent along the fall direction
        tp["w"] = w
        half = np.array(b.size) / 2
        L, beta = math.hypot(w, h), math.atan2(w, h)
        # a push that carries the centre of mass over the edge: omega^2 > 3 g (1 - cos b) / L
        need = math.sqrt(3 * (-g[1]) * (1 - math.cos(beta)) / L) if g[1] < 0 else 0.0
        tp.update(theta=0.0, omega=max(tp["omega0"], 1.15 * need + 0.2), L=L,
                  pivot=b.p - np.array([0.0, half[1], 0.0]) + d * w / 2, axis=np.cross([0, 1, 0], d),
                  R0=b.R.copy(), beta=math.atan2(w, h), d=d)
        events.append(SimEvent("topple", t, (b.id,), tuple(b.p)))
    if tp.get("done"):
        return
    w = tp["w"]
    phi = tp["theta"] - tp["beta"]
    tp["omega"] += 3 * (-g[1]) * math.sin(phi) / (2 * tp["L"]) * dt
    tp["theta"] = min(math.pi / 2, max(0.0, tp["theta"] + tp["omega"] * dt))
    R = rot_axis(tp["axis"], tp["theta"])
    arm = np.array([0.0, h / 2, 0.0]) - tp["d"] * w / 2
    new_p = tp["pivot"] + R @ arm
    b.v = (new_p - b.p) / dt
    b.p, b.R = new_p, R @ tp["R0"]
    top = tp["pivot"] + R @ (np.array([0.0, h, 0.0]) - tp["d"] * w / 2) + tp["d"] * 0.0
    for o in bodies.values():  # knock over the next topplable body the top reaches
        if o is b or o.topple is None or "theta" in o.topple or not o.alive(t):
            continue
        lo, hi = o.p - o.half, o.p + o.half
        if np.all(top >= lo - 0.02) and np.all(top <= hi + 0.02):
            o.topple["start"] = t
            o.topple["omega0"] = max(1.0, tp["omega"] * 0.7)
            o.topple["dir"] = tp["d"]
            events.append(SimEvent("collision", t, (b.id, o.id), tuple(top)))
    if tp["theta"] >= math.pi / 2:
        tp["done"] = True
        b.v = np.zeros(3)
