"""Suite loading: safe YAML, validation errors with file and key path, canonical sha256."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from sora_bench.cli import main
from sora_bench.errors import SuiteError
from sora_bench.suite import load_suite, load_suite_text

GOOD = """\
name: mini
version: "2"
description: two prompts
video: {num_frames: 8, fps: 8, height: 32, width: 48}
seeds: [0, 1]
metrics: [temporal_flicker, {clip_alignment: {sampler: "uniform:4"}}]
prompts:
  - id: ball
    text: A red ball falls
    tags: [physics.gravity]
    expect: [{object: ball, event: falls}]
  - id: cam
    text: A camera pans left
    seeds: [3]
    expect: [{camera: pan_left}]
"""


def _problem(text: str) -> str:
    with pytest.raises(SuiteError) as info:
        load_suite_text(text, "prompts/x.yaml")
    return str(info.value)


def test_good_suite_loads_into_frozen_dataclasses() -> None:
    s = load_suite_text(GOOD, "mini.yaml")
    assert (s.name, s.version, s.spec.width, s.spec.num_frames) == ("mini", "2", 48, 8)
    assert [p.id for p in s.prompts] == ["ball", "cam"]
    assert s.prompts[0].seeds == (0, 1) and s.prompts[1].seeds == (3,)
    assert s.metrics[1][0] == "clip_alignment" and s.metrics[1][1]["sampler"] == "uniform:4"
    with pytest.raises(AttributeError):
        s.prompts[0].text = "x"  # type: ignore[misc]
    with pytest.raises(TypeError):
        s.prompts[0].expect[0]["event"] = "x"  # type: ignore[index]


def test_sha256_ignores_formatting_but_not_values() -> None:
    a = load_suite_text(GOOD, "a.yaml").sha256
    reformatted = "# a comment\n" + GOOD.replace("{num_frames: 8, fps: 8, height: 32, width: 48}",
                                                 "\n  num_frames: 8\n  fps: 8\n  height: 32\n  width: 48")
    assert load_suite_text(reformatted, "b.yaml").sha256 == a
    assert load_suite_text(GOOD.replace("falls\n", "falls down\n"), "c.yaml").sha256 != a


@pytest.mark.parametrize(("edit", "expected"), [
    (("seeds: [3]", 'seeds: [3, "x"]'), "prompts/x.yaml: prompts[1].seeds: expected a list of int"),
    (("    text: A camera pans left\n", "    text: A camera pans left\n    colour: red\n"),
     "prompts[1].colour: unknown key"),
    (("version: \"2\"\n", "version: \"2\"\nauthor: me\n"), "author: unknown key"),
    (("id: cam", "id: ball"), "prompts[1].id: duplicate id 'ball'"),
    (("event: falls", "event: flies_away"), "prompts[0].expect[0].event: unknown event"),
    (("{camera: pan_left}", "{camera: pan_left, object: ball}"), "prompts[1].expect[0].object: unknown key"),
    (("width: 48", "width: -4"), "video.width: expected a positive number"),
    (("name: mini", "name: 'bad name!'"), "name: 'bad name!' is not a slug"),
    (("    text: A red ball falls\n", "    text: ''\n"), "prompts[0].text: must not be empty"),
])
def test_errors_name_file_and_key_path(edit: tuple[str, str], expected: str) -> None:
    assert edit[0] in GOOD
    assert expected in _problem(GOOD.replace(*edit, 1))


def test_aliases_and_anchors_are_refused_fast() -> None:
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n" for i in range(8))
    start = time.monotonic()
    assert "anchors are not allowed" in _problem(bomb)
    assert time.monotonic() - start < 5  # refused while parsing, nothing expanded


def test_python_tags_are_refused() -> None:
    assert "not valid YAML" in _problem("name: !!python/object/apply:os.system [echo hi]\n")


def test_size_cap(tmp_path: Path) -> None:
    p = tmp_path / "huge.yaml"
    p.write_text("name: x\n#" + "y" * (9 * 1024 * 1024))
    with pytest.raises(SuiteError, match="larger than"):
        load_suite(p)


def test_expect_references_must_exist_in_the_scene() -> None:
    text = GOOD.replace("    expect: [{object: ball, event: falls}]",
                        "    scene: {objects: [{id: ball, kind: sphere}]}\n"
                        "    expect: [{object: cube, event: falls}]")
    assert "prompts[0].expect[0].object: no object 'cube'" in _problem(text)


def test_expect_references_follow_count_expansion() -> None:
    base = GOOD.replace("    expect: [{object: ball, event: falls}]",
                        "    scene: {objects: [{id: ball, kind: sphere, count: 2}]}\n"
                        "    expect: [{object: OBJ, event: falls}]")
    assert load_suite_text(base.replace("OBJ", "ball_2"), "x.yaml").prompts[0].expect
    assert "no object 'ball'" in _problem(base.replace("OBJ", "ball"))


def test_validate_and_ls_commands(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = tmp_path / "mini.yaml"
    good.write_text(GOOD)
    bad = tmp_path / "bad.yaml"
    bad.write_text(GOOD.replace("seeds: [3]", "seeds: 3"))
    assert main(["validate", str(good)]) == 0
    assert "ok" in capsys.readouterr().out
    assert main(["validate", str(good), str(bad)]) == 2
    out = capsys.readouterr().out
    assert "INVALID" in out and "prompts[1].seeds" in out
    assert main(["ls", "suites"]) == 0
    assert "smoke" in capsys.readouterr().out
