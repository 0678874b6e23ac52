"""sora-bench: evaluation and physics-consistency benchmark for text-to-video models.

Importing the package is cheap: numpy-free, torch-free. Heavy modules load on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_LAZY = {
    "Video": "sora_bench.types",
    "Prompt": "sora_bench.types",
    "VideoSpec": "sora_bench.types",
    "GenerationRequest": "sora_bench.types",
    "Truth": "sora_bench.types",
    "Tracks": "sora_bench.types",
    "Suite": "sora_bench.suite",
    "load_suite": "sora_bench.suite",
    "RunResult": "sora_bench.results",
    "read_video": "sora_bench.video_io",
    "write_video": "sora_bench.video_io",
    "RunPlan": "sora_bench.runner",
    "execute": "sora_bench.runner",
    "get_metric": "sora_bench.metrics",
    "load_generator": "sora_bench.generator",
}

if TYPE_CHECKING:  # pragma: no cover - names for type checkers
    from .generator import load_generator  # noqa: F401
    from .metrics import get_metric  # noqa: F401
    from .results import RunResult  # noqa: F401
    from .runner import RunPlan, execute  # noqa: F401
    from .suite import Suite, load_suite  # noqa: F401
    from .types import GenerationRequest, Prompt, Tracks, Truth, Video, VideoSpec  # noqa: F401
    from .video_io import read_video, write_video  # noqa: F401


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'sora_bench' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)


__all__ = ["__version__", *_LAZY]
