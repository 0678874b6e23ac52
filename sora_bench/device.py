"""Torch device selection (``--device auto|cpu|cuda|cuda:N|mps``); torch imported lazily."""

from __future__ import annotations

from .errors import ConfigError

__all__ = ["resolve_device"]


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
