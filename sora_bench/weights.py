"""Where model weights are looked for, and the data behind ``sora-bench weights``.

Two jobs, both cheap to import (no torch here):

1. Shared helpers for the metric modules that load weights: the sha256 of a weight file
   (memoised by path, size and mtime, so a 350 MB file is hashed once per process), whether
   this process may go online (:func:`offline_reason`, :func:`host_reachable`), and where the
   Hugging Face cache lives.
2. :func:`collect_reports`: one row per weight file a metric needs, gathered from each
   weight-using metric module's ``weights_report()`` (imported lazily). A module missing from
   this build gives a row saying so instead of an error.

Row keys: ``metric, name, purpose, looked_in (list of str), found_path, sha256, ok, fix``.

Order of lookup for CLIP (sora_bench.metrics.clip_backends): ``--clip-weights PATH`` (run
setting ``clip_weights``), then ``$SORA_BENCH_CLIP_WEIGHTS``, then the local open_clip /
Hugging Face caches (checked without network), then a download when online.
"""

from __future__ import annotations

import hashlib
import importlib
import inspect
import os
import socket
from functools import lru_cache
from pathlib import Path
from typing import Any

__all__ = [
    "CLIP_WEIGHTS_ENV",
    "OFFLINE_ENV",
    "REPORTERS",
    "collect_reports",
    "hf_cached_file",
    "hf_hub_cache_dir",
    "hf_repo_cache_dir",
    "host_reachable",
    "offline_reason",
    "sha256_file",
]

#: Environment variable naming a local CLIP weight file (open_clip) or folder (transformers).
CLIP_WEIGHTS_ENV = "SORA_BENCH_CLIP_WEIGHTS"
#: Set to 1 to forbid every download (on top of Hugging Face's own HF_HUB_OFFLINE).
OFFLINE_ENV = "SORA_BENCH_OFFLINE"

#: "module:function" of every weights_report(); the function returns a list of rows.
REPORTERS: tuple[tuple[str, str, str], ...] = (
    # (target, metric names, what the weights are for) - the last two only for "absent" rows
    ("sora_bench.metrics.clip_backends:weights_report", "clip_alignment, clip_consistency",
     "CLIP image/text encoder"),
    ("sora_bench.metrics.i3d_weights:weights_report", "fvd, kvd",
     "I3D Kinetics-400 video network"),
)

_TRUE = {"1", "true", "yes", "on"}


def offline_reason() -> str | None:
    """Why downloads are forbidden in this process (an env var), or None if they may be tried."""
    for var in (OFFLINE_ENV, "HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"):
        if os.environ.get(var, "").strip().lower() in _TRUE:
            return f"{var}={os.environ[var]}"
    return None


def host_reachable(host: str, port: int = 443, timeout: float = 3.0) -> bool:
    """A quick TCP connect, so that an offline machine fails in seconds instead of sitting
    through the Hub client's retries (about 25 s per file)."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def hf_hub_cache_dir() -> Path:
    """The Hugging Face hub cache folder, honouring HF_HUB_CACHE / HF_HOME like the hub client."""
    if os.environ.get("HF_HUB_CACHE"):
        return Path(os.environ["HF_HUB_CACHE"]).expanduser()
    home = os.environ.get("HF_HOME") or os.path.join(
        os.environ.get("XDG_CACHE_HOME", os.path.join(Path.home(), ".cache")), "huggingface")
    return Path(home).expanduser() / "hub"


def hf_repo_cache_dir(repo_id: str) -> Path:
    """The folder the hub client uses for one model repository (for messages)."""
    return hf_hub_cache_dir() / ("models--" + repo_id.replace("/", "--"))


def hf_cached_file(repo_id: str, filenames: tuple[str, ...] | list[str]) -> str | None:
    """The first of ``filenames`` already in the local Hugging Face cache, or None.

    No network: this only reads the cache's ``refs``/``snapshots`` folders (the same lookup
    the hub client does under HF_HUB_OFFLINE=1).
    """
    try:
        from huggingface_hub import try_to_load_from_cache
    except ImportError:
        return None
    for name in filenames:
        try:
            found = try_to_load_from_cache(repo_id, name, cache_dir=str(hf_hub_cache_dir()))
        except Exception:  # malformed repo id or cache folder: treat as not cached
            found = None
        if isinstance(found, str) and os.path.isfile(found):
            return found
    return None


@lru_cache(maxsize=64)
def _sha256_memo(path: str, size: int, mtime_ns: int) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def sha256_file(path: str | os.PathLike[str]) -> str:
    """sha256 hex of a file, memoised per (path, size, mtime) within the process."""
    p = Path(path).resolve()
    st = p.stat()
    return _sha256_memo(str(p), st.st_size, st.st_mtime_ns)


def _absent_row(metric: str, purpose: str, why: str) -> dict[str, Any]:
    return {
        "metric": metric,
        "name": "-",
        "purpose": purpose,
        "looked_in": [],
        "found_path": None,
        "sha256": None,
        "ok": False,
        "fix": f"not available in this build ({why})",
    }


def collect_reports(settings: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """Every weight row of every weight-using metric module, in :data:`REPORTERS` order.

    ``settings`` (``clip_weights``, ``clip_model``, ``clip_pretrained``, ``clip_backend``) is
    passed to reporters that accept it. A reporter that is missing or fails gives one row
    explaining that, so ``sora-bench weights`` always prints every metric.
    """
    rows: list[dict[str, Any]] = []
    for target, metric, purpose in REPORTERS:
        module_name, _, func_name = target.partition(":")
        try:
            module = importlib.import_module(module_name)
        except ImportError as exc:
            rows.append(_absent_row(metric, purpose, f"{module_name}: {exc}"))
            continue
        func = getattr(module, func_name, None)
        if func is None:
            rows.append(_absent_row(metric, purpose, f"{module_name} has no {func_name}()"))
            continue
        try:
            takes_settings = "settings" in inspect.signature(func).parameters
            got = func(settings=dict(settings or {})) if takes_settings else func()
        except Exception as exc:  # a broken reporter must not hide the others
            rows.append(_absent_row(metric, purpose, f"{type(exc).__name__}: {exc}"))
            continue
        rows.extend(dict(r) for r in got)
    return rows
