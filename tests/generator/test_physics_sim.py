"""Simulator against closed-form physics (free fall, restitution, friction) and behaviours."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sora_bench.generator.reference.contacts import BREAK_SPEED
from sora_bench.generator.reference.physics import simulate
from sora_bench.generator.reference.scene import parse_scene

G = 9.81


def _sim(objects, T=60, fps=60.0, seed=0, jitter=0.0, **kw):
    return simulate(parse_scene({"objects": objects, **kw}), num_frames=T, fps=fps, seed=seed,
                    jitter=jitter)


def test_free_fall_matches_half_g_t_squared():
    h = 3.0
    sim = _sim([{"id": "ball", "kind": "sphere", "size": 0.2, "position": [0, h, 0]}], T=40)
    y = sim.bodies["ball"].position[:, 1]
    t = sim.times
    t_hit = math.sqrt(2 * h / G)
    before = (t > 0) & (t < t_hit)
    drop = y[0] - y[before]
    expected = 0.5 * G * t[before] ** 2
    assert before.sum() > 20
    assert np.all(np.abs(drop - expected) <= 0.01 * expected)
    vy = sim.bodies["ball"].velocity[before, 1]
    assert np.allclose(vy, -G * t[before], rtol=1e-6)


@pytest.mark.parametrize("e", [0.8, 0.5])
def test_bounce_times_and_restitution_are_exact(e):
    h = 2.0
    sim = _sim([{"id": "ball", "kind": "sphere", "size": 0.2, "position": [0, h, 0],
                 "restitution": e}], T=150)
    bounces = [ev for ev in sim.events if ev.kind == "bounce" and ev.objects == ("ball",)]
    assert len(bounces) >= 3
    v = math.sqrt(2 * G * h)
    t_expect = math.sqrt(2 * h / G)
    for ev in bounces[:4]:
        assert ev.time == pytest.approx(t_expect, abs=1e-9)
        assert ev.detail["speed_in"] == pytest.approx(v, rel=1e-9)
        if ev.detail["speed_out"] > 0:
            assert ev.detail["speed_out"] == pytest.approx(e * v, rel=1e-9)
        v *= e
        t_expect += 2 * v / G
    # apex after the first bounce: e^2 h (closed form), sampled at 60 fps
    y = sim.bodies["ball"].position[:, 1] - 0.1
    t1 = math.sqrt(2 * h / G)
    window = (sim.times > t1) & (sim.times < t1 + 2 * e * math.sqrt(2 * G * h) / G)
    assert y[window].max() == pytest.approx(e * e * h, rel=0.01)


def test_slide_stops_at_v2_over_2_mu_g():
    v0, mu = 2.0, 0.5
    sim = _sim([{"id": "box", "kind": "cube", "size": 0.3, "motion": "slides", "speed": v0,
                 "friction": mu, "position": [0, 0, 0]}], T=90)
    x = sim.bodies["box"].position[:, 0]
    assert x[-1] == pytest.approx(v0 * v0 / (2 * mu * G), rel=0.02)
    assert np.all(np.diff(x) >= -1e-12)


def test_rolling_ball_decelerates_slowly_and_rotates():
    sim = _sim([{"id": "ball", "kind": "sphere", "motion": "rolls", "speed": 2.0,
                 "position": [-1, 0, 0]}], T=60)
    b = sim.bodies["ball"]
    sp = np.linalg.norm(b.velocity[:, [0, 2]], axis=1)
    assert sp[-1] < sp[0] and sp[-1] > 0.8 * sp[0]
    assert not np.allclose(b.rotation[0], b.rotation[-1])


def test_glass_shatters_into_fragments():
    sim = _sim([{"id": "glass", "kind": "glass", "position": [0, 1.2, 0]}], T=60)
    frac = [e for e in sim.events if e.kind == "fracture"]
    assert frac and frac[0].objects == ("glass",)
    assert frac[0].detail["speed"] > BREAK_SPEED
    g = sim.bodies["glass"]
    frags = [b for k, b in sim.bodies.items() if k.startswith("glass.frag")]
    assert len(frags) >= 4
    k = int(np.argmin(g.exists))
    assert g.exists[:k].all() and not g.exists[k:].any()
    for f in frags:
        assert not f.exists[:k].any() and f.exists[-1]
        assert f.parent == "glass"


def test_thrown_ball_lands_and_stays_in_container():
    sim = _sim([{"id": "box", "kind": "container", "position": [1.2, 0, 0]},
                {"id": "ball", "kind": "sphere", "size": 0.25, "motion": "thrown",
                 "target": "box", "position": [-1.2, 0.5, 0]}], T=150)
    p = sim.bodies["ball"].position[-1]
    assert abs(p[0] - 1.2) < 0.5 and abs(p[2]) < 0.5 and p[1] < 0.5


def test_domino_chain_topples():
    objs = [{"id": f"d{i}", "kind": "domino", "motion": "topples", "position": [0.3 * i, 0, 0],
             "start_s": 0 if i == 0 else 99} for i in range(4)]
    sim = _sim(objs, T=150)
    for i in range(4):
        up = sim.bodies[f"d{i}"].rotation[-1] @ np.array([0, 1.0, 0])
        assert up[1] < 0.5, f"d{i} still standing"


def test_picks_up_and_carries():
    sim = _sim([{"id": "p", "kind": "person", "motion": "picks_up", "target": "cup",
                 "position": [-1.5, 0, 0]},
                {"id": "cup", "kind": "cup", "position": [0, 0, 0]}], T=120, fps=30)
    cup = sim.bodies["cup"].position
    assert cup[0, 1] < 0.2 and cup[-1, 1] > 0.5  # lifted off the floor
    assert np.linalg.norm(cup[-1, [0, 2]] - sim.bodies["p"].position[-1, [0, 2]]) < 0.6


def test_seed_jitters_but_is_deterministic():
    objs = [{"id": "ball", "kind": "sphere", "motion": "rolls", "position": [0, 0, 0]}]
    a = _sim(objs, seed=1, jitter=1.0)
    b = _sim(objs, seed=1, jitter=1.0)
    c = _sim(objs, seed=2, jitter=1.0)
    assert np.array_equal(a.bodies["ball"].position, b.bodies["ball"].position)
    assert not np.array_equal(a.bodies["ball"].position, c.bodies["ball"].position)
    assert np.abs(a.bodies["ball"].position[0] - c.bodies["ball"].position[0]).max() < 0.03


def test_head_on_collision_conserves_momentum_with_restitution():
    e = 0.8
    sim = _sim([{"id": "a", "kind": "sphere", "size": 0.3, "motion": "rolls", "speed": 2.0,
                 "direction": "right", "position": [-1, 0, 0], "restitution": e},
                {"id": "b", "kind": "sphere", "size": 0.3, "position": [0, 0, 0],
                 "restitution": e}], T=60)
    hit = [ev for ev in sim.events if ev.kind == "collision" and set(ev.objects) == {"a", "b"}]
    assert hit
    k = int(np.ceil(hit[0].time * 60)) + 2
    va, vb = sim.bodies["a"].velocity[k, 0], sim.bodies["b"].velocity[k, 0]
    v0 = sim.bodies["a"].velocity[k - 4, 0]
    assert va + vb == pytest.approx(v0, rel=0.02)  # equal masses: momentum
    assert vb - va == pytest.approx(e * v0, rel=0.03)  # Newton's restitution law
