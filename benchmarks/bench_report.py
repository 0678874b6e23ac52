"""Report size and render time for a smoke-like run.

Builds a synthetic run (6 prompts x 4 seeds = 24 samples, 48 frames of 256x256 at 24 fps,
textured moving shapes with sensor-like noise, which compresses worse than clean renders),
renders the HTML report with and without a baseline, and prints the size broken down by
kind of embedded payload, and the render time.

    .venv/bin/python benchmarks/bench_report.py [--seeds 4] [--frames 48] [--size 256]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sora_bench.reports import render_report  # noqa: E402
from sora_bench.types import Video  # noqa: E402
from sora_bench.video_io import write_video  # noqa: E402
from tests.reports.synth import make_run  # noqa: E402


def clip(seed: int, n: int, size: int, fps: float) -> tuple[np.ndarray, list]:
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:size, 0:size].astype(np.float32)
    bg = np.stack([128 + 60 * np.sin(x / 23 + seed), 110 + 50 * np.cos(y / 31),
                   90 + 40 * np.sin((x + y) / 47)], -1)
    frames, boxes = [], []
    for i in range(n):
        f = bg + rng.normal(0, 3.0, bg.shape)
        cx = int(20 + i * (size - 60) / max(n - 1, 1))
        cy = int(size * 0.6 - 60 * abs(np.sin(i / 6.0)))
        f[cy - 14:cy + 14, cx - 14:cx + 14] = (220, 50, 40)
        f[size // 3:size // 3 + 30, (size - i * 3) % size:(size - i * 3) % size + 30] = (40, 80, 200)
        frames.append(np.clip(f, 0, 255).astype(np.uint8))
        boxes.append([cx - 14, cy - 14, cx + 14, cy + 14])
    return np.stack(frames), boxes


def build(root: Path, seeds: int, frames: int, size: int, defect: tuple[str, ...],
          run_id: str) -> None:
    run = make_run(root, run_id=run_id, seeds=tuple(range(seeds)), defect_prompts=defect)
    for s in run.samples:
        arr, boxes = clip(sum(map(ord, s.sample_id)), frames, size, 24.0)
        write_video(Video(arr, 24.0), root / s.video)
        truth = {"format": "sora-bench.truth/1", "objects": {"ball": {"kind": "sphere",
                                                                      "box": boxes}}}
        (root / s.truth).write_text(json.dumps(truth), encoding="utf-8")


def breakdown(html: str) -> dict[str, int]:
    out: dict[str, int] = {}
    for mime, payload in re.findall(r'"data:([a-z/+]+);base64,([A-Za-z0-9+/=]+)"', html):
        out[mime] = out.get(mime, 0) + len(payload)
    out["html+css+js"] = len(html) - sum(out.values())
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, default=4)
    ap.add_argument("--frames", type=int, default=48)
    ap.add_argument("--size", type=int, default=256)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        base, cand = Path(tmp) / "base", Path(tmp) / "cand"
        build(base, a.seeds, a.frames, a.size, (), "base")
        build(cand, a.seeds, a.frames, a.size, ("ball_bounce", "occluder"), "cand")
        n = len(list((cand / "videos").glob("*.mp4")))
        for label, kw in (("single run", {}), ("with --baseline", {"baseline": base})):
            t0 = time.perf_counter()
            out = render_report(cand, Path(tmp) / f"{label[:4]}.html", **kw)
            dt = time.perf_counter() - t0
            html = out.read_text(encoding="ascii")
            parts = ", ".join(f"{k} {v / 1e6:.2f} MB" for k, v in sorted(breakdown(html).items()))
            print(f"{label}: {n} videos {a.frames}x{a.size}x{a.size}: "
                  f"{len(html) / 1e6:.2f} MB in {dt:.1f} s ({parts})")


if __name__ == "__main__":
    main()
