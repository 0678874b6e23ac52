"""Make ``import torchvision`` (and so ``open_clip`` / ``timm``) work on a CPU-only torch.

Why this exists (research/weights.md §3, "Option A"): PyPI has no CPU build of torchvision.
The ``torchvision==0.28.0`` wheel that pairs with ``torch==2.13.0`` links its C++ extension
``_C.so`` against CUDA libraries. On the CPU wheel of torch that extension fails to load;
torchvision swallows the error (``extension._load_library`` returns False) but then
``torchvision/_meta_registrations.py`` calls ``torch.library.register_fake("torchvision::nms")``
unconditionally, which raises ``RuntimeError: operator torchvision::nms does not exist`` and
aborts ``import torchvision`` — and with it open_clip, timm and transformers' fast image
processors.

The fix, applied at most once and only when needed: declare the *schemas* of the two ops that
``register_fake`` looks up (``nms`` and ``qnms``) in a ``torchvision`` op library, so the
registration finds them. No kernel is registered, so calling ``torchvision.ops.nms`` still
fails with torch's own "no kernel" error instead of silently computing something. Everything
sora-bench uses from torchvision (transforms on PIL images, model definitions) is pure Python.

It is a no-op when the real extension loads (a CUDA torch, a GPU machine, a CPU torchvision
built from source): we first try ``torch.ops.load_library`` on the extension file, exactly as
torchvision itself would, and keep out of the way if that succeeds. It is also a no-op when
torchvision is missing or already imported, and when the ops already exist.

Call :func:`ensure_torchvision_importable` before the first import of torchvision, open_clip,
timm or transformers' image processors. Every sora-bench module that needs them goes through
here; nothing else in the package patches torchvision.
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import sys
import threading
from pathlib import Path

__all__ = ["ensure_torchvision_importable", "status"]

_LOCK = threading.Lock()
_STATE: dict[str, object] = {"decided": False, "applied": False, "why": "not checked yet"}
#: The op library must stay referenced for the process lifetime: dropping it deregisters
#: the schemas.
_LIBRARY: object | None = None

#: The schemas ``torchvision/_meta_registrations.py`` registers fake kernels for without
#: checking that the extension loaded (torchvision 0.17 ... 0.28).
_SCHEMAS = (
    "nms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor",
    "qnms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor",
)


def _extension_file(package_dir: Path) -> Path | None:
    """torchvision's ``_C`` extension in its package folder, whatever the platform suffix."""
    for suffix in importlib.machinery.EXTENSION_SUFFIXES:
        candidate = package_dir / f"_C{suffix}"
        if candidate.is_file():
            return candidate
    return None


def _decide() -> tuple[bool, str]:
    """Apply the fallback if (and only if) torchvision is present but its extension is not."""
    global _LIBRARY
    if "torchvision" in sys.modules:
        return False, "torchvision already imported"
    spec = importlib.util.find_spec("torchvision")
    if spec is None or not spec.submodule_search_locations:
        return False, "torchvision not installed"
    import torch

    if hasattr(torch.ops, "torchvision") and _has_op(torch, "nms"):
        return False, "torchvision ops already registered"
    so = _extension_file(Path(next(iter(spec.submodule_search_locations))))
    if so is not None:
        try:
            torch.ops.load_library(str(so))
        except (OSError, RuntimeError) as exc:  # e.g. libc10_cuda.so: cannot open shared object
            reason = f"torchvision C++ extension does not load ({type(exc).__name__})"
        else:
            return False, "torchvision C++ extension loads natively"
    else:
        reason = "torchvision C++ extension not found"
    lib = torch.library.Library("torchvision", "DEF")
    for schema in _SCHEMAS:
        lib.define(schema)
    _LIBRARY = lib
    return True, f"{reason}; declared nms/qnms schemas only (torchvision.ops unavailable)"


def _has_op(torch_module: object, name: str) -> bool:
    try:
        getattr(torch_module.ops.torchvision, name)  # type: ignore[attr-defined]
    except (AttributeError, RuntimeError):
        return False
    return True


def ensure_torchvision_importable() -> bool:
    """Make ``import torchvision`` safe in this process. Returns True if the fallback was
    applied (CPU torch with a CUDA-linked torchvision), False if nothing was needed.

    Idempotent and thread-safe; imports torch (not torchvision) on first call.
    """
    with _LOCK:
        if not _STATE["decided"]:
            applied, why = _decide()
            _STATE.update(decided=True, applied=applied, why=why)
        return bool(_STATE["applied"])


def status() -> str:
    """One line for logs and ``sora-bench weights``: what the shim found and did."""
    return str(_STATE["why"])
