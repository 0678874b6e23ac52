"""Synthetic RunResults (and tiny videos) for report and comparison tests.

Values are deterministic functions of (prompt, seed) so two builds give identical runs;
``defect_prompts`` makes chosen prompts worse on every metric, in each metric's own direction.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from sora_bench.results import MetricResult, MetricSample, RunResult, SampleResult
from sora_bench.stats import mean_ci

XSS_PROMPT = 'a ball </script><script>alert(1)</script> bounces "><img src=x onerror=alert(1)>'

#: name -> (higher_is_better, kind, unit)
METRICS: dict[str, tuple[bool, str, str]] = {
    "clip_alignment": (True, "video", "cosine x100"),
    "temporal_flicker": (False, "video", "mean abs diff, 0-255"),
    "object_permanence": (True, "video", "[0, 1]"),
    "physics_expectations": (True, "video", "fraction met"),
    "fvd": (False, "set", "FVD"),
}

PROMPTS = [
    ("ball_bounce", "a red ball bounces on a wooden floor", ["physics.bounce", "objects"]),
    ("cup_falls", "a cup falls off the table", ["physics.gravity", "objects"]),
    ("pan_city", "the camera pans left over a city street", ["camera"]),
    ("walker", "a person walks across the room, café 🎈", ["characters"]),
    ("occluder", "a ball rolls behind a box and reappears", ["permanence", "objects"]),
    ("xss", XSS_PROMPT, ["security"]),
]


def frames_for(seed: int, n: int = 16, size: int = 48, broken: bool = False) -> np.ndarray:
    """A square moving left to right on a gradient; ``broken`` makes it vanish mid-clip."""
    t = np.arange(n)
    y, x = np.mgrid[0:size, 0:size]
    base = np.stack([x * 4 % 256, y * 4 % 256, np.full_like(x, 60 + 20 * (seed % 5))], -1)
    out = np.repeat(base[None].astype(np.uint8), n, axis=0)
    for i in t:
        if broken and n // 3 <= i < 2 * n // 3:
            continue
        x0 = int(4 + i * (size - 16) / max(n - 1, 1))
        out[i, 18:30, x0:x0 + 12] = (230, 40, 40)
    return out


def write_clip(path: Path, seed: int, broken: bool = False) -> dict[str, Any]:
    """Write a tiny mp4 and its truth sidecar; returns the truth dict."""
    from sora_bench.types import Video
    from sora_bench.video_io import write_video

    frames = frames_for(seed, broken=broken)
    write_video(Video(frames, 12.0, str(path)), path)
    n, size = frames.shape[0], frames.shape[1]
    boxes = []
    for i in range(n):
        if broken and n // 3 <= i < 2 * n // 3:
            boxes.append(None)
            continue
        x0 = int(4 + i * (size - 16) / max(n - 1, 1))
        boxes.append([x0, 18, x0 + 12, 30])
    truth = {"format": "sora-bench.truth/1", "objects": {"ball": {"kind": "sphere", "box": boxes}}}
    path.with_suffix(".truth.json").write_text(json.dumps(truth), encoding="utf-8")
    return truth


def _value(name: str, pid: str, seed: int, worse: float) -> float:
    h = (sum(map(ord, pid)) * 7 + seed * 13) % 100 / 100.0
    hib = METRICS[name][0]
    base = {"clip_alignment": 28 + 4 * h, "temporal_flicker": 3 + 2 * h,
            "object_permanence": 0.85 + 0.1 * h, "physics_expectations": 0.7 + 0.3 * h}[name]
    scale = {"clip_alignment": 6.0, "temporal_flicker": 4.0, "object_permanence": 0.5,
             "physics_expectations": 0.6}[name]
    return base - worse * scale if hib else base + worse * scale


def make_run(run_dir: Path | None = None, *, run_id: str = "run-a", seeds: tuple[int, ...] = (0, 1),
             defect_prompts: tuple[str, ...] = (), videos: bool = True, failures: bool = True,
             prompts: list[tuple[str, str, list[str]]] | None = None,
             generator: str = "reference") -> RunResult:
    """A run over PROMPTS x seeds. With ``failures``: one sample errors (unreadable video),
    one is skipped, and clip_consistency is skipped for the whole run (weights missing)."""
    samples = []
    for pid, text, tags in prompts or PROMPTS:
        for seed in seeds:
            sid = f"{pid}__s{seed}"
            worse = 1.0 if pid in defect_prompts else 0.0
            status, message = "ok", None
            rel_video = f"videos/{sid}.mp4"
            if run_dir is not None and videos:
                write_clip(run_dir / rel_video, seed, broken=bool(worse))
            if failures and pid == "walker" and seed == seeds[-1]:
                status = "error:decode_failed"
                message = f"videos/{sid}.mp4: moov atom not found (fix: re-export the file)"
            if failures and pid == "pan_city" and seed == seeds[0]:
                status = "skipped:too-short"
                message = "video has 3 frames, metrics need at least 8 (fix: render longer clips)"
            metrics: dict[str, MetricSample] = {}
            if status == "ok":
                for name, (_hib, kind, _u) in METRICS.items():
                    if kind == "set":
                        continue
                    v = _value(name, pid, seed, worse)
                    details: dict[str, Any] = {}
                    if name == "clip_alignment":
                        details["per_frame"] = [v + np.sin(i / 2.0) for i in range(16)]
                    if name == "temporal_flicker":
                        details["curve"] = [v + (8.0 * worse if 5 <= i <= 10 else 0.0) + 0.1 * i
                                            for i in range(15)]
                    if name == "object_permanence" and worse:
                        details["events"] = [{"kind": "vanished", "frame": 5, "end_frame": 10,
                                              "objects": ["ball"], "position": [20.0, 24.0]}]
                    if name == "physics_expectations":
                        details["expectations"] = [
                            {"expect": {"object": "ball", "event": "stays_visible"},
                             "passed": not worse,
                             "message": "ball missing in frames 5-10" if worse else ""}]
                    metrics[name] = MetricSample(v, "ok", None, details, [])
            samples.append(SampleResult(
                sample_id=sid, prompt_id=pid, seed=seed, prompt=text, status=status, tags=tags,
                message=message, video=rel_video if videos else None,
                truth=f"videos/{sid}.truth.json" if videos else None, metrics=metrics,
                expect=[{"object": "ball", "event": "stays_visible"}],
            ))
    samples.sort(key=lambda s: s.sample_id)
    results = {}
    for name, (hib, kind, unit) in METRICS.items():
        if kind == "set":
            results[name] = MetricResult(
                name, 1, "fvd/i3d-k400-logits/16f/224-bilinear-stretch/[-1,1]/sha256:"
                + "ab" * 32, hib, "set", 310.0 + 90.0 * len(defect_prompts), len(samples),
                [280.0 + 90.0 * len(defect_prompts), 345.0 + 90.0 * len(defect_prompts)], unit,
                {"ok": len(samples)},
                details={"fvd_vs_n": {"n": [2, 4, 8, 12], "value": [520.0, 410.0, 350.0, 310.0]}})
            continue
        vals = [s.metrics[name].value for s in samples if name in s.metrics]
        mean, ci = mean_ci(vals)
        counts: dict[str, int] = {}
        for s in samples:
            st = s.metrics[name].status if name in s.metrics else s.status
            counts[st] = counts.get(st, 0) + 1
        results[name] = MetricResult(name, 1, f"{name}/v1/test-protocol", hib, kind, mean,
                                     len(vals), list(ci) if ci else None, unit, counts)
    if failures:
        results["clip_consistency"] = MetricResult(
            "clip_consistency", 1, "clip_consistency/ViT-B-32/openai", True, "video", None, 0,
            None, "cosine", {"skipped:weights-missing": len(samples)},
            skip_message="CLIP weights not found; run: sora-bench weights fetch clip "
                         "(or set SORA_BENCH_CLIP_WEIGHTS=/path/to/open_clip_model.safetensors)")
    status_counts: dict[str, int] = {}
    for s in samples:
        status_counts[s.status] = status_counts.get(s.status, 0) + 1
    run = RunResult(
        run_id=run_id, command="run", created_at="2026-11-23T20:00:00Z",
        finished_at="2026-11-23T20:05:00Z",
        suite={"name": "smoke", "version": "1", "sha256": "cd" * 32},
        generator={"name": generator, "version": "0.1"},
        spec={"num_frames": 16, "fps": 12.0, "height": 48, "width": 48},
        metrics=results, samples=samples, status_counts=dict(sorted(status_counts.items())),
        environment={"python": "3.11", "torch": "2.13.0+cpu", "device": "cpu",
                     "HF_TOKEN": "hf_secret_value_123"},
        settings={"reference": None},
    )
    if run_dir is not None:
        run_dir.mkdir(parents=True, exist_ok=True)
        run.write(run_dir / "result.json")
    return run
