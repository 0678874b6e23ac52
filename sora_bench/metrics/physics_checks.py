"""The physics checks as pure functions over :class:`~.physics_traj.Traj` (image px, y down).

Each ``check_*`` returns ``(score in [0, 1] or None, details)``; ``None`` means nothing to
judge (the metric turns it into ``MetricSkip("not-applicable")``). Events are dicts with
``kind``, ``object``, ``frames: [start, end]`` and ``position: [x, y]`` (stabilised px).

Formulas (documented once here; the metric classes point to them):

- **gravity**: on each free-flight segment fit ``y(t) = c + b t + a t^2 / 2`` (least squares,
  t in frames). Expected ``a_exp = g * px_per_m / fps^2`` (g = the scene's ``gravity`` when the
  prompt sets one, else 9.81 m/s^2; px_per_m exact from Truth, else object pixel size / real
  size). Ratio ``r = a / a_exp``; segment score
  ``exp(-ln(r)^2 / (2 ln(1.5)^2))`` for r > 0 and 0 for r <= 0 (falling upwards or floating),
  times ``exp(-(rms residual / size / 0.1)^2)`` (a trajectory that is not a parabola).
  Video score = length-weighted mean of segment scores times the consistency factor
  ``exp(-sd(ln r)^2 / (2 ln(1.5)^2))`` over segments with r > 0 (one gravity for everything).
- **bounce**: for each bounce, fall height ``h0`` = contact y - highest point since the last
  bounce, rebound ``h1`` = contact y - highest point before the next bounce (a lower bound when
  the clip ends first). Ratio ``h1 / h0`` must be <= 1 + 0.1; score per bounce
  ``clip((1.3 - ratio) / 0.2, 0, 1)``. Contacts of one object must lie on one floor line: the
  spread of contact bottoms beyond 0.5 sizes costs ``clip(1 - (spread/size - 0.5), 0, 1)``.
  Video score = mean over bounces (times the floor factor).
- **continuity**: see :mod:`.physics_continuity`.
- **penetration**: see :mod:`.penetration`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from .physics_traj import Traj, bounces, free_flight_segments

__all__ = ["check_gravity", "check_bounce", "G", "position"]

G = 9.81
_SIG = float(np.log(1.5))


def position(tr: Traj, t: int) -> list[float]:
    """An event's ``position``: the stabilised point of frame ``t`` (``[]`` when unseen)."""
    p = tr.p[t]
    return [float(p[0]), float(p[1])] if np.isfinite(p).all() else []


# ------------------------------------------------------------------------------------ gravity
def check_gravity(trajs: Mapping[str, Traj], fps: float, *, exact: bool = True,
                  g: float = G) -> tuple[float | None, dict[str, Any]]:
    """``g``: the gravity the prompt's scene asks for (m/s^2; default 9.81)."""
    # tolerances: exact (Truth) positions and scale vs. pixel-tracker estimates
    sig = _SIG if exact else float(np.log(2.2))
    fit_tol = 0.1 if exact else 0.2
    segs: list[dict[str, Any]] = []
    for tr in trajs.values():
        size = tr.typical_size
        for r in free_flight_segments(tr):
            t = r.astype(np.float64)
            y = tr.p[r, 1]
            design = np.stack([np.ones_like(t), t - t[0], 0.5 * (t - t[0]) ** 2], axis=1)
            coef, *_ = np.linalg.lstsq(design, y, rcond=None)
            a = float(coef[2])
            resid = float(np.sqrt(np.mean((design @ coef - y) ** 2)))
            ppm = float(np.nanmedian(tr.px_per_m[r])) if np.isfinite(tr.px_per_m[r]).any() else np.nan
            a_exp = g * ppm / fps ** 2 if np.isfinite(ppm) else np.nan
            ratio = a / a_exp if np.isfinite(a_exp) and a_exp > 0 else np.nan
            if not np.isfinite(ratio):
                s_dir = 1.0 if a > 0 else 0.0
                s_mag = s_dir
            else:
                s_mag = float(np.exp(-np.log(ratio) ** 2 / (2 * sig ** 2))) if ratio > 0 else 0.0
            s_fit = float(np.exp(-(resid / size / fit_tol) ** 2))
            segs.append({"object": tr.id, "frames": [int(r[0]), int(r[-1])], "accel_px_f2": a,
                         "expected_px_f2": None if not np.isfinite(a_exp) else float(a_exp),
                         "ratio": None if not np.isfinite(ratio) else float(ratio),
                         "rms_residual_px": resid, "score": s_mag * s_fit, "len": len(r),
                         "trajectory": [[float(x), float(yy)] for x, yy in tr.p[r]]})
    if not segs:
        return None, {"reason": "no free-flight segment (>= 5 fully visible frames falling or "
                                "rising at least half a size)"}
    w = np.array([s["len"] for s in segs], np.float64)
    sc = np.array([s["score"] for s in segs])
    logs = [np.log(s["ratio"]) for s in segs if s["ratio"] is not None and s["ratio"] > 0]
    consistency = float(np.exp(-np.std(logs) ** 2 / (2 * sig ** 2))) if len(logs) >= 2 else 1.0
    score = float((w * sc).sum() / w.sum()) * consistency
    events = [{"kind": "gravity_violation", "object": s["object"], "frames": s["frames"],
               "position": s["trajectory"][0], "ratio": s["ratio"],
               "accel_px_f2": s["accel_px_f2"]} for s in segs if s["score"] < 0.5]
    return score, {"segments": segs, "consistency": consistency, "events": events}


# ------------------------------------------------------------------------------------- bounce
def check_bounce(trajs: Mapping[str, Traj]) -> tuple[float | None, dict[str, Any]]:
    items: list[dict[str, Any]] = []
    floor_factors = []
    for tr in trajs.values():
        if not tr.free:
            continue
        y = tr.p[:, 1]
        size = tr.typical_size
        bs = bounces(tr)
        contacts = []
        for k, tb in enumerate(bs):
            start = bs[k - 1] if k else 0
            end = bs[k + 1] if k + 1 < len(bs) else len(y)
            pre = y[start:tb]
            post = y[tb + 1:end]
            if not np.isfinite(pre).any() or not np.isfinite(post).any():
                continue
            h0 = float(y[tb] - np.nanmin(pre))
            h1 = float(y[tb] - np.nanmin(post))
            if h0 < 0.5 * size:
                continue
            ratio = h1 / h0
            contacts.append(float(y[tb] + size / 2))
            items.append({"kind": "bounce", "object": tr.id, "frames": [int(tb), int(tb)],
                          "position": position(tr, tb), "fall_px": h0, "rebound_px": h1,
                          "ratio": ratio, "score": float(np.clip((1.3 - ratio) / 0.2, 0, 1)),
                          "complete": end < len(y)})
        if len(contacts) >= 2:
            spread = float(np.ptp(contacts)) / size
            floor_factors.append(float(np.clip(1 - (spread - 0.5), 0, 1)))
    if not items:
        return None, {"reason": "no bounce (a fall of at least half a size followed by a rise)"}
    floor = float(np.prod(floor_factors)) if floor_factors else 1.0
    score = float(np.mean([b["score"] for b in items])) * floor
    events = [dict(b, kind="rebound_too_high") for b in items if b["ratio"] > 1.1]
    return score, {"bounces": items, "floor_factor": floor, "events": events}
