"""Metric registry: built-in metrics by name, third-party ones through the entry-point group
``sora_bench.metrics``. Modules are imported only when a metric is asked for.

The name on the left is the metric's ``name`` attribute: the same string in YAML, JSON, the
CLI and the report.
"""

from __future__ import annotations

from ..registry import Registry
from .base import Metric, MetricValue, RunContext, SampleContext, SetMetric, SetValue, VideoMetric

BUILTIN_METRICS: dict[str, str] = {
    # distribution metrics (issue: FVD/KVD)
    "fvd": "sora_bench.metrics.fvd:FVD",
    "kvd": "sora_bench.metrics.fvd:KVD",
    # text-video alignment (issue: CLIP)
    "clip_alignment": "sora_bench.metrics.clip_alignment:ClipAlignment",
    "clip_consistency": "sora_bench.metrics.clip_alignment:ClipConsistency",
    # temporal quality (issue: temporal)
    "temporal_flicker": "sora_bench.metrics.temporal:TemporalFlicker",
    "flicker_index": "sora_bench.metrics.temporal:FlickerIndex",
    "warping_error": "sora_bench.metrics.temporal:WarpingError",
    "motion_smoothness": "sora_bench.metrics.temporal:MotionSmoothness",
    "dynamic_degree": "sora_bench.metrics.temporal:DynamicDegree",
    "frozen_frames": "sora_bench.metrics.temporal:FrozenFrames",
    "frame_order_violation": "sora_bench.metrics.temporal:FrameOrderViolation",
    # permanence and physics from tracks (issue: permanence/physics)
    "object_permanence": "sora_bench.metrics.permanence:ObjectPermanence",
    "physics_gravity": "sora_bench.metrics.physics:PhysicsGravity",
    "physics_bounce": "sora_bench.metrics.physics:PhysicsBounce",
    "physics_continuity": "sora_bench.metrics.physics:PhysicsContinuity",
    "physics_penetration": "sora_bench.metrics.physics:PhysicsPenetration",
    "physics_expectations": "sora_bench.metrics.physics:PhysicsExpectations",
    "physics_score": "sora_bench.metrics.physics:PhysicsScore",
}

#: Registered metrics whose module is not part of this build yet are left out of
#: ``available_metrics()``; they are listed here so ``ls metrics`` can say so honestly.
METRICS: Registry[type[Metric]] = Registry("metric", BUILTIN_METRICS, "sora_bench.metrics")


def get_metric(name: str) -> type[Metric]:
    """The metric class registered as ``name`` (did-you-mean on typos)."""
    return METRICS.get(name)


def available_metrics() -> list[str]:
    """Names whose implementation imports in this installation, in registry order."""
    import importlib.util

    out = []
    for name in METRICS.names():
        target = METRICS._targets[name]
        module = target.partition(":")[0]
        try:
            found = importlib.util.find_spec(module) is not None
        except (ImportError, ValueError):
            found = False
        if found:
            out.append(name)
    return out


__all__ = [
    "BUILTIN_METRICS",
    "METRICS",
    "Metric",
    "MetricValue",
    "RunContext",
    "SampleContext",
    "SetMetric",
    "SetValue",
    "VideoMetric",
    "available_metrics",
    "get_metric",
]
