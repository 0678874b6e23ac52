"""Torch device selection (``--device auto|cpu|cuda|cuda:N|mps``) and the exact-float32
switch for CUDA; torch imported lazily."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from .errors import ConfigError

__all__ = ["exact_float32", "resolve_device"]


def resolve_device(name: str | None = "auto") -> str:
    """Resolve ``auto`` to the best available device; check that an explicit one exists."""
    import torch

    name = (name or "auto").strip().lower()
    if name == "auto":
        if torch.cuda.is_available():
            return "cuda:0"
        mps = getattr(torch.backends, "mps", None)
        if mps is not None and mps.is_available():
            return "mps"
        return "cpu"
    if name == "cpu":
        return "cpu"
    if name.startswith("cuda"):
        if not torch.cuda.is_available():
            raise ConfigError(f"--device {name}: CUDA is not available here; use --device cpu")
        index = 0 if name == "cuda" else int(name.partition(":")[2] or 0)
        if index >= torch.cuda.device_count():
            raise ConfigError(f"--device {name}: only {torch.cuda.device_count()} CUDA devices")
        return f"cuda:{index}"
    if name == "mps":
        mps = getattr(torch.backends, "mps", None)
        if mps is None or not mps.is_available():
            raise ConfigError("--device mps: MPS is not available here; use --device cpu")
        return "mps"
    raise ConfigError(f"--device {name!r}: expected auto, cpu, cuda, cuda:N or mps")


@contextmanager
def exact_float32() -> Iterator[None]:
    """Run the enclosed CUDA convolutions and matmuls in IEEE float32, not TF32.

    PyTorch lets cuDNN convolutions use TF32 by default on Ampere and later GPUs (10-bit
    mantissa: ~1e-3 relative error per product), so an "fp32" I3D or CLIP forward on such a GPU
    would not give the numbers of the same protocol on a CPU (benchmarks/bench_gpu.py measures
    the gap). Our exact protocols promise comparable numbers across devices, so their forwards
    run inside this context. No effect on CPU kernels. The previous settings are restored on
    exit. torch >= 2.9 has per-operator ``fp32_precision`` flags; once a user has set those,
    the legacy ``allow_tf32`` getters raise, so the new API is used where it exists.
    """
    import torch

    cudnn_conv = getattr(torch.backends.cudnn, "conv", None)
    matmul = torch.backends.cuda.matmul
    if cudnn_conv is not None and hasattr(cudnn_conv, "fp32_precision"):
        switches = [(cudnn_conv, "fp32_precision", "ieee"), (matmul, "fp32_precision", "ieee")]
    else:
        switches = [(torch.backends.cudnn, "allow_tf32", False), (matmul, "allow_tf32", False)]
    saved = [getattr(owner, attr) for owner, attr, _ in switches]
    for owner, attr, value in switches:
        setattr(owner, attr, value)
    try:
        yield
    finally:
        for (owner, attr, _), value in zip(switches, saved):
            setattr(owner, attr, value)
