"""What the physics/permanence calibration judges: the metric each defect targets, and the
AUROC used (shared by the CI test and benchmarks/bench_physics_calibration.py)."""

from __future__ import annotations

import numpy as np

from sora_bench.metrics.permanence import ObjectPermanence
from sora_bench.metrics.physics import PhysicsBounce, PhysicsContinuity, PhysicsGravity, PhysicsPenetration

METRICS = {m.name: m for m in (ObjectPermanence, PhysicsGravity, PhysicsContinuity,
                               PhysicsPenetration, PhysicsBounce)}
TARGET = {
    "vanish": "object_permanence", "pop_in": "object_permanence",
    "identity_swap": "object_permanence", "teleport": "physics_continuity",
    "freeze": "physics_continuity", "low_gravity": "physics_gravity",
    "reversed_gravity": "physics_gravity", "interpenetration": "physics_penetration",
}


def auroc(clean: list[float], bad: list[float]) -> float:
    """P(defect value < clean value) + 0.5 P(tie): lower values are worse."""
    c, b = np.asarray(clean)[None], np.asarray(bad)[:, None]
    return float(((b < c).sum() + 0.5 * (b == c).sum()) / (b.size * c.size))
