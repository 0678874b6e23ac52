"""Provenance rows for the report: flattened mappings with secrets redacted, weight hashes."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..results import RunResult

__all__ = ["flatten", "weight_hashes"]

_SECRET = re.compile(r"(token|secret|passw|api[_-]?key|auth|credential|cookie|private)", re.I)
_HASH = re.compile(r"(?:sha256[:=])?\b([0-9a-f]{64}|[0-9a-f]{12,16})\b")


def flatten(d: Any, prefix: str = "") -> list[tuple[str, str]]:
    """``{a: {b: 1}}`` -> ``[("a.b", "1")]``, sorted; values under secret-looking keys
    (token, password, api_key ...) are replaced, long values cut at 400 characters."""
    out: list[tuple[str, str]] = []
    if isinstance(d, Mapping):
        for k in sorted(d, key=str):
            key = f"{prefix}.{k}" if prefix else str(k)
            v = d[k]
            if isinstance(v, Mapping) and v:
                out.extend(flatten(v, key))
            elif _SECRET.search(str(k)):
                out.append((key, "•••••• (redacted)"))
            else:
                text = v if isinstance(v, str) else json.dumps(v, sort_keys=True, default=str)
                out.append((key, text if len(text) <= 400 else text[:399] + "…"))
    return out


def weight_hashes(run: RunResult) -> list[tuple[str, str]]:
    """Weight / reference hashes named in metric protocols and details."""
    out = []
    for name in sorted(run.metrics):
        m = run.metrics[name]
        found = [h for h in _HASH.findall(m.protocol)]
        for k, v in sorted(flatten(m.details)):
            if ("sha" in k.lower() or "hash" in k.lower()) and isinstance(v, str):
                found.append(v)
        for h in dict.fromkeys(found):
            out.append((name, h))
    return out
