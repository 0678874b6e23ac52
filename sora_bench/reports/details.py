"""Read what the report can draw out of metric ``details`` (pure functions, no numpy).

Details are free-form JSON written by each metric. The report is defensive: it draws the
shapes it recognises and ignores everything else, never failing on an unknown layout.

Recognised shapes:

- **curves**: a list of >= 3 numbers (``None`` allowed for gaps) under any key, at the top
  level or one mapping deep (``{"curves": {"flicker": [...]}}``) -> one per-frame line.
- **events**: a list of mappings that have a ``kind`` (or ``type``) and an integer ``frame``
  (or ``frames: [start, end]``), under any key; optional ``end_frame``, ``objects`` /
  ``object``, ``position`` ``[x, y]`` (image px), ``box`` ``[x0, y0, x1, y1]``, ``boxes``
  ``{object: box}``, ``trajectory`` ``[[x, y], ...]`` (or ``from`` + ``position``), ``why``.
- **expectations**: lists under ``expectations`` / ``checks`` / ``results`` /
  ``failed_expectations`` / ``failed`` whose items are mappings; pass/fail from
  ``passed`` / ``ok`` / ``met`` / ``status``; the entry from ``expect`` / ``entry`` (or the
  item itself); the reason from ``message`` / ``reason`` / ``why``.
- **FVD vs N**: ``fvd_vs_n`` / ``vs_n`` / ``curve`` / ``by_n`` as ``{n: [...], value: [...]}``,
  ``[[n, value], ...]`` or ``[{n, value, ci95?}, ...]``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Curve", "EventMark", "Expectation", "find_curves", "find_events",
           "find_expectations", "find_xy_curve", "describe_expect"]

_MAX_CURVE_LEN = 100_000
_SKIP_CURVE_KEYS = {"box", "boxes", "position", "ci95", "trajectory", "frames", "shape", "window"}
_EXPECT_KEYS = ("expectations", "checks", "results", "failed_expectations", "failed")
_CHECK_KEYS = {"expect", "entry", "passed", "ok", "met", "status"}
_META_KEYS = {"passed", "ok", "met", "status", "message", "reason", "why", "score", "value"}


@dataclass(frozen=True)
class Curve:
    label: str
    values: tuple[float | None, ...]


@dataclass(frozen=True)
class EventMark:
    metric: str
    kind: str
    frame: int
    end_frame: int | None = None
    objects: tuple[str, ...] = ()
    position: tuple[float, float] | None = None
    boxes: dict[str, tuple[float, float, float, float]] = field(default_factory=dict)
    trajectory: tuple[tuple[float, float], ...] = ()
    note: str = ""


@dataclass(frozen=True)
class Expectation:
    text: str
    state: str  # passed | failed | unchecked
    reason: str = ""
    source: str = ""


def _num(x: Any) -> float | None:
    if isinstance(x, bool) or not isinstance(x, int | float):
        return None
    v = float(x)
    return v if math.isfinite(v) else None


def _as_curve(v: Any) -> tuple[float | None, ...] | None:
    if not isinstance(v, list) or not 3 <= len(v) <= _MAX_CURVE_LEN:
        return None
    out: list[float | None] = []
    seen = 0
    for x in v:
        if x is None:
            out.append(None)
            continue
        f = _num(x)
        if f is None:
            return None
        out.append(f)
        seen += 1
    return tuple(out) if seen >= 2 else None


def _skip_key(key: Any) -> bool:
    """Lists of frame indices or coordinates are not curves."""
    k = str(key)
    return k in _SKIP_CURVE_KEYS or k.endswith(("frames", "_idx", "indices", "index"))


def find_curves(metric: str, details: Any, limit: int = 8) -> list[Curve]:
    """Per-frame curves in one metric's details, in key order, at most ``limit``."""
    out: list[Curve] = []
    if not isinstance(details, Mapping):
        return out
    for key in sorted(details, key=str):
        if _skip_key(key):
            continue
        val = details[key]
        c = _as_curve(val)
        if c is not None:
            out.append(Curve(f"{metric} · {key}", c))
        elif isinstance(val, Mapping):
            for k2 in sorted(val, key=str):
                c2 = None if _skip_key(k2) else _as_curve(val[k2])
                if c2 is not None:
                    out.append(Curve(f"{metric} · {key}.{k2}", c2))
        if len(out) >= limit:
            break
    return out[:limit]


def _point(v: Any) -> tuple[float, float] | None:
    if isinstance(v, list | tuple) and len(v) >= 2:
        a, b = _num(v[0]), _num(v[1])
        if a is not None and b is not None:
            return (a, b)
    return None


def _box(v: Any) -> tuple[float, float, float, float] | None:
    if isinstance(v, list | tuple) and len(v) == 4:
        nums = [_num(x) for x in v]
        if all(n is not None for n in nums):
            x0, y0, x1, y1 = nums  # type: ignore[misc]
            return (x0, y0, x1, y1)
    return None


def _int(x: Any) -> int | None:
    return x if isinstance(x, int) and not isinstance(x, bool) else None


def _event(metric: str, item: Mapping[str, Any]) -> EventMark | None:
    kind = item.get("kind", item.get("type"))
    frame, end = _int(item.get("frame")), item.get("end_frame")
    span = item.get("frames")
    if frame is None and isinstance(span, list | tuple) and span and _int(span[0]) is not None:
        frame = span[0]  # the metrics' ``frames: [start, end]`` form
        end = span[-1] if len(span) > 1 and _int(span[-1]) is not None and span[-1] != frame \
            else None
    if not isinstance(kind, str) or frame is None:
        return None
    objs = item.get("objects", item.get("object", ()))
    if isinstance(objs, str):
        objs = (objs,)
    objects = tuple(str(o) for o in objs if o not in (None, "")) \
        if isinstance(objs, list | tuple) else ()
    boxes: dict[str, tuple[float, float, float, float]] = {}
    b = _box(item.get("box"))
    if b is not None:
        boxes[objects[0] if objects else kind] = b
    if isinstance(item.get("boxes"), Mapping):
        for k, v in item["boxes"].items():
            bb = _box(v)
            if bb is not None:
                boxes[str(k)] = bb
    traj_raw = item.get("trajectory", item.get("path"))
    traj = tuple(p for p in (_point(x) for x in traj_raw) if p is not None) \
        if isinstance(traj_raw, list) else ()
    if not traj and _point(item.get("from")) and _point(item.get("position")):
        traj = (_point(item["from"]), _point(item["position"]))  # type: ignore[assignment]
    note = item.get("message", item.get("reason", item.get("why", item.get("detail", ""))))
    if not note and item.get("expected") is True:
        note = "expected (not a violation)"
    return EventMark(
        metric=metric, kind=kind, frame=frame,
        end_frame=end if isinstance(end, int) and not isinstance(end, bool) else None,
        objects=objects, position=_point(item.get("position")), boxes=boxes,
        trajectory=traj, note=note if isinstance(note, str) else "",
    )


def find_events(metric: str, details: Any, limit: int = 24) -> list[EventMark]:
    """Events in one metric's details (any key holding a list of event-like mappings)."""
    out: list[EventMark] = []
    if not isinstance(details, Mapping):
        return out
    for key in sorted(details, key=str):
        val = details[key]
        if not isinstance(val, list):
            continue
        for item in val:
            if isinstance(item, Mapping):
                ev = _event(metric, item)
                if ev is not None:
                    out.append(ev)
    out.sort(key=lambda e: (e.frame, e.kind, e.objects))
    return out[:limit]


def describe_expect(entry: Any) -> str:
    """``{object: ball, event: bounces, min_count: 2}`` -> ``ball bounces (min_count 2)``."""
    if not isinstance(entry, Mapping):
        return str(entry)
    head = ""
    if "camera" in entry:
        head = f"camera {entry['camera']}"
    elif "event" in entry:
        head = f"{entry.get('object', '?')} {entry['event']}"
    rest = [f"{k} {_plain(v)}" for k, v in sorted(entry.items(), key=lambda kv: str(kv[0]))
            if k not in ("camera", "event", "object") and k not in _META_KEYS]
    if not head:
        return ", ".join(rest) or "{}"
    return head + (f" ({', '.join(rest)})" if rest else "")


def _plain(v: Any) -> str:
    if isinstance(v, list | tuple):
        return "[" + ", ".join(_plain(x) for x in v) + "]"
    return str(v)


def _state(item: Mapping[str, Any], failed_list: bool) -> str:
    if failed_list:
        return "failed"
    for k in ("passed", "ok", "met"):
        if isinstance(item.get(k), bool):
            return "passed" if item[k] else "failed"
    st = item.get("status")
    if isinstance(st, str):
        s = st.lower()
        if s.startswith(("pass", "ok", "met")):
            return "passed"
        if s.startswith(("fail", "violat", "miss")):
            return "failed"
    return "unchecked"


def find_expectations(metrics: Mapping[str, Any], declared: Any) -> list[Expectation]:
    """Expectations checked by metrics (failed first), then declared ones no metric reported."""
    found: list[Expectation] = []
    for metric in sorted(metrics):
        details = metrics[metric]
        if not isinstance(details, Mapping):
            continue
        for key in _EXPECT_KEYS:
            items = details.get(key)
            if not isinstance(items, list):
                continue
            for item in items:
                if isinstance(item, Mapping) and not _CHECK_KEYS & set(item):
                    continue  # some other list of records, not checks
                if not isinstance(item, Mapping):
                    if isinstance(item, str):
                        found.append(Expectation(item, "failed" if key.startswith("failed")
                                                 else "unchecked", "", metric))
                    continue
                entry = item.get("expect", item.get("entry", item))
                reason = item.get("message", item.get("reason", item.get("why", "")))
                found.append(Expectation(describe_expect(entry),
                                         _state(item, key.startswith("failed")),
                                         reason if isinstance(reason, str) else str(reason),
                                         metric))
    seen = {e.text for e in found}
    for entry in declared if isinstance(declared, list | tuple) else ():
        text = describe_expect(entry)
        if text not in seen:
            found.append(Expectation(text, "unchecked", "not reported by any metric", ""))
            seen.add(text)
    order = {"failed": 0, "unchecked": 1, "passed": 2}
    # Dedupe exact repeats (two metrics reporting the same check keep both sources).
    uniq: dict[tuple[str, str, str, str], Expectation] = {}
    for e in found:
        uniq.setdefault((e.text, e.state, e.reason, e.source), e)
    return sorted(uniq.values(), key=lambda e: (order[e.state], e.text, e.source))


def find_xy_curve(details: Any) -> tuple[list[float], list[float], list[tuple[float, float]]] | None:
    """FVD-vs-N style curve: ``(n, value, ci95 per point or [])`` or None."""
    if not isinstance(details, Mapping):
        return None
    for key in ("fvd_vs_n", "vs_n", "by_n", "curve"):
        raw = details.get(key)
        xs: list[float] = []
        ys: list[float] = []
        cis: list[tuple[float, float]] = []
        if isinstance(raw, Mapping):
            x = raw.get("n", raw.get("ns", raw.get("x")))
            y = raw.get("value", raw.get("values", raw.get(key.split("_")[0], raw.get("y"))))
            ci = raw.get("ci95")
            if isinstance(x, list) and isinstance(y, list) and len(x) == len(y):
                for i, (a, b) in enumerate(zip(x, y)):
                    fa, fb = _num(a), _num(b)
                    if fa is not None and fb is not None:
                        xs.append(fa)
                        ys.append(fb)
                        if isinstance(ci, list) and i < len(ci) and _point(ci[i]):
                            cis.append(_point(ci[i]))  # type: ignore[arg-type]
        elif isinstance(raw, list):
            for item in raw:
                if isinstance(item, Mapping):
                    fa, fb = _num(item.get("n")), _num(item.get("value", item.get("fvd")))
                    c = _point(item.get("ci95"))
                else:
                    p = _point(item)
                    fa, fb, c = (p[0], p[1], None) if p else (None, None, None)
                if fa is not None and fb is not None:
                    xs.append(fa)
                    ys.append(fb)
                    if c:
                        cis.append(c)
        if len(xs) >= 2:
            return xs, ys, cis if len(cis) == len(xs) else []
    return None
