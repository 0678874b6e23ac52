"""Simulated bodies -> renderable primitives (spheres, boxes, capped cylinders, capsules).

Each :class:`Prim` holds per-frame arrays so a renderer can draw all frames of a chunk at once.
A primitive belongs to one object (``obj`` index into ``ObjectInfo``); composite objects
(people, cars, tables, open boxes, bottles) are several primitives with the same ``obj``.
Colours are linear RGB (the renderer applies the display gamma).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np

from .character import HEAD_R, LIMBS, skeleton
from .physics import BodyTrack, SimResult
from .scene import MATERIALS, Scene

__all__ = ["Prim", "ObjectInfo", "build_prims", "SPHERE", "BOX", "CYLINDER", "CAPSULE"]

SPHERE, BOX, CYLINDER, CAPSULE = 0, 1, 2, 3
SKIN = (0.87, 0.66, 0.52)
PATTERN_NONE, PATTERN_BALL, PATTERN_WINDOWS, PATTERN_LABEL = 0, 1, 2, 3


def lin(c) -> np.ndarray:
    return np.asarray(c, float) ** 2.2


@dataclass
class Prim:
    kind: int
    obj: int
    centre: np.ndarray      # (T, 3)
    rot: np.ndarray         # (T, 3, 3) local-to-world
    dims: np.ndarray        # (T, 3): sphere (r,0,0); box half extents; cylinder (r, half_h, 0);
    #                         capsule (r, 0, 0) with endpoints a, b
    color: np.ndarray       # (T, 3) linear RGB
    visible: np.ndarray     # (T,) bool
    shininess: float = 0.2
    emissive: bool = False
    mirror: bool = False
    glass: bool = False
    pattern: int = PATTERN_NONE
    a: np.ndarray | None = None
    b: np.ndarray | None = None

    @property
    def bound(self) -> np.ndarray:
        """(T,) radius of a sphere around ``centre`` that contains the primitive."""
        if self.kind == SPHERE:
            return self.dims[:, 0]
        if self.kind == BOX:
            return np.linalg.norm(self.dims, axis=1)
        if self.kind == CYLINDER:
            return np.hypot(self.dims[:, 0], self.dims[:, 1])
        assert self.a is not None and self.b is not None
        return np.linalg.norm(self.b - self.a, axis=1) / 2 + self.dims[:, 0]


@dataclass
class ObjectInfo:
    id: str
    kind: str
    attributes: dict


def _rz(a: float) -> np.ndarray:
    c, s = math.cos(a), math.sin(a)
    return np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])


def build_prims(scene: Scene, sim: SimResult, *, scale: dict[str, np.ndarray] | None = None,
                color: dict[str, np.ndarray] | None = None,
                hidden: dict[str, np.ndarray] | None = None) -> tuple[list[Prim], list[ObjectInfo]]:
    """Primitives of every simulated body. ``scale``/``color``/``hidden`` are per-object per-frame
    overrides (size drift multiplies geometry about the centre, colour is sRGB 0..1, hidden
    frames are not drawn) used by the defects."""
    prims: list[Prim] = []
    infos: list[ObjectInfo] = []
    for oi, (oid, bt) in enumerate(sim.bodies.items()):
        o = bt.obj
        T = len(bt.exists)
        base = np.repeat(np.asarray(o.color, float)[None], T, 0)
        if color and oid in color:
            base = np.asarray(color[oid], float)
        vis = bt.exists.copy()
        if hidden and oid in hidden:
            vis &= ~hidden[oid]
        sc = np.ones(T) if not scale or oid not in scale else np.asarray(scale[oid], float)
        shin, emis, mirr = MATERIALS[o.material][2], MATERIALS[o.material][3], MATERIALS[o.material][4]
        attrs = {"color": o.color_name, "material": o.material, "solid": True,
                 "size": list(bt.size), "motion": o.motion}
        if bt.parent:
            attrs["parent"] = bt.parent
        infos.append(ObjectInfo(oid, "fragment" if bt.parent else o.kind, attrs))
        made: list[Prim] = []

        add = functools.partial(_add, made, bt, oi, vis, o.material)

        W, H, D = bt.size
        col = lin(base)
        k = o.kind if not bt.parent else "cube"
        if k == "sphere":
            add(SPHERE, (0, 0, 0), (W / 2, 0, 0), col,
                pattern=PATTERN_BALL if o.material in ("rubber", "plastic") else PATTERN_NONE)
        elif k in ("cube", "plank", "domino", "wall", "screen"):
            add(BOX, (0, 0, 0), (W / 2, H / 2, D / 2), col)
        elif k == "building":
            add(BOX, (0, 0, 0), (W / 2, H / 2, D / 2), col, pattern=PATTERN_WINDOWS)
        elif k in ("cylinder", "glass", "pillar"):
            label = PATTERN_LABEL if k == "cylinder" and o.material != "glass" else PATTERN_NONE
            add(CYLINDER, (0, 0, 0), (W / 2, H / 2, 0), col, pattern=label)
        elif k == "cup":
            add(CYLINDER, (0, 0, 0), (W / 2, H / 2, 0), col)
            add(BOX, (W * 0.55, 0, 0), (W * 0.1, H * 0.28, W * 0.04), col)
        elif k == "bottle":
            add(CYLINDER, (0, -0.15 * H, 0), (W / 2, 0.35 * H, 0), col, pattern=PATTERN_LABEL)
            add(CYLINDER, (0, 0.35 * H, 0), (W * 0.18, 0.15 * H, 0), col)
        elif k == "cone":
            for j in range(3):
                add(CYLINDER, (0, -H / 2 + H * (j + 0.5) / 3, 0), (W / 2 * (1 - j / 3.3), H / 6, 0), col)
        elif k == "container":
            t = min(0.05, W * 0.08)
            add(BOX, (0, -H / 2 + t / 2, 0), (W / 2, t / 2, D / 2), col * 0.8)
            for sx, sz, hw, hd in ((1, 0, t / 2, D / 2), (-1, 0, t / 2, D / 2),
                                   (0, 1, W / 2, t / 2), (0, -1, W / 2, t / 2)):
                add(BOX, (sx * (W / 2 - t / 2), 0, sz * (D / 2 - t / 2)), (hw, H / 2, hd), col)
        elif k == "table":
            add(BOX, (0, H / 2 - 0.025, 0), (W / 2, 0.025, D / 2), col)
            for sx in (-1, 1):
                for sz in (-1, 1):
                    add(BOX, (sx * (W / 2 - 0.06), -0.025, sz * (D / 2 - 0.06)),
                        (0.03, H / 2 - 0.025, 0.03), col * 0.8)
        elif k in ("car", "flying_car"):
            glass_col = np.repeat(lin((0.12, 0.16, 0.22))[None], T, 0)
            lift = 0.0 if k == "car" else -0.1 * H
            add(BOX, (0, -H / 2 + 0.375 * H + lift, 0), (W / 2, 0.225 * H, D / 2), col)
            add(BOX, (0, -H / 2 + 0.8 * H, -0.05 * D), (0.42 * W, 0.2 * H, 0.27 * D), glass_col)
            if k == "car":
                black = np.repeat(lin((0.04, 0.04, 0.04))[None], T, 0)
                for sx in (-1, 1):
                    for sz in (-1, 1):
                        add(CYLINDER, (sx * 0.42 * W, -H / 2 + 0.17 * H, sz * 0.32 * D),
                            (0.17 * H, 0.08 * W, 0), black, rot_local=_rz(math.pi / 2))
            else:
                glow = np.repeat(lin((0.2, 0.95, 1.0))[None], T, 0)
                p = add(BOX, (0, -H / 2 + 0.12 * H, 0), (0.45 * W, 0.03 * H, 0.45 * D), glow)
                p.emissive = True
        elif k == "bird":
            add(CAPSULE, (0, 0, 0), (H / 2, 0, 0), col, a=None, b=None)
            made[-1].a = bt.position + np.einsum("tij,j->ti", bt.rotation, [0, 0, -D * 0.45])
            made[-1].b = bt.position + np.einsum("tij,j->ti", bt.rotation, [0, 0, D * 0.3])
            add(SPHERE, (0, H * 0.25, D * 0.45), (H * 0.4, 0, 0), col)
            for s in (-1, 1):
                flap = 0.6 * np.sin(bt.pose.phase) if bt.pose is not None else np.zeros(T)
                R = np.stack([_rz(-s * f) for f in flap])
                c = bt.position + np.einsum("tij,tj->ti", bt.rotation @ R,
                                            np.repeat([[s * W * 0.25, 0, 0]], T, 0))
                c += np.einsum("tij,j->ti", bt.rotation, [s * W * 0.05, 0, 0])
                made.append(Prim(BOX, oi, c, bt.rotation @ R,
                                 np.repeat([[W * 0.25, H * 0.05, D * 0.2]], T, 0), col, vis,
                                 shin, emis, mirr))
        elif k == "drone":
            add(BOX, (0, 0, 0), (W * 0.18, H / 2, D * 0.18), col)
            for sx in (-1, 1):
                for sz in (-1, 1):
                    add(BOX, (sx * W * 0.2, 0, sz * D * 0.2), (W * 0.17, H * 0.12, 0.02), col)
                    add(CYLINDER, (sx * W * 0.38, H * 0.45, sz * D * 0.38), (W * 0.13, 0.01, 0),
                        np.repeat(lin((0.7, 0.7, 0.72))[None], T, 0))
        elif k == "person":
            _person(bt, oi, col, vis, made, T)
        else:  # pragma: no cover - every canonical kind is handled above
            add(BOX, (0, 0, 0), (W / 2, H / 2, D / 2), col)
        for p in made:  # size drift: scale the geometry about the object's centre
            if not np.allclose(sc, 1.0):
                p.centre = bt.position + (p.centre - bt.position) * sc[:, None]
                p.dims = p.dims * sc[:, None]
                if p.a is not None and p.b is not None:
                    p.a = bt.position + (p.a - bt.position) * sc[:, None]
                    p.b = bt.position + (p.b - bt.position) * sc[:, None]
        prims.extend(made)
    return prims, infos


def _add(made: list[Prim], bt: BodyTrack, oi: int, vis: np.ndarray, material: str, kind: int,
         local_c, dims, col, rot_local=None, **kw) -> Prim:
    """Append a primitive placed at ``local_c`` in the body frame of ``bt``."""
    T = len(vis)
    shin, emis, mirr = MATERIALS[material][2], MATERIALS[material][3], MATERIALS[material][4]
    c = bt.position + np.einsum("tij,j->ti", bt.rotation, np.asarray(local_c, float))
    R = bt.rotation if rot_local is None else bt.rotation @ rot_local
    p = Prim(kind, oi, c, R, np.repeat(np.asarray(dims, float)[None], T, 0),
             np.asarray(col, float), vis, shin, emis, mirr, material == "glass", **kw)
    made.append(p)
    return p


def _person(bt: BodyTrack, oi: int, col: np.ndarray, vis: np.ndarray, made: list[Prim],
            T: int) -> None:
    H = bt.size[1]
    pose = bt.pose
    assert pose is not None
    joints = [skeleton(H, pose, i, bt.position[i] - np.array([0, H / 2, 0]), bt.rotation[i])
              for i in range(T)]
    pants = np.repeat(lin((0.12, 0.13, 0.2))[None], T, 0)
    if float(np.mean(col)) < 0.03:
        pants = np.repeat(lin((0.45, 0.4, 0.35))[None], T, 0)
    skin = np.repeat(lin(SKIN)[None], T, 0)
    roles = {"shirt": col, "pants": pants, "skin": skin}
    eye = np.repeat(np.eye(3)[None], T, 0)
    for ja, jb, r, role in LIMBS:
        a = np.stack([j[ja] for j in joints])
        b = np.stack([j[jb] for j in joints])
        made.append(Prim(CAPSULE, oi, (a + b) / 2, eye, np.repeat([[r * H, 0, 0]], T, 0),
                         roles[role], vis, 0.1, a=a, b=b))
    head = np.stack([j["head"] for j in joints])
    made.append(Prim(SPHERE, oi, head, eye, np.repeat([[HEAD_R * H, 0, 0]], T, 0), skin, vis, 0.2))
    hair_c = head + np.einsum("tij,j->ti", bt.rotation, [0, 0.025 * H, -0.012 * H])
    made.append(Prim(SPHERE, oi, hair_c, eye, np.repeat([[HEAD_R * H * 0.93, 0, 0]], T, 0),
                     np.repeat(lin((0.12, 0.07, 0.04))[None], T, 0), vis, 0.2))
