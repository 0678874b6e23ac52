"""No false events on Truth tracks of clean reference renders of the bundled suites.

Every prompt with a scene in the smoke, physics, permanence, core, characters and commerce
suites is rendered clean (64 px, the suite's frames and fps, seed 0) and scored on exact
tracks: no permanence or physics metric may flag it.
"""

from __future__ import annotations

import pytest

from sora_bench.errors import MetricSkip
from sora_bench.metrics.base import RunContext, SampleContext
from sora_bench.metrics.permanence import ObjectPermanence
from sora_bench.metrics.physics import (
    PhysicsBounce,
    PhysicsContinuity,
    PhysicsExpectations,
    PhysicsGravity,
    PhysicsPenetration,
)

render_scene = pytest.importorskip("sora_bench.generator.reference").render_scene
suite_mod = pytest.importorskip("sora_bench.suite")

SUITES = ("smoke", "physics", "permanence", "core", "characters", "commerce")
METRICS = (ObjectPermanence, PhysicsGravity, PhysicsBounce, PhysicsContinuity,
           PhysicsPenetration, PhysicsExpectations)


@pytest.mark.parametrize("suite", SUITES)
def test_clean_suite_renders_raise_no_flag(suite):
    s = suite_mod.load_suite(suite)
    prompts = [p for p in s.prompts if p.scene is not None]
    assert prompts
    flagged = []
    for p in prompts:
        video, truth = render_scene(dict(p.scene), width=64, height=64,
                                    num_frames=s.spec.num_frames, fps=s.spec.fps, seed=0)
        ctx = SampleContext(p.id, prompt=p, truth=truth, run=RunContext())
        for cls in METRICS:
            try:
                mv = cls().score(video, ctx)
            except MetricSkip:
                continue
            if mv.details["flagged"]:
                flagged.append((p.id, cls.name, mv.value, mv.details.get("events", [])[:2]))
    assert not flagged, flagged
