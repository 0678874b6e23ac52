"""Synthetic Truth and coloured-blob videos for tracker/permanence/physics tests (numpy only).

Camera at world (0, 1, 6) looking along -z (static unless ``pan`` px/frame is given), focal
length ``f = H`` px. Objects are spheres (drawn as discs) or walls (drawn as rectangles),
painted far to near so nearer objects occlude. Truth boxes are the visible part.
"""

from __future__ import annotations

import numpy as np

from sora_bench.types import CameraTruth, Event, ObjectTruth, Truth, Video

G = 9.81
COLORS = {"red": (220, 30, 30), "blue": (30, 60, 220), "green": (40, 180, 60),
          "yellow": (230, 210, 40), "beige": (200, 190, 150)}


def camera(t_n: int, w: int, h: int, pan: float = 0.0) -> CameraTruth:
    f = float(h)
    k = np.array([[f, 0, w / 2], [0, f, h / 2], [0, 0, 1]])
    r = np.diag([1.0, -1.0, -1.0])
    ts = np.array([[0.0 - 6.0 * pan * i / f, 1.0, 6.0] for i in range(t_n)])
    # pan: camera translates sideways so the image content shifts by ~pan px/frame at depth 6
    ts[:, 0] = -np.arange(t_n) * pan * 6.0 / f
    return CameraTruth(np.repeat(k[None], t_n, 0), np.repeat(r[None], t_n, 0), ts,
                       "pan_right" if pan else "static")


def drop(t_n: int, fps: float, y0: float = 2.0, x: float = 0.0, r: float = 0.2, g: float = G,
         e: float = 0.7, vx: float = 0.0, vy: float = 0.0, z: float = 0.0) -> np.ndarray:
    """Centre positions of a ball dropped from height y0 (bottom), bouncing with restitution e."""
    pos = np.zeros((t_n, 3))
    y, v, xx = y0 + r, vy, x
    dt = 1.0 / fps / 20
    for i in range(t_n):
        pos[i] = (xx, y, z)
        for _ in range(20):
            v -= g * dt
            y += v * dt
            xx += vx * dt
            if y < r and v < 0:
                y = r + (r - y)
                v = -v * e
            if g < 0 and y > 50:
                pass
    return pos


def roll(t_n: int, fps: float, x0: float, vx: float, r: float = 0.2, z: float = 0.0) -> np.ndarray:
    t = np.arange(t_n) / fps
    return np.stack([x0 + vx * t, np.full(t_n, r), np.full(t_n, z)], axis=1)


def make_truth(objs: list[dict], t_n: int = 24, fps: float = 24.0, w: int = 96, h: int = 96,
               pan: float = 0.0, events: tuple[Event, ...] = (), defects: tuple = (),
               hidden: dict[str, tuple[int, int]] | None = None) -> Truth:
    """objs: {id, pos (T,3) centre, radius | (half_w, half_h) for walls, color, kind}.
    ``hidden``: id -> (start, end) frames the object is not rendered (vanish/pop-in)."""
    cam = camera(t_n, w, h, pan)
    hidden = hidden or {}
    full = {}
    depth = {}
    for o in objs:
        uv = np.array([cam.project(t, o["pos"][t:t + 1])[0] for t in range(t_n)])
        z = np.einsum("tij,tj->ti", cam.rotation, o["pos"])[:, 2] + cam.translation[:, 2]
        f = cam.intrinsics[0, 0, 0]
        if o.get("kind") == "wall":
            hw, hh = o["half"]
            rx, ry = f * hw / z, f * hh / z
        else:
            rx = ry = f * o["radius"] / z
        full[o["id"]] = np.stack([uv[:, 0] - rx, uv[:, 1] - ry, uv[:, 0] + rx, uv[:, 1] + ry], 1)
        depth[o["id"]] = z
    objects = {}
    for o in objs:
        b = full[o["id"]].copy()
        vf = np.ones(t_n)
        in_frame = (b[:, 2] > 0) & (b[:, 0] < w) & (b[:, 3] > 0) & (b[:, 1] < h)
        exists = np.ones(t_n, bool)
        for t in range(t_n):
            cb = np.clip(b[t], [0, 0, 0, 0], [w, h, w, h])
            area = max((cb[2] - cb[0]) * (cb[3] - cb[1]), 0.0)
            full_area = (b[t, 2] - b[t, 0]) * (b[t, 3] - b[t, 1])
            covered = 0.0
            for p in objs:
                if p["id"] == o["id"] or depth[p["id"]][t] >= depth[o["id"]][t]:
                    continue
                if p["id"] in hidden and hidden[p["id"]][0] <= t <= hidden[p["id"]][1]:
                    continue
                q = full[p["id"]][t]
                ix = max(0.0, min(cb[2], q[2]) - max(cb[0], q[0]))
                iy = max(0.0, min(cb[3], q[3]) - max(cb[1], q[1]))
                covered = max(covered, ix * iy)
                if ix * iy > 0 and ix * iy < area:  # shrink the box to the visible part
                    if q[0] <= cb[0] and q[2] < cb[2]:
                        cb[0] = q[2]
                    elif q[2] >= cb[2] and q[0] > cb[0]:
                        cb[2] = q[0]
            vis = (area - covered) / full_area if full_area > 0 else 0.0
            if o["id"] in hidden and hidden[o["id"]][0] <= t <= hidden[o["id"]][1]:
                vis = 0.0
            vf[t] = max(vis, 0.0) if in_frame[t] else 0.0
            b[t] = cb if vf[t] > 0.01 else np.nan
            if vf[t] <= 0.01:
                vf[t] = 0.0
        vel = np.gradient(o["pos"], axis=0) * fps
        objects[o["id"]] = ObjectTruth(o["id"], o.get("kind", "sphere"),
                                       {"color": o["color"], "solid": True}, b, vf, in_frame,
                                       o["pos"], vel, exists)
    return Truth(t_n, fps, w, h, objects, cam, events, defects)


def render(truth: Truth, objs: list[dict], noise: float = 0.0, seed: int = 0) -> Video:
    """Discs and rectangles on a two-tone background with tiles (far to near)."""
    t_n, w, h = truth.num_frames, truth.width, truth.height
    ys, xs = np.indices((h, w))
    rng = np.random.default_rng(seed)
    frames = np.zeros((t_n, h, w, 3), np.float64)
    cam = truth.camera
    for t in range(t_n):
        shift = -cam.translation[t, 0] * cam.intrinsics[t, 0, 0] / 6.0
        fr = np.empty((h, w, 3))
        fr[:] = (150, 180, 215)
        floor = ys > h * 0.55
        fr[floor] = (120, 110, 100)
        tile = (((xs + shift) // 8).astype(int) + (ys // 8)) % 2 == 0
        fr[floor & tile] = (135, 125, 112)
        order = sorted(objs, key=lambda o: -np.einsum(
            "ij,j->i", cam.rotation[t], o["pos"][t])[2] - cam.translation[t, 2])
        for o in order:
            ot = truth.objects[o["id"]]
            if ot.visible_fraction[t] <= 0:
                continue
            c = cam.project(t, o["pos"][t:t + 1])[0]
            z = (cam.rotation[t] @ o["pos"][t] + cam.translation[t])[2]
            f = cam.intrinsics[t, 0, 0]
            col = np.array(COLORS[o["color"]], np.float64)
            if o.get("kind") == "wall":
                hw, hh = f * o["half"][0] / z, f * o["half"][1] / z
                m = (np.abs(xs + 0.5 - c[0]) <= hw) & (np.abs(ys + 0.5 - c[1]) <= hh)
                fr[m] = col
            else:
                rr = f * o["radius"] / z
                d2 = (xs + 0.5 - c[0]) ** 2 + (ys + 0.5 - c[1]) ** 2
                m = d2 <= rr ** 2
                shade = 1.0 - 0.25 * np.sqrt(np.clip(d2 / max(rr ** 2, 1e-6), 0, 1))
                fr[m] = col * shade[m, None]
        frames[t] = fr
    if noise:
        frames += rng.normal(0, noise * 255, frames.shape)
    return Video.from_array(np.clip(frames, 0, 255) / 255.0, truth.fps, value_range=(0, 1))
