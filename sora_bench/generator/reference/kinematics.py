"""Kinematic objects: characters, vehicles, birds, drones, static furniture, paths, spins.

Positions are object centres (metres, y up). A character's gait phase advances with the
distance walked (``2 pi`` per stride of ``0.75 * height`` walking, ``1.1 * height`` running), so
feet do not skate. ``jumps`` are ballistic hops (take-off speed 2.6 m/s, period 1.1 s).
``picks_up`` walks towards its target, stops at arm's reach, bends for 0.8 s, then carries
the target in its right hand and walks on. Yaw faces the direction of travel.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .scene import SceneObject

__all__ = ["PoseTrack", "KinTrack", "kinematic_track", "rot_y"]

JUMP_V0 = 2.6
JUMP_PERIOD = 1.1


@dataclass
class PoseTrack:
    """Per-frame character / animal pose parameters (see :mod:`.character`)."""

    phase: np.ndarray       # gait phase (rad); wing / rotor phase for birds and drones
    gait: np.ndarray        # 0 standing, 1 walking, 2 running
    wave: np.ndarray        # 0..1 right arm waving
    bend: np.ndarray        # 0..1 bending down to pick something up
    carry: np.ndarray       # bool: holding the target in the right hand
    wave_phase: np.ndarray  # rad
    lift: np.ndarray        # m: height of the feet above the floor (jumps)


@dataclass
class KinTrack:
    position: np.ndarray
    velocity: np.ndarray
    rotation: np.ndarray
    pose: PoseTrack | None
    hand: np.ndarray


def rot_y(a: float) -> np.ndarray:
    """Rotation about +y by ``a`` radians; maps local +z (forward) to ``(sin a, 0, cos a)``."""
    c, s = math.cos(a), math.sin(a)
    return np.array([[c, 0.0, s], [0.0, 1.0, 0.0], [-s, 0.0, c]])


def _yaw_of(d: np.ndarray, default: float) -> float:
    if abs(d[0]) + abs(d[2]) < 1e-9:
        return default
    return math.atan2(d[0], d[2])


def _polyline(points: np.ndarray, s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Points at arc lengths ``s`` along ``points`` (clamped at the end) and unit tangents."""
    seg = np.diff(points, axis=0)
    ln = np.linalg.norm(seg, axis=1)
    cum = np.concatenate([[0.0], np.cumsum(ln)])
    s = np.clip(s, 0, cum[-1])
    k = np.clip(np.searchsorted(cum, s, side="right") - 1, 0, len(seg) - 1)
    f = (s - cum[k]) / np.maximum(ln[k], 1e-9)
    pos = points[k] + seg[k] * f[:, None]
    tan = seg[k] / np.maximum(ln[k], 1e-9)[:, None]
    return pos, tan


def kinematic_track(o: SceneObject, T: int, fps: float, duration: float,
                    rng: np.random.Generator, jitter: float,
                    target_pos: tuple[float, float, float] | None = None) -> KinTrack:
    """Per-frame centre, velocity, rotation (and pose for characters) of a kinematic object."""
    t = np.arange(T) / fps
    tm = np.maximum(t - o.start_s, 0.0)
    half_h = o.size[1] / 2
    base = np.array(o.position, float) + np.array([1, 0, 1]) * rng.uniform(-1, 1, 3) * 0.01 * jitter
    d = np.array(o.direction, float)
    if o.kind not in ("bird", "drone", "flying_car") or o.motion != "flies":
        d[1] = 0.0
    nd = np.linalg.norm(d)
    d = d / nd if nd > 1e-9 else np.array([1.0, 0.0, 0.0])
    yaw0 = math.radians(o.yaw)
    pos = np.repeat(base[None], T, 0)
    yaw = np.full(T, yaw0)
    pose = None
    is_char = o.kind == "person"
    if is_char or o.kind in ("bird", "drone"):
        z = np.zeros(T)
        pose = PoseTrack(z.copy(), z.copy(), z.copy(), z.copy(), np.zeros(T, bool), z.copy(),
                         z.copy())
    m = o.motion
    if m == "path" and o.path:
        pts = np.array(o.path, float)
        s = tm * o.speed
        pos, tan = _polyline(pts, s)
        yaw = np.array([_yaw_of(v, yaw0) for v in tan])
    elif m in ("walks", "runs", "flies", "carries") and o.speed > 0:
        pos = base[None] + d[None] * (tm * o.speed)[:, None]
        yaw[:] = _yaw_of(d, yaw0)
    elif m == "picks_up" and target_pos is not None:
        tgt = np.array(target_pos, float)
        to = tgt - base
        to[1] = 0.0
        dist = float(np.linalg.norm(to))
        dirn = to / dist if dist > 1e-6 else d
        reach = max(0.0, dist - 0.3 * o.size[1])
        t_arrive = reach / max(o.speed, 0.1)
        t_bend = 0.8
        walk1 = np.minimum(tm, t_arrive) * o.speed
        walk2 = np.maximum(tm - t_arrive - t_bend, 0.0) * o.speed
        pos = base[None] + dirn[None] * (walk1 + walk2)[:, None]
        yaw[:] = _yaw_of(dirn, yaw0)
        assert pose is not None
        u = np.clip((tm - t_arrive) / t_bend, 0, 1)
        pose.bend[:] = np.sin(np.pi * u)
        pose.carry[:] = tm >= t_arrive + 0.5 * t_bend
        moving = (tm < t_arrive) | (tm > t_arrive + t_bend)
        pose.gait[:] = moving * 1.0
    elif m == "spins":
        yaw = yaw0 + 2 * np.pi * o.spin * tm
    if m in ("walks", "runs", "carries") and pose is not None:
        pose.gait[:] = (2.0 if m == "runs" else 1.0) if o.speed > 0 else 0.0
        pose.carry[:] = m == "carries"
    if pose is not None and is_char:
        stride = (1.1 if m == "runs" else 0.75) * o.size[1]
        dist = np.concatenate([[0.0], np.cumsum(np.linalg.norm(np.diff(pos, axis=0), axis=1))])
        pose.phase[:] = 2 * np.pi * dist / stride
        if m == "waves":
            pose.wave[:] = np.clip(tm / 0.3, 0, 1)
            pose.wave_phase[:] = 2 * np.pi * 1.6 * tm
        if m == "jumps":
            tc = np.mod(tm, JUMP_PERIOD)
            g = 9.81
            air = 2 * JUMP_V0 / g
            hop = np.where(tc < air, JUMP_V0 * tc - 0.5 * g * tc * tc, 0.0)
            pose.lift[:] = np.maximum(hop, 0.0)
            crouch = np.clip(1 - np.abs(tc - (JUMP_PERIOD - 0.1)) / 0.15, 0, 1)
            pose.bend[:] = 0.25 * crouch
            pos = pos + np.array([0.0, 1.0, 0.0]) * pose.lift[:, None]
    elif pose is not None:  # birds flap, drones spin rotors
        pose.phase[:] = 2 * np.pi * (4.0 if o.kind == "bird" else 12.0) * t
        if o.kind == "drone":
            pos = pos + np.array([0, 1.0, 0]) * (0.03 * np.sin(2 * np.pi * 0.7 * t))[:, None]
    centre = pos + np.array([0.0, half_h, 0.0])
    vel = np.gradient(centre, axis=0) * fps if T > 1 else np.zeros((T, 3))
    rot = np.stack([rot_y(a) for a in yaw])
    hand = np.zeros((T, 3))
    if is_char and pose is not None:
        from .character import skeleton

        for i in range(T):
            hand[i] = skeleton(o.size[1], pose, i, pos[i], rot[i])["hand_r"]
    return KinTrack(centre, vel, rot, pose, hand)
