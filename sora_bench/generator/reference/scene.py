"""Scene spec of the reference generator: a prompt's ``scene:`` mapping -> frozen dataclasses.

World frame: metres, **y up**, x to the right of the default camera, z towards the default
camera (negative z is farther away). The floor is the plane y = 0. Times are seconds.

Top-level keys (all optional except ``objects``)::

    objects:      list of objects (below); may be empty for a pure camera/sky shot
    floor:        {kind: tiles|wood|grass|asphalt|plain|mirror|glossy|none, color: <colour>}
                  or just the kind as a string. Default {kind: tiles, color: (per kind)}.
    time_of_day:  sunrise|morning|noon|afternoon|sunset|dusk|night. Default noon.
                  Sets sky gradient, sun colour/height and ambient level.
    sky:          {time_of_day: ..., color: <colour> (overrides the gradient's top)}
    mood:         neutral|calm|cheerful|dramatic|gloomy|mysterious|romantic|tense|eerie.
                  Colour grading only (saturation, contrast, tint, haze). Default neutral.
    light:        {azimuth: deg (0 = from the camera side, 90 = from the right; default 35,
                   -60 at sunrise/morning, 60 afternoon/sunset/dusk),
                   elevation: deg above horizon (default 55 noon/night, 30 morning,
                   35 afternoon, 12 sunrise, 10 sunset, 8 dusk),
                   from: left|right|front|back|above (shortcut for azimuth + elevation),
                   moving: bool, sweep: deg the azimuth turns over the clip (default 90 when
                   moving), intensity: 0..2 (1), color: <colour>}
    camera:       {move: static|pan_left|pan_right|tilt_up|tilt_down|dolly_in|dolly_out|
                   zoom_in|zoom_out|orbit|tracking|push_in|"tracking:<object id>",
                   target: <object id> (tracking), amount: 0..3 (1 = the move's default size),
                   fov: vertical degrees (45), position: [x,y,z] (0,1.3,4),
                   look_at: [x,y,z] (0,0.5,0)}. A bare string is the move.
    duration_s:   clip length the simulation covers; default = num_frames / fps of the request.
    gravity:      m/s^2 magnitude (9.81); the ``low_gravity``/``reversed_gravity`` defects
                  change it inside the simulation.

Object keys (one mapping per object)::

    id:          unique slug ([A-Za-z0-9_.-]); the Truth object id; default ``<kind><n>``
    kind:        sphere (ball) | cube (box, crate) | cylinder | glass | cup | bottle | plank |
                 domino | person (man, woman, child, character) | car | flying_car | bird |
                 drone | building | wall | screen | pillar | container (open_box, basket) |
                 table | cone
    count:       N > 1 replicates the object along x; ids become ``<id>_1 .. <id>_N``
    color:       a name (red, orange, yellow, green, blue, purple, pink, white, black, grey,
                 brown, gold, silver, cyan, magenta, teal, navy, beige, ...), ``#rrggbb`` or
                 [r, g, b] in 0..255. Default per kind.
    material:    rubber|wood|metal|glass|plastic|stone|cloth|ceramic|neon|emissive|mirror.
                 Sets restitution, friction, shininess; neon/emissive glow; mirror reflects.
    size:        metres: a number or [width, height, depth]. A number is the height of
                 person, glass, cup, bottle, cylinder, cone, domino, wall, screen, pillar,
                 building, and the width (diameter, edge) of every other kind. Default per kind.
    position:    [x, y, z] of the object's bottom centre (y = height of its lowest point).
                 Default: on the floor at x = 0, +0.9, -0.9, +1.8, -1.8 (in listing order),
                 z = 0 (the 6th to 10th object 1.2 m farther back, and so on). The default
                 camera sees about x in [-1.6, 1.6] at z = 0.
    velocity:    [vx, vy, vz] m/s initial velocity (overrides direction/speed).
    motion:      static | falls | thrown | rolls | slides | path | spins | topples |
                 walks | runs | waves | jumps | picks_up | carries | flies.
                 Default: falls when y > 0 and the object is a free body, else static.
    direction:   left|right|toward|away|up|down or [x, y, z]: direction of rolls/slides/
                 thrown/walks/runs/flies/topples. Default right.
    speed:       m/s along ``direction`` (default per motion: rolls 2, slides 2.5, thrown 4,
                 walks 1.2, runs 3, flies 3, path 2)
    path:        [[x, y, z], ...] waypoints followed at ``speed`` (motion path/flies; cars,
                 drones, birds); with path, motion defaults to ``path``
    target:      object id: picks_up/carries (the carried object), or what ``thrown`` aims at
    start_s:     seconds before the motion begins (default 0)
    restitution: 0..1 bounce factor override; friction: 0..2 override
    breakable:   bool (default true for glass): shatters on a hard impact
    spin:        turns per second about the vertical axis (motion spins; default 0.25)
    yaw:         degrees about the vertical axis (cars, people face their motion; dominoes
                 default to their thin side along ``direction``)

Unknown keys are problems (``validate_scene`` lists them), so typos never pass silently.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .scene_values import _is_num, _Problems, _vec3, canonical_kind, parse_color
from .vocab import (
    CAMERA_MOVES,
    CHARACTER_KINDS,
    CHARACTER_MOTIONS,
    COLORS,
    FLOOR_KINDS,
    KIND_ALIASES,
    KINDS,
    LIGHT_FROM,
    MATERIALS,
    MOODS,
    MOTIONS,
    OCCLUDER_KINDS,
    TIMES_OF_DAY,
    Vec3,
)

__all__ = [
    "COLORS", "KINDS", "KIND_ALIASES", "MATERIALS", "MOTIONS", "CAMERA_MOVES", "FLOOR_KINDS",
    "TIMES_OF_DAY", "MOODS", "CHARACTER_KINDS", "OCCLUDER_KINDS", "CHARACTER_MOTIONS", "Scene",
    "SceneObject", "Floor", "Light", "CameraSpec", "validate_scene", "parse_scene",
    "canonical_kind", "parse_color",
]

_TOP_KEYS = frozenset({"objects", "floor", "time_of_day", "sky", "mood", "light", "camera",
                       "duration_s", "gravity"})


@dataclass(frozen=True)
class SceneObject:
    """One object after defaults are applied (see the module docstring for each key)."""

    id: str
    kind: str
    color: Vec3
    color_name: str
    material: str
    size: Vec3
    position: Vec3
    velocity: Vec3 | None = None
    motion: str = "static"
    direction: Vec3 = (1.0, 0.0, 0.0)
    speed: float = 0.0
    path: tuple[Vec3, ...] = ()
    target: str | None = None
    start_s: float = 0.0
    restitution: float = 0.5
    friction: float = 0.5
    breakable: bool = False
    spin: float = 0.25
    yaw: float = 0.0

    @property
    def emissive(self) -> bool:
        return MATERIALS[self.material][3]

    @property
    def mirror(self) -> bool:
        return MATERIALS[self.material][4]


@dataclass(frozen=True)
class Floor:
    kind: str = "tiles"
    color: Vec3 | None = None


@dataclass(frozen=True)
class Light:
    azimuth: float = 35.0
    elevation: float = 50.0
    moving: bool = False
    sweep: float = 90.0
    intensity: float = 1.0
    color: Vec3 | None = None


@dataclass(frozen=True)
class CameraSpec:
    move: str = "static"
    target: str | None = None
    amount: float = 1.0
    fov: float = 45.0
    position: Vec3 = (0.0, 1.3, 4.0)
    look_at: Vec3 = (0.0, 0.5, 0.0)


@dataclass(frozen=True)
class Scene:
    objects: tuple[SceneObject, ...] = ()
    floor: Floor = Floor()
    time_of_day: str = "noon"
    sky_color: Vec3 | None = None
    mood: str = "neutral"
    light: Light = Light()
    camera: CameraSpec = CameraSpec()
    duration_s: float | None = None
    gravity: float = 9.81
    source: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def object(self, oid: str) -> SceneObject:
        for o in self.objects:
            if o.id == oid:
                return o
        raise KeyError(oid)


# --------------------------------------------------------------------------------- validation
def validate_scene(mapping: Any) -> list[tuple[str, str]]:
    """Problems of a scene mapping as ``(key path, problem)``; empty when it is valid."""
    problems = _Problems()
    _build(mapping, problems)
    return list(problems)


def parse_scene(mapping: Any) -> Scene:
    """Build a :class:`Scene`; raise ValueError listing every problem when the mapping is bad."""
    problems = _Problems()
    scene = _build(mapping, problems)
    if problems or scene is None:
        raise ValueError("invalid scene: " + "; ".join(f"{k}: {p}" for k, p in problems))
    return scene


def _build(m: Any, pr: _Problems) -> Scene | None:
    if m is None:
        m = {}
    if not isinstance(m, Mapping):
        pr.add("scene", f"must be a mapping, got {type(m).__name__}")
        return None
    for k in m:
        if k not in _TOP_KEYS:
            pr.add(f"scene.{k}", f"unknown key; expected one of {sorted(_TOP_KEYS)}")
    tod = str(m.get("time_of_day", "noon")).lower()
    sky_color = None
    sky = m.get("sky")
    if isinstance(sky, str):
        sky = {"time_of_day": sky}
    if isinstance(sky, Mapping):
        for k in sky:
            if k not in ("time_of_day", "color", "colour"):
                pr.add(f"scene.sky.{k}", "unknown key; expected time_of_day or color")
        tod = str(sky.get("time_of_day", tod)).lower()
        sky_color = _optional_color(sky, "scene.sky", pr)
    elif sky is not None:
        pr.add("scene.sky", "must be a mapping or a time of day")
    if tod not in TIMES_OF_DAY:
        pr.add("scene.time_of_day", f"{tod!r} is not one of {sorted(TIMES_OF_DAY)}")
        tod = "noon"
    mood = str(m.get("mood", "neutral")).lower()
    if mood not in MOODS:
        pr.add("scene.mood", f"{mood!r} is not one of {sorted(MOODS)}")
        mood = "neutral"
    floor = _floor(m.get("floor"), pr)
    light = _light(m.get("light"), tod, pr)
    duration = m.get("duration_s")
    if duration is not None and not (_is_num(duration) and 0 < duration <= 120):
        pr.add("scene.duration_s", "must be a number in (0, 120]")
        duration = None
    gravity = m.get("gravity", 9.81)
    if not (_is_num(gravity) and 0 <= gravity <= 100):
        pr.add("scene.gravity", "must be a number in [0, 100] (m/s^2 magnitude)")
        gravity = 9.81
    from .scene_objects import build_objects

    objs = build_objects(m.get("objects", []), pr)
    camera = _camera(m.get("camera"), {o.id for o in objs}, pr)
    ids = {o.id for o in objs}
    for i, o in enumerate(objs):
        if o.target is not None and o.target not in ids:
            pr.add(f"scene.objects[{i}].target", f"no object with id {o.target!r}")
    return Scene(tuple(objs), floor, tod, sky_color, mood, light, camera,
                 None if duration is None else float(duration), float(gravity), dict(m))


def _floor(f: Any, pr: _Problems) -> Floor:
    if f is None:
        return Floor()
    if isinstance(f, str):
        f = {"kind": f}
    if not isinstance(f, Mapping):
        pr.add("scene.floor", "must be a mapping or a floor kind")
        return Floor()
    for k in f:
        if k not in ("kind", "color", "colour"):
            pr.add(f"scene.floor.{k}", "unknown key; expected kind or color")
    kind = str(f.get("kind", "tiles")).lower()
    if kind not in FLOOR_KINDS:
        pr.add("scene.floor.kind", f"{kind!r} is not one of {sorted(FLOOR_KINDS)}")
        kind = "tiles"
    return Floor(kind, _optional_color(f, "scene.floor", pr))


def _optional_color(m: Mapping[str, Any], path: str, pr: _Problems) -> Any:
    """The ``color``/``colour`` of mapping ``m`` parsed, or None (absent or unknown: reported)."""
    c = m.get("color", m.get("colour"))
    if c is None:
        return None
    pc = parse_color(c)
    if pc is None:
        pr.add(f"{path}.color", f"unknown colour {c!r}")
        return None
    return pc[0]


def _light(li: Any, tod: str, pr: _Problems) -> Light:
    az, el = 35.0, {"sunrise": 12.0, "sunset": 10.0, "dusk": 8.0, "night": 55.0,
                    "morning": 30.0, "afternoon": 35.0}.get(tod, 55.0)
    if tod in ("sunrise", "morning"):
        az = -60.0
    elif tod in ("sunset", "dusk", "afternoon"):
        az = 60.0
    if li is None:
        return Light(az, el)
    if not isinstance(li, Mapping):
        pr.add("scene.light", "must be a mapping")
        return Light(az, el)
    keys = ("azimuth", "elevation", "from", "moving", "sweep", "intensity", "color", "colour")
    for k in li:
        if k not in keys:
            pr.add(f"scene.light.{k}", f"unknown key; expected one of {list(keys)}")
    if "from" in li:
        fr = str(li["from"]).lower()
        if fr in LIGHT_FROM:
            az, el = LIGHT_FROM[fr]
        else:
            pr.add("scene.light.from", f"{fr!r} is not one of {sorted(LIGHT_FROM)}")
    vals = {}
    for k, lo, hi, default in (("azimuth", -360, 360, az), ("elevation", 1, 90, el),
                               ("sweep", -360, 360, 90.0), ("intensity", 0, 3, 1.0)):
        v = li.get(k, default)
        if not (_is_num(v) and lo <= v <= hi):
            pr.add(f"scene.light.{k}", f"must be a number in [{lo}, {hi}]")
            v = default
        vals[k] = float(v)
    color = _optional_color(li, "scene.light", pr)
    return Light(vals["azimuth"], vals["elevation"], bool(li.get("moving", False)),
                 vals["sweep"], vals["intensity"], color)


def _camera(c: Any, ids: set[str], pr: _Problems) -> CameraSpec:
    if c is None:
        return CameraSpec()
    if isinstance(c, str):
        c = {"move": c}
    if not isinstance(c, Mapping):
        pr.add("scene.camera", "must be a mapping or a move name")
        return CameraSpec()
    keys = ("move", "target", "amount", "fov", "position", "look_at")
    for k in c:
        if k not in keys:
            pr.add(f"scene.camera.{k}", f"unknown key; expected one of {list(keys)}")
    move = str(c.get("move", "static")).strip().lower().replace("-", "_").replace(" ", "_")
    target = c.get("target")
    if move.startswith("tracking:"):
        move, target = "tracking", move.split(":", 1)[1]
    if move not in CAMERA_MOVES:
        pr.add("scene.camera.move", f"{move!r} is not one of {sorted(CAMERA_MOVES)}")
        move = "static"
    if move == "tracking":
        if target is None and ids:
            target = sorted(ids)[0]
        if target is not None and str(target) not in ids:
            pr.add("scene.camera.target", f"no object with id {target!r}")
            target = None
    amount = c.get("amount", 1.0)
    if not (_is_num(amount) and 0 <= amount <= 3):
        pr.add("scene.camera.amount", "must be a number in [0, 3]")
        amount = 1.0
    fov = c.get("fov", 45.0)
    if not (_is_num(fov) and 5 <= fov <= 120):
        pr.add("scene.camera.fov", "must be vertical degrees in [5, 120]")
        fov = 45.0
    d = CameraSpec()
    pos, look = d.position, d.look_at
    for k in ("position", "look_at"):
        if k in c:
            v = _vec3(c[k])
            if v is None:
                pr.add(f"scene.camera.{k}", "must be [x, y, z] numbers")
            elif k == "position":
                pos = v
            else:
                look = v
    if sum((a - b) ** 2 for a, b in zip(pos, look)) < 1e-6:
        pr.add("scene.camera.look_at", "must differ from position")
        pos, look = d.position, d.look_at
    return CameraSpec(move, None if target is None else str(target), float(amount), float(fov),
                      pos, look)
