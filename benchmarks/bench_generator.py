"""Reference generator throughput: frames per second per suite at a fixed size.

Usage::

    python benchmarks/bench_generator.py [--suites smoke physics] [--size 256x256]
                                          [--limit N] [--antialias N] [--json OUT]

For each suite every prompt is rendered (seed 0) at the suite's frame count and fps, at the
given size. Reported per suite: frames, wall seconds, CPU seconds (this process), frames per
second (wall and CPU), and the machine reference measured in the same run: a numpy
elementwise multiply-add rate (float64 elements per second, single thread) and the numpy
matmul peak (GFLOP/s). ``pixel_rate_ratio`` = rendered pixels per CPU second / elementwise
rate: roughly how many elementwise numpy passes the renderer spends per pixel (lower is
better; stable across machines and load, unlike raw fps).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time

import numpy as np


def numpy_reference() -> dict[str, float]:
    n = 1 << 20
    a, b, c = np.random.rand(n), np.random.rand(n), np.empty(n)
    best = float("inf")
    for _ in range(20):
        t = time.perf_counter()
        np.multiply(a, b, out=c)
        np.add(c, a, out=c)
        best = min(best, time.perf_counter() - t)
    fill = 2 * n / best
    m = np.random.rand(1024, 1024)
    best_mm = float("inf")
    for _ in range(5):
        t = time.perf_counter()
        m @ m
        best_mm = min(best_mm, time.perf_counter() - t)
    return {"elementwise_per_s": fill, "matmul_gflops": 2 * 1024 ** 3 / best_mm / 1e9}


def bench_suite(name: str, width: int, height: int, limit: int | None,
                antialias: int | None) -> dict[str, object]:
    from sora_bench.generator.reference import render_scene
    from sora_bench.suite import load_suite

    suite = load_suite(name)
    prompts = list(suite.prompts)[:limit] if limit else list(suite.prompts)
    frames = 0
    wall0, cpu0 = time.perf_counter(), time.process_time()
    for p in prompts:
        v, _ = render_scene(p.scene, width=width, height=height,
                            num_frames=suite.spec.num_frames, fps=suite.spec.fps, seed=0,
                            antialias=antialias)
        frames += v.num_frames
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    return {"suite": name, "prompts": len(prompts), "frames": frames,
            "frames_per_clip": suite.spec.num_frames, "size": f"{width}x{height}",
            "wall_s": round(wall, 2), "cpu_s": round(cpu, 2),
            "fps_wall": round(frames / wall, 2), "fps_cpu": round(frames / cpu, 2),
            "pixels_per_cpu_s": frames * width * height / cpu}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--suites", nargs="+", default=["smoke", "physics"])
    ap.add_argument("--size", default="256x256")
    ap.add_argument("--limit", type=int)
    ap.add_argument("--antialias", type=int)
    ap.add_argument("--json")
    a = ap.parse_args()
    w, h = (int(x) for x in a.size.lower().split("x"))
    ref = numpy_reference()
    out = {"machine": {"python": platform.python_version(), "numpy": np.__version__,
                       "cpus": os.cpu_count(), "loadavg_1m": os.getloadavg()[0]},
           "reference": ref, "suites": []}
    for s in a.suites:
        r = bench_suite(s, w, h, a.limit, a.antialias)
        r["pixel_rate_ratio"] = round(ref["elementwise_per_s"] / r.pop("pixels_per_cpu_s"), 1)
        out["suites"].append(r)
        print(json.dumps(r))
    out["machine"]["loadavg_1m_end"] = os.getloadavg()[0]
    print(json.dumps(out["reference"]), json.dumps(out["machine"]))
    if a.json:
        with open(a.json, "w") as f:
            json.dump(out, f, indent=2)


if __name__ == "__main__":
    main()
