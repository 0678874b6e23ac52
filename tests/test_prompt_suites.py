"""The curated suites in prompts/: they load, their scenes validate, their expectations are
well-formed and name objects that exist, and together they hold at least 250 prompts."""

from __future__ import annotations

from pathlib import Path

import pytest

from sora_bench.expectations import CAMERA_MOVES, EVENT_REQUIRES, validate_expectation
from sora_bench.generator.reference.scene import parse_scene, validate_scene
from sora_bench.suite import load_suite, safe_yaml_load

PROMPTS = Path(__file__).resolve().parent.parent / "prompts"
SUITES = ("smoke", "core", "physics", "permanence", "camera", "characters", "commerce")
TOP_KEYS = {"name", "version", "description", "video", "seeds", "prompts"}
PROMPT_KEYS = {"id", "text", "tags", "scene", "expect"}


def _raw(name: str) -> dict:
    return safe_yaml_load((PROMPTS / f"{name}.yaml").read_text(encoding="utf-8"), name)


@pytest.fixture(scope="module")
def suites() -> dict:
    return {name: load_suite(PROMPTS / f"{name}.yaml") for name in SUITES}


def test_every_suite_present_and_no_strays() -> None:
    assert sorted(p.stem for p in PROMPTS.glob("*.yaml")) == sorted(SUITES)


def test_sizes(suites: dict) -> None:
    assert sum(len(s.prompts) for s in suites.values()) >= 250
    assert 1 <= len(suites["smoke"].prompts) <= 6
    assert suites["smoke"].spec.width * suites["smoke"].spec.height <= 64 * 64
    for name, s in suites.items():
        assert s.name == name
        assert len(s.prompts) >= (4 if name == "smoke" else 25), name
        # modest defaults so a full suite renders in reasonable time on a CPU
        assert s.spec.width <= 256 and s.spec.height <= 256 and s.spec.num_frames <= 48


@pytest.mark.parametrize("name", SUITES)
def test_prompts_complete_and_consistent(name: str) -> None:
    raw = _raw(name)
    assert set(raw) == TOP_KEYS
    ids = [p["id"] for p in raw["prompts"]]
    assert len(ids) == len(set(ids)), "duplicate prompt ids"
    for p in raw["prompts"]:
        where = f"{name}:{p['id']}"
        assert set(p) == PROMPT_KEYS, where
        assert len(p["text"].split()) >= 4, where
        assert p["tags"] and all("." in t or t in ("camera", "mood", "time_of_day")
                                 for t in p["tags"]), where
        assert validate_scene(p["scene"]) == [], where
        scene = parse_scene(p["scene"])
        object_ids = {o.id for o in scene.objects}
        assert p["expect"], where
        for e in p["expect"]:
            assert validate_expectation(e, object_ids) == [], (where, e)
            assert e.get("event") in EVENT_REQUIRES or e.get("camera") in CAMERA_MOVES
        # a camera expectation must agree with the scene's camera move
        moves = {e["camera"] for e in p["expect"] if "camera" in e}
        assert moves <= {scene.camera.move}, where
        # ids are written out: no `count:` replication, so Truth ids == scene ids
        assert all("count" not in o for o in p["scene"]["objects"]), where


def test_expectations_match_scene_motion(suites: dict) -> None:
    """Cheap sanity between what a prompt expects and what its scene sets up."""
    for s in suites.values():
        for p in s.prompts:
            scene = parse_scene(p.scene)
            for e in p.expect:
                if "event" not in e:
                    continue
                o = scene.object(e["object"])
                ev = e["event"]
                if ev in ("walks", "runs", "waves", "jumps"):
                    assert o.motion == ev, (p.id, ev)
                if ev == "carries":
                    assert o.motion in ("carries", "picks_up") and o.target == e["with"], p.id
                if ev in ("falls", "bounces", "breaks") and o.motion != "thrown":
                    assert o.position[1] > 0 or o.velocity is not None, (p.id, ev)
                if ev == "breaks":
                    assert o.breakable, p.id
                if ev in ("stays_still",):
                    assert o.motion in ("static", "falls") and o.velocity is None, (p.id, o.id)
                if ev in ("occluded", "reappears_after_occlusion") and "behind" in e:
                    scene.object(e["behind"])


def test_tag_families_cover_the_suite_purpose(suites: dict) -> None:
    prefixes = {"physics": "physics.", "permanence": "permanence.", "camera": "camera",
                "characters": "characters.", "commerce": "commerce."}
    for name, prefix in prefixes.items():
        tagged = [p for p in suites[name].prompts if any(t.startswith(prefix) for t in p.tags)]
        assert len(tagged) >= 0.8 * len(suites[name].prompts), name


def test_text_and_scene_agree_under_the_parser(suites: dict) -> None:
    """Each prompt's text, read by the free-text grammar, names the same camera move and at
    least one of the object kinds its curated scene shows: the text describes the scene."""
    from sora_bench.generator.reference.parse import parse_prompt

    for s in suites.values():
        for p in s.prompts:
            parsed, _unused = parse_prompt(p.text)
            scene = parse_scene(p.scene)
            assert parsed.get("camera", {}).get("move", "static") == scene.camera.move, p.id
            kinds = {o["kind"] for o in parsed["objects"]}
            assert not scene.objects or kinds & {o.kind for o in scene.objects}, p.id
