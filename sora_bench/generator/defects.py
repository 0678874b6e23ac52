"""Defects the reference generator injects on demand (``--defect NAME[:STRENGTH]``).

Strength ``s`` is in (0, 1] (default 1); every effect grows monotonically with it. The
subject is the first object whose motion is not ``static`` (else the first object); the
window starts at ``T // 3`` unless stated. ``T`` = frame count.

==================  =========================================================================
name                effect (inside the simulation / renderer unless marked post)
==================  =========================================================================
vanish              subject not drawn (nor its shadow) for ``max(1, round(0.4 s T))`` frames
                    while in frame, nothing hiding it
pop_in              subject not drawn for the first ``max(1, round(0.5 s T))`` frames
teleport            from ``T // 2`` on, the subject's position jumps by ``1.2 s`` m along x
freeze              frames ``[k, k + L)`` all show frame ``k``, ``L = max(2, round(0.4 s T))``
shuffle             frames of a window of ``max(2, round(0.5 s T))`` from ``T // 4`` are
                    permuted (seeded, never the identity)
flicker             (post) per-frame brightness gain ``1 +- 0.35 s`` and channel gains
                    ``1 +- 0.15 s``, seeded
color_drift         the subject's colour moves towards its complementary hue, by ``s`` at the
                    last frame, linearly from ``T // 4``
size_drift          the subject grows to ``1 + 0.8 s`` times its size, linearly from ``T // 4``
identity_swap       after the subject's first occlusion (else ``T // 2``) it takes the colour
                    (and the second object the subject's) by a blend of ``s``
low_gravity         gravity x ``(1 - 0.8 s)``
reversed_gravity    gravity x ``(1 - 2 s)`` (s = 1: upwards at g)
interpenetration    contact distances of every body shrink by ``s`` (s = 1: bodies pass
                    through each other) and bodies sink into the floor by ``0.7 s`` height
noise               (post, nuisance) Gaussian sensor noise, sigma ``20 s`` grey levels, seeded
blockiness          (post, nuisance) 8x8 blocks pulled towards their mean by ``0.85 s`` and
                    chroma quantised: a JPEG-like artefact
==================  =========================================================================

Truth describes the rendered result: hidden objects have visible fraction 0, teleported
positions jump, frame-reordering defects reorder every per-frame array, and ``Truth.defects``
holds ``{name, strength, objects, frames: [start, end]}``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["DEFECTS", "NUISANCE", "SIM_DEFECTS", "canonical_defect", "parse_defect", "DefectPlan",
           "plan_defect", "apply_post"]

DEFECTS = ("vanish", "pop_in", "teleport", "freeze", "shuffle", "flicker", "color_drift",
           "size_drift", "identity_swap", "low_gravity", "reversed_gravity", "interpenetration",
           "noise", "blockiness")
NUISANCE = frozenset({"noise", "blockiness"})
SIM_DEFECTS = frozenset({"low_gravity", "reversed_gravity", "interpenetration"})
_ALIASES = {"popin": "pop_in", "colour_drift": "color_drift", "temporal_shuffle": "shuffle",
            "jpeg": "blockiness", "sensor_noise": "noise", "penetration": "interpenetration",
            "swap": "identity_swap"}


def canonical_defect(name: str) -> str:
    """``pop-in`` / ``Pop_In`` -> ``pop_in``; raise ValueError naming the choices."""
    n = str(name).strip().lower().replace("-", "_").replace(" ", "_")
    n = _ALIASES.get(n, n)
    if n not in DEFECTS:
        raise ValueError(f"unknown defect {name!r}; choose one of {', '.join(DEFECTS)}")
    return n


def parse_defect(text: str | tuple[str, float] | None) -> tuple[str, float] | None:
    """``"NAME[:STRENGTH]"`` (or a tuple) -> ``(canonical name, strength in (0, 1])``."""
    if text is None:
        return None
    if isinstance(text, tuple):
        name, strength = text
    else:
        name, _, st = str(text).partition(":")
        try:
            strength = float(st) if st.strip() else 1.0
        except ValueError:
            raise ValueError(f"defect strength {st!r} is not a number in (0, 1]") from None
    if not (0 < float(strength) <= 1):
        raise ValueError(f"defect strength {strength} must be in (0, 1]")
    return canonical_defect(name), float(strength)


@dataclass
class DefectPlan:
    name: str
    strength: float
    gravity_scale: float = 1.0
    penetrate: float = 0.0
    subject: str | None = None
    frames: tuple[int, int] | None = None
    objects: tuple[str, ...] = ()
    record: dict[str, Any] = field(default_factory=dict)


def _subject(scene) -> str | None:
    for o in scene.objects:
        if o.motion != "static":
            return o.id
    return scene.objects[0].id if scene.objects else None


def plan_defect(name: str, strength: float, scene) -> DefectPlan:
    """Simulation-level parameters (gravity, penetration) and the subject of a defect."""
    plan = DefectPlan(name, strength, subject=_subject(scene))
    if name == "low_gravity":
        plan.gravity_scale = 1 - 0.8 * strength
    elif name == "reversed_gravity":
        plan.gravity_scale = 1 - 2 * strength
    elif name == "interpenetration":
        plan.penetrate = strength
    return plan


def _hue_rotate(rgb: np.ndarray, amount: float) -> np.ndarray:
    """Rotate the hue of sRGB 0..1 colours by ``amount`` turns (keeps luma roughly)."""
    import colorsys

    h, l_, s = colorsys.rgb_to_hls(*[float(c) for c in rgb])
    s = max(s, 0.6)
    l_ = min(max(l_, 0.3), 0.7)
    return np.array(colorsys.hls_to_rgb((h + amount) % 1.0, l_, s))


def scene_overrides(plan: DefectPlan, sim, T: int, first_occlusion: int | None = None
                    ) -> dict[str, dict[str, np.ndarray]]:
    """Per-object per-frame overrides (``hidden``, ``color``, ``scale``) and, for teleport,
    the position jump applied to ``sim`` in place. Fills ``plan.frames/objects``."""
    s, sub = plan.strength, plan.subject
    out: dict[str, dict[str, np.ndarray]] = {"hidden": {}, "color": {}, "scale": {}}
    if sub is None or plan.name in NUISANCE | SIM_DEFECTS | {"freeze", "shuffle", "flicker"}:
        return out
    bt = sim.bodies[sub]
    plan.objects = (sub,)
    k = T // 3
    if plan.name == "vanish":
        L = max(1, round(0.4 * s * T))
        k = min(k, max(0, T - L))
        h = np.zeros(T, bool)
        h[k:k + L] = True
        out["hidden"][sub] = h
        plan.frames = (k, min(T, k + L) - 1)
    elif plan.name == "pop_in":
        L = min(T, max(1, round(0.5 * s * T)))
        h = np.zeros(T, bool)
        h[:L] = True
        out["hidden"][sub] = h
        plan.frames = (0, L - 1)
    elif plan.name == "teleport":
        k = T // 2
        bt.position = bt.position.copy()
        bt.position[k:] += np.array([1.2 * s, 0.0, 0.0])
        plan.frames = (k, T - 1)
        plan.record["offset_m"] = [1.2 * s, 0.0, 0.0]
    elif plan.name in ("color_drift", "size_drift"):
        k = T // 4
        ramp = np.clip((np.arange(T) - k) / max(T - 1 - k, 1), 0, 1)
        if plan.name == "color_drift":
            c0 = np.asarray(bt.obj.color, float)
            c1 = _hue_rotate(c0, 0.5)
            out["color"][sub] = c0 + (c1 - c0) * (s * ramp)[:, None]
        else:
            out["scale"][sub] = 1 + 0.8 * s * ramp
        plan.frames = (k, T - 1)
    elif plan.name == "identity_swap":
        k = first_occlusion if first_occlusion is not None else T // 2
        others = [oid for oid, b in sim.bodies.items() if oid != sub and b.parent is None
                  and b.obj.kind not in ("wall", "screen", "pillar", "building", "table")]
        c0 = np.asarray(bt.obj.color, float)
        c1 = np.asarray(sim.bodies[others[0]].obj.color, float) if others else _hue_rotate(c0, 0.5)
        step = (np.arange(T) >= k).astype(float) * s
        out["color"][sub] = c0 + (c1 - c0) * step[:, None]
        if others:
            out["color"][others[0]] = c1 + (c0 - c1) * step[:, None]
            plan.objects = (sub, others[0])
        plan.frames = (k, T - 1)
    return out


def frame_order(plan: DefectPlan, T: int, seed: int) -> np.ndarray | None:
    """Index of the source frame shown at each output frame (freeze, shuffle), else None."""
    s = plan.strength
    order = np.arange(T)
    if plan.name == "freeze" and T >= 2:
        L = min(T - 1, max(2, round(0.4 * s * T)))
        k = min(T // 3, T - L)
        order[k:k + L] = k
        plan.frames = (k, k + L - 1)
        return order
    if plan.name == "shuffle" and T >= 2:
        L = min(T, max(2, round(0.5 * s * T)))
        k = min(T // 4, T - L)
        rng = np.random.default_rng([int(seed) & 0xFFFFFFFF, 11])
        perm = rng.permutation(L)
        if np.all(perm == np.arange(L)):
            perm = perm[::-1].copy()
        order[k:k + L] = k + perm
        plan.frames = (k, k + L - 1)
        plan.record["order"] = order.tolist()
        return order
    return None


def apply_post(plan: DefectPlan, frames: np.ndarray, seed: int) -> np.ndarray:
    """Pixel-level defects on uint8 frames (T, H, W, 3): flicker, noise, blockiness."""
    s = plan.strength
    T = frames.shape[0]
    rng = np.random.default_rng([int(seed) & 0xFFFFFFFF, 13])
    if plan.name == "flicker":
        sign = np.where(np.arange(T) % 2 == 0, 1.0, -1.0) * rng.uniform(0.5, 1.0, T)
        gain = 1 + 0.35 * s * sign
        chan = 1 + 0.15 * s * rng.uniform(-1, 1, (T, 3))
        f = frames.astype(np.float32) * (gain[:, None] * chan)[:, None, None, :]
        plan.frames = (0, T - 1)
        return np.clip(np.rint(f), 0, 255).astype(np.uint8)
    if plan.name == "noise":
        f = frames.astype(np.float32) + rng.normal(0, 20 * s, frames.shape).astype(np.float32)
        plan.frames = (0, T - 1)
        return np.clip(np.rint(f), 0, 255).astype(np.uint8)
    if plan.name == "blockiness":
        T_, H, W, _ = frames.shape
        Hp, Wp = -(-H // 8) * 8, -(-W // 8) * 8
        f = np.pad(frames.astype(np.float32), ((0, 0), (0, Hp - H), (0, Wp - W), (0, 0)),
                   mode="edge")
        blocks = f.reshape(T_, Hp // 8, 8, Wp // 8, 8, 3)
        mean = blocks.mean(axis=(2, 4), keepdims=True)
        a = 0.85 * s
        f = (blocks * (1 - a) + mean * a).reshape(T_, Hp, Wp, 3)[:, :H, :W]
        y = f @ np.array([0.299, 0.587, 0.114], np.float32)
        q = 4 + 28 * s  # chroma quantisation step
        chroma = np.round((f - y[..., None]) / q) * q
        plan.frames = (0, T - 1)
        return np.clip(np.rint(y[..., None] + chroma), 0, 255).astype(np.uint8)
    return frames


def record(plan: DefectPlan) -> dict[str, Any]:
    d: dict[str, Any] = {"name": plan.name, "strength": plan.strength,
                         "objects": list(plan.objects),
                         "frames": list(plan.frames) if plan.frames is not None else None,
                         "nuisance": plan.name in NUISANCE}
    if plan.gravity_scale != 1.0:
        d["gravity_scale"] = plan.gravity_scale
    d.update(plan.record)
    return d
