"""Vocabulary of the scene spec: colours, kinds and their defaults, materials, motions,
camera moves, floors, times of day, moods, directions (see :mod:`.scene` for the keys)."""

from __future__ import annotations

Vec3 = tuple[float, float, float]

COLORS: dict[str, Vec3] = {
    "red": (0.85, 0.1, 0.08), "dark_red": (0.5, 0.04, 0.04), "orange": (0.95, 0.45, 0.05),
    "yellow": (0.95, 0.85, 0.1), "gold": (0.9, 0.7, 0.2), "green": (0.15, 0.65, 0.2),
    "dark_green": (0.05, 0.35, 0.1), "lime": (0.55, 0.9, 0.15), "teal": (0.05, 0.55, 0.55),
    "cyan": (0.1, 0.85, 0.9), "blue": (0.1, 0.3, 0.9), "light_blue": (0.5, 0.75, 0.95),
    "navy": (0.05, 0.08, 0.4), "purple": (0.5, 0.15, 0.7), "violet": (0.6, 0.3, 0.9),
    "magenta": (0.9, 0.1, 0.7), "pink": (0.97, 0.5, 0.7), "white": (0.93, 0.93, 0.92),
    "black": (0.05, 0.05, 0.06), "grey": (0.5, 0.5, 0.52), "gray": (0.5, 0.5, 0.52),
    "dark_grey": (0.25, 0.25, 0.27), "light_grey": (0.75, 0.75, 0.77), "silver": (0.78, 0.8, 0.83),
    "brown": (0.45, 0.27, 0.12), "beige": (0.85, 0.78, 0.62), "tan": (0.78, 0.62, 0.42),
    "cream": (0.95, 0.92, 0.8), "turquoise": (0.2, 0.85, 0.75), "maroon": (0.45, 0.05, 0.1),
    "olive": (0.45, 0.45, 0.1), "copper": (0.75, 0.42, 0.2), "bronze": (0.7, 0.5, 0.25),
}

#: canonical kind -> (default size (w, h, d) m, default material, default colour name, free body)
KINDS: dict[str, tuple[Vec3, str, str, bool]] = {
    "sphere": ((0.4, 0.4, 0.4), "rubber", "red", True),
    "cube": ((0.5, 0.5, 0.5), "wood", "orange", True),
    "cylinder": ((0.4, 0.6, 0.4), "plastic", "blue", True),
    "cone": ((0.4, 0.6, 0.4), "plastic", "orange", True),
    "glass": ((0.16, 0.3, 0.16), "glass", "light_blue", True),
    "cup": ((0.2, 0.22, 0.2), "ceramic", "white", True),
    "bottle": ((0.16, 0.5, 0.16), "glass", "green", True),
    "plank": ((1.6, 0.12, 0.3), "wood", "tan", True),
    "domino": ((0.25, 0.5, 0.08), "wood", "white", True),
    "person": ((0.5, 1.75, 0.3), "cloth", "blue", False),
    "car": ((1.8, 1.3, 3.8), "metal", "red", False),
    "flying_car": ((1.8, 1.0, 3.6), "metal", "silver", False),
    "bird": ((0.5, 0.2, 0.3), "cloth", "black", False),
    "drone": ((0.6, 0.15, 0.6), "plastic", "dark_grey", False),
    "building": ((3.0, 12.0, 3.0), "stone", "grey", False),
    "wall": ((2.0, 1.5, 0.2), "stone", "beige", False),
    "screen": ((1.6, 1.6, 0.08), "cloth", "dark_grey", False),
    "pillar": ((0.5, 2.5, 0.5), "stone", "light_grey", False),
    "container": ((1.0, 0.5, 1.0), "wood", "brown", False),
    "table": ((1.6, 0.75, 0.9), "wood", "brown", False),
}

KIND_ALIASES: dict[str, str] = {
    "ball": "sphere", "orb": "sphere", "box": "cube", "crate": "cube", "block": "cube",
    "tin": "cylinder", "can": "cylinder", "barrel": "cylinder", "wine_glass": "glass",
    "vase": "bottle", "mug": "cup", "board": "plank", "beam": "plank", "man": "person",
    "woman": "person", "child": "person", "character": "person", "human": "person",
    "figure": "person", "flyingcar": "flying_car", "flying-car": "flying_car",
    "vehicle": "car", "tower": "building", "skyscraper": "building", "occluder": "wall",
    "curtain": "screen", "panel": "screen", "column": "pillar", "post": "pillar",
    "open_box": "container", "open-box": "container", "basket": "container", "bin": "container",
    "bucket": "container", "desk": "table",
}

CHARACTER_KINDS = frozenset({"person"})
OCCLUDER_KINDS = frozenset({"wall", "screen", "pillar", "building"})

#: material -> (restitution, friction, shininess 0..1, emissive, mirror)
MATERIALS: dict[str, tuple[float, float, float, bool, bool]] = {
    "rubber": (0.75, 0.9, 0.25, False, False),
    "wood": (0.4, 0.5, 0.15, False, False),
    "metal": (0.3, 0.35, 0.85, False, False),
    "glass": (0.25, 0.3, 0.95, False, False),
    "plastic": (0.55, 0.4, 0.5, False, False),
    "stone": (0.2, 0.7, 0.1, False, False),
    "cloth": (0.1, 0.9, 0.0, False, False),
    "ceramic": (0.3, 0.4, 0.7, False, False),
    "neon": (0.4, 0.4, 0.3, True, False),
    "emissive": (0.4, 0.4, 0.3, True, False),
    "mirror": (0.3, 0.3, 1.0, False, True),
}

MOTIONS = frozenset({
    "static", "falls", "thrown", "rolls", "slides", "path", "spins", "topples", "walks", "runs",
    "waves", "jumps", "picks_up", "carries", "flies",
})
CHARACTER_MOTIONS = frozenset({"walks", "runs", "waves", "jumps", "picks_up", "carries"})
CAMERA_MOVES = frozenset({
    "static", "pan_left", "pan_right", "tilt_up", "tilt_down", "dolly_in", "dolly_out",
    "zoom_in", "zoom_out", "orbit", "tracking", "push_in",
})
FLOOR_KINDS = frozenset({"tiles", "wood", "grass", "asphalt", "plain", "mirror", "glossy", "none"})
TIMES_OF_DAY = frozenset({"sunrise", "morning", "noon", "afternoon", "sunset", "dusk", "night"})
MOODS = frozenset({"neutral", "calm", "cheerful", "dramatic", "gloomy", "mysterious", "romantic",
                   "tense", "eerie"})
DIRECTIONS: dict[str, Vec3] = {
    "left": (-1.0, 0.0, 0.0), "right": (1.0, 0.0, 0.0), "toward": (0.0, 0.0, 1.0),
    "towards": (0.0, 0.0, 1.0), "forward": (0.0, 0.0, 1.0), "away": (0.0, 0.0, -1.0),
    "back": (0.0, 0.0, -1.0), "up": (0.0, 1.0, 0.0), "down": (0.0, -1.0, 0.0),
}
DEFAULT_SPEED = {"rolls": 2.0, "slides": 2.5, "thrown": 4.0, "walks": 1.2, "runs": 3.0,
                 "flies": 3.0, "path": 2.0, "picks_up": 1.2, "carries": 1.2, "topples": 0.0}
LIGHT_FROM = {"left": (-90.0, 45.0), "right": (90.0, 45.0), "front": (0.0, 40.0),
              "back": (180.0, 35.0), "above": (20.0, 80.0)}

#: kinds whose scalar ``size`` is their height (others: their width / diameter / edge)
HEIGHT_SIZED = frozenset({"person", "glass", "cup", "bottle", "building", "pillar", "cylinder",
                           "cone", "wall", "screen", "domino"})
