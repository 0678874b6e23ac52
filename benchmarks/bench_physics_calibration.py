"""Permanence/physics calibration on any range of calibration scenes (held-out check).

    .venv/bin/python benchmarks/bench_physics_calibration.py [--start 20] [--n 20]
        [--tracks pixels|truth] [--json out.json]

The CI test (tests/calibration/test_physics_calibration.py) scores scenes 0..19; the rules
were tuned while looking at them. This script scores scenes ``start .. start + n - 1`` of
the same generator (tests/calibration/scenes.py: same floors and camera moves, other
positions, colours, speeds and seeds), clean, with the noise nuisance and with each defect,
and prints, per defect, the AUROC of the metric it targets (clean vs defect; lower values
are worse, ties count half) and the fraction of defect clips flagged, then the fraction of
clean and noise clips each metric flags. A drop from scenes 0..19 to other ranges is
over-fitting to the CI scenes.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

from sora_bench.errors import MetricSkip
from sora_bench.metrics.base import RunContext, SampleContext
from sora_bench.types import Prompt


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--start", type=int, default=20)
    ap.add_argument("--n", type=int, default=20)
    ap.add_argument("--tracks", choices=("pixels", "truth"), default="pixels")
    ap.add_argument("--json")
    args = ap.parse_args()
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from sora_bench.generator.reference import render_scene
    from tests.calibration.scenes import FPS, FRAMES, SIZE, calibration_scene
    from tests.calibration.targets import METRICS, TARGET, auroc

    t0 = time.perf_counter()
    values: dict[str, dict[str, list[float]]] = {}
    for cond in ("clean", "noise", *TARGET):
        values[cond] = {m: [] for m in METRICS}
        for i in range(args.start, args.start + args.n):
            scene = calibration_scene(i)
            video, truth = render_scene(scene, width=SIZE, height=SIZE, num_frames=FRAMES,
                                        fps=FPS, seed=i, defect=None if cond == "clean" else cond)
            ctx = SampleContext(f"{cond}{i}", truth=truth if args.tracks == "truth" else None,
                                prompt=Prompt(f"c{i}", "calibration", scene=scene),
                                run=RunContext(settings={"tracks": args.tracks}))
            for name, cls in METRICS.items():
                try:
                    values[cond][name].append(float(cls().score(video, ctx).value))
                except MetricSkip:  # nothing to judge: no violation
                    values[cond][name].append(1.0)
    out: dict = {"scenes": [args.start, args.start + args.n - 1], "tracks": args.tracks,
                 "defects": {}, "flagged": {}}
    print(f"scenes {args.start}..{args.start + args.n - 1}, {args.tracks} tracks")
    print(f"{'defect':18s} {'metric':20s} AUROC  flagged")
    for defect, metric in TARGET.items():
        clean, bad = values["clean"][metric], values[defect][metric]
        row = {"metric": metric, "auroc": round(auroc(clean, bad), 3),
               "flagged": round(float(np.mean(np.array(bad) < METRICS[metric].FLAG_BELOW)), 2)}
        out["defects"][defect] = row
        print(f"{defect:18s} {metric:20s} {row['auroc']:.3f}  {row['flagged']:.2f}")
    for cond in ("clean", "noise"):
        out["flagged"][cond] = {m: round(float(np.mean(np.array(v) < METRICS[m].FLAG_BELOW)), 2)
                                for m, v in values[cond].items()}
        print(cond, "flagged:", out["flagged"][cond])
    out["seconds"] = round(time.perf_counter() - t0, 1)
    print("seconds", out["seconds"])
    if args.json:
        Path(args.json).write_text(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
