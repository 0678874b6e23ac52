"""Free text -> scene: the keyword grammar of ``sora-bench generate --prompt "..."``.

``parse_prompt(text) -> (scene, unused)``: ``scene`` is a mapping valid under
:func:`~sora_bench.generator.reference.scene.validate_scene`; ``unused`` lists, in order of
first appearance, the words the grammar did not use. Deterministic; never raises on any
``str`` (empty, 10 kB, emoji, HTML, control characters).

Reading. HTML tags are dropped; the text is lower-cased and split into words (letters and
digits; ``-`` and ``'`` inside a word are kept; everything else separates words). Only the
first :data:`MAX_WORDS` words are read; later ones are reported unused. Phrases are matched
longest first (up to three words). Function words (``a``, ``the``, ``and``, ``of`` ...) are
glue: consumed, never reported.

Grammar (word classes, in the order they usually appear)::

    object  := [count] [size] [colour] [material] noun
    count   := one .. twelve | 2..12 | a pair of | several (3) | many (5)  -> count
    size    := tiny | small | little (x0.6) | big | large | huge | giant (x1.6)
    colour  := any colour name of the schema (red, dark red, light blue, gold ...), golden
    material:= rubber | wooden/wood | metal/metallic/steel/iron/chrome | glass | plastic |
               stone/marble/concrete | cloth/fabric | ceramic/porcelain | neon/glowing |
               mirror/mirrored/chrome
    noun    := ball | cube | box | crate | block | glass | cup | mug | bottle | can | vase |
               plank | domino | cone | cylinder | barrel | car | flying car | drone | bird |
               person | man | woman | child | boy | girl | robot | dancer | building | tower |
               skyscraper | wall | screen | curtain | pillar | column | table | basket |
               bucket | bin | container | basketball | football | tennis ball | phone | book
               (plurals too; "made of <material>" after a noun applies to it)

    verb    -> the motion of the subject (the last object named before it, or the next one):
        falls/drops/dropped/drop/falling       falls from 1.8 m
        bounces/bouncing                       falls from 2 m; rubber unless a material is named
        rolls/rolling, slides/sliding          along x (direction word after it: left/right)
        thrown/throws/tossed/toss/launched     the thrown object (or "X throws Y": Y) flies up-right
        collides/hits/crashes/bumps/strikes    moves into the object named after it (with/into)
        breaks/shatters/smashes/cracks         falls and is breakable
        topples/tips over/knocked over         topples
        spins/rotates/rotating/turntable       spins in place
        walks/strolls, runs/jogs/sprints, waves, jumps     (characters only)
        carries/holds/picks up                 the character carries the object named after it
        flies/flying/soars/hovers/drives       follows a path across the frame
        passes/moves/goes + behind X           passes behind X, which becomes the occluder
        goes/falls/lands/hides + into/in/inside X (a box, basket, bucket, bin) -> X is a
                                               container the subject drops into
        cross/crossing/pass each other         the last two moving objects go opposite ways
    direction := left | right | toward/towards (the camera) | away | up | down
    camera  := [the camera] pan(s|ning) [left|right] | tilt(s|ing) [up|down] | dolly/dollies
               [in|out] | zoom(s|ing) [in|out] | orbit(s|ing)/circles/360 | tracking/follows/
               tracks [X] | static/still/locked-off/tripod | push-in/push in/cinematic push
    time    := sunrise/dawn | morning | noon/midday/daytime | afternoon | sunset/golden hour |
               dusk/twilight/evening | night/midnight/nighttime
    mood    := calm/peaceful/serene | cheerful/happy/sunny/bright | dramatic/epic/cinematic |
               gloomy/moody/dark/rainy | mysterious/foggy/misty | romantic | tense | eerie/creepy
    floor   := tiles/tiled [floor] | wood/wooden floor/parquet | grass/lawn/meadow/field/park |
               asphalt/road/street/highway/parking lot | mirror/reflective floor | glossy/
               polished/marble floor | sand/beach/desert (plain beige)
    setting := city/downtown/futuristic/cyberpunk (buildings behind; asphalt), studio/room/
               kitchen (wood floor), neon (night unless a time is named; buildings glow)
    light   := moving light/light moves/sweeping light | shadows | lit/light from the left/
               right/front/back/above | backlit
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from .scene import COLORS, KINDS, OCCLUDER_KINDS, canonical_kind, validate_scene

__all__ = ["parse_prompt", "MAX_WORDS", "MAX_OBJECTS", "MAX_INSTANCES"]

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


def _plural(word: str) -> str | None:
    for suffix, repl in (("ies", "y"), ("xes", "x"), ("es", ""), ("s", "")):
        if word.endswith(suffix) and len(word) > len(suffix) + 1:
            base = word[: -len(suffix)] + repl
            if base in _NOUN or canonical_kind(base):
                return base
    return None


def _noun(phrase: str) -> tuple[str, dict[str, Any]] | None:
    if phrase in _NOUN:
        return _NOUN[phrase]
    if " " in phrase:  # "flying cars", "tennis balls"
        head, _, last = phrase.rpartition(" ")
        single = _plural(last)
        return _NOUN.get(f"{head} {single}") if single else None
    kind = canonical_kind(phrase)
    return (kind, {}) if kind else None


def _singular(phrase: str) -> str:
    """``flying cars`` -> ``flying car``; ``boxes`` -> ``box`` (for object ids)."""
    head, sep, last = phrase.rpartition(" ")
    return f"{head}{sep}{_plural(last) or last}"


def _words(text: str) -> list[str]:
    text = unicodedata.normalize("NFKC", str(text))
    text = html.unescape(re.sub(r"<[^<>]{0,500}>", " ", text))
    return _WORD_RE.findall(text.lower())


def parse_prompt(text: str) -> tuple[dict[str, Any], list[str]]:
    """Parse free text into a scene mapping plus the words it did not use (see module doc)."""
    words = _words(text if isinstance(text, str) else "")
    tail = words[MAX_WORDS:]
    words = words[:MAX_WORDS]
    used = [False] * len(words)
    objs: list[_Obj] = []
    scene: dict[str, Any] = {}
    adj: dict[str, Any] = {}
    subject: int | None = None  # index into objs; -1 = the camera
    pending_verbs: list[str] = []
    relation: str | None = None
    last_verb: str | None = None
    cross = False
    i = 0
    while i < len(words):
        n, cls, val = _match(words, i)
        if cls is None:
            nxt = _plural(words[i])
            if nxt is not None:
                n, cls, val = 1, "noun", _noun(nxt)
        if cls is None:
            if words[i] in _RELATION:
                relation, n, cls = _RELATION[words[i]], 1, "rel"
            elif words[i] in _DIRECTION:
                d = _DIRECTION[words[i]]
                if subject is not None and subject >= 0 and objs[subject].direction is None:
                    objs[subject].direction = d
                n, cls = 1, "dir"
            elif words[i].isdigit() and 1 <= int(words[i]) <= 12:
                adj["count"], n, cls = int(words[i]), 1, "num"
            elif words[i] in _GLUE:
                n, cls = 1, "glue"
        if cls is None:
            i += 1
            continue
        if cls == "noun" and len(objs) >= MAX_OBJECTS:
            adj = {}
            i += n
            continue
        for k in range(i, i + n):
            used[k] = True
        if cls in ("verb", "camera", "time", "mood", "floor", "setting") and not (
                cls == "verb" and val == "moves"):
            relation = None  # "falls in a city ... with a box": "in" found no noun in time
        if cls == "num":
            adj["count"] = val if isinstance(val, int) else adj.get("count", 1)
        elif cls == "size":
            adj["scale"] = val
        elif cls == "color":
            adj["color"] = val
        elif cls == "material":
            nxt_floor = i + n < len(words) and words[i + n] in ("floor", "ground", "surface")
            if nxt_floor and val in ("mirror", "stone", "wood"):
                scene["floor"] = {"mirror": "mirror", "stone": "glossy", "wood": "wood"}[val]
            elif val == "neon" and not (i + n < len(words) and _noun_at(words, i + n)):
                scene["_neon"] = True
            elif objs and i >= 2 and words[i - 1] == "of" and words[i - 2] == "made":
                objs[-1].material = val
            else:
                adj["material"] = val
        elif cls == "noun" and val is not None:
            kind, extra = val
            room = MAX_INSTANCES - sum(p.count for p in objs)
            adj["count"] = max(1, min(adj.get("count", 1), room))
            word = _singular(" ".join(words[i:i + n])).replace(" ", "_")
            o = _Obj(kind, "person" if word == "people" else word, dict(extra),
                     count=adj.get("count", 1), color=adj.get("color"), material=adj.get("material"),
                     scale=adj.get("scale", 1.0))
            adj = {}
            objs.append(o)
            idx = len(objs) - 1
            bound = False
            if relation is not None and subject is not None and subject >= 0:
                o_sub = objs[subject]
                bound = True
                if relation == "in" and (o.word in _CONTAINERS or kind == "container"):
                    o_sub.relation = ("in", idx)
                elif relation == "behind":
                    o_sub.relation = ("behind", idx)
                elif relation in ("with", "in") and last_verb == "collides":
                    o_sub.relation = ("with", idx)
                else:
                    bound = False  # "a city with flying cars, a woman ...": a new subject
                relation = None
            if bound:
                pass
            elif last_verb in ("carries", "thrown") and subject is not None and subject >= 0 \
                    and objs[subject].kind == "person" and o.relation is None:
                o.relation = ("carried_by" if last_verb == "carries" else "thrown_by", subject)
                last_verb = None
            elif last_verb == "collides" and subject is not None and subject >= 0:
                objs[subject].relation = ("with", idx)
            elif subject == -1 and last_verb == "tracking":
                scene.setdefault("camera", {})["target_index"] = idx
                last_verb = None
            elif not (subject is not None and subject >= 0 and i > 0 and _after_prep(words, i)):
                subject = idx  # a noun after "off/on/near the" is a place, not the new subject
                o.verbs.extend(pending_verbs)
                pending_verbs = []
                last_verb = None
        elif cls == "verb":
            if val == "cross":
                cross = True
            elif subject is not None and subject >= 0:
                objs[subject].verbs.append(val)
            else:
                pending_verbs.append(val)
            last_verb = val
        elif cls == "camera" and val == "tracking" and words[i] != "tracking" and not any(
                w in ("camera", "shot") for w in words[max(0, i - 3):i]):
            pass  # "the shadow following her": only the camera's following is a camera move
        elif cls == "camera":
            move = val
            if move in ("pan", "tilt", "dolly", "zoom"):
                move = _camera_dir(words, i, n, used, move)
            scene.setdefault("camera", {})["move"] = move
            subject, last_verb = -1, move
        elif cls == "time":
            scene["time_of_day"] = val
        elif cls == "mood":
            scene.setdefault("mood", val)
        elif cls == "floor":
            scene["floor"] = val
        elif cls == "setting":
            if val == "neon":
                scene["_neon"] = True
            else:
                scene.setdefault("_setting", val)
        elif cls == "light":
            light = scene.setdefault("light", {})
            if val == "moving":
                light["moving"] = True
            elif val == "back":
                light["from"] = "back"
            elif val == "from":
                j = i + n
                if j < len(words) and words[j] in ("left", "right", "front", "back", "above"):
                    light["from"] = words[j]
                    used[j] = True
            # "shadows" only asks for the default key light, which always casts them
        if words[i] == "camera":
            subject = -1
        i += n
    return _safe(_build(objs, scene, cross)), _unused(words, used, tail)


def _safe(scene: dict[str, Any]) -> dict[str, Any]:
    """Safety net: drop whatever the schema refuses (the grammar should never produce it)."""
    if not validate_scene(scene):
        return scene
    keep = [o for o in scene["objects"] if not validate_scene({"objects": [o]})]
    ids = {o["id"] for o in keep}
    for o in keep:
        if o.get("target") not in (None, *ids):
            o.pop("target")
            o["motion"] = "walks" if o.get("motion") in ("carries", "picks_up") else o.get(
                "motion", "static")
    out = {k: v for k, v in scene.items() if k != "objects"} | {"objects": keep}
    if out.get("camera", {}).get("target") not in (None, *ids):
        out["camera"] = {"move": "static"}
    return out if not validate_scene(out) else {"objects": []}


_PREPS = frozenset(("off", "on", "onto", "from", "across", "over", "under", "near", "beside",
                    "past", "toward", "towards", "along", "above", "below", "beneath", "through",
                    "around"))


def _after_prep(words: list[str], i: int) -> bool:
    """The noun at ``i`` follows a preposition (articles and adjectives may sit between)."""
    for k in range(i - 1, max(i - 5, -1), -1):
        w = words[k]
        if w in _PREPS:
            return True
        if not (w in ("a", "an", "the", "its", "his", "her", "their") or w in _COLOR
                or w in _SIZE or w in _MATERIAL):
            return False
    return False


def _noun_at(words: list[str], i: int) -> bool:
    """A noun phrase starts at ``i`` (adjectives allowed before it)."""
    for k in range(i, min(i + 4, len(words))):
        w = words[k]
        if _noun(w) is not None or _plural(w) is not None or (
                k + 1 < len(words) and _noun(f"{w} {words[k + 1]}") is not None):
            return True
        if not (w in _COLOR or w in _SIZE or w in _MATERIAL or w in _NUM or w.isdigit()):
            return False
    return False


def _match(words: list[str], i: int) -> tuple[int, str | None, Any]:
    names = ("num", "size", "material", "color", "noun", "verb", "camera", "time", "mood",
             "floor", "setting", "light")
    for n in (3, 2, 1):
        if i + n > len(words):
            continue
        phrase = " ".join(words[i:i + n])
        for name, table in zip(names, _PHRASES):
            if name == "noun":
                found = _noun(phrase)
                if found is not None:
                    return n, name, found
            elif phrase in table:
                if name in ("material", "color") and _noun(phrase) is not None \
                        and not (i + n < len(words) and _noun_at(words, i + n)):
                    return n, "noun", _noun(phrase)  # "a glass falls": the noun, not the material
                return n, name, table[phrase]
    return 1, None, None


def _camera_dir(words: list[str], i: int, n: int, used: list[bool], move: str) -> str:
    """The move's direction: the word after it ("pan left") or just before ("downward tilt")."""
    want = {"pan": ("left", "right"), "tilt": ("up", "down"), "dolly": ("in", "out"),
            "zoom": ("in", "out")}[move]
    default = {"pan": "pan_right", "tilt": "tilt_up", "dolly": "dolly_in", "zoom": "zoom_in"}
    before = {"upward": "up", "up": "up", "downward": "down", "down": "down",
              "leftward": "left", "rightward": "right"}.get(words[i - 1] if i > 0 else "")
    if before in want:
        return f"{move}_{before}"
    j = i + n
    for k in range(j, min(j + 3, len(words))):
        w = {"forward": "in", "closer": "in", "back": "out", "backward": "out"}.get(words[k],
                                                                                   words[k])
        if w in want:
            used[k] = True
            return f"{move}_{w}"
        if words[k] not in _GLUE:
            break
    return default[move]


def _unused(words: list[str], used: list[bool], tail: list[str]) -> list[str]:
    out: list[str] = []
    seen: set[str] = set()
    for w in [w for w, u in zip(words, used) if not u] + tail:
        if w not in seen:
            seen.add(w)
            out.append(w)
    if len(out) > MAX_UNUSED:
        out = out[:MAX_UNUSED] + [f"... (+{len(out) - MAX_UNUSED} more)"]
    return out


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
