"""Camera-motion accuracy of the blob tracker against the reference generator's cameras.

    .venv/bin/python benchmarks/bench_camera_motion.py [--suite camera] [--size 96]
        [--frames 24] [--calibration]

For each clip: static world points (a grid on and above the floor) are projected with the
Truth camera into frame t and frame 0; the tracker's ``frame_to_ref[t]`` must carry the
frame-t projections onto the frame-0 ones. Reported per clip: the largest (over frames)
median point error in px, next to the true image motion of those points by the last frame
(an estimate that stays static scores exactly that). ``--calibration`` runs the 20
calibration scenes of tests/calibration (80 px, 20 frames, clean and with sensor noise)
instead of a suite.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from sora_bench.tracking.background import apply_affine
from sora_bench.tracking.tracker import BlobTracker

POINTS = np.array([[x, y, z] for x in np.linspace(-2, 2, 9) for z in np.linspace(-3, 1, 5)
                   for y in (0.0, 0.5, 1.0)])


def camera_error(f2r: np.ndarray, camera, size: int) -> tuple[float, float]:
    """(max over frames of the median point error px, true median motion px at the end)."""
    p0 = camera.project(0, POINTS)
    errs, motion = [], 0.0
    for t in range(len(f2r)):
        pt = camera.project(t, POINTS)
        ok = np.isfinite(pt).all(1) & np.isfinite(p0).all(1) & (pt >= 0).all(1) & (pt < size).all(1)
        if not ok.any():
            continue
        errs.append(float(np.median(np.linalg.norm(apply_affine(f2r[t], pt[ok]) - p0[ok], axis=1))))
        motion = float(np.median(np.linalg.norm(pt[ok] - p0[ok], axis=1)))
    return max(errs) if errs else float("nan"), motion


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--suite", default="camera")
    ap.add_argument("--size", type=int, default=96)
    ap.add_argument("--frames", type=int, default=24)
    ap.add_argument("--calibration", action="store_true")
    args = ap.parse_args()
    from sora_bench.generator.reference import render_scene

    tracker = BlobTracker()
    rows = []
    if args.calibration:
        sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
        from tests.calibration.scenes import FPS, FRAMES, SIZE, calibration_scene

        for cond in ("clean", "noise"):
            for i in range(20):
                scene = calibration_scene(i)
                if scene["camera"]["move"] == "static":
                    continue
                video, truth = render_scene(scene, width=SIZE, height=SIZE, num_frames=FRAMES,
                                            fps=FPS, seed=i, defect=None if cond == "clean" else cond)
                err, motion = camera_error(tracker.track(video).meta["frame_to_ref"], truth.camera, SIZE)
                rows.append((f"{cond} scene {i}", truth.camera.move, err, motion))
    else:
        from sora_bench.suite import load_suite

        suite = load_suite(args.suite)
        fps = min(float(suite.spec.fps), 15.0)
        for p in (p for p in suite.prompts if p.scene is not None):
            video, truth = render_scene(dict(p.scene), width=args.size, height=args.size,
                                        num_frames=args.frames, fps=fps, seed=0)
            err, motion = camera_error(tracker.track(video).meta["frame_to_ref"], truth.camera, args.size)
            rows.append((p.id, truth.camera.move, err, motion))
    print(f"{'clip':30s} {'move':10s} {'max err px':>10s} {'true motion px':>14s}")
    for name, move, err, motion in rows:
        print(f"{name:30s} {move:10s} {err:10.1f} {motion:14.1f}")
    moving = [(e, m) for _, mv, e, m in rows if mv != "static"]
    good = sum(e < 0.2 * m for e, m in moving)
    print(f"moving cameras recovered (error < 20 % of the motion): {good}/{len(moving)}")


if __name__ == "__main__":
    main()
