"""Formatting shared by the report's view models: numbers, intervals, arrows, status classes.
Pure functions of plain values, so the views and their tests agree on every string."""

from __future__ import annotations

import math
from typing import Any

from ..results import status_kind

__all__ = ["fmt", "fmt_ci", "arrow", "kind_class"]

_KIND_CLASS = {"ok": "ok", "ok_with_warnings": "warn", "skipped": "skip", "error": "error"}


def fmt(v: float | None, digits: int = 4) -> str:
    """Compact number: 4 significant digits, '—' for missing."""
    if v is None or not math.isfinite(v):
        return "—"
    return f"{v:.{digits}g}"


def fmt_ci(ci: Any) -> str:
    if not ci or len(ci) != 2 or ci[0] is None or ci[1] is None:
        return "—"
    return f"[{fmt(ci[0])}, {fmt(ci[1])}]"


def arrow(higher_is_better: bool) -> str:
    return "↑" if higher_is_better else "↓"


def kind_class(status: str) -> str:
    """CSS class from a status: a fixed vocabulary, never user text."""
    return _KIND_CLASS.get(status_kind(status), "error")
