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

from typing import Any

from .parse_layout import _build, _Obj
from .parse_vocab import (  # noqa: F401  (the tables are re-exported: tests read them here)
    _CAMERA,
    _COLOR,
    _CONTAINERS,
    _DIRECTION,
    _FLOOR,
    _GLUE,
    _LIGHT,
    _MATERIAL,
    _MOOD,
    _NOUN,
    _NUM,
    _RELATION,
    _SETTING,
    _SIZE,
    _TIME,
    _VERB,
    MAX_INSTANCES,
    MAX_OBJECTS,
    MAX_UNUSED,
    MAX_WORDS,
)
from .parse_words import (
    _after_prep,
    _camera_dir,
    _match,
    _noun,
    _noun_at,
    _plural,
    _singular,
    _unused,
    _words,
)
from .scene import validate_scene

__all__ = ["parse_prompt", "MAX_WORDS", "MAX_OBJECTS", "MAX_INSTANCES"]


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
