"""Renderer features: mirror reflections, neon glow at night, textures, sky by time of day,
supersampling, character consistency."""

from __future__ import annotations

import numpy as np

from sora_bench.generator.reference import render_scene

KW = dict(width=64, height=64, num_frames=1, fps=8)


def _box_pixels(v, tr, oid):
    x0, y0, x1, y1 = tr.objects[oid].box[0].astype(int)
    return v.frames[0, y0:y1, x0:x1].reshape(-1, 3).astype(float)


def test_mirror_floor_reflects_objects():
    obj = [{"id": "c", "kind": "cube", "color": "red", "size": 0.6, "position": [0, 0, 0]}]
    mirror, tr = render_scene({"floor": "mirror", "objects": obj}, **KW)
    plain, _ = render_scene({"floor": "plain", "objects": obj}, **KW)
    x0, y0, x1, y1 = tr.objects["c"].box[0].astype(int)
    below = slice(y1 + 1, min(64, y1 + 6)), slice(x0 + 2, x1 - 2)
    red_m = mirror.frames[0][below].astype(float)
    red_p = plain.frames[0][below].astype(float)
    assert (red_m[..., 0] - red_m[..., 2]).mean() > (red_p[..., 0] - red_p[..., 2]).mean() + 20


def test_neon_glows_at_night():
    scene = {"time_of_day": "night", "objects": [
        {"id": "n", "kind": "sphere", "material": "neon", "color": "cyan", "size": 0.6},
        {"id": "s", "kind": "sphere", "material": "stone", "color": "cyan", "size": 0.6,
         "position": [0.9, 0, 0]}]}
    v, tr = render_scene(scene, **KW)
    assert _box_pixels(v, tr, "n").mean() > 1.5 * _box_pixels(v, tr, "s").mean()
    assert v.frames[0, :10].mean() < 40  # night sky is dark


def test_time_of_day_changes_sky():
    sky = {}
    for tod in ("noon", "sunset", "night"):
        v, _ = render_scene({"time_of_day": tod}, **KW)
        sky[tod] = v.frames[0, :16].reshape(-1, 3).mean(0)
    assert sky["noon"][2] > sky["noon"][0]  # blue sky
    assert sky["sunset"][0] > sky["sunset"][2]  # warm sky
    assert sky["night"].sum() < sky["noon"].sum() / 3


def test_textured_floors_differ_and_have_detail():
    means = {}
    for kind in ("tiles", "wood", "grass", "asphalt", "plain"):
        v, _ = render_scene({"floor": kind}, **KW)
        floor = v.frames[0, 48:].astype(float)
        means[kind] = floor.reshape(-1, 3).mean(0)
        if kind != "plain":
            assert floor.std(axis=(0, 1)).max() > 3, kind
    kinds = list(means)
    for i in range(len(kinds)):
        for j in range(i + 1, len(kinds)):
            assert np.abs(means[kinds[i]] - means[kinds[j]]).max() > 5


def test_supersampling_smooths_edges_without_moving_them():
    scene = {"floor": "plain", "objects": [{"id": "c", "kind": "cube", "color": "black",
                                             "yaw": 30, "position": [0, 0, 0]}]}
    v1, t1 = render_scene(scene, antialias=1, **KW)
    v2, t2 = render_scene(scene, antialias=3, **KW)
    grey = lambda v: v.frames[0].astype(float).mean(-1)  # noqa: E731
    levels1 = len(np.unique(grey(v1)[np.abs(np.diff(grey(v1), axis=1, append=0)) > 0]))
    levels2 = len(np.unique(grey(v2)[np.abs(np.diff(grey(v2), axis=1, append=0)) > 0]))
    assert levels2 > levels1  # intermediate edge shades
    assert np.abs(t1.objects["c"].box[0] - t2.objects["c"].box[0]).max() <= 1.0


def test_person_keeps_proportions_and_colours():
    scene = {"floor": "plain", "objects": [{"id": "p", "kind": "person", "color": "red",
                                            "motion": "walks", "position": [-1, 0, 0]}]}
    v, tr = render_scene(scene, width=64, height=64, num_frames=8, fps=8)
    b = tr.objects["p"].box
    h = b[:, 3] - b[:, 1]
    assert np.ptp(h) / h.mean() < 0.12  # height stays the same while walking
    assert np.all(np.diff(tr.objects["p"].position[:, 0]) > 0)
    reds = []
    for i in range(8):
        x0, y0, x1, y1 = b[i].astype(int)
        px = v.frames[i, y0:y1, x0:x1].reshape(-1, 3).astype(int)
        reds.append(((px[:, 0] > 2 * px[:, 1]) & (px[:, 0] > 60)).sum())
    assert min(reds) > 0.5 * max(reds)  # the red shirt is there in every frame
