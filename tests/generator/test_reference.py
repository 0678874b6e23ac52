"""render_scene / ReferenceGenerator / generate CLI: determinism, odd sizes, truth vs pixels."""

from __future__ import annotations

import json

import numpy as np
import pytest

from sora_bench.errors import GeneratorError
from sora_bench.generator.reference import GENERATOR_VERSION, ReferenceGenerator, render_scene
from sora_bench.generator.reference.scene import parse_scene, validate_scene
from sora_bench.types import GenerationRequest, Prompt, Truth, VideoSpec

TWO = {"floor": "plain", "objects": [
    {"id": "ball", "kind": "sphere", "color": "red", "position": [-0.5, 1.2, 0]},
    {"id": "box", "kind": "cube", "color": "blue", "position": [0.7, 0, 0], "motion": "slides",
     "direction": "left", "speed": 1.5}]}


def test_same_seed_byte_identical_and_seed_matters():
    a, ta = render_scene(TWO, width=48, height=40, num_frames=6, fps=12, seed=3)
    b, tb = render_scene(TWO, width=48, height=40, num_frames=6, fps=12, seed=3)
    c, _ = render_scene(TWO, width=48, height=40, num_frames=6, fps=12, seed=4)
    assert a.frames.tobytes() == b.frames.tobytes()
    assert json.dumps(ta.to_dict()) == json.dumps(tb.to_dict())
    assert a.frames.tobytes() != c.frames.tobytes()


@pytest.mark.parametrize("w,h,t", [(63, 47, 3), (32, 32, 1), (17, 90, 2)])
def test_odd_sizes_and_single_frame(w, h, t):
    v, tr = render_scene(TWO, width=w, height=h, num_frames=t, fps=10)
    assert v.frames.shape == (t, h, w, 3) and v.frames.dtype == np.uint8
    assert tr.num_frames == t and tr.width == w and tr.height == h
    assert tr.objects["ball"].box.shape == (t, 4)
    Truth.from_dict(json.loads(json.dumps(tr.to_dict())))  # JSON round trip


def _mask_box(mask):
    ys, xs = np.nonzero(mask)
    return np.array([xs.min(), ys.min(), xs.max() + 1, ys.max() + 1], float)


def _iou(a, b):
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter)


def test_truth_boxes_match_rendered_colour_masks():
    scene = {"floor": "plain", "objects": [  # unpatterned materials: the hue mask is complete
        {"id": "ball", "kind": "sphere", "color": "red", "material": "stone", "size": 0.5,
         "position": [-0.5, 1.2, 0]},
        {"id": "box", "kind": "cube", "color": "green", "position": [0.7, 0, 0],
         "motion": "slides", "direction": "left", "speed": 1.5}]}
    v, tr = render_scene(scene, width=96, height=96, num_frames=8, fps=8, antialias=1)
    f = v.frames.astype(int)
    r, g, b = f[..., 0] + 1, f[..., 1] + 1, f[..., 2] + 1
    red = (r > 1.8 * g) & (r > 1.8 * b) & (r > 20)  # hue masks: shading keeps the ratios
    green = (g > 1.5 * r) & (g > 1.4 * b) & (g > 20)
    checked = 0
    for oid, mask in (("ball", red), ("box", green)):
        o = tr.objects[oid]
        for i in range(v.num_frames):
            if o.visible_fraction[i] > 0.5 and mask[i].sum() > 20:
                assert _iou(o.box[i], _mask_box(mask[i])) >= 0.9, (oid, i)
                checked += 1
    assert checked >= 10


def test_truth_projection_and_fields():
    v, tr = render_scene(TWO, width=64, height=64, num_frames=5, fps=10)
    o = tr.objects["ball"]
    for i in range(5):
        uv = tr.camera.project(i, o.position[i:i + 1])[0]
        b = o.box[i]
        assert b[0] - 1 <= uv[0] <= b[2] + 1 and b[1] - 1 <= uv[1] <= b[3] + 1
    assert o.in_frame.all() and o.exists.all()
    assert tr.meta["version"] == GENERATOR_VERSION


def test_occlusion_events_and_visible_fraction():
    scene = {"objects": [
        {"id": "ball", "kind": "sphere", "color": "blue", "position": [-2.0, 0, -1.4],
         "motion": "rolls", "direction": "right", "speed": 3.2},
        {"id": "wall", "kind": "wall", "position": [0, 0, 0]}]}
    v, tr = render_scene(scene, width=64, height=64, num_frames=16, fps=8)
    kinds = [(e.kind, e.objects[0]) for e in tr.events]
    assert ("occluded", "ball") in kinds and ("reappeared", "ball") in kinds
    occ = next(e for e in tr.events if e.kind == "occluded")
    assert occ.detail.get("behind") == "wall"
    vf = tr.objects["ball"].visible_fraction
    assert vf.min() < 0.1 and vf.max() > 0.9


def test_camera_moves_show_in_truth():
    base = {"objects": [{"id": "p", "kind": "pillar", "position": [0, 0, -1]}]}
    _, pan = render_scene({**base, "camera": "pan_left"}, width=48, height=48, num_frames=6, fps=6)
    bx = pan.objects["p"].box
    assert bx[-1, 0] > bx[0, 0] + 3  # panning left moves the scene right in the image
    _, zoom = render_scene({**base, "camera": "zoom_in"}, width=48, height=48, num_frames=6, fps=6)
    w = zoom.objects["p"].box[:, 2] - zoom.objects["p"].box[:, 0]
    assert w[-1] > 1.3 * w[0]
    assert pan.camera.move == "pan_left" and zoom.camera.move == "zoom_in"
    track = {"camera": "tracking:car", "objects": [
        {"id": "car", "kind": "car", "path": [[-3, 0, 0], [3, 0, 0]], "speed": 3}]}
    _, tt = render_scene(track, width=48, height=48, num_frames=6, fps=6)
    cx = (tt.objects["car"].box[:, 0] + tt.objects["car"].box[:, 2]) / 2
    assert np.ptp(cx) < 3


def test_moving_light_moves_shadows():
    scene = {"floor": "plain", "light": {"moving": True, "sweep": 120},
             "objects": [{"id": "c", "kind": "cube", "position": [0, 0, 0]}]}
    v, _ = render_scene(scene, width=48, height=48, num_frames=4, fps=4)
    still, _ = render_scene({**scene, "light": {}}, width=48, height=48, num_frames=4, fps=4)
    assert np.abs(v.frames[-1].astype(int) - v.frames[0]).mean() > 1.0
    assert still.frames[-1].tobytes() == still.frames[0].tobytes()


def test_scene_validation_reports_key_paths():
    probs = validate_scene({"objects": [{"kind": "ball", "colour": "no-such"},
                                        {"kind": "wizard"}], "camera": {"move": "spin"},
                            "bogus": 1})
    keys = {k for k, _ in probs}
    assert {"scene.objects[0].color", "scene.objects[1].kind", "scene.camera.move",
            "scene.bogus"} <= keys
    with pytest.raises(ValueError, match="objects\\[1\\].kind"):
        parse_scene({"objects": [{"kind": "ball"}, {"kind": "wizard"}]})
    assert validate_scene({"objects": [{"kind": "box", "count": 3, "color": [10, 20, 30]}]}) == []
    ids = [o.id for o in parse_scene({"objects": [{"id": "b", "kind": "ball", "count": 3}]}).objects]
    assert ids == ["b_1", "b_2", "b_3"]


def test_reference_generator_protocol(tmp_path):
    gen = ReferenceGenerator()
    assert gen.describe()["version"] == GENERATOR_VERSION
    prompt = Prompt(id="two", text="two things", scene=TWO)
    req = GenerationRequest(prompt, 1, VideoSpec(num_frames=4, fps=8, height=32, width=40),
                            ("pop-in", 0.5))
    s = gen.generate(req, tmp_path)
    assert s.video.frames.shape == (4, 32, 40, 3)
    assert s.truth.defects[0]["name"] == "pop_in"
    bad = Prompt(id="bad", text="x", scene={"objects": [{"kind": "wizard"}]})
    with pytest.raises(GeneratorError):
        gen.generate(GenerationRequest(bad, 0, VideoSpec(4, 8, 16, 16)), tmp_path)


def test_free_text_prompt_goes_through_the_parser(tmp_path):
    pytest.importorskip("sora_bench.generator.reference.parse")
    gen = ReferenceGenerator()
    req = GenerationRequest(Prompt(id="t", text="a red ball bounces <b>zzqx</b>"), 0,
                            VideoSpec(num_frames=3, fps=8, height=24, width=24))
    s = gen.generate(req, tmp_path)
    assert s.video.num_frames == 3
    assert isinstance(s.meta["unused_words"], list)


def test_generate_cli_suite_and_prompt(tmp_path):
    from sora_bench.cli import main

    suite = tmp_path / "tiny.yaml"
    suite.write_text(
        "name: tiny\nversion: '1'\nvideo: {num_frames: 4, fps: 8, height: 24, width: 32}\n"
        "seeds: [0, 1]\nprompts:\n"
        "  - id: drop\n    text: a ball drops\n    scene:\n      objects:\n"
        "        - {id: ball, kind: sphere, position: [0, 1, 0]}\n")
    out = tmp_path / "out"
    rc = main(["generate", "--suite", str(suite), "--out", str(out), "--strip",
               "--defect", "vanish:0.5"])
    assert rc == 0
    names = sorted(p.name for p in out.iterdir())
    assert "drop__s0__vanish-0.5.mp4" in names and "drop__s1__vanish-0.5.truth.json" in names
    assert "drop__s0__vanish-0.5.strip.png" in names
    doc = json.loads((out / "drop__s0__vanish-0.5.truth.json").read_text())
    assert doc["defects"][0]["name"] == "vanish"
    from sora_bench.video_io import read_video

    again = tmp_path / "again"
    assert main(["generate", "--suite", str(suite), "--out", str(again), "--seeds", "0",
                 "--defect", "vanish:0.5"]) == 0
    a = read_video(out / "drop__s0__vanish-0.5.mp4").frames
    b = read_video(again / "drop__s0__vanish-0.5.mp4").frames
    assert a.tobytes() == b.tobytes()  # same seed, same pixels, through the encoder too
    assert main(["generate", "--prompt", "a red ball bounces", "--out", str(tmp_path / "p"),
                 "--size", "24x16", "--frames", "3"]) == 0
    assert (tmp_path / "p" / "prompt__s0.truth.json").exists()
    assert main(["generate", "--suite", str(suite), "--out", str(out), "--defect", "nope"]) == 2
    assert main(["generate", "--suite", str(suite), "--out", str(out), "--size", "3by4"]) == 2
