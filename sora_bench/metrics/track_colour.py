"""Colour of a track over frames (pure functions): hue angles, their circular median, how
saturated a track's colour is, and how far its hue moved. Shared by object_permanence
(identity changes and swaps), physics_continuity (broken jumps) and physics_penetration
(tracks that keep their colour across a swap).

A track's appearance rows are ``(r, g, b, r/s, g/s, b/s)`` with ``s = r + g + b`` (see
:mod:`sora_bench.tracking`); saturation is the chroma offset from grey,
``|(r, g, b)/s - 1/3|``.
"""

from __future__ import annotations

import numpy as np

__all__ = ["HUE_JUMP", "SAT_REF", "MIN_SAT", "hue_deg", "hue_diff", "circ_median",
           "saturation", "brightness", "track_hue", "hue_gap", "hue_jump_needed", "hue_change"]

#: Hue change (degrees) between 3-frame windows that counts as a different object.
HUE_JUMP = 20.0
#: Saturation from which ``HUE_JUMP`` applies (:func:`hue_jump_needed`).
SAT_REF = 0.2
#: Colours at or below this saturation have no reliable hue.
MIN_SAT = 0.06


def hue_deg(rgb: np.ndarray) -> np.ndarray:
    """Hue angle in degrees of RGB rows (..., 3): ``atan2(sqrt 3 (g - b), 2r - g - b)``.
    Mixing with white or darkening leaves it (nearly) unchanged."""
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    return np.degrees(np.arctan2(np.sqrt(3.0) * (g - b), 2 * r - g - b))


def hue_diff(a: float, b: float) -> float:
    """Absolute difference of two hue angles (degrees), 0..180."""
    return float(abs((a - b + 180.0) % 360.0 - 180.0))


def circ_median(h: np.ndarray) -> float:
    """Median of angles (degrees) around their circular mean."""
    m = np.degrees(np.arctan2(np.sin(np.radians(h)).mean(), np.cos(np.radians(h)).mean()))
    dev = (h - m + 180.0) % 360.0 - 180.0
    return float(m + np.median(dev))


def _rows(app: np.ndarray, frames) -> np.ndarray:
    """The track's appearance rows at ``frames`` that were seen (finite)."""
    x = np.asarray(app, np.float64)[list(frames)].reshape(-1, np.shape(app)[1])
    return x[np.isfinite(x).all(axis=1)]


def saturation(app: np.ndarray, frames) -> float:
    """Saturation of a track's median colour over ``frames`` (0 if unseen)."""
    x = _rows(app, frames)
    return float(np.linalg.norm(np.median(x[:, 3:6], 0) - 1 / 3)) if len(x) else 0.0


def brightness(app: np.ndarray, frames) -> float:
    """Brightness (HSV value, 0..1: the largest channel) of a track's median colour over
    ``frames``; 0 if unseen. A shadow has the hue of the floor it darkens, and a dark
    region's hue is mostly noise: brightness tells it from a lit object of that hue."""
    x = _rows(app, frames)
    return float(np.median(x[:, :3], 0).max()) if len(x) else 0.0


def track_hue(app: np.ndarray, frames) -> float | None:
    """Circular median hue (degrees) of a track's appearance over ``frames``; None when
    unseen or unsaturated (saturation <= :data:`MIN_SAT`)."""
    x = _rows(app, frames)
    if not len(x) or np.linalg.norm(np.median(x[:, 3:6], 0) - 1 / 3) <= MIN_SAT:
        return None
    return circ_median(hue_deg(x[:, :3]))


def hue_gap(app: np.ndarray, before, after) -> float:
    """Hue change (degrees) between the frames before and after; 0 unless both sides are
    seen and saturated."""
    a, b = track_hue(app, before), track_hue(app, after)
    return 0.0 if a is None or b is None else hue_diff(a, b)


def hue_jump_needed(sat: float) -> float:
    """Hue change (degrees) that counts as another object for colours of saturation ``sat``:
    ``HUE_JUMP`` from :data:`SAT_REF` up, more below it in proportion (the hue of a dull
    colour is noisy: the same chroma noise turns it by more degrees). Sensor noise on
    greyish objects moved hues by 20-35 degrees."""
    return HUE_JUMP * max(1.0, SAT_REF / max(sat, 1e-6))


def hue_change(app_a: np.ndarray, frames_a, app_b: np.ndarray, frames_b) -> tuple[float, float]:
    """``(change, need)``: the hue change (degrees) from track appearance ``app_a`` over
    ``frames_a`` to ``app_b`` over ``frames_b`` (one track's before and after, or two
    tracks'; 0 unless both sides are seen and saturated), and the change that counts as
    another object for the duller side (:func:`hue_jump_needed`)."""
    a, b = track_hue(app_a, frames_a), track_hue(app_b, frames_b)
    change = 0.0 if a is None or b is None else hue_diff(a, b)
    return change, hue_jump_needed(min(saturation(app_a, frames_a), saturation(app_b, frames_b)))
