"""Content-addressed feature cache: JSON values and npz arrays, no pickle.

A key is the sha256 of everything that changes the value (video content hash, metric name,
version, protocol, prompt or truth hash when used). Entries are written atomically; a
corrupt or unreadable entry is treated as a miss and recomputed.

Location: ``--cache-dir``, else ``$SORA_BENCH_CACHE``, else ``~/.cache/sora_bench``.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from .results import dumps

__all__ = ["Cache", "default_cache_dir", "make_key"]


def default_cache_dir() -> Path:
    env = os.environ.get("SORA_BENCH_CACHE")
    if env:
        return Path(env).expanduser()
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "sora_bench"


def make_key(*parts: Any) -> str:
    """sha256 hex of the canonical JSON of ``parts``."""
    return hashlib.sha256(dumps(list(parts), indent=None).encode()).hexdigest()


class Cache:
    """Two namespaces under one root: ``values/`` (JSON) and ``arrays/`` (npz)."""

    def __init__(self, root: str | os.PathLike[str] | None = None) -> None:
        self.root = Path(root) if root is not None else default_cache_dir()
        self.hits = 0
        self.misses = 0

    def _path(self, space: str, key: str, suffix: str) -> Path:
        return self.root / space / key[:2] / f"{key}{suffix}"

    def _write(self, path: Path, data: bytes) -> None:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, path)
        except BaseException:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise

    def get_json(self, key: str) -> Any | None:
        path = self._path("values", key, ".json")
        try:
            value = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            self.misses += 1
            return None
        self.hits += 1
        return value

    def put_json(self, key: str, value: Any) -> None:
        try:
            self._write(self._path("values", key, ".json"), dumps(value, indent=None).encode())
        except OSError:
            pass  # a cache that cannot be written only costs time

    def get_arrays(self, key: str) -> dict[str, np.ndarray] | None:
        path = self._path("arrays", key, ".npz")
        try:
            with np.load(path, allow_pickle=False) as npz:
                out = {k: npz[k] for k in npz.files}
        except (OSError, ValueError, KeyError):
            self.misses += 1
            return None
        self.hits += 1
        return out

    def put_arrays(self, key: str, arrays: Mapping[str, np.ndarray]) -> None:
        buf = io.BytesIO()
        np.savez(buf, **{k: np.asarray(v) for k, v in arrays.items()})
        try:
            self._write(self._path("arrays", key, ".npz"), buf.getvalue())
        except OSError:
            pass
