"""Every defect shows in the video and in Truth; strength scales it; nuisances leave truth alone."""

from __future__ import annotations

import numpy as np
import pytest

from sora_bench.generator.defects import DEFECTS, canonical_defect, parse_defect
from sora_bench.generator.reference import render_scene

SCENE = {"floor": "plain", "objects": [
    {"id": "ball", "kind": "sphere", "color": "red", "material": "stone", "position": [-0.6, 1.0, 0]},
    {"id": "box", "kind": "cube", "color": "green", "position": [0.8, 0, 0]}]}
KW = dict(width=48, height=48, num_frames=12, fps=12, seed=0)


@pytest.fixture(scope="module")
def clean():
    return render_scene(SCENE, **KW)


def _run(defect):
    return render_scene(SCENE, defect=defect, **KW)


def test_names_and_spellings():
    assert canonical_defect("pop-in") == "pop_in" == canonical_defect("pop_in")
    assert canonical_defect("identity-swap") == "identity_swap"
    assert parse_defect("teleport:0.25") == ("teleport", 0.25)
    assert parse_defect("freeze") == ("freeze", 1.0)
    for bad in ("teleport:0", "teleport:1.5", "teleport:x", "melt"):
        with pytest.raises(ValueError):
            parse_defect(bad)


@pytest.mark.parametrize("name", DEFECTS)
def test_every_defect_changes_video_and_is_recorded(name, clean):
    v0, _ = clean
    v, tr = _run(name)
    assert v.frames.shape == v0.frames.shape
    assert not np.array_equal(v.frames, v0.frames), name
    rec = tr.defects[0]
    assert rec["name"] == name and rec["strength"] == 1.0
    assert any(e.kind == f"defect:{name}" for e in tr.events)


def test_vanish_and_pop_in_truth(clean):
    v, tr = _run("vanish")
    a, b = tr.defects[0]["frames"]
    ball = tr.objects["ball"]
    assert tr.defects[0]["objects"] == ["ball"]
    assert np.all(ball.visible_fraction[a:b + 1] == 0) and ball.in_frame[a:b + 1].all()
    assert np.isnan(ball.box[a:b + 1]).all()
    assert np.all(ball.visible_fraction[:a] > 0.5)
    v, tr = _run("pop_in")
    a, b = tr.defects[0]["frames"]
    assert a == 0 and np.all(tr.objects["ball"].visible_fraction[: b + 1] == 0)
    assert tr.objects["ball"].visible_fraction[b + 1] > 0.5


def test_teleport_jumps_positions(clean):
    _, t0 = clean
    _, tr = _run("teleport:0.5")
    k = tr.defects[0]["frames"][0]
    jump = tr.objects["ball"].position[k] - t0.objects["ball"].position[k]
    assert jump[0] == pytest.approx(0.6)
    assert np.allclose(tr.objects["ball"].position[:k], t0.objects["ball"].position[:k])


def test_freeze_and_shuffle_reorder_frames_and_truth(clean):
    v0, t0 = clean
    v, tr = _run("freeze")
    a, b = tr.defects[0]["frames"]
    for i in range(a, b + 1):
        assert np.array_equal(v.frames[i], v0.frames[a])
        assert np.array_equal(tr.objects["ball"].position[i], t0.objects["ball"].position[a])
    v, tr = _run("shuffle")
    order = tr.defects[0]["order"]
    assert sorted(order) == list(range(len(order))) and order != sorted(order)
    assert np.array_equal(v.frames, v0.frames[order])
    assert np.array_equal(tr.objects["ball"].position, t0.objects["ball"].position[order])


def test_drifts_and_swap(clean):
    v0, t0 = clean
    v, tr = _run("size_drift")
    area = lambda b: (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])  # noqa: E731
    assert area(tr.objects["ball"].box)[-1] > 1.5 * area(t0.objects["ball"].box)[-1]
    v, tr = _run("color_drift")
    m = ~np.isnan(tr.objects["ball"].box[-1])
    assert m.all()
    x0, y0, x1, y1 = tr.objects["ball"].box[-1].astype(int)
    patch, patch0 = v.frames[-1, y0:y1, x0:x1].mean((0, 1)), v0.frames[-1, y0:y1, x0:x1].mean((0, 1))
    assert np.abs(patch - patch0).max() > 30
    v, tr = _run("identity_swap")
    assert tr.defects[0]["objects"] == ["ball", "box"]
    x0, y0, x1, y1 = tr.objects["box"].box[-1].astype(int)
    patch = v.frames[-1, y0:y1, x0:x1].astype(int).mean((0, 1))
    assert patch[0] > patch[1]  # the box now wears the ball's red


def test_gravity_defects_inside_simulation(clean):
    _, t0 = clean
    y0 = t0.objects["ball"].position[:, 1]
    _, lo = _run("low_gravity")
    _, rev = _run("reversed_gravity")
    assert lo.gravity[1] == pytest.approx(-9.81 * 0.2)
    assert rev.gravity[1] == pytest.approx(9.81)
    assert lo.objects["ball"].position[6, 1] > y0[6]
    assert rev.objects["ball"].position[-1, 1] > y0[0]


def test_interpenetration_sinks_into_floor():
    scene = {"objects": [{"id": "ball", "kind": "sphere", "position": [0, 0.8, 0]}]}
    _, tr = render_scene(scene, defect="interpenetration", width=32, height=32, num_frames=20,
                         fps=12)
    _, t0 = render_scene(scene, width=32, height=32, num_frames=20, fps=12)
    assert t0.objects["ball"].position[:, 1].min() > 0.19  # clean: rests on the floor
    assert tr.objects["ball"].position[:, 1].min() < 0.2 - 0.2  # sinks well into the floor


@pytest.mark.parametrize("name", ["noise", "blockiness"])
def test_nuisance_leaves_truth_untouched(name, clean):
    v0, t0 = clean
    v, tr = _run(name)
    assert tr.defects[0]["nuisance"] is True
    for oid, o in t0.objects.items():
        n = tr.objects[oid]
        assert np.array_equal(o.position, n.position)
        assert np.array_equal(np.nan_to_num(o.box), np.nan_to_num(n.box))
        assert np.array_equal(o.visible_fraction, n.visible_fraction)


@pytest.mark.parametrize("name", ["noise", "flicker", "blockiness", "vanish", "pop_in",
                                  "size_drift", "color_drift", "low_gravity"])
def test_strength_is_monotonic(name, clean):
    v0, _ = clean
    effects = []
    for s in (0.25, 0.5, 0.75, 1.0):
        v, _ = _run(f"{name}:{s}")
        effects.append(np.abs(v.frames.astype(float) - v0.frames).mean())
    assert all(b >= a for a, b in zip(effects, effects[1:])), effects
    assert effects[-1] > effects[0]
