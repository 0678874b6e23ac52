"""On an accelerator: the metrics' own code paths, their parity with the CPU, and throughput
against the GPU's own matmul peak measured in the same run.

    python benchmarks/bench_gpu.py --device cuda --json /tmp/bench_gpu.json [--e2e DIR]

1. ``peaks``: ``torch.mm`` 8192² in IEEE float32, TF32 and bf16, TFLOP/s (median of 10 after 3
   warm-ups, synchronised wall time).
2. ``i3d``: the FVD model (Kinetics-400 I3D, 55.6 GFLOP per 16×224² clip) through the metric's
   ``i3d_forward`` (batch 1, exact fp32: no TF32) and on batches of 16, exact fp32 and bf16
   autocast; clips/s, TFLOP/s, % of the matching matmul peak.
3. ``i3d_parity``: logits and pool features of reference-generator renders on the device vs
   the CPU: relative L2 of the metric's path, and of PyTorch's default (TF32 convolutions).
4. ``fvd``: FVD (logits and pool, 8 vs 8 renders, clean vs ``noise:1.0``) computed from device
   features vs CPU features; relative difference, exact path and TF32 default.
5. ``clip``: open_clip ViT-B-32 (random weights; none can be downloaded here) through the
   metric's backend class on 32 frames: largest |Δcos| of frame-text cosines vs the CPU, and
   frames/s at batch 32 in fp32 and bf16.
6. ``--e2e DIR``: ``sora-bench run --suite smoke`` with ``--device <device>`` and with
   ``--device cpu`` into DIR; every metric value of every sample compared.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def timed(fn: Callable[[], object], device: str, reps: int = 10, warm: int = 3) -> float:
    """Median seconds per call, synchronising the device around each call."""
    for _ in range(warm):
        fn()
    _sync(device)
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        _sync(device)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def _sync(device: str) -> None:
    if device.startswith("cuda"):
        torch.cuda.synchronize(device)


def peaks(device: str, n: int = 8192) -> dict:
    from sora_bench.device import exact_float32

    out = {}
    for name, dtype in (("fp32_ieee", torch.float32), ("tf32", torch.float32),
                        ("bf16", torch.bfloat16)):
        a = torch.randn(n, n, device=device, dtype=dtype)
        b = torch.randn(n, n, device=device, dtype=dtype)
        if name == "fp32_ieee":
            with exact_float32():
                t = timed(lambda a=a, b=b: torch.mm(a, b), device)
        else:
            torch.backends.cuda.matmul.allow_tf32 = name == "tf32"
            t = timed(lambda a=a, b=b: torch.mm(a, b), device)
            torch.backends.cuda.matmul.allow_tf32 = False
        out[name + "_tflops"] = 2 * n ** 3 / t / 1e12
    return out


def renders(n: int, defect: tuple[str, float] | None, seed0: int, size: int = 64) -> list:
    from sora_bench.generator.reference import ReferenceGenerator
    from sora_bench.types import GenerationRequest, Prompt, VideoSpec

    gen = ReferenceGenerator()
    spec = VideoSpec(num_frames=16, fps=8, height=size, width=size)
    prompt = Prompt(id="ball", text="a red ball falls onto the floor and bounces")
    with tempfile.TemporaryDirectory() as tmp:
        return [gen.generate(GenerationRequest(prompt, seed0 + i, spec, defect=defect),
                             Path(tmp)).video for i in range(n)]


def i3d_bench(device: str, pk: dict) -> dict:
    from sora_bench.device import exact_float32
    from sora_bench.metrics.fvd import i3d_forward
    from sora_bench.metrics.i3d import build_i3d, i3d_flops

    gflop = i3d_flops() / 1e9
    model = build_i3d(device)
    x1 = torch.rand(1, 3, 16, 224, 224, device=device) * 2 - 1
    x16 = torch.rand(16, 3, 16, 224, 224, device=device) * 2 - 1
    out: dict = {"gflop_per_clip": gflop}

    def batch(x: torch.Tensor, bf16: bool) -> Callable[[], object]:
        def run() -> object:
            with torch.inference_mode():
                if bf16:
                    with torch.autocast(torch.device(device).type, dtype=torch.bfloat16):
                        return model(x)
                with exact_float32():
                    return model(x)
        return run

    cases = {"metric_path_b1_fp32": (lambda: i3d_forward(x1, device, "fp32"), 1, "fp32_ieee"),
             "b16_fp32": (batch(x16, False), 16, "fp32_ieee"),
             "b16_bf16_autocast": (batch(x16, True), 16, "bf16")}
    for name, (fn, clips, peak) in cases.items():
        t = timed(fn, device, reps=5, warm=2)
        tflops = clips * gflop / t / 1e3
        out[name] = {"clips_per_s": clips / t, "tflops": tflops,
                     "pct_of_peak": 100 * tflops / pk[peak + "_tflops"], "peak": peak}
    return out


@contextlib.contextmanager
def numerics(tf32_default: bool) -> Iterator[None]:
    """The metric's own numerics, or (``tf32_default``) PyTorch's default in its place:
    the metrics' ``exact_float32`` swapped for a no-op, cuDNN convolutions allowed TF32."""
    from sora_bench.metrics import clip_backends, fvd

    if not tf32_default:
        yield
        return
    saved, saved_flag = fvd.exact_float32, torch.backends.cudnn.allow_tf32
    fvd.exact_float32 = clip_backends.exact_float32 = contextlib.nullcontext
    torch.backends.cudnn.allow_tf32 = True
    try:
        yield
    finally:
        fvd.exact_float32 = clip_backends.exact_float32 = saved
        torch.backends.cudnn.allow_tf32 = saved_flag


def features(videos: list, device: str, tf32_default: bool = False) -> dict[str, np.ndarray]:
    """I3D logits/pool of each video through the metric's code (exact fp32 protocol)."""
    from sora_bench.metrics import fvd

    proto = fvd.Protocol.parse("fvd/i3d-k400-logits/16f/224-bilinear-stretch/[-1,1]")
    with numerics(tf32_default):
        outs = [fvd.i3d_outputs(v, proto, device=device) for v in videos]
    return {k: np.stack([o[k] for o in outs]) for k in ("logits", "pool")}


def rel_l2(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.linalg.norm(a - b) / np.linalg.norm(b))


def i3d_parity_and_fvd(device: str, n: int) -> tuple[dict, dict]:
    from sora_bench.metrics.frechet import GaussianStats, frechet_distance_to_samples

    clean, noisy = renders(n, None, 0), renders(n, ("noise", 1.0), 100000)
    runs = {"cpu": (features(clean, "cpu"), features(noisy, "cpu")),
            "device_exact": (features(clean, device), features(noisy, device)),
            "device_tf32_default": (features(clean, device, True),
                                    features(noisy, device, True))}
    parity, fvds = {}, {}
    for name, (fa, fb) in runs.items():
        for feat in ("logits", "pool"):
            fvds[f"{name}_{feat}"] = frechet_distance_to_samples(
                GaussianStats.from_features(fa[feat]), fb[feat])
            if name != "cpu":
                ref = np.concatenate([runs["cpu"][0][feat], runs["cpu"][1][feat]])
                got = np.concatenate([fa[feat], fb[feat]])
                parity[f"{name}_{feat}_rel_l2"] = rel_l2(got, ref)
                fvds[f"{name}_{feat}_rel_diff"] = abs(fvds[f"{name}_{feat}"]
                                                      / fvds[f"cpu_{feat}"] - 1)
    fvds["n_per_set"] = n
    return parity, fvds


def clip_bench(device: str, frames_n: int = 32) -> dict:
    """The metric's open_clip backend on a random ViT-B-32 saved to a file, CPU vs device."""
    from safetensors.torch import save_file

    from sora_bench.metrics.clip_backends import ClipSpec, _open_clip, load_backend

    sys.path.insert(0, str(ROOT / "benchmarks"))
    from bench_clip import make_frames

    oc = _open_clip()
    torch.manual_seed(0)
    model = oc.create_model("ViT-B-32", force_quick_gelu=True)
    frames = make_frames(frames_n)
    text = "a red ball bounces on a wooden floor"
    out: dict = {"frames": frames_n}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "vitb32-random.safetensors"
        save_file({k: v.contiguous() for k, v in model.state_dict().items()}, str(path))
        cos = {}
        for name, dev, prec, tf32 in (("cpu", "cpu", "fp32", False),
                                      ("device_exact", device, "fp32", False),
                                      ("device_tf32_default", device, "fp32", True),
                                      ("device_bf16", device, "bf16", False)):
            spec = ClipSpec(model="ViT-B-32", pretrained="openai", weights=str(path),
                            precision=prec)
            with numerics(tf32):
                b = load_backend(spec, dev)
                img = b.encode_images(frames, batch_size=32)
                txt, _ = b.encode_text(text)
                cos[name] = img @ txt
                if dev != "cpu":
                    t = timed(lambda b=b: b.encode_images(frames, batch_size=32), device,
                              reps=5, warm=1)
                    out[f"{name}_frames_per_s"] = frames_n / t
        for name in cos:
            if name != "cpu":
                out[f"{name}_max_abs_dcos"] = float(np.abs(cos[name] - cos["cpu"]).max())
    return out


def e2e(device: str, root: Path) -> dict:
    """``sora-bench run --suite smoke`` on the device and on the CPU; values compared."""
    from sora_bench.results import read_jsonl

    values = {}
    for dev in (device, "cpu"):
        out = root / dev.replace(":", "")
        cmd = [sys.executable, "-m", "sora_bench", "run", "--suite", "smoke", "--out", str(out),
               "--device", dev, "--no-cache", "--no-progress", "--overwrite"]
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
        rows = list(read_jsonl(out / "samples.jsonl")) if (out / "samples.jsonl").exists() else []
        run = json.loads((out / "result.json").read_text()) if (out / "result.json").exists() else {}
        per_sample = {f"{r['sample_id']}/{m}": s.get("value")
                      for r in rows for m, s in r.get("metrics", {}).items()}
        # run-level values: set metrics (fvd, kvd) exist only here
        per_run = {f"run/{m}": r.get("value") for m, r in run.get("metrics", {}).items()}
        values[dev] = {"rc": proc.returncode, "seconds": time.perf_counter() - t0,
                       "stderr_tail": proc.stderr[-600:], "values": {**per_sample, **per_run}}
    a, b = values[device]["values"], values["cpu"]["values"]
    diffs = {k: (a[k], b.get(k)) for k in a}
    both = {k: (x, y) for k, (x, y) in diffs.items() if x is not None and y is not None}
    worst = max(both, key=lambda k: abs(both[k][0] - both[k][1]) / max(abs(both[k][1]), 1e-12),
                default=None)
    return {"runs": {d: {k: v for k, v in r.items() if k != "values"} for d, r in values.items()},
            "compared": len(both), "run_level": {k: v for k, v in both.items() if k.startswith("run/")},
            "worst_rel_diff": (worst, abs(both[worst][0] / both[worst][1] - 1)
                               if worst and both[worst][1] else None),
            "mismatched_status": sorted(k for k, (x, y) in diffs.items()
                                        if (x is None) != (y is None))}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--device", default="cuda")
    ap.add_argument("--fvd-n", type=int, default=8, help="videos per set")
    ap.add_argument("--e2e", default=None, help="folder for the two smoke runs")
    ap.add_argument("--json", default=None)
    args = ap.parse_args()

    from sora_bench.device import resolve_device

    device = resolve_device(args.device)
    res: dict = {"torch": torch.__version__, "device": device,
                 "device_name": (torch.cuda.get_device_name(device)
                                 if device.startswith("cuda") else device)}
    steps: list[tuple[str, Callable[[], object]]] = [
        ("peaks", lambda: peaks(device)),
        ("i3d", lambda: i3d_bench(device, res["peaks"])),
        ("i3d_parity+fvd", lambda: i3d_parity_and_fvd(device, args.fvd_n)),
        ("clip", lambda: clip_bench(device)),
    ]
    if args.e2e:
        steps.append(("e2e", lambda: e2e(device, Path(args.e2e))))
    for name, fn in steps:
        t0 = time.perf_counter()
        try:
            got = fn()
        except Exception as exc:  # report and go on: one failing part must not hide the rest
            got = {"error": f"{type(exc).__name__}: {exc}"[:800]}
        if name == "i3d_parity+fvd" and isinstance(got, tuple):
            res["i3d_parity"], res["fvd"] = got
        else:
            res[name] = got
        print(f"{name} ({time.perf_counter() - t0:.1f} s): "
              f"{json.dumps(res.get(name, got), default=str)[:1500]}", flush=True)
    text = json.dumps(res, indent=1, default=str)
    print(text)
    if args.json:
        Path(args.json).write_text(text)


if __name__ == "__main__":
    main()
