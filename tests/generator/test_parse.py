"""The free-text keyword grammar: right objects/motions/camera, and never a crash."""

from __future__ import annotations

import pytest

from sora_bench.generator.reference.parse import MAX_OBJECTS, MAX_UNUSED, parse_prompt
from sora_bench.generator.reference.scene import parse_scene, validate_scene


def parse(text: str) -> tuple[dict, list[str]]:
    scene, unused = parse_prompt(text)
    assert validate_scene(scene) == [], (text, scene)
    return scene, unused


def only(scene: dict, kind: str) -> dict:
    found = [o for o in scene["objects"] if o["kind"] == kind]
    assert len(found) == 1, scene
    return found[0]


def test_colour_shape_verb() -> None:
    scene, unused = parse("A red rubber ball falls and bounces on a tiled floor")
    ball = only(scene, "sphere")
    assert ball["color"] == "red" and ball["material"] == "rubber"
    assert ball["position"][1] > 1.0  # dropped from a height: the schema makes it fall
    assert parse_scene(scene).object(ball["id"]).motion == "falls"
    assert scene["floor"] == "tiles" and unused == []


def test_glass_noun_vs_material() -> None:
    glass = only(parse("a glass falls off the table and shatters")[0], "glass")
    assert glass["breakable"] is True and glass["motion"] == "falls"
    bottle = only(parse("a green glass bottle")[0], "bottle")
    assert bottle["material"] == "glass" and bottle["color"] == "green"


@pytest.mark.parametrize("text, move", [
    ("the camera pans left over a park", "pan_left"),
    ("slow pan to the right", "pan_right"),
    ("camera tilts up to the sky", "tilt_up"),
    ("dolly out from a blue cube", "dolly_out"),
    ("zoom in on a vase", "zoom_in"),
    ("the camera orbits a wooden table", "orbit"),
    ("static shot of a pillar", "static"),
    ("cinematic push-in on a bottle", "push_in"),
    ("a slow downward tilt toward a city street", "tilt_down"),
    ("the camera pulls back, away from a table", "dolly_out"),
])
def test_camera_words(text: str, move: str) -> None:
    assert parse(text)[0]["camera"]["move"] == move


def test_following_is_a_camera_move_only_for_the_camera() -> None:
    scene, _ = parse("a person walks across a plaza, the short shadow following at her feet")
    assert "camera" not in scene and only(scene, "person")["motion"] == "walks"


def test_tracking_targets_the_mover() -> None:
    scene, _ = parse("the camera follows a running man")
    man = only(scene, "person")
    assert man["motion"] == "runs" and scene["camera"] == {"move": "tracking", "target": man["id"]}


@pytest.mark.parametrize("word, tod", [("at sunrise", "sunrise"), ("at dawn", "sunrise"),
                                       ("at noon", "noon"), ("at sunset", "sunset"),
                                       ("golden hour", "sunset"), ("at dusk", "dusk"),
                                       ("at night", "night")])
def test_time_of_day(word: str, tod: str) -> None:
    assert parse(f"a cube on the grass {word}")[0]["time_of_day"] == tod


def test_mood_floor_and_neon() -> None:
    scene, _ = parse("a moody neon street with a robot waving")
    assert scene["mood"] == "gloomy" and scene["floor"] == "asphalt"
    assert scene["time_of_day"] == "night"  # neon without a time means night
    robot = only(scene, "person")
    assert robot["motion"] == "waves" and robot["material"] == "metal"
    assert parse("a ball on a wooden floor")[0]["floor"] == "wood"
    assert parse("a cube on a mirror floor")[0]["floor"] == "mirror"


@pytest.mark.parametrize("text, count", [("two red balls", 2), ("three cubes fall", 3),
                                         ("5 bottles", 5), ("a pair of cups", 2)])
def test_counts(text: str, count: int) -> None:
    scene, _ = parse(text)
    assert scene["objects"][0]["count"] == count
    assert len(parse_scene(scene).objects) == count


def test_relations() -> None:
    scene, _ = parse("a ball rolls behind a wall and reappears")
    ball, wall = only(scene, "sphere"), only(scene, "wall")
    assert ball["motion"] == "rolls" and ball["position"][2] < wall["position"][2]
    scene, _ = parse("a marble drops into a basket")
    assert only(scene, "container")["position"][0] == only(scene, "sphere")["position"][0]
    scene, _ = parse("a woman carries a wooden box")
    box = only(scene, "cube")
    assert only(scene, "person") | {} and only(scene, "person")["target"] == box["id"]
    scene, _ = parse("a red ball rolls and hits a blue box")
    ball, box = only(scene, "sphere"), only(scene, "cube")
    assert ball["direction"] == "right" and ball["position"][0] < box["position"][0]
    scene, _ = parse("two balls cross paths")
    dirs = sorted(o["direction"] for o in scene["objects"])
    assert dirs == ["left", "right"]


def test_clauses_get_their_own_subjects() -> None:
    scene, unused = parse("A futuristic city at night with flying cars, a woman walks left, "
                          "slow pan right")
    woman = only(scene, "person")
    assert woman["motion"] == "walks" and woman["direction"] == "left"
    assert "motion" not in only(scene, "flying_car") and scene["camera"]["move"] == "pan_right"
    assert unused == []


def test_city_with_flying_cars() -> None:
    scene, unused = parse("a futuristic city with flying cars at night")
    kinds = [o["kind"] for o in scene["objects"]]
    assert "flying_car" in kinds and kinds.count("building") >= 2
    assert only(scene, "flying_car")["path"] and unused == []


def test_unused_words_listed_in_order() -> None:
    scene, unused = parse("a purple ball quantum entangled with a giraffe falls")
    assert unused == ["quantum", "entangled", "giraffe"]
    assert only(scene, "sphere")["color"] == "purple"


@pytest.mark.parametrize("text", [
    "", "   ", "\n\t", "🎈🚗💥" * 50, "<script>alert('x')</script><b>red ball</b>",
    "a\x00b\x07c\x1b[31m red\x7f ball", "ball " * 2500, "x" * 10_000, "🎈 " + "é" * 5000,
    "{prompt} {seed} $(rm -rf /) ; DROP TABLE", "12 13 0 -4 999999999999 balls",
    "camera camera pans pans left left", "into behind with in", "a " * 5000,
])
def test_odd_text_never_crashes(text: str) -> None:
    scene, unused = parse(text)
    assert isinstance(unused, list) and len(unused) <= MAX_UNUSED + 1
    assert len(scene["objects"]) <= MAX_OBJECTS * 2  # city buildings may come on top


def test_html_is_stripped_and_long_text_capped() -> None:
    scene, unused = parse("<b>red ball</b> falls &amp; bounces")
    assert only(scene, "sphere")["color"] == "red" and "b" not in unused
    scene, unused = parse("a cube " + " ".join(f"w{i}" for i in range(3000)))
    assert only(scene, "cube") and unused[-1].startswith("... (+")


def test_deterministic() -> None:
    text = "At sunset two small gold balls bounce on the grass while a man walks left; pan right"
    assert parse_prompt(text) == parse_prompt(text)


def test_word_soup_always_validates(monkeypatch: pytest.MonkeyPatch) -> None:
    """Random sentences from the grammar's own vocabulary: every scene must validate without
    the safety net that drops invalid parts."""
    import random

    from sora_bench.generator.reference import parse as P

    monkeypatch.setattr(P, "_safe", lambda scene: scene)
    vocab = sorted({*P._NUM, *P._SIZE, *P._MATERIAL, *P._COLOR, *P._NOUN, *P._VERB, *P._CAMERA,
                    *P._TIME, *P._MOOD, *P._FLOOR, *P._SETTING, *P._LIGHT, *P._RELATION,
                    *P._DIRECTION, "a", "the", "and", "camera", "twelve", "boxes", "people"})
    rng = random.Random(0)
    for _ in range(300):
        text = " ".join(rng.choice(vocab) for _ in range(rng.randint(1, 25)))
        scene, _unused = parse(text)
        assert sum(o.get("count", 1) for o in scene["objects"]) <= P.MAX_INSTANCES + 3, text


def test_safety_net_drops_what_the_schema_refuses() -> None:
    from sora_bench.generator.reference.parse import _safe

    bad = {"objects": [{"id": "ok", "kind": "sphere"}, {"id": "bad", "kind": "unicorn"}],
           "camera": {"move": "tracking", "target": "bad"}}
    fixed = _safe(bad)
    assert [o["id"] for o in fixed["objects"]] == ["ok"] and validate_scene(fixed) == []
