"""Pixel-tracker quality (MOTA, IDF1 against Truth) per suite, and tracker speed.

    .venv/bin/python benchmarks/bench_tracker.py [--suites smoke,core,physics,permanence,camera]
        [--per-suite 8] [--size 96] [--frames 24] [--json out.json]

For each suite the first ``--per-suite`` prompts (seed 0) are rendered by the reference
generator at ``--size`` px square, ``--frames`` frames at the suite's fps (capped to keep the
clip short), then tracked by the pixel tracker (``--tracker``, default ``blob-static``) and
compared with Truth tracks:

- MOTA / IDF1 over **all** Truth objects with at least one visible frame (objects that never
  move are background to the tracker and count as misses), and over **moving** objects only
  (``moving_only``: Truth world travel >= 0.25 m), pooled over the suite's clips (sums of FP, FN,
  IDSW, IDTP, GT, hypotheses), IoU >= 0.5.
- speed: tracker frames per second, with two in-run references measured on the same clips:
  the exact Truth->Tracks path, and a plain numpy pass (float conversion + temporal median of
  the frames, the tracker's cheapest building block).

    .venv/bin/python benchmarks/bench_tracker.py --calibration 0:100 [--conditions clean,noise]

scores the physics calibration scenes instead (tests/calibration/scenes.py: 80 px, 20
frames), rendered clean and with each listed defect or nuisance (``noise``: sensor noise),
MOTA / IDF1 over all Truth objects pooled per condition: how much a nuisance costs the
tracker on the scenes the physics metrics are calibrated on; and per camera move (pooled,
and the mean of the per-clip scores). ``--tracker NAME`` picks a registered tracker
(``blob``, ``blob-static``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time

import numpy as np

from sora_bench.suite import load_suite
from sora_bench.tracking.evaluate import evaluate_tracks, moving_only
from sora_bench.tracking.from_truth import tracks_from_truth
from sora_bench.tracking.tracker import get_tracker


def pooled(scores: list) -> dict[str, float]:
    tot = {k: sum(getattr(s, k) for s in scores) for k in ("gt", "fp", "fn", "idsw", "idtp",
                                                            "num_hyp")}
    if tot["gt"] == 0:  # nothing to find (e.g. no moving object): MOTA is undefined
        return {"mota": None, "idf1": None, **tot}
    mota = 1 - (tot["fn"] + tot["fp"] + tot["idsw"]) / tot["gt"]
    idf1 = 2 * tot["idtp"] / (tot["gt"] + tot["num_hyp"])
    return {"mota": round(mota, 3), "idf1": round(idf1, 3), **tot}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--suites", default="smoke,core,physics,permanence,camera")
    ap.add_argument("--per-suite", type=int, default=8)
    ap.add_argument("--size", type=int, default=96)
    ap.add_argument("--frames", type=int, default=24)
    ap.add_argument("--json")
    ap.add_argument("--calibration", metavar="START:COUNT",
                    help="score calibration scenes START .. START+COUNT-1 instead of suites")
    ap.add_argument("--conditions", default="clean,noise")
    ap.add_argument("--tracker", default="blob-static",
                    help="pixel tracker (blob-static, the default; blob)")
    args = ap.parse_args()
    from sora_bench.generator.reference import render_scene

    if args.calibration:
        _calibration(args, render_scene)
        return

    tracker = get_tracker(args.tracker)
    out: dict = {"machine": {"cpu_count": os.cpu_count(), "python": platform.python_version()},
                 "protocol": tracker.protocol, "size": args.size, "frames": args.frames,
                 "suites": {}}
    all_frames = 0
    t_track = t_truth = t_numpy = 0.0
    for name in args.suites.split(","):
        suite = load_suite(name)
        prompts = [p for p in suite.prompts if p.scene is not None][: args.per_suite]
        fps = min(float(suite.spec.fps), 15.0)
        s_all, s_mov = [], []
        for p in prompts:
            video, truth = render_scene(dict(p.scene), width=args.size, height=args.size,
                                        num_frames=args.frames, fps=fps, seed=0)
            t0 = time.perf_counter()
            hyp = tracker.track(video)
            t1 = time.perf_counter()
            gt = tracks_from_truth(truth, video)
            t2 = time.perf_counter()
            f = video.frames.astype(np.float32) / 255.0
            np.median(f, axis=0)
            t3 = time.perf_counter()
            t_track += t1 - t0
            t_truth += t2 - t1
            t_numpy += t3 - t2
            all_frames += video.num_frames
            s_all.append(evaluate_tracks(gt, hyp))
            s_mov.append(evaluate_tracks(moving_only(gt), hyp))
        out["suites"][name] = {"prompts": len(prompts), "all": pooled(s_all),
                               "moving": pooled(s_mov)}
        print(name, out["suites"][name], flush=True)
    out["speed"] = {"frames": all_frames,
                    "tracker_fps": round(all_frames / t_track, 1),
                    "truth_to_tracks_fps": round(all_frames / t_truth, 1),
                    "numpy_median_pass_fps": round(all_frames / t_numpy, 1),
                    "tracker_vs_numpy_pass": round(t_track / t_numpy, 1)}
    print(json.dumps(out["speed"]))
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(out, fh, indent=2)


def _calibration(args: argparse.Namespace, render_scene) -> None:
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from tests.calibration.scenes import FPS, FRAMES, SIZE, calibration_scene

    start, count = (int(x) for x in args.calibration.split(":"))
    tracker = get_tracker(args.tracker)
    out: dict = {"protocol": tracker.protocol, "scenes": [start, start + count - 1],
                 "conditions": {}}
    out["by_camera"] = {}
    for cond in args.conditions.split(","):
        scores, by_move = [], {}
        for i in range(start, start + count):
            scene = calibration_scene(i)
            video, truth = render_scene(scene, width=SIZE, height=SIZE, num_frames=FRAMES,
                                        fps=FPS, seed=i, defect=None if cond == "clean" else cond)
            s = evaluate_tracks(tracks_from_truth(truth, video), tracker.track(video))
            scores.append(s)
            by_move.setdefault(scene["camera"]["move"], []).append(s)
        out["conditions"][cond] = pooled(scores)
        print(cond, out["conditions"][cond], flush=True)
        # per camera move: pooled counts, and the mean of the per-clip scores (each clip
        # weighs the same however many objects it holds)
        out["by_camera"][cond] = {
            move: {**pooled(ss), "clips": len(ss),
                   "clip_mean_mota": round(float(np.mean([x.mota for x in ss])), 3),
                   "clip_mean_idf1": round(float(np.mean([x.idf1 for x in ss])), 3)}
            for move, ss in sorted(by_move.items())}
        for move, row in out["by_camera"][cond].items():
            print(f"  {cond} {move:10s} clips {row['clips']:3d}  clip-mean MOTA "
                  f"{row['clip_mean_mota']:.3f} IDF1 {row['clip_mean_idf1']:.3f}  pooled "
                  f"{row['mota']} / {row['idf1']}", flush=True)
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(out, fh, indent=2)


if __name__ == "__main__":
    main()
