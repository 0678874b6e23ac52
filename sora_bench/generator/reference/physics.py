"""Rigid-body simulation of a :class:`~.scene.Scene`, sampled at the frame times ``i / fps``.

Free bodies (spheres, cubes, cylinders, glasses, bottles, planks, dominoes ...) move under
gravity ``g`` with an exact closed-form step: within a substep ``dt`` the motion is the
parabola ``p + v t + 1/2 g t^2``, and a floor impact is located by solving that quadratic for
the contact time, so bounce times are exact and each bounce multiplies the normal speed by the
restitution ``e`` (normal speed below 0.15 m/s comes to rest). On the floor, spheres roll with
rolling resistance ``a = 0.03 * friction * g`` and boxes slide with Coulomb friction
``a = friction * g``. Body-body contacts (sphere/sphere, sphere/box, box/box, boxes are
axis-aligned after their yaw) are resolved each substep with a restitution impulse and a
mass-weighted position correction. Breakable bodies (glass) shatter when the normal speed of
an impact exceeds 1.5 m/s: they stop existing and their pre-allocated fragments
(``<id>.frag<k>``) appear there with seeded outward velocities. Bodies with motion ``topples``
rotate about their bottom edge (``phi'' = 3 g sin(phi) / (2 L)``, ``L`` the edge-to-far-corner
length) and knock over the next topplable body their top reaches (domino chains); tall static
bodies standing on the floor (dominoes, bottles, glasses ...) topple when a moving body hits them.

Characters, vehicles, birds and drones are kinematic: walks/runs move along ``direction`` at
``speed``, ``path`` follows waypoints at constant speed, ``jumps`` are ballistic hops,
``picks_up`` walks to the target, bends, and then carries it in the right hand.

Determinism: a pure function of (scene, fps, num_frames, seed, options). The seed jitters
initial positions by up to ``1 cm * jitter`` and initial speeds by up to ``2 % * jitter``, and
picks fragment directions; nothing reads the clock.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .bodies import Body, step_free, step_topple
from .contacts import SimEvent, collide
from .kinematics import KinTrack, PoseTrack, kinematic_track
from .scene import CHARACTER_KINDS, KINDS, Scene, SceneObject

__all__ = ["SimResult", "BodyTrack", "SimEvent", "simulate", "PoseTrack", "FRAGMENTS"]

FRAGMENTS = 6
MAX_SUBSTEP = 1.0 / 240.0
TOPPLERS = frozenset({"domino", "plank", "bottle", "cylinder", "glass", "cup", "cube", "cone"})


@dataclass
class BodyTrack:
    """One object's state per frame: centre position, velocity, rotation, existence."""

    obj: SceneObject
    position: np.ndarray   # (T, 3) centre, metres
    velocity: np.ndarray   # (T, 3) m/s
    rotation: np.ndarray   # (T, 3, 3) body-to-world
    exists: np.ndarray     # (T,) bool
    size: tuple[float, float, float]
    parent: str | None = None
    pose: PoseTrack | None = None


@dataclass
class SimResult:
    times: np.ndarray
    bodies: dict[str, BodyTrack]
    events: list[SimEvent]
    gravity: tuple[float, float, float]


def simulate(scene: Scene, *, num_frames: int, fps: float, seed: int = 0, jitter: float = 1.0,
             gravity_scale: float = 1.0, penetrate: float = 0.0,
             penetrate_ids: frozenset[str] = frozenset()) -> SimResult:
    """Simulate ``scene``; frame ``i`` is the state at ``t = i / fps``.

    ``gravity_scale`` multiplies the gravity vector (the gravity defects pass 0.2 or -1);
    ``penetrate`` in [0, 1] shrinks contact distances of ``penetrate_ids`` bodies by that
    fraction (1 = they pass through each other; they sink into the floor by 0.7 x that x height).
    """
    rng = np.random.default_rng([int(seed) & 0xFFFFFFFF, 7])
    g = np.array([0.0, -scene.gravity * gravity_scale, 0.0])
    T = max(1, int(num_frames))
    n_sub = max(1, math.ceil((1.0 / fps) / MAX_SUBSTEP))
    dt = 1.0 / (fps * n_sub)
    duration = scene.duration_s or max(T - 1, 1) / fps
    bodies: dict[str, Body] = {}
    kin: dict[str, SceneObject] = {}
    statics: list[tuple[str, np.ndarray, np.ndarray]] = []  # (id, box min, box max)
    events: list[SimEvent] = []
    for o in scene.objects:
        jit = rng.uniform(-1, 1, 4) * jitter
        size = o.size
        free = KINDS[o.kind][3] and o.motion not in ("path", "flies", "spins")
        base = np.array(o.position) + np.array([jit[0], 0.0, jit[1]]) * 0.01
        if not free:
            kin[o.id] = o
            if o.kind in ("wall", "screen", "pillar", "building", "table", "container"):
                statics.extend(_static_boxes(o))
            continue
        h = size[0] / 2 if o.kind == "sphere" else size[1] / 2
        pos = base + np.array([0.0, h, 0.0])
        vel = _initial_velocity(o, pos, scene, g, bodies) * (1 + 0.02 * jit[2])
        b = Body(o, size, pos, vel, 0.0 if o.motion == "topples" else o.start_s)
        if o.motion == "topples":
            b.topple = {"start": o.start_s, "omega0": 1.5 + 0.1 * jit[3]}
        elif (o.motion == "static" and o.kind in TOPPLERS and o.position[1] <= 1e-6
              and size[1] > 1.5 * min(size[0], size[2])):
            b.topple = {"start": math.inf, "omega0": 0.8}  # stands until something hits it
        bodies[o.id] = b
        if o.breakable:
            for k in range(FRAGMENTS):
                fo = SceneObject(id=f"{o.id}.frag{k}", kind="cube", color=o.color,
                                 color_name=o.color_name, material=o.material,
                                 size=tuple(max(0.03, s * 0.35) for s in size),  # type: ignore
                                 position=o.position, restitution=0.2, friction=0.8,
                                 yaw=float(rng.uniform(0, 90)))
                fb = Body(fo, fo.size, pos.copy(), np.zeros(3), 0.0, exists_from=None)
                fb.parent = o.id  # type: ignore[attr-defined]
                fb.dir = rng.normal(size=3)  # type: ignore[attr-defined]
                bodies[fo.id] = fb
    for o in scene.objects:  # carried objects follow a hand, not gravity
        if o.kind in CHARACTER_KINDS and o.target in bodies and o.motion in ("carries", "picks_up"):
            bodies[o.target].held_by = o.id
    rec = {bid: (np.zeros((T, 3)), np.zeros((T, 3)), np.zeros((T, 3, 3)), np.zeros(T, bool))
           for bid in bodies}
    hand_pos: dict[str, np.ndarray] = {}
    kin_tracks = {}
    for oid, o in kin.items():
        tp = None
        if o.target is not None:
            tgt = scene.object(o.target)
            tp = tgt.position
        kin_tracks[oid] = kinematic_track(o, T, fps, duration, rng, jitter, tp)
    for oid, kt in kin_tracks.items():
        o = kin[oid]
        if o.target in bodies and o.motion in ("carries", "picks_up"):
            hand_pos[oid] = kt.hand
    sp = [b for b in bodies.values()]
    t = 0.0
    for i in range(T):
        t = i / fps
        for bid, b in bodies.items():
            if b.held_by is not None and _holding(kin_tracks[b.held_by], i):
                hp = hand_pos[b.held_by][i]
                b.p = hp - np.array([0.0, b.height / 2, 0.0])
                b.v = kin_tracks[b.held_by].velocity[i].copy()
            pr, vr, Rr, er = rec[bid]
            pr[i], vr[i], Rr[i], er[i] = b.p, b.v, b.R, b.alive(t)
        if i == T - 1:
            break
        for s in range(n_sub):
            ts = t + s * dt
            for b in sp:
                if b.held_by is not None and _holding(kin_tracks[b.held_by], i + 1):
                    continue
                if b.held_by is not None and _holding(kin_tracks[b.held_by], i):
                    b.held_by = None  # released: falls from the hand
                if not b.alive(ts) or ts < b.active_from:
                    continue
                if b.topple is not None:
                    step_topple(b, ts, dt, g, bodies, events)
                    continue
                step_free(b, ts, dt, g, events, 0.7 * penetrate if b.id in penetrate_ids else 0.0)
            collide(sp, statics, ts + dt, events, penetrate, penetrate_ids)
            _spawn_fragments(bodies, ts + dt)
    frames = np.arange(T) / fps
    out: dict[str, BodyTrack] = {}
    for bid, b in bodies.items():
        pr, vr, Rr, er = rec[bid]
        out[bid] = BodyTrack(b.obj, pr, vr, Rr, er, b.size, getattr(b, "parent", None))
    for oid, kt in kin_tracks.items():
        out[oid] = BodyTrack(kin[oid], kt.position, kt.velocity, kt.rotation,
                             np.ones(T, bool), kin[oid].size, None, kt.pose)
    order = [o.id for o in scene.objects]
    ordered = {k: out[k] for k in order if k in out}
    ordered.update({k: v for k, v in out.items() if k not in ordered})
    events = _dedupe(events)
    return SimResult(frames, ordered, events, (float(g[0]), float(g[1]), float(g[2])))


def _holding(kt: KinTrack, i: int) -> bool:
    return bool(kt.pose is not None and kt.pose.carry[min(i, len(kt.pose.carry) - 1)])


def _dedupe(events: list[SimEvent], gap: float = 0.15) -> list[SimEvent]:
    """Contacts resolved over several substeps are one event: drop repeats within ``gap`` s."""
    events = sorted(events, key=lambda e: (e.time, e.kind, e.objects))
    last: dict[tuple, float] = {}
    out = []
    for e in events:
        key = (e.kind, tuple(sorted(e.objects)))
        if e.kind == "collision" and e.time - last.get(key, -1e9) < gap:
            last[key] = e.time
            continue
        last[key] = e.time
        out.append(e)
    return out


def _spawn_fragments(bodies: dict[str, Body], t: float) -> None:
    """Fragments of a body that just broke appear at its place with outward velocities."""
    for fb in bodies.values():
        parent = getattr(fb, "parent", None)
        if parent is None or fb.exists_from is not None:
            continue
        pb = bodies[parent]
        if pb.exists_until > t:
            continue
        k = int(fb.id.rsplit("frag", 1)[1])
        ang = 2 * math.pi * (k + 0.3 * fb.dir[0]) / FRAGMENTS
        out = np.array([math.cos(ang), 0.0, math.sin(ang)])
        fb.p = pb.p + out * pb.half[0] * 0.5 + np.array([0.0, fb.half[1] - pb.half[1] + 0.01, 0.0])
        speed = 0.8 + 0.4 * abs(fb.dir[1])
        fb.v = out * speed + np.array([0.0, 1.2 + 0.5 * abs(fb.dir[2]), 0.0]) + pb.v * [0.3, 0, 0.3]
        fb.exists_from = t
        fb.active_from = t


def _initial_velocity(o: SceneObject, pos: np.ndarray, scene: Scene, g: np.ndarray,
                      placed: dict[str, Body]) -> np.ndarray:
    if o.velocity is not None:
        return np.array(o.velocity, float)
    d = np.array(o.direction, float)
    if o.motion in ("rolls", "slides"):
        d[1] = 0.0
        n = np.linalg.norm(d)
        return d / n * o.speed if n > 0 else np.zeros(3)
    if o.motion == "thrown":
        if o.target is not None:  # ballistic aim at the target's top centre
            tgt = scene.object(o.target)
            aim = np.array(tgt.position, float) + np.array([0.0, tgt.size[1] * 0.6 + 0.1, 0.0])
            dist = float(np.linalg.norm((aim - pos)[[0, 2]]))
            tf = max(0.5, dist / max(o.speed, 0.5))
            return (aim - pos - 0.5 * g * tf * tf) / tf
        v = d * o.speed
        if abs(d[1]) < 0.3:  # a throw goes up as well as along
            v[1] = 0.8 * o.speed
        return v
    return np.zeros(3)


def _static_boxes(o: SceneObject) -> list[tuple[str, np.ndarray, np.ndarray]]:
    x, y, z = o.position
    w, h, d = o.size
    c, s = abs(math.cos(math.radians(o.yaw))), abs(math.sin(math.radians(o.yaw)))
    hw, hd = (c * w + s * d) / 2, (s * w + c * d) / 2
    if o.kind == "container":
        t = min(0.05, w * 0.08)
        parts = [((x - hw, y, z - hd), (x + hw, y + t, z + hd)),
                 ((x - hw, y, z - hd), (x - hw + t, y + h, z + hd)),
                 ((x + hw - t, y, z - hd), (x + hw, y + h, z + hd)),
                 ((x - hw, y, z - hd), (x + hw, y + h, z - hd + t)),
                 ((x - hw, y, z + hd - t), (x + hw, y + h, z + hd))]
    elif o.kind == "table":
        parts = [((x - hw, y + h - 0.05, z - hd), (x + hw, y + h, z + hd))]
    else:
        parts = [((x - hw, y, z - hd), (x + hw, y + h, z + hd))]
    return [(o.id, np.array(a, float), np.array(b, float)) for a, b in parts]
