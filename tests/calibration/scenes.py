"""Scene mappings for the physics/permanence calibration (reference-generator renders).

Each scene: a ball dropped from 1-2 m (the defect subject: first moving object), and two
objects rolling towards each other (they collide), on a random floor, under one of several
camera moves. Small renders (80 px, 20 frames at 15 fps) keep the calibration CI-sized.
"""

from __future__ import annotations

import numpy as np

COLOURS = ["red", "blue", "green", "yellow", "orange", "purple", "magenta", "cyan"]
CAMERAS = ["static", "pan_left", "static", "tilt_up", "static", "pan_right", "static",
           "dolly_in", "static", "orbit"]
FLOORS = ["tiles", "wood", "plain", "grass"]
SIZE, FRAMES, FPS = 80, 20, 15.0


def calibration_scene(i: int, camera: str | None = None) -> dict:
    rng = np.random.default_rng(1000 + i)
    cols = rng.choice(COLOURS, size=3, replace=False).tolist()
    x0 = float(rng.uniform(-1.0, -0.4))
    y0 = float(rng.uniform(0.9, 1.5))
    speed = float(rng.uniform(1.2, 2.0))
    kind_c = "sphere" if rng.random() < 0.6 else "cube"
    return {
        "floor": FLOORS[i % len(FLOORS)],
        "camera": {"move": camera or CAMERAS[i % len(CAMERAS)], "amount": 0.5,
                   "position": [0.0, 1.2, 3.6], "look_at": [0.0, 0.7, 0.0]},
        "objects": [
            {"id": "ball", "kind": "sphere", "color": cols[0], "size": 0.55,
             "position": [x0, y0, float(rng.uniform(-0.4, 0.3))], "motion": "falls"},
            {"id": "left", "kind": "sphere", "color": cols[1], "size": 0.4,
             "position": [-0.2, 0.0, -0.6], "motion": "rolls", "direction": "right",
             "speed": speed},
            {"id": "right", "kind": kind_c, "color": cols[2], "size": 0.4,
             "position": [1.6, 0.0, -0.6], "motion": "rolls" if kind_c == "sphere" else "slides",
             "direction": "left", "speed": speed},
        ],
    }
