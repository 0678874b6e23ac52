"""Sky, floor textures, time-of-day lighting presets and mood grading (numpy, linear RGB).

Textures are functions of world coordinates, so camera moves show as parallax on the floor.
Detail fades towards the texture's mean colour once a pixel's footprint on the floor exceeds
a fraction of the feature size (a cheap mip-map that keeps distant floors from aliasing).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .scene import Light, Scene

__all__ = ["Lighting", "lighting_for", "sky", "floor_albedo", "grade", "hash2", "FLOOR_REFLECT"]

#: time of day -> (zenith, horizon, sun colour, sun strength, ambient strength)
TOD = {
    "sunrise": ((0.32, 0.42, 0.68), (1.0, 0.66, 0.45), (1.0, 0.72, 0.48), 0.95, 0.32),
    "morning": ((0.3, 0.5, 0.85), (0.78, 0.84, 0.92), (1.0, 0.93, 0.82), 1.0, 0.36),
    "noon": ((0.22, 0.44, 0.86), (0.72, 0.82, 0.94), (1.0, 0.98, 0.93), 1.05, 0.38),
    "afternoon": ((0.26, 0.46, 0.84), (0.8, 0.82, 0.86), (1.0, 0.92, 0.8), 1.0, 0.36),
    "sunset": ((0.24, 0.2, 0.45), (1.0, 0.45, 0.2), (1.0, 0.55, 0.28), 0.9, 0.27),
    "dusk": ((0.07, 0.07, 0.22), (0.55, 0.32, 0.38), (0.8, 0.5, 0.5), 0.4, 0.2),
    "night": ((0.01, 0.012, 0.04), (0.04, 0.06, 0.13), (0.55, 0.65, 0.95), 0.35, 0.14),
}
FLOOR_REFLECT = {"mirror": 0.85, "glossy": 0.35}
FLOOR_DEFAULT = {"tiles": (0.82, 0.8, 0.76), "wood": (0.52, 0.36, 0.22), "grass": (0.3, 0.55, 0.2),
                 "asphalt": (0.22, 0.22, 0.24), "plain": (0.7, 0.7, 0.7),
                 "mirror": (0.12, 0.12, 0.14), "glossy": (0.2, 0.2, 0.24)}
#: mood -> (saturation, contrast, brightness, tint rgb, vignette, haze)
MOOD = {
    "neutral": (1.0, 1.0, 1.0, (1.0, 1.0, 1.0), 0.1, 0.0),
    "calm": (0.9, 0.92, 1.02, (0.98, 1.0, 1.03), 0.1, 0.05),
    "cheerful": (1.25, 1.05, 1.08, (1.04, 1.02, 0.96), 0.05, 0.0),
    "dramatic": (1.05, 1.35, 0.92, (1.02, 0.98, 0.95), 0.45, 0.0),
    "gloomy": (0.55, 0.9, 0.78, (0.92, 0.97, 1.06), 0.3, 0.2),
    "mysterious": (0.7, 1.1, 0.8, (0.9, 0.98, 1.1), 0.45, 0.25),
    "romantic": (1.05, 0.95, 1.02, (1.08, 0.96, 0.98), 0.25, 0.08),
    "tense": (0.8, 1.3, 0.88, (1.06, 0.96, 0.92), 0.4, 0.05),
    "eerie": (0.6, 1.15, 0.8, (0.9, 1.06, 0.98), 0.5, 0.3),
}


@dataclass
class Lighting:
    zenith: np.ndarray
    horizon: np.ndarray
    sun_color: np.ndarray
    ambient: np.ndarray
    directions: np.ndarray  # (T, 3) unit vectors towards the light
    night: bool


def _lin(c) -> np.ndarray:
    return np.asarray(c, float) ** 2.2


def light_direction(az: float, el: float) -> np.ndarray:
    a, e = math.radians(az), math.radians(el)
    return np.array([math.sin(a) * math.cos(e), math.sin(e), math.cos(a) * math.cos(e)])


def lighting_for(scene: Scene, T: int, fps: float, duration: float) -> Lighting:
    zen, hor, sun, s_str, amb = TOD[scene.time_of_day]
    li: Light = scene.light
    zenith = _lin(scene.sky_color) if scene.sky_color is not None else _lin(zen)
    sun_c = _lin(li.color if li.color is not None else sun) * s_str * li.intensity * 2.2
    u = np.clip(np.arange(T) / fps / max(duration, 1e-6), 0, 1)
    e = u * u * (3 - 2 * u)
    az = li.azimuth + (li.sweep * e if li.moving else 0.0)
    dirs = np.stack([light_direction(a, li.elevation) for a in np.atleast_1d(az)])
    if len(dirs) != T:
        dirs = np.repeat(dirs[:1], T, 0)
    ambient = (0.6 * zenith + 0.4 * _lin(hor)) / max(float(np.mean(0.6 * zenith + 0.4 * _lin(hor))),
                                                     1e-3) * amb * 0.5
    return Lighting(zenith, _lin(hor), sun_c, ambient, dirs, scene.time_of_day == "night")


def hash2(x: np.ndarray, z: np.ndarray) -> np.ndarray:
    """Deterministic pseudo-random value in [0, 1) per integer lattice point."""
    h = np.sin(x * 127.1 + z * 311.7) * 43758.5453
    return h - np.floor(h)


def _value_noise(x: np.ndarray, z: np.ndarray) -> np.ndarray:
    ix, iz = np.floor(x), np.floor(z)
    fx, fz = x - ix, z - iz
    fx, fz = fx * fx * (3 - 2 * fx), fz * fz * (3 - 2 * fz)
    a, b = hash2(ix, iz), hash2(ix + 1, iz)
    c, d = hash2(ix, iz + 1), hash2(ix + 1, iz + 1)
    return (a * (1 - fx) + b * fx) * (1 - fz) + (c * (1 - fx) + d * fx) * fz


def sky(d: np.ndarray, lt: Lighting, light_dir: np.ndarray) -> np.ndarray:
    """Sky colour for unit directions ``d`` (M, 3); ``light_dir`` (M, 3) per ray."""
    up = np.clip(d[:, 1], 0, 1)[:, None]
    col = lt.horizon * (1 - np.sqrt(up)) + lt.zenith * np.sqrt(up)
    below = d[:, 1] < 0
    col[below] = lt.horizon * 0.8
    cosang = np.clip(np.sum(d * light_dir, axis=1), 0, 1)[:, None]
    col = col + lt.sun_color * (0.25 * cosang ** 8 + 2.0 * (cosang > 0.9995))
    if lt.night:
        ang = np.arctan2(d[:, 0], d[:, 2]) * 60
        el = np.arcsin(np.clip(d[:, 1], -1, 1)) * 60
        star = (hash2(np.floor(ang), np.floor(el)) > 0.985) & (d[:, 1] > 0.05)
        col[star] += 0.6
    return col


def floor_albedo(kind: str, color: tuple[float, float, float] | None, x: np.ndarray,
                 z: np.ndarray, footprint: np.ndarray) -> np.ndarray:
    """Linear albedo (M, 3) of the floor at world (x, z); ``footprint`` is metres per pixel."""
    base = _lin(color if color is not None else FLOOR_DEFAULT.get(kind, (0.7, 0.7, 0.7)))
    n = x.shape[0]
    if kind in ("plain", "mirror", "glossy"):
        return np.broadcast_to(base, (n, 3)).copy()
    if kind == "tiles":
        s = 0.5
        cx, cz = np.floor(x / s), np.floor(z / s)
        check = np.mod(cx + cz, 2)[:, None]
        fx, fz = x / s - cx, z / s - cz
        grout = ((fx < 0.04) | (fz < 0.04))[:, None]
        detail = np.where(grout, 0.45, np.where(check > 0, 1.0, 0.78))
        mean, feat = 0.85, s
    elif kind == "wood":
        w = 0.18
        plank = np.floor(z / w)
        off = hash2(plank, plank * 0.37)
        seg = np.floor(x / 1.2 + off * 3)
        tone = 0.8 + 0.35 * hash2(plank, seg)
        grain = 0.92 + 0.08 * np.sin(x * 40 + 6 * _value_noise(x * 2, z * 8))
        seam = (np.mod(z / w, 1) < 0.05) | (np.mod(x / 1.2 + off * 3, 1) < 0.01)
        detail = (np.where(seam, 0.5, tone * grain))[:, None]
        mean, feat = 0.88, w
    elif kind == "grass":
        nz = 0.6 * _value_noise(x * 3, z * 3) + 0.4 * _value_noise(x * 11, z * 11)
        detail = (0.7 + 0.6 * nz)[:, None] * np.array([0.95, 1.0, 0.85])
        mean, feat = 1.0, 0.1
    elif kind == "asphalt":
        fine = 0.5 * _value_noise(x * 6, z * 6) + 0.5 * _value_noise(x * 23, z * 23)
        fade = np.clip(1 - footprint / 0.1, 0, 1)
        patches = _value_noise(x * 0.7 + 17.0, z * 0.7)  # worn patches survive at a distance
        detail = (0.7 + 0.5 * patches + 0.45 * (fine - 0.5) * fade)[:, None]
        col = base * detail
        line = (np.abs(z + 2.5) < 0.07) & (np.mod(x, 3.0) < 1.8)
        col[line] = _lin((0.9, 0.8, 0.3))
        return col
    else:
        return np.broadcast_to(base, (n, 3)).copy()
    fade = np.clip(1.5 - footprint / (0.5 * feat), 0, 1)[:, None]
    return base * (detail * fade + mean * (1 - fade))


def grade(img: np.ndarray, mood: str, rng_key: int = 0) -> np.ndarray:
    """Mood colour grading on linear RGB images (..., H, W, 3) -> display-encoded 0..1."""
    sat, con, bri, tint, vig, haze = MOOD.get(mood, MOOD["neutral"])
    x = img * bri * np.asarray(tint)
    x = x / (1.0 + 0.15 * x)  # soft shoulder so highlights and neon do not clip hard
    x = np.clip(x, 0, None) ** (1 / 2.2)
    lum = (x @ np.array([0.299, 0.587, 0.114]))[..., None]
    x = lum + (x - lum) * sat
    x = 0.5 + (x - 0.5) * con
    if haze:
        x = x * (1 - haze) + haze * 0.6
    if vig:
        H, W = img.shape[-3], img.shape[-2]
        yy = (np.arange(H) + 0.5) / H - 0.5
        xx = (np.arange(W) + 0.5) / W - 0.5
        r2 = yy[:, None] ** 2 + xx[None, :] ** 2
        x = x * (1 - vig * np.clip(r2 * 2, 0, 1))[..., None]
    return np.clip(x, 0, 1)
