"""Calibration of object_permanence and the physics metrics on reference-generator renders.

20 scenes (tests/calibration/scenes.py: a dropped ball and two rollers that collide, four
floors, half of them with a static camera and half panning, tilting, dollying or orbiting)
are rendered clean and with each defect, once per module (80 px, 20 frames at 15 fps).
For each defect the metric it targets must separate clean from
defect clips:

- on exact (Truth) tracks: AUROC >= 0.95, <= 5 % of clean clips flagged, the noise nuisance
  flags <= 5 %, and the events name the defect's object at the defect's frames;
- on pixel tracks (the default tracker, blob-static; same renders): the same 0.95 / 5 %
  goal for every defect, and the noise nuisance flags <= 5 % for every metric. The rules were tuned
  looking at these scenes; ``benchmarks/bench_physics_calibration.py`` scores other
  scenes of the same generator (BENCHMARKS.md records both).

A metric that skips (nothing to judge) counts as "no violation" (value 1.0).
"""

from __future__ import annotations

import numpy as np
import pytest

from sora_bench.errors import MetricSkip
from sora_bench.metrics.base import RunContext, SampleContext
from sora_bench.types import Prompt

from .scenes import FPS, FRAMES, SIZE, calibration_scene
from .targets import METRICS, TARGET, auroc

render_scene = pytest.importorskip("sora_bench.generator.reference").render_scene

N = 20
EVENT = {"vanish": "vanish", "pop_in": "pop_in", "identity_swap": "identity_change",
         "teleport": "teleport", "freeze": "freeze", "low_gravity": "gravity_violation",
         "reversed_gravity": "gravity_violation", "interpenetration": "interpenetration"}
CONDITIONS = ("clean", "noise", *TARGET)


class Calibration:
    """Renders once, scores lazily, memoises per (mode, condition)."""

    def __init__(self, camera: str | None) -> None:
        self.camera = camera
        self.clips: dict[tuple[str, int], tuple] = {}
        self.values: dict[tuple[str, str], dict[str, list]] = {}

    def clip(self, cond: str, i: int):
        key = (cond, i)
        if key not in self.clips:
            self.clips[key] = render_scene(
                calibration_scene(i, self.camera), width=SIZE, height=SIZE, num_frames=FRAMES,
                fps=FPS, seed=i, defect=None if cond == "clean" else cond)
        return self.clips[key]

    def scores(self, mode: str, cond: str, metrics: tuple[str, ...] = tuple(METRICS)):
        key = (mode, cond)
        if key not in self.values:
            out: dict[str, list] = {m: [] for m in METRICS}
            for i in range(N):
                video, truth = self.clip(cond, i)
                ctx = SampleContext(f"{cond}{i}", truth=truth if mode == "truth" else None,
                                    prompt=Prompt(f"c{i}", "calibration",
                                                  scene=calibration_scene(i, self.camera)),
                                    run=RunContext(settings={"tracks": mode}))
                for name, cls in METRICS.items():
                    try:
                        mv = cls().score(video, ctx)
                        out[name].append((mv.value, mv.details.get("events", []), truth))
                    except MetricSkip:
                        out[name].append((1.0, [], truth))
            self.values[key] = out
        return self.values[key]


@pytest.fixture(scope="module")
def calib() -> Calibration:
    return Calibration(None)


def _vals(rows) -> list[float]:
    return [r[0] for r in rows]


def test_truth_tracks_clean_and_noise_raise_no_flags(calib):
    for cond in ("clean", "noise"):
        sc = calib.scores("truth", cond)
        for name, cls in METRICS.items():
            flagged = np.mean(np.array(_vals(sc[name])) < cls.FLAG_BELOW)
            assert flagged <= 0.05, (cond, name, _vals(sc[name]))


@pytest.mark.parametrize("defect", list(TARGET))
def test_truth_tracks_detect_each_defect(calib, defect):
    metric = TARGET[defect]
    clean = _vals(calib.scores("truth", "clean")[metric])
    rows = calib.scores("truth", defect)[metric]
    assert auroc(clean, _vals(rows)) >= 0.95
    # the right event, on the defect's object, at the defect's frames
    hits = 0
    for _value, events, truth in rows:
        (d,) = [x for x in truth.defects if x["name"] == defect]
        # global defects (freeze, gravity, interpenetration) name no object / no frames
        lo, hi = d["frames"] or (0, truth.num_frames - 1)
        objs = set(d["objects"]) or set(truth.objects)
        for e in events:
            if e["kind"] != EVENT[defect]:
                continue
            names = {e.get("object")} | set(e.get("objects", ()))
            f0, f1 = e["frames"]
            if names & objs and f0 <= hi + 1 and f1 >= lo - 1:
                hits += 1
                break
    assert hits >= 0.9 * N, (defect, hits)


#: Pixel tracks must reach the goal on these renders for every defect: (min AUROC, max clean
#: flagged fraction). Other scenes of the same generator score lower on some defects
#: (identity_swap, interpenetration: benchmarks/bench_physics_calibration.py, BENCHMARKS.md).
PIXEL_BOUNDS = {d: (0.95, 0.05) for d in TARGET}


@pytest.mark.parametrize("defect", list(PIXEL_BOUNDS))
def test_pixel_tracks_separate_defects(calib, defect):
    metric = TARGET[defect]
    cls = METRICS[metric]
    clean = _vals(calib.scores("pixels", "clean")[metric])
    bad = _vals(calib.scores("pixels", defect)[metric])
    min_auc, max_flag = PIXEL_BOUNDS[defect]
    assert auroc(clean, bad) >= min_auc
    assert np.mean(np.array(clean) < cls.FLAG_BELOW) <= max_flag


def test_pixel_tracks_noise_nuisance_bounded(calib):
    """The noise nuisance flags no more clips than the 5 % allowed on clean ones."""
    sc = calib.scores("pixels", "noise")
    for name, cls in METRICS.items():
        flagged = float(np.mean(np.array(_vals(sc[name])) < cls.FLAG_BELOW))
        assert flagged <= 0.05, (name, flagged, _vals(sc[name]))
