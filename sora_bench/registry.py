"""Name -> implementation lookup with lazy built-ins and entry points.

Built-ins are ``"module:attr"`` strings imported only when asked for, so listing names is
cheap. Third-party packages add entries through an entry-point group
(``sora_bench.metrics`` / ``sora_bench.generators``). A misspelt name gets a suggestion.
"""

from __future__ import annotations

import difflib
import importlib
from collections.abc import Iterator, Mapping
from importlib.metadata import entry_points
from typing import Any, Generic, TypeVar

from .errors import ConfigError

T = TypeVar("T")

__all__ = ["Registry", "import_target"]


def import_target(target: str) -> Any:
    """Import ``"package.module:attr"`` and return the attribute."""
    module_name, _, attr = target.partition(":")
    if not attr:
        raise ConfigError(f"{target!r} is not of the form 'module:attribute'")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        raise ConfigError(f"cannot import {module_name!r} for {target!r}: {exc}") from exc
    try:
        return getattr(module, attr)
    except AttributeError as exc:
        raise ConfigError(f"module {module_name!r} has no attribute {attr!r}") from exc


class Registry(Generic[T]):
    """A read-mostly mapping of names to lazily imported objects."""

    def __init__(self, kind: str, builtins: Mapping[str, str], group: str) -> None:
        self.kind = kind
        self.group = group
        self._targets: dict[str, str] = dict(builtins)
        self._loaded: dict[str, T] = {}
        self._scanned = False

    def _scan_entry_points(self) -> None:
        if self._scanned:
            return
        self._scanned = True
        for ep in entry_points(group=self.group):
            self._targets.setdefault(ep.name, ep.value)

    def register(self, name: str, obj: T | str) -> None:
        """Add or replace an entry (``obj`` may be a ``"module:attr"`` string)."""
        self._loaded.pop(name, None)
        if isinstance(obj, str):
            self._targets[name] = obj
        else:
            self._targets[name] = f"<object {obj!r}>"
            self._loaded[name] = obj

    def names(self) -> list[str]:
        self._scan_entry_points()
        return sorted(self._targets)

    def __contains__(self, name: object) -> bool:
        self._scan_entry_points()
        return name in self._targets

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())

    def get(self, name: str) -> T:
        """Return the object registered as ``name``; unknown names raise with a suggestion."""
        self._scan_entry_points()
        if name in self._loaded:
            return self._loaded[name]
        if name not in self._targets:
            close = difflib.get_close_matches(name, self._targets, n=3, cutoff=0.6)
            hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
            raise ConfigError(
                f"unknown {self.kind} {name!r}{hint} (known: {', '.join(self.names())})"
            )
        obj: T = import_target(self._targets[name])
        self._loaded[name] = obj
        return obj
