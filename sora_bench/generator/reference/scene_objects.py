"""Validation and defaults of the ``objects`` list of a scene (see :mod:`.scene` for keys)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from .scene import SceneObject
from .scene_values import _ID_RE, _direction, _is_num, _Problems, _vec3, canonical_kind, parse_color
from .vocab import (
    CHARACTER_KINDS,
    CHARACTER_MOTIONS,
    DEFAULT_SPEED,
    DIRECTIONS,
    HEIGHT_SIZED,
    KINDS,
    MATERIALS,
    MOTIONS,
    Vec3,
)

__all__ = ["build_objects"]

_OBJECT_KEYS = frozenset({
    "id", "kind", "count", "color", "colour", "material", "size", "position", "velocity",
    "motion", "direction", "speed", "path", "target", "start_s", "restitution", "friction",
    "breakable", "spin", "yaw",
})


def build_objects(items: Any, pr: _Problems) -> list[SceneObject]:
    """SceneObjects with defaults applied; problems go to ``pr`` with their key paths."""
    if not isinstance(items, Sequence) or isinstance(items, str):
        pr.add("scene.objects", "must be a list of object mappings")
        return []
    out: list[SceneObject] = []
    seen: set[str] = set()
    counts: dict[str, int] = {}
    slot = 0
    for i, item in enumerate(items):
        key = f"scene.objects[{i}]"
        if not isinstance(item, Mapping):
            pr.add(key, "must be a mapping")
            continue
        for k in item:
            if k not in _OBJECT_KEYS:
                pr.add(f"{key}.{k}", f"unknown key; expected one of {sorted(_OBJECT_KEYS)}")
        kind = canonical_kind(item.get("kind", "sphere"))
        if kind is None:
            pr.add(f"{key}.kind", f"unknown kind {item.get('kind')!r}; expected one of "
                                  f"{sorted(KINDS)} or an alias such as ball, box, man")
            kind = "sphere"
        counts[kind] = counts.get(kind, 0) + 1
        oid = str(item.get("id", f"{kind}{counts[kind]}" if counts[kind] > 1 else kind))
        if not _ID_RE.match(oid):
            pr.add(f"{key}.id", f"{oid!r} is not a slug ([A-Za-z0-9_.-], max 64)")
        n = item.get("count", 1)
        if not (isinstance(n, int) and not isinstance(n, bool) and 1 <= n <= 12):
            pr.add(f"{key}.count", "must be an integer in [1, 12]")
            n = 1
        base = _one_object(item, kind, oid, key, slot, pr)
        slot += n
        for j in range(n):
            o = base
            if n > 1:
                w = max(base.size[0], base.size[2]) * 1.6
                x = base.position[0] + (j - (n - 1) / 2) * w
                o = replace(base, id=f"{oid}_{j + 1}",
                             position=(x, base.position[1], base.position[2]))
            if o.id in seen:
                pr.add(f"{key}.id", f"duplicate id {o.id!r}")
            seen.add(o.id)
            out.append(o)
    return out


def _one_object(it: Mapping[str, Any], kind: str, oid: str, key: str, slot: int,
                pr: _Problems) -> SceneObject:
    dsize, dmat, dcol, free = KINDS[kind]
    mat = str(it.get("material", dmat)).lower()
    if mat not in MATERIALS:
        pr.add(f"{key}.material", f"{mat!r} is not one of {sorted(MATERIALS)}")
        mat = dmat
    cval = it.get("color", it.get("colour", dcol))
    pc = parse_color(cval)
    if pc is None:
        pr.add(f"{key}.color", f"unknown colour {cval!r}; use a name, #rrggbb or [r,g,b] 0..255")
        pc = parse_color(dcol)
    assert pc is not None
    size = dsize
    s = it.get("size")
    if s is not None:
        if _is_num(s) and 0.01 <= s <= 100:
            k = float(s) / (dsize[1] if kind in HEIGHT_SIZED else dsize[0])
            size = (dsize[0] * k, dsize[1] * k, dsize[2] * k)
        elif _vec3(s) is not None and all(0.005 <= v <= 100 for v in _vec3(s)):  # type: ignore[union-attr]
            size = _vec3(s)  # type: ignore[assignment]
        else:
            pr.add(f"{key}.size", "must be metres in [0.01, 100] or [w, h, d]")
    if kind == "sphere":
        size = (size[0], size[0], size[0])
    k = slot % 5  # default layout: 0, +0.9, -0.9, +1.8, -1.8 m along x; rows of 5 step back
    pos = (0.9 * ((k + 1) // 2) * (1 if k % 2 else -1), 0.0, -1.2 * (slot // 5))
    if "position" in it:
        p = _vec3(it["position"])
        if p is None or not all(abs(v) <= 500 for v in p):
            pr.add(f"{key}.position", "must be [x, y, z] metres (|v| <= 500)")
        else:
            pos = p
    vel = None
    if "velocity" in it:
        vel = _vec3(it["velocity"])
        if vel is None or not all(abs(v) <= 100 for v in vel):
            pr.add(f"{key}.velocity", "must be [vx, vy, vz] m/s (|v| <= 100)")
            vel = None
    path: tuple[Vec3, ...] = ()
    if "path" in it:
        raw = it["path"]
        ok = isinstance(raw, Sequence) and not isinstance(raw, str)
        pts = [_vec3(p) for p in raw] if ok else []
        if len(pts) < 2 or any(p is None for p in pts):
            pr.add(f"{key}.path", "must be a list of >= 2 [x, y, z] waypoints")
        else:
            path = tuple(pts)  # type: ignore[arg-type]
    default_motion = "path" if path else ("falls" if free and pos[1] > 1e-6 else "static")
    if kind in ("bird", "drone", "flying_car") and not path and "motion" not in it:
        default_motion = "static"
    motion = str(it.get("motion", default_motion)).strip().lower().replace("-", "_")
    motion = {"fall": "falls", "roll": "rolls", "slide": "slides", "throw": "thrown",
              "walk": "walks", "run": "runs", "wave": "waves", "jump": "jumps",
              "carry": "carries", "pick_up": "picks_up", "fly": "flies", "spin": "spins",
              "topple": "topples", "drops": "falls", "dropped": "falls"}.get(motion, motion)
    if motion not in MOTIONS:
        pr.add(f"{key}.motion", f"{motion!r} is not one of {sorted(MOTIONS)}")
        motion = "static"
    if motion in CHARACTER_MOTIONS and kind not in CHARACTER_KINDS:
        pr.add(f"{key}.motion", f"{motion!r} needs a character (kind person), not {kind!r}")
        motion = "static"
    if motion in ("picks_up", "carries") and "target" not in it:
        pr.add(f"{key}.target", f"motion {motion!r} needs target: <object id>")
    if motion == "path" and not path:
        pr.add(f"{key}.path", "motion 'path' needs path: [[x,y,z], ...]")
        motion = "static"
    direction: Vec3 = (1.0, 0.0, 0.0)
    if "direction" in it:
        d = _direction(it["direction"])
        if d is None:
            pr.add(f"{key}.direction", f"must be one of {sorted(DIRECTIONS)} or a non-zero [x,y,z]")
        else:
            direction = d
    speed = it.get("speed", DEFAULT_SPEED.get(motion, 0.0))
    if not (_is_num(speed) and 0 <= speed <= 100):
        pr.add(f"{key}.speed", "must be m/s in [0, 100]")
        speed = DEFAULT_SPEED.get(motion, 0.0)
    rest, fric = MATERIALS[mat][0], MATERIALS[mat][1]
    for k, lo, hi in (("restitution", 0, 1), ("friction", 0, 2)):
        if k in it:
            v = it[k]
            if not (_is_num(v) and lo <= v <= hi):
                pr.add(f"{key}.{k}", f"must be a number in [{lo}, {hi}]")
            elif k == "restitution":
                rest = float(v)
            else:
                fric = float(v)
    start = it.get("start_s", 0.0)
    if not (_is_num(start) and 0 <= start <= 120):
        pr.add(f"{key}.start_s", "must be seconds in [0, 120]")
        start = 0.0
    glassy = kind == "glass" or (mat == "glass" and kind in ("bottle", "cup"))
    breakable = it.get("breakable", glassy)
    if not isinstance(breakable, bool):
        pr.add(f"{key}.breakable", "must be true or false")
        breakable = False
    spin = it.get("spin", 0.25)
    if not (_is_num(spin) and -10 <= spin <= 10):
        pr.add(f"{key}.spin", "must be turns per second in [-10, 10]")
        spin = 0.25
    # dominoes and planks stand with their thin side along their direction (chains topple)
    default_yaw = math.degrees(math.atan2(direction[0], direction[2])) \
        if kind == "domino" else 0.0
    yaw = it.get("yaw", default_yaw)
    if not (_is_num(yaw) and -360 <= yaw <= 360):
        pr.add(f"{key}.yaw", "must be degrees in [-360, 360]")
        yaw = 0.0
    target = it.get("target")
    return SceneObject(
        id=oid, kind=kind, color=pc[0], color_name=pc[1], material=mat, size=size,
        position=pos, velocity=vel, motion=motion, direction=direction, speed=float(speed),
        path=path, target=None if target is None else str(target), start_s=float(start),
        restitution=rest, friction=fric, breakable=bool(breakable), spin=float(spin),
        yaw=float(yaw),
    )
