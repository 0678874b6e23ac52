"""Word tables of the free-text scene grammar (the grammar itself: :mod:`.parse`)."""

from __future__ import annotations

import re
from typing import Any

from .scene import COLORS

MAX_WORDS = 400  #: words read from the text; the rest are reported unused
MAX_OBJECTS = 8  #: noun phrases turned into objects; later nouns are reported unused
MAX_INSTANCES = 24  #: objects after ``count`` replication (keeps free text cheap to render)
MAX_UNUSED = 64  #: unused words listed; a final "... (+N more)" entry counts the rest

_NUM = {"one": 1, "a single": 1, "single": 1, "two": 2, "three": 3, "four": 4, "five": 5,
        "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
        "a pair of": 2, "pair of": 2, "couple of": 2, "a couple of": 2, "several": 3,
        "a few": 3, "few": 3, "many": 5, "lots of": 5, "a dozen": 12, "dozen": 12}
_SIZE = {"tiny": 0.45, "small": 0.6, "little": 0.6, "mini": 0.5, "big": 1.6, "large": 1.6,
         "huge": 2.2, "giant": 2.5, "tall": 1.4}
_MATERIAL = {"rubber": "rubber", "wooden": "wood", "wood": "wood", "metal": "metal",
             "metallic": "metal", "steel": "metal", "iron": "metal", "aluminium": "metal",
             "aluminum": "metal", "chrome": "mirror", "glass": "glass", "plastic": "plastic",
             "stone": "stone", "marble": "stone", "concrete": "stone", "rock": "stone",
             "cloth": "cloth", "fabric": "cloth", "ceramic": "ceramic", "porcelain": "ceramic",
             "neon": "neon", "glowing": "neon", "mirror": "mirror", "mirrored": "mirror"}
_COLOR = {k.replace("_", " "): k for k in COLORS} | {"golden": "gold", "dark gray": "dark_grey",
                                                     "light gray": "light_grey"}
#: noun -> (kind, extra keys)
_NOUN: dict[str, tuple[str, dict[str, Any]]] = {
    "basketball": ("sphere", {"color": "orange", "size": 0.3}),
    "football": ("sphere", {"color": "white", "size": 0.28}),
    "soccer ball": ("sphere", {"color": "white", "size": 0.28}),
    "tennis ball": ("sphere", {"color": "lime", "size": 0.15}),
    "beach ball": ("sphere", {"color": "cyan", "size": 0.5}),
    "bowling ball": ("sphere", {"color": "black", "material": "plastic", "size": 0.3}),
    "marble": ("sphere", {"material": "glass", "size": 0.1}),
    "robot": ("person", {"material": "metal", "color": "silver"}),
    "boy": ("person", {"size": 1.3}), "girl": ("person", {"size": 1.3}),
    "child": ("person", {"size": 1.2}), "kid": ("person", {"size": 1.2}),
    "dancer": ("person", {}), "people": ("person", {}), "runner": ("person", {}),
    "friend": ("person", {}), "pedestrian": ("person", {}), "player": ("person", {}),
    "phone": ("cube", {"size": [0.35, 0.7, 0.06], "color": "black"}),
    "smartphone": ("cube", {"size": [0.35, 0.7, 0.06], "color": "black"}),
    "book": ("cube", {"size": [0.5, 0.12, 0.7]}), "perfume": ("bottle", {"material": "glass"}),
    "sneaker": ("cube", {"size": [0.3, 0.2, 0.6]}), "wine glass": ("glass", {}),
    "flying car": ("flying_car", {}), "car": ("car", {}), "taxi": ("car", {"color": "yellow"}),
    "sign": ("screen", {}), "open box": ("container", {}), "cardboard box": ("cube", {}),
}
for _k in ("sphere", "cube", "cylinder", "cone", "glass", "cup", "bottle", "plank", "domino",
           "person", "bird", "drone", "building", "wall", "screen", "pillar", "container",
           "table"):
    _NOUN.setdefault(_k, (_k, {}))
_CONTAINERS = {"box", "crate", "basket", "bucket", "bin", "container", "open box"}

_VERB = {}
for _words, _v in (
    ("falls fall falling drops drop dropped dropping plummets", "falls"),
    ("bounces bounce bouncing bounced", "bounces"),
    ("rolls roll rolling rolled", "rolls"), ("slides slide sliding slid glides", "slides"),
    ("thrown throws throw throwing tossed tosses toss launched launches lobbed", "thrown"),
    ("collides collide colliding hits hit crashes crash bumps bump strikes smashes-into", "collides"),
    ("breaks break breaking shatters shatter shattering smashes smash cracks", "breaks"),
    ("topples topple toppling tips knocked", "topples"),
    ("spins spin spinning rotates rotate rotating revolving turntable turning", "spins"),
    ("walks walk walking strolls strolling", "walks"), ("runs run running jogs jogging sprints", "runs"),
    ("waves wave waving", "waves"), ("jumps jump jumping leaps hops", "jumps"),
    ("carries carry carrying holds holding", "carries"), ("picks", "carries"),
    ("flies fly flying soars soaring hovers hovering glides-by drives driving zooms-by", "flies"),
    ("passes pass passing moves move moving goes go going travels disappears hides hiding "
     "lands landing reappears emerges", "moves"),
    ("cross crosses crossing", "cross"), ("cross-paths", "cross"), ("crossing-paths", "cross"),
):
    for _w in _words.split():
        _VERB[_w.replace("-", " ")] = _v
_VERB.update({"tips over": "topples", "falls over": "topples", "knocked over": "topples",
              "picks up": "carries", "picked up": "carries", "pass each other": "cross"})
_RELATION = {"behind": "behind", "into": "in", "inside": "in", "in": "in", "with": "with",
             "against": "with", "onto": "with"}
_DIRECTION = {"left": "left", "leftward": "left", "right": "right", "rightward": "right",
              "toward": "toward", "towards": "toward", "away": "away", "up": "up",
              "upward": "up", "down": "down", "downward": "down"}
_CAMERA = {"pan": "pan", "pans": "pan", "panning": "pan", "tilt": "tilt", "tilts": "tilt",
           "tilting": "tilt", "dolly": "dolly", "dollies": "dolly", "zoom": "zoom",
           "zooms": "zoom", "zooming": "zoom", "orbit": "orbit", "orbits": "orbit",
           "orbiting": "orbit", "circles": "orbit", "circling": "orbit", "360": "orbit",
           "tracking": "tracking", "follows": "tracking", "tracks": "tracking",
           "following": "tracking", "static": "static", "still": "static", "tripod": "static",
           "locked-off": "static", "push-in": "push_in", "push in": "push_in",
           "pushes in": "push_in", "slow push": "push_in", "cinematic push-in": "push_in",
           "pulls back": "dolly_out", "pull back": "dolly_out", "pulls out": "dolly_out",
           "pull-back": "dolly_out", "moves closer": "dolly_in"}
_TIME = {"sunrise": "sunrise", "dawn": "sunrise", "morning": "morning", "noon": "noon",
         "midday": "noon", "daytime": "noon", "afternoon": "afternoon", "sunset": "sunset",
         "golden hour": "sunset", "dusk": "dusk", "twilight": "dusk", "evening": "dusk",
         "night": "night", "midnight": "night", "nighttime": "night", "night-time": "night"}
_MOOD = {"calm": "calm", "peaceful": "calm", "serene": "calm", "cheerful": "cheerful",
         "happy": "cheerful", "sunny": "cheerful", "bright": "cheerful", "dramatic": "dramatic",
         "epic": "dramatic", "cinematic": "dramatic", "gloomy": "gloomy", "moody": "gloomy",
         "dark": "gloomy", "rainy": "gloomy", "mysterious": "mysterious", "foggy": "mysterious",
         "misty": "mysterious", "romantic": "romantic", "tense": "tense", "eerie": "eerie",
         "creepy": "eerie", "spooky": "eerie", "neutral": "neutral"}
_FLOOR = {"tiles": "tiles", "tiled": "tiles", "tile floor": "tiles", "wood floor": "wood",
          "wooden floor": "wood", "parquet": "wood", "floorboards": "wood", "grass": "grass",
          "lawn": "grass", "meadow": "grass", "field": "grass", "park": "grass",
          "garden": "grass", "asphalt": "asphalt", "road": "asphalt", "street": "asphalt",
          "highway": "asphalt", "parking lot": "asphalt", "mirror floor": "mirror",
          "reflective floor": "mirror", "mirrored floor": "mirror", "glossy floor": "glossy",
          "polished floor": "glossy", "marble floor": "glossy", "glossy": "glossy",
          "sand": "sand", "beach": "sand", "desert": "sand"}
_SETTING = {"city": "city", "downtown": "city", "futuristic": "city", "cyberpunk": "city",
            "skyline": "city", "studio": "room", "room": "room", "kitchen": "room",
            "living room": "room", "neon": "neon", "neon-lit": "neon"}
_LIGHT = {"moving light": "moving", "light moves": "moving", "sweeping light": "moving",
          "shadow": "shadow", "shadows": "shadow", "backlit": "back",
          "lit from the": "from", "light from the": "from", "sunlight from the": "from"}
_GLUE_WORDS = """a an the and or of on at to from is are was be being its it his her their
this that these those then while as by for over under across through around onto up near
next beside some very slowly quickly slow fast gently softly suddenly camera shot scene video
clip view frame floor ground surface shows showing there s after before each other other
other's just only same again another ever him them itself himself herself off past along above below"""
_GLUE = frozenset(_GLUE_WORDS.split())
_PHRASES = [_NUM, _SIZE, _MATERIAL, _COLOR, _NOUN, _VERB, _CAMERA, _TIME, _MOOD, _FLOOR,
            _SETTING, _LIGHT]
_WORD_RE = re.compile(r"[^\W_]+(?:['\-][^\W_]+)*")

_PREPS = frozenset(("off", "on", "onto", "from", "across", "over", "under", "near", "beside",
                    "past", "toward", "towards", "along", "above", "below", "beneath", "through",
                    "around"))
