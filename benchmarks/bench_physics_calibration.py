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

    .venv/bin/python benchmarks/bench_physics_calibration.py --pool a.json b.json ...

pools the per-clip values several ``--json`` runs saved (e.g. scenes 0..99 from five runs
of 20) and prints the same table over all of them: 100 clips per condition estimate an
AUROC or a flag rate far better than 20 do (one clip is 5 % of 20).
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
    ap.add_argument("--tracker", default="blob-static",
                    help="pixel tracker (blob-static, the default; blob)")
    ap.add_argument("--json")
    ap.add_argument("--pool", nargs="+", metavar="JSON", help="pool saved runs instead")
    args = ap.parse_args()
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    if args.pool:
        runs = [json.loads(Path(f).read_text()) for f in args.pool]
        if len({r["tracks"] for r in runs}) != 1 or any("values" not in r for r in runs):
            sys.exit("--pool needs runs of one kind of tracks saved with per-clip values")
        pooled: dict[str, dict[str, list[float]]] = {}
        for r in runs:
            for cond, per_metric in r["values"].items():
                for m, v in per_metric.items():
                    pooled.setdefault(cond, {}).setdefault(m, []).extend(v)
        scenes = sorted(i for r in runs for i in range(r["scenes"][0], r["scenes"][1] + 1))
        print(f"pooled {len(runs)} runs, {len(scenes)} scenes, {runs[0]['tracks']} tracks")
        _report(pooled, {"scenes": [scenes[0], scenes[-1]], "tracks": runs[0]["tracks"]})
        return
    from sora_bench.generator.reference import render_scene
    from tests.calibration.scenes import FPS, FRAMES, SIZE, calibration_scene
    from tests.calibration.targets import METRICS, TARGET

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
                                run=RunContext(settings={"tracks": args.tracks,
                                                         "tracker": args.tracker}))
            for name, cls in METRICS.items():
                try:
                    values[cond][name].append(float(cls().score(video, ctx).value))
                except MetricSkip:  # nothing to judge: no violation
                    values[cond][name].append(1.0)
    # (runs of one tracker must not pool with another's; until session 11 the default
    # `blob` wrote plain "pixels")
    tracks = args.tracks if args.tracks == "truth" else f"pixels:{args.tracker}"
    print(f"scenes {args.start}..{args.start + args.n - 1}, {tracks} tracks")
    out = _report(values, {"scenes": [args.start, args.start + args.n - 1], "tracks": tracks})
    out["seconds"] = round(time.perf_counter() - t0, 1)
    print("seconds", out["seconds"])
    if args.json:
        Path(args.json).write_text(json.dumps(out, indent=2))


def _report(values: dict[str, dict[str, list[float]]], out: dict) -> dict:
    """Print (and return in ``out``) the AUROC per defect and the flag rates."""
    from tests.calibration.targets import METRICS, TARGET, auroc

    out.update({"defects": {}, "flagged": {}, "values": values})
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
    return out


if __name__ == "__main__":
    main()
