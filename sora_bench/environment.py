"""The environment fingerprint stored in every result (no hostnames, no timestamps)."""

from __future__ import annotations

import os
import platform
import sys
from importlib import metadata
from typing import Any

__all__ = ["environment"]

_PACKAGES = ("numpy", "torch", "av", "opencv-python-headless", "open_clip_torch",
             "torchmetrics", "scipy", "transformers", "pillow")


def _version(dist: str) -> str | None:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def environment(device: str | None = None) -> dict[str, Any]:
    """Versions that can change numbers: Python, libraries, FFmpeg, the device."""
    from . import __version__

    env: dict[str, Any] = {
        "sora_bench": __version__,
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": f"{sys.platform}-{platform.machine()}",
        "cpu_count": os.cpu_count(),
        "packages": {d: v for d in _PACKAGES if (v := _version(d)) is not None},
    }
    try:
        import av

        env["ffmpeg"] = {k: ".".join(map(str, v)) for k, v in av.library_versions.items()
                         if k in ("libavcodec", "libavformat", "libswscale")}
    except ImportError:
        pass
    if device is not None:
        env["device"] = device
        if device.startswith("cuda"):
            import torch

            env["device_name"] = torch.cuda.get_device_name(int(device.partition(":")[2] or 0))
            env["cuda"] = torch.version.cuda
    return env
