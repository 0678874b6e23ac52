"""Run the sora-bench CLI with a cheap test metric and a test generator registered.

Used by tests that need a real subprocess (SIGKILL fault injection). The metric and
generator are real implementations, just tiny: they make the runner's behaviour visible
without depending on the heavy built-in metrics.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from sora_bench.generator import GENERATORS  # noqa: E402
from sora_bench.generator.base import GeneratedSample, Generator  # noqa: E402
from sora_bench.metrics import METRICS  # noqa: E402
from sora_bench.metrics.base import MetricValue, VideoMetric  # noqa: E402
from sora_bench.types import Video  # noqa: E402


class MeanLuma(VideoMetric):
    """Mean pixel value / 255 (higher is brighter); per-frame curve in details."""

    name = "mean_luma"
    version = 1
    higher_is_better = True
    min_frames = 2

    @property
    def protocol(self) -> str:
        return "mean_luma/rgb-mean"

    def score(self, video: Video, ctx: Any) -> MetricValue:
        curve = video.frames.reshape(video.num_frames, -1).mean(axis=1) / 255.0
        return MetricValue(float(curve.mean()), {"per_frame": curve.tolist()})


class NeedsPrompt(MeanLuma):
    name = "needs_prompt"
    needs = frozenset({"prompt"})

    @property
    def protocol(self) -> str:
        return "needs_prompt/len"

    def score(self, video: Video, ctx: Any) -> MetricValue:
        return MetricValue(float(len(ctx.prompt.text)))


class Broken(MeanLuma):
    name = "broken"

    @property
    def protocol(self) -> str:
        return "broken/always"

    def score(self, video: Video, ctx: Any) -> MetricValue:
        raise RuntimeError("this metric always fails")


class GradientGenerator(Generator):
    """Deterministic moving gradient; seed sets the phase; prompt 'FAIL' raises."""

    name = "gradient"

    def describe(self) -> dict[str, Any]:
        return {"name": "gradient", "version": 1}

    def generate(self, request: Any, workdir: Path) -> GeneratedSample:
        if "FAIL" in request.prompt.text:
            raise RuntimeError("the model crashed on this prompt")
        s = request.spec
        t = np.arange(s.num_frames)[:, None, None]
        x = np.arange(s.width)[None, None, :]
        y = np.arange(s.height)[None, :, None]
        base = (x * 3 + y * 2 + t * 5 + request.seed * 17 + len(request.prompt.text)) % 256
        frames = np.repeat(base[..., None], 3, axis=-1).astype(np.uint8)
        return GeneratedSample(video=Video(frames, s.fps))


def register() -> None:
    for cls in (MeanLuma, NeedsPrompt, Broken):
        METRICS.register(cls.name, cls)
    GENERATORS.register("gradient", GradientGenerator)


if __name__ == "__main__":
    register()
    from sora_bench.cli import main

    sys.exit(main(sys.argv[1:]))
