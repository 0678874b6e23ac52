"""Deep-immutable views of JSON-like data, and back."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

import numpy as np

__all__ = ["freeze", "thaw"]


def freeze(value: Any) -> Any:
    """Deep-convert JSON-like data into immutable containers (tuples, read-only mappings)."""
    if isinstance(value, Mapping):
        return MappingProxyType({str(k): freeze(v) for k, v in value.items()})
    if isinstance(value, (list, tuple)):
        return tuple(freeze(v) for v in value)
    return value


def thaw(value: Any) -> Any:
    """Inverse of :func:`freeze`: plain dicts and lists, ready for ``json.dumps``."""
    if isinstance(value, Mapping):
        return {k: thaw(v) for k, v in value.items()}
    if isinstance(value, tuple | list):
        return [thaw(v) for v in value]
    if isinstance(value, np.ndarray):
        return thaw(value.tolist())
    if isinstance(value, np.generic):
        return value.item()
    return value
