"""Per-frame pinhole camera for the named moves.

Convention (the Truth contract): ``x_img ~ K (R X_world + t)``, camera looks along +z, image
x right, y down; pixel ``(i, j)`` covers ``[i, i+1) x [j, j+1)``, so the principal point is
``(W/2, H/2)``. Moves progress with a smoothstep ease over the clip (``push_in`` eases in
only, slower). Sizes at ``amount = 1``: pans 25 deg, tilts 15 deg, dolly 2 m, push-in 1.2 m,
zoom x0.55 / x1.6 focal change, orbit 60 deg; tracking translates the camera with the target's
horizontal motion so the target stays put in the image.
"""

from __future__ import annotations

import math

import numpy as np

from .scene import CameraSpec

__all__ = ["camera_track", "look_rotation"]


def look_rotation(pos: np.ndarray, look: np.ndarray) -> np.ndarray:
    """World-to-camera R whose rows are the camera x (right), y (down), z (forward) axes."""
    z = look - pos
    z = z / np.linalg.norm(z)
    x = np.cross(z, [0.0, 1.0, 0.0])
    if np.linalg.norm(x) < 1e-6:
        x = np.array([1.0, 0.0, 0.0])
    x = x / np.linalg.norm(x)
    y = np.cross(z, x)
    return np.stack([x, y, z])


def camera_track(spec: CameraSpec, T: int, fps: float, width: int, height: int,
                 duration: float, target_positions: np.ndarray | None = None
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """K (T,3,3), R (T,3,3), t (T,3) and camera centres (T,3) for the move in ``spec``."""
    t = np.arange(T) / fps
    u = np.clip(t / max(duration, 1e-6), 0.0, 1.0)
    ease = u * u * (3 - 2 * u)
    a = spec.amount
    pos0, look0 = np.array(spec.position, float), np.array(spec.look_at, float)
    fwd0 = look0 - pos0
    dist0 = float(np.linalg.norm(fwd0))
    fwd0 = fwd0 / dist0
    Ks, Rs, ts, cs = [], [], [], []
    for i in range(T):
        e = float(ease[i])
        pos, fwd, fov = pos0.copy(), fwd0.copy(), spec.fov
        m = spec.move
        if m in ("pan_left", "pan_right"):
            ang = math.radians(25.0 * a * e) * (1 if m == "pan_left" else -1)
            c, s = math.cos(ang), math.sin(ang)
            fwd = np.array([c * fwd[0] + s * fwd[2], fwd[1], -s * fwd[0] + c * fwd[2]])
        elif m in ("tilt_up", "tilt_down"):
            ang = math.radians(15.0 * a * e) * (1 if m == "tilt_up" else -1)
            el = math.asin(max(-1.0, min(1.0, fwd[1]))) + ang
            h = np.array([fwd[0], 0.0, fwd[2]])
            h = h / (np.linalg.norm(h) + 1e-12)
            fwd = np.array([h[0] * math.cos(el), math.sin(el), h[2] * math.cos(el)])
        elif m in ("dolly_in", "dolly_out", "push_in"):
            if m == "push_in":
                step = 1.2 * a * float(u[i]) ** 2
            else:
                step = 2.0 * a * e * (1 if m == "dolly_in" else -1)
            pos = pos0 + fwd0 * min(step, dist0 - 0.5)
        elif m in ("zoom_in", "zoom_out"):
            f = (1 + 0.8 * a * e) if m == "zoom_in" else 1 / (1 + 0.6 * a * e)
            fov = math.degrees(2 * math.atan(math.tan(math.radians(spec.fov) / 2) / f))
        elif m == "orbit":
            ang = math.radians(60.0 * a * e)
            rel = pos0 - look0
            c, s = math.cos(ang), math.sin(ang)
            pos = look0 + np.array([c * rel[0] + s * rel[2], rel[1], -s * rel[0] + c * rel[2]])
            fwd = look0 - pos
            fwd = fwd / np.linalg.norm(fwd)
        elif m == "tracking" and target_positions is not None:
            shift = target_positions[i] - target_positions[0]
            shift[1] = 0.0
            pos = pos0 + shift
        R = look_rotation(pos, pos + fwd)
        f = (height / 2) / math.tan(math.radians(fov) / 2)
        K = np.array([[f, 0.0, width / 2], [0.0, f, height / 2], [0.0, 0.0, 1.0]])
        Ks.append(K)
        Rs.append(R)
        ts.append(-R @ pos)
        cs.append(pos)
    return np.stack(Ks), np.stack(Rs), np.stack(ts), np.stack(cs)
