"""Parsing of single values of a scene spec (colours, vectors, directions, kind names) and the
list of problems that validation collects (see :mod:`.scene` for the keys they belong to).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from .vocab import COLORS, DIRECTIONS, KIND_ALIASES, KINDS, Vec3

__all__ = ["canonical_kind", "parse_color"]

_ID_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$")


# ------------------------------------------------------------------------------------ helpers
def canonical_kind(kind: str) -> str | None:
    """Canonical kind for a name or alias (case/space-insensitive), None when unknown."""
    k = str(kind).strip().lower().replace(" ", "_")
    k = KIND_ALIASES.get(k, k)
    return k if k in KINDS else None


def parse_color(value: Any) -> tuple[Vec3, str] | None:
    """``(rgb in 0..1, name)`` from a colour name, ``#rrggbb`` or [r, g, b] 0..255; None if bad."""
    if isinstance(value, str):
        v = value.strip().lower().replace(" ", "_").replace("-", "_")
        if v in COLORS:
            return COLORS[v], v
        if re.fullmatch(r"#[0-9a-f]{6}", v):
            rgb = tuple(int(v[i:i + 2], 16) / 255.0 for i in (1, 3, 5))
            return (rgb[0], rgb[1], rgb[2]), v
        return None
    if (isinstance(value, Sequence) and len(value) == 3 and all(_is_num(c) for c in value)
            and all(0 <= float(c) <= 255 for c in value)):
        rgb3 = tuple(float(c) / 255.0 for c in value)
        return (rgb3[0], rgb3[1], rgb3[2]), "rgb({},{},{})".format(*(int(c) for c in value))
    return None


def _is_num(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and v == v and abs(v) < 1e6


def _vec3(v: Any) -> Vec3 | None:
    if isinstance(v, Sequence) and not isinstance(v, str) and len(v) == 3 and all(map(_is_num, v)):
        return (float(v[0]), float(v[1]), float(v[2]))
    return None


def _direction(v: Any) -> Vec3 | None:
    if isinstance(v, str):
        return DIRECTIONS.get(v.strip().lower())
    d = _vec3(v)
    if d is None or sum(c * c for c in d) < 1e-12:
        return None
    n = sum(c * c for c in d) ** 0.5
    return (d[0] / n, d[1] / n, d[2] / n)


# ----------------------------------------------------------------------------------- problems
class _Problems(list):
    """``(key path, problem)`` pairs collected while a scene mapping is validated."""

    def add(self, key: str, problem: str) -> None:
        self.append((key, problem))
