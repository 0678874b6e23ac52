"""Throughput of the temporal metrics (frames per second) at 256x256, shared vs unshared flow.

    .venv/bin/python benchmarks/bench_temporal.py [--frames 32] [--size 256] [--fps 24]
                                                  [--repeats 3] [--json out.json]

What it measures, on one synthetic clip (textured pan plus a moving square):

- in-run references: raw DIS (preset medium) pairs/s on the same frames, and numpy memcpy
  bandwidth, so the numbers can be compared across machines as ratios;
- **unshared**: each metric alone, with a fresh SampleContext (it pays for its own flow);
- **shared**: all five metrics on one SampleContext, in registry order, so flow computed by
  one metric is reused by the next; per-metric incremental time and the total.

Frames per second = clip frames / seconds; best of ``--repeats`` runs.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time

import cv2
import numpy as np
from _timing import best  # benchmarks/ is on sys.path when run as a script

from sora_bench.metrics.base import SampleContext
from sora_bench.metrics.temporal import (
    DynamicDegree,
    FlickerIndex,
    MotionSmoothness,
    TemporalFlicker,
    WarpingError,
)
from sora_bench.types import Video

METRICS = (TemporalFlicker, FlickerIndex, WarpingError, MotionSmoothness, DynamicDegree)


def make_clip(t: int, size: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    w = size + 3 * t + 16
    tex = cv2.resize(rng.random((size // 4 + 2, w // 4 + 2, 3)) * 255, (w, size),
                     interpolation=cv2.INTER_CUBIC)
    square = cv2.resize(rng.random((10, 10, 3)) * 255, (size // 4, size // 4),
                        interpolation=cv2.INTER_CUBIC)
    out = []
    for i in range(t):
        f = tex[:, 2 * i:2 * i + size].copy()
        y = x = size // 8 + 4 * i % (size // 2)
        f[y:y + size // 4, x:x + size // 4] = square
        out.append(f)
    return np.clip(np.rint(out), 0, 255).astype(np.uint8)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--frames", type=int, default=32)
    ap.add_argument("--size", type=int, default=256)
    ap.add_argument("--fps", type=float, default=24.0)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--json", default=None)
    a = ap.parse_args()

    frames = make_clip(a.frames, a.size)
    video = Video(frames, a.fps)
    t = a.frames

    # references measured in this run
    gray = [cv2.cvtColor(f, cv2.COLOR_RGB2GRAY) for f in frames]
    dis = cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_MEDIUM)
    dis_s = best(lambda: [dis.calc(gray[i], gray[i + 1], None) for i in range(t - 1)],
                 a.repeats)
    dis_pairs_s = (t - 1) / dis_s
    buf = np.empty(256 * 2**20, np.uint8)
    dst = np.empty_like(buf)
    mem_s = best(lambda: np.copyto(dst, buf), max(3, a.repeats))
    memcpy_gbs = buf.nbytes / mem_s / 1e9

    rows = []
    for cls in METRICS:
        sec = best(lambda cls=cls: cls().score(video, SampleContext("b")), a.repeats)
        ctx = SampleContext("b")
        cls().score(video, ctx)
        calls = next(iter(ctx.memo.values())).calls
        rows.append({"metric": cls.name, "unshared_s": sec, "unshared_fps": t / sec,
                     "dis_calls_alone": calls})

    def shared_run() -> tuple[list[float], int]:
        ctx = SampleContext("b")
        inc = []
        for cls in METRICS:
            t0 = time.perf_counter()
            cls().score(video, ctx)
            inc.append(time.perf_counter() - t0)
        return inc, next(iter(ctx.memo.values())).calls

    runs = [shared_run() for _ in range(a.repeats)]
    inc, shared_calls = min(runs, key=lambda r: sum(r[0]))
    for row, s in zip(rows, inc):
        row["shared_incremental_s"] = s
    total_shared = sum(inc)
    total_unshared = sum(r["unshared_s"] for r in rows)

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cpus, "
          f"load avg {load:.1f}, cv2 {cv2.__version__}, cv2 threads {cv2.getNumThreads()}")
    print(f"clip: {t} frames {a.size}x{a.size} @ {a.fps:g} fps; best of {a.repeats}")
    print(f"in-run reference: raw DIS medium {dis_pairs_s:.1f} pairs/s "
          f"(= frames/s of one flow direction over consecutive pairs); "
          f"numpy memcpy {memcpy_gbs:.1f} GB/s")
    print()
    print("| metric | alone: frames/s | alone: DIS calls | alone: x raw-DIS time | "
          "shared pass: incremental frames/s |")
    print("|---|---:|---:|---:|---:|")
    for r in rows:
        ratio = dis_pairs_s / r["unshared_fps"]
        print(f"| {r['metric']} | {r['unshared_fps']:.1f} | {r['dis_calls_alone']} | "
              f"{ratio:.1f}x | {t / r['shared_incremental_s']:.1f} |")
    print(f"| all five, each alone (sum) | {t / total_unshared:.1f} | "
          f"{sum(r['dis_calls_alone'] for r in rows)} | {dis_pairs_s * total_unshared / t:.1f}x | |")
    print(f"| all five, one shared FlowBank | {t / total_shared:.1f} | {shared_calls} | "
          f"{dis_pairs_s * total_shared / t:.1f}x | |")
    if a.json:
        with open(a.json, "w", encoding="utf-8") as fh:
            json.dump({"rows": rows, "dis_pairs_per_s": dis_pairs_s, "memcpy_gbs": memcpy_gbs,
                       "shared_total_s": total_shared, "unshared_total_s": total_unshared,
                       "shared_dis_calls": shared_calls, "frames": t, "size": a.size,
                       "fps": a.fps}, fh, indent=2)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
