"""FVD tracks corruption on reference-generator videos (real I3D, few tiny videos):

- two random halves of one clean reference set (per prompt, one held-out seed goes to each
  half, chosen by a seeded coin) are far closer than clean vs corrupted renders;
- FVD grows monotonically with a defect's strength (4 strengths).

Cost control: 3 prompts, 48x48 renders, and the named 10-frame protocol (I3D's input is
224x224 whatever the render size; 10 frames cost ~60 % of 16).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np

from sora_bench.generator.reference import ReferenceGenerator
from sora_bench.metrics.frechet import GaussianStats, frechet_distance_to_samples
from sora_bench.metrics.fvd import Protocol, i3d_outputs
from sora_bench.types import GenerationRequest, Prompt, Video, VideoSpec

STRENGTHS = (0.25, 0.5, 0.75, 1.0)
PROTO = Protocol.parse("fvd/i3d-k400-logits/10f/224-bilinear-stretch/[-1,1]")
SPEC = VideoSpec(num_frames=10, fps=8, height=48, width=48)
PROMPTS = (
    Prompt(id="ball", text="a red ball falls onto the floor and bounces"),
    Prompt(id="cube", text="a blue cube slides across the table"),
    Prompt(id="pan", text="the camera pans left over a green cylinder"),
)
DEFECT = "noise"  # sensor noise, sigma 20 * strength grey levels (generator/defects.py)


def _render(prompt: Prompt, seed: int, defect: tuple[str, float] | None = None) -> Video:
    with tempfile.TemporaryDirectory() as tmp:
        sample = ReferenceGenerator().generate(GenerationRequest(prompt, seed, SPEC, defect),
                                               Path(tmp))
        if sample.video is not None:
            return sample.video
        from sora_bench.video_io import read_video

        return read_video(sample.path)


def _logits(videos: list[Video]) -> np.ndarray:
    return np.stack([i3d_outputs(v, PROTO)["logits"] for v in videos])


def test_fvd_halves_and_monotone_defect_strength():
    coin = np.random.default_rng(7).integers(0, 2, len(PROMPTS))
    seeds_a = [int(c) for c in coin]  # one of seeds {0, 1} per prompt for half A
    seeds_b = [1 - s for s in seeds_a]
    half_a = _logits([_render(p, s) for p, s in zip(PROMPTS, seeds_a)])
    half_b = _logits([_render(p, s) for p, s in zip(PROMPTS, seeds_b)])
    ref = GaussianStats.from_features(half_a)
    halves = frechet_distance_to_samples(ref, half_b)
    curve = []
    for st in STRENGTHS:
        bad = _logits([_render(p, s, (DEFECT, st)) for p, s in zip(PROMPTS, seeds_b)])
        curve.append(frechet_distance_to_samples(ref, bad))
    assert halves < 0.1 * curve[-1], (halves, curve)
    assert all(b > a for a, b in zip(curve, curve[1:])), curve


def test_default_reference_is_generator_with_held_out_seeds(tmp_path):
    from sora_bench.cache import Cache
    from sora_bench.metrics.base import RunContext, SampleContext
    from sora_bench.metrics.fvd import FVD, KVD
    from sora_bench.metrics.fvd_reference import HELD_OUT_OFFSET

    prompts = PROMPTS[:2]
    run = RunContext(prompts=prompts, spec=SPEC, cache=Cache(tmp_path / "cache"))
    fvd = FVD(protocol=PROTO.string("fvd"), bootstrap=20)
    kvd = KVD(protocol=PROTO.string("fvd"), subsets=5)
    fvd.setup(run)
    kvd.setup(run)
    feats = []
    for p in prompts:
        video = _render(p, 0)
        ctx = SampleContext(sample_id=f"{p.id}__s0", prompt=p, seed=0, run=run)
        feats.append((ctx.sample_id, fvd.features(video, ctx)))
        assert np.array_equal(kvd.features(video, ctx), feats[-1][1])  # one I3D pass, shared
    res = fvd.compute(feats, run)
    ref = res.details["reference"]
    assert ref["source"] == "reference-generator held-out seeds"
    assert ref["n"] == 2 and ref["seed_offset"] == HELD_OUT_OFFSET
    # held-out seeds render (almost) the same scenes: a small but non-zero distance
    assert 0 < res.value < 300
    kv = kvd.compute(feats, run)
    assert kv.details["reference"]["source"] == "reference-generator held-out seeds"
    # the second resolution comes from the in-process memo / cache, not new renders
    assert fvd.compute(feats, run).value == res.value
