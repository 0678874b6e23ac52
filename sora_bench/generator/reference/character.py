"""Articulated figure: joint positions from pose parameters, and the limb capsules.

Proportions are fractions of the height ``H`` (fixed, so a character keeps its build in every
frame): head radius 0.07 H centred at 0.92 H, shoulders at 0.80 H (half-width 0.13 H), hips at
0.52 H (half-width 0.07 H), upper arm 0.17 H, forearm 0.17 H, thigh 0.25 H, shin 0.25 H.
The figure faces local +z; ``rotation`` turns it to world (yaw). Walking swings the legs
+-0.45 rad (running +-0.8, knee bend up to 1.2 rad, arms swing opposite to the legs); waving
raises the right arm and oscillates the forearm; bending pitches the torso forward about the
hips; carrying holds the right forearm forward at 0.55 H.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["skeleton", "LIMBS"]

#: (joint a, joint b, radius as a fraction of H, colour role)
LIMBS: tuple[tuple[str, str, float, str], ...] = (
    ("hip_c", "neck", 0.085, "shirt"),
    ("shoulder_l", "elbow_l", 0.032, "shirt"), ("elbow_l", "hand_l", 0.027, "skin"),
    ("shoulder_r", "elbow_r", 0.032, "shirt"), ("elbow_r", "hand_r", 0.027, "skin"),
    ("hip_l", "knee_l", 0.045, "pants"), ("knee_l", "foot_l", 0.038, "pants"),
    ("hip_r", "knee_r", 0.045, "pants"), ("knee_r", "foot_r", 0.038, "pants"),
    ("shoulder_l", "shoulder_r", 0.04, "shirt"),
)
HEAD_R = 0.07


def _down(swing: float, abduct: float = 0.0, side: float = 1.0) -> np.ndarray:
    """Unit vector of a limb hanging down, swung forward by ``swing`` and out by ``abduct``."""
    v = np.array([side * math.sin(abduct) * math.cos(swing), -math.cos(abduct) * math.cos(swing),
                  math.sin(swing)])
    return v / np.linalg.norm(v)


def skeleton(H: float, pose, i: int, base: np.ndarray, rotation: np.ndarray) -> dict[str, np.ndarray]:
    """World positions of the joints at frame ``i``; ``base`` is the bottom centre (feet)."""
    ph, gait = float(pose.phase[i]), float(pose.gait[i])
    bend, wave = float(pose.bend[i]), float(pose.wave[i])
    run = max(0.0, gait - 1.0)
    amp = 0.45 * min(gait, 1.0) + 0.35 * run
    knee_amp = 0.35 * min(gait, 1.0) + 0.85 * run
    bob = (0.015 + 0.03 * run) * H * abs(math.sin(ph)) * min(gait, 1.0)
    lean = 0.18 * run + 1.1 * bend
    j: dict[str, np.ndarray] = {}
    hip_y = 0.52 * H - 0.12 * H * bend + bob
    j["hip_c"] = np.array([0.0, hip_y, 0.0])
    up = np.array([0.0, math.cos(lean), math.sin(lean)])
    j["neck"] = j["hip_c"] + up * 0.30 * H
    j["head"] = j["hip_c"] + up * (0.40 * H)
    side_v = np.array([1.0, 0.0, 0.0])
    for s, name in ((1.0, "l"), (-1.0, "r")):
        sign = 1.0 if name == "l" else -1.0
        hip = j["hip_c"] + side_v * s * 0.07 * H
        swing = sign * amp * math.sin(ph)
        knee_bend = knee_amp * max(0.0, math.sin(ph + (0 if name == "l" else math.pi) + 1.2))
        knee_bend += 1.2 * bend
        thigh = _down(swing + 0.6 * bend, 0.03, s)
        knee = hip + thigh * 0.25 * H
        foot = knee + _down(swing + 0.6 * bend - knee_bend, 0.02, s) * 0.25 * H
        j[f"hip_{name}"], j[f"knee_{name}"], j[f"foot_{name}"] = hip, knee, foot
        sh = j["hip_c"] + up * 0.27 * H + side_v * s * 0.13 * H
        j[f"shoulder_{name}"] = sh
        arm_swing = -sign * (0.5 * min(gait, 1.0) + 0.5 * run) * math.sin(ph)
        elbow_bend = 0.25 * min(gait, 1.0) + 1.1 * run
        if bend > 0:
            arm_swing = arm_swing * (1 - bend) + bend * (lean + 0.1)
            elbow_bend *= 1 - bend
        ua = _down(arm_swing, 0.08, s)
        fa = _down(arm_swing + elbow_bend, 0.06, s)
        if name == "r" and bool(pose.carry[i]) and bend < 0.5:
            ua, fa = _down(0.35, 0.1, s), _down(1.45, 0.1, s)
        if name == "r" and wave > 0:
            ab = wave * 2.3
            ua = _down(0.1 * wave, ab, s)
            osc = 0.45 * math.sin(float(pose.wave_phase[i]))
            fa = np.array([s * math.sin(0.2 + osc), math.cos(0.2 + osc), 0.15]) * wave + \
                _down(arm_swing, 0.06, s) * (1 - wave)
            fa = fa / np.linalg.norm(fa)
        elbow = sh + ua * 0.17 * H
        j[f"elbow_{name}"] = elbow
        j[f"hand_{name}"] = elbow + fa * 0.17 * H
    return {k: base + rotation @ v for k, v in j.items()}
