"""Scene assembly of the free-text scene grammar: collected noun phrases -> scene objects."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from .scene import KINDS, OCCLUDER_KINDS


@dataclass
class _Obj:
    kind: str
    word: str
    extra: dict[str, Any]
    count: int = 1
    color: str | None = None
    material: str | None = None
    scale: float = 1.0
    verbs: list[str] = field(default_factory=list)
    direction: str | None = None
    relation: tuple[str, int] | None = None  # (behind|in|with|carries|thrown_by, index)
    id: str = ""


# ------------------------------------------------------------------------------ scene layout
_FLYERS = ("flying_car", "drone", "bird")


def _build(objs: list[_Obj], scene: dict[str, Any], cross: bool) -> dict[str, Any]:
    """Turn the collected objects and relations into positions and motions."""
    out: dict[str, Any] = {}
    setting = scene.pop("_setting", None)
    neon = scene.pop("_neon", False)
    if neon and "time_of_day" not in scene:
        scene["time_of_day"] = "night"
    if setting == "city" and not any(o.kind == "building" for o in objs):
        for x, h in ((-5.0, 10.0), (0.0, 14.0), (5.0, 9.0)):
            b = _Obj("building", "building", {"position": [x, 0.0, -12.0], "size": h})
            objs.append(b)
    ids: dict[str, int] = {}
    for o in objs:
        base = o.word.replace("-", "_").replace("'", "") if o.word.isascii() else o.kind
        base = base if re.fullmatch(r"[a-z0-9_]{1,40}", base) else o.kind
        ids[base] = ids.get(base, 0) + 1
        o.id = base if ids[base] == 1 else f"{base}{ids[base]}"
    items = [_object(o, objs, neon) for o in objs]
    moving = [k for k, o in enumerate(objs) if items[k].get("motion") not in (None, "static")]
    if cross and len(moving) < 2:  # "two balls cross": give each its own lane
        movers = [k for k, it in enumerate(items) if it["kind"] not in OCCLUDER_KINDS]
        if len(movers) == 1 and items[movers[0]].get("count", 1) >= 2:
            first = items[movers[0]]
            first.pop("count")
            for it in items:  # a carrier aimed at the first copy keeps aiming at it
                if it.get("target") == f"{first['id']}_1":
                    it["target"] = first["id"]
            items.append({**first, "id": f"{first['id']}2"})
            objs.append(objs[movers[0]])
            movers.append(len(items) - 1)
        moving = movers[-2:] if len(movers) >= 2 else moving
        for k in moving:
            if items[k].get("motion") in (None, "static"):
                items[k]["motion"] = ("walks" if items[k]["kind"] == "person" else
                                      "rolls" if items[k]["kind"] == "sphere" else "slides")
            items[k].setdefault("position", [0.0, 0.0, 0.0])
    if cross and len(moving) >= 2:
        a, b = moving[-2], moving[-1]
        for k, sign, z in ((a, 1.0, 0.0), (b, -1.0, -1.0)):
            items[k]["direction"] = "right" if sign > 0 else "left"
            items[k]["position"] = [-2.0 * sign, items[k].get("position", [0, 0, 0])[1], z]
    out["objects"] = items
    floor = scene.get("floor") or ("asphalt" if setting == "city" else
                                   "wood" if setting == "room" else None)
    if floor == "sand":
        out["floor"] = {"kind": "plain", "color": "beige"}
    elif floor:
        out["floor"] = floor
    for key in ("time_of_day", "mood", "light"):
        if key in scene:
            out[key] = scene[key]
    cam = scene.get("camera")
    if cam:
        c: dict[str, Any] = {"move": cam.get("move", "static")}
        if c["move"] == "tracking":
            t = cam.get("target_index")
            if t is None:
                t = moving[0] if moving else None
            if t is None:
                c["move"] = "static"
            else:
                c["target"] = items[t]["id"] + ("_1" if items[t].get("count", 1) > 1 else "")
        out["camera"] = c
    return out


def _object(o: _Obj, objs: list[_Obj], neon: bool) -> dict[str, Any]:
    me = next(k for k, p in enumerate(objs) if p is o)
    role = {r[0] for r in (p.relation for p in objs) if r is not None and r[1] == me}
    if "in" in role:
        o.kind = "container"
    d: dict[str, Any] = {"id": o.id, "kind": o.kind}
    extra = dict(o.extra)
    if o.count > 1:
        d["count"] = o.count
    color = o.color or extra.pop("color", None)
    if color:
        d["color"] = color
    material = o.material or extra.pop("material", None)
    if neon and o.kind in ("building", "wall", "screen", "pillar") and not material:
        material = "neon"
        d.setdefault("color", "magenta" if len(o.id) % 2 else "cyan")
    size = extra.pop("size", None)
    if o.scale != 1.0 or isinstance(size, (int, float)):
        dim = KINDS[o.kind][0]
        base = [dim[0], dim[1], dim[2]]
        if isinstance(size, (int, float)):
            ref = dim[1] if o.kind in ("person", "building", "bottle", "glass", "cup") else dim[0]
            base = [v * size / ref for v in base]
        size = [round(v * o.scale, 3) for v in base]
    if size is not None:
        d["size"] = size
    x = {"left": 1.8, "right": -1.8}
    verbs = set(o.verbs)
    rel = o.relation
    direction = o.direction or "right"
    pos = extra.pop("position", None)
    person = o.kind == "person"
    if rel and rel[0] == "behind":
        occ = objs[rel[1]]
        d["motion"] = ("runs" if "runs" in verbs else "walks") if person else \
            "rolls" if o.kind == "sphere" else "slides"
        pos = [-2.4 if direction != "left" else 2.4, 0.0, -1.4]
        if o.kind in _FLYERS or o.kind == "car":
            d.pop("motion")
            y = 0.5 if o.kind != "car" else 0.0
            sx = -1.0 if direction != "left" else 1.0
            d["path"] = [[4.5 * sx, y, -3.0], [-4.5 * sx, y, -3.0]]
            pos = None
        elif occ.kind not in OCCLUDER_KINDS and occ.kind != "person":
            occ.scale = max(occ.scale, 2.2)
        d["direction"] = "left" if direction == "left" else "right"
    elif rel and rel[0] == "in":
        material = material or ("rubber" if "bounces" in verbs else None)
        pos = [0.6, 1.6, 0.0]
        d["motion"] = "falls"
    elif rel and rel[0] == "with":
        d["motion"] = "rolls" if o.kind == "sphere" else "slides"
        d["speed"] = 3.0
        pos = [-1.8, 0.0, 0.0]
        d["direction"] = "right"
    elif rel and rel[0] == "carried_by":
        pos = [-0.9, 0.0, 0.3]
    elif rel and rel[0] == "thrown_by":
        d["motion"], d["direction"] = "thrown", [0.7, 0.7, 0.0]
        pos = [-1.3, 1.1, 0.3]
    elif o.kind in _FLYERS or (o.kind == "car" and "flies" in verbs):
        if "spins" in verbs:
            d["motion"] = "spins"
        elif verbs & {"flies", "moves"} or o.kind in _FLYERS:
            y = 0.0 if o.kind == "car" else 2.0 if o.kind != "bird" else 1.8
            sx = -1.0 if direction != "left" else 1.0
            d["path"] = [[5.0 * sx, y, -4.0], [-5.0 * sx, y, -4.0]]
    elif person:
        for v in ("runs", "walks", "jumps", "waves", "carries"):
            if v in verbs:
                d["motion"] = v
                break
        if d.get("motion") in ("walks", "runs", "carries"):
            pos = [x.get(direction, 0.0) if direction in x else 0.0, 0.0,
                   -3.0 if direction == "toward" else 0.0]
            d["direction"] = direction
        if d.get("motion") == "carries":
            carried = [k for k, c in enumerate(objs) if c.relation == ("carried_by", me)]
            if carried:
                d["target"] = objs[carried[0]].id + ("_1" if objs[carried[0]].count > 1 else "")
                pos = [-1.5, 0.0, 0.3]
                d["direction"] = "right"
            else:
                d["motion"] = "walks"
    elif o.kind not in OCCLUDER_KINDS and o.kind not in ("table", "container"):
        if "breaks" in verbs:
            d["breakable"] = True
            d["motion"] = "falls"
            pos = [0.0, 1.6, 0.0]
        elif "bounces" in verbs:
            material = material or "rubber"
            pos = [0.0, 2.0, 0.0]
        elif "falls" in verbs:
            pos = [0.0, 1.8, 0.0]
        elif "thrown" in verbs:
            d["motion"], d["direction"] = "thrown", [0.7, 0.7, 0.0]
            pos = [-2.0, 0.3, 0.0]
        elif verbs & {"rolls", "slides", "moves"}:
            d["motion"] = "rolls" if ("rolls" in verbs or o.kind == "sphere" and "slides"
                                      not in verbs) else "slides"
            pos = [x.get(direction, -1.8), 0.0, 0.0]
            d["direction"] = direction if direction in ("left", "right", "toward",
                                                        "away") else "right"
        elif "topples" in verbs:
            d["motion"] = "topples"
        elif "spins" in verbs:
            d["motion"] = "spins"
    if role & {"in", "with", "behind"} and pos is None:
        pos = [0.6, 0.0, 0.0] if role & {"in", "with"} else [0.0, 0.0, 0.0]
    if material:
        d["material"] = material
    if pos is not None:
        d["position"] = pos
    return d
