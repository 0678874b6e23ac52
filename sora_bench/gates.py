"""Quality gates: small expressions checked against a run (and optionally a baseline).

Grammar (whitespace free, one gate per ``--gate``)::

    METRIC OP NUMBER              absolute bound on the run-level value, OP in <= >= < >
    METRIC: regress <= NUMBER%    oriented relative regression vs the baseline, in percent
    METRIC: regress <= NUMBER     oriented absolute regression vs the baseline, metric units

``regress`` is ``-gain`` from :mod:`sora_bench.compare` (positive = worse, direction read
from the metric's ``higher_is_better``); the relative form divides by ``|baseline mean|``.
A gate on a metric that produced no value fails (a skipped metric never passes silently).
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .errors import ConfigError
from .results import GateOutcome

if TYPE_CHECKING:
    from .compare import Comparison
    from .results import RunResult

__all__ = ["Gate", "parse_gate", "evaluate_gate", "evaluate_gates"]

_OPS: dict[str, Callable[[float, float], bool]] = {
    "<=": operator.le, ">=": operator.ge, "<": operator.lt, ">": operator.gt,
}
_NUM = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_ABS = re.compile(rf"^\s*([A-Za-z0-9_.\-]+)\s*(<=|>=|<|>)\s*({_NUM})\s*$")
_REG = re.compile(rf"^\s*([A-Za-z0-9_.\-]+)\s*:\s*regress(?:ion)?\s*(<=|<)\s*({_NUM})\s*(%?)\s*$")


@dataclass(frozen=True)
class Gate:
    """A parsed gate. ``kind`` is ``value`` or ``regress``; ``percent`` for relative bounds."""

    text: str
    metric: str
    kind: str
    op: str
    bound: float
    percent: bool = False

    @property
    def needs_baseline(self) -> bool:
        return self.kind == "regress"


def parse_gate(text: str) -> Gate:
    """Parse one gate expression; raises :class:`ConfigError` with the accepted forms."""
    m = _REG.match(text)
    if m:
        return Gate(text.strip(), m.group(1), "regress", m.group(2), float(m.group(3)),
                    percent=m.group(4) == "%")
    m = _ABS.match(text)
    if m:
        return Gate(text.strip(), m.group(1), "value", m.group(2), float(m.group(3)))
    raise ConfigError(
        f"gate {text!r} not understood; use 'METRIC <= N', 'METRIC >= N' "
        f"or 'METRIC: regress <= N%' (e.g. 'clip_alignment >= 0.25', 'fvd: regress <= 5%')"
    )


def evaluate_gate(gate: Gate, run: RunResult, comparison: Comparison | None = None) -> GateOutcome:
    """Check one gate. ``comparison`` (from :func:`sora_bench.compare.compare_runs`) is needed
    by ``regress`` gates; without it they raise :class:`ConfigError`."""
    op = _OPS[gate.op]
    mr = run.metrics.get(gate.metric)
    if mr is None:
        return GateOutcome(gate.text, gate.metric, None, False,
                           f"{gate.metric} was not computed in this run")
    if gate.kind == "value":
        if mr.value is None or not math.isfinite(mr.value):
            why = ", ".join(sorted(k for k in mr.status_counts if not k.startswith("ok"))) or "no value"
            return GateOutcome(gate.text, gate.metric, None, False,
                               f"{gate.metric} has no value ({why})")
        ok = op(float(mr.value), gate.bound)
        return GateOutcome(gate.text, gate.metric, float(mr.value), ok,
                           f"{gate.metric} = {mr.value:.6g} {'meets' if ok else 'fails'} "
                           f"{gate.op} {gate.bound:g}")
    if comparison is None:
        raise ConfigError(f"gate {gate.text!r} compares against a baseline: pass --baseline RUN")
    md = comparison.metric(gate.metric)
    if md is None or md.gain is None:
        return GateOutcome(gate.text, gate.metric, None, False,
                           f"{gate.metric}: no paired values to compare")
    if gate.percent:
        if md.rel_change is None:
            return GateOutcome(gate.text, gate.metric, None, False,
                               f"{gate.metric}: baseline mean is 0, use an absolute bound")
        regress = -md.rel_change * 100.0
        unit = "%"
    else:
        regress = -md.gain
        unit = ""
    ok = op(regress, gate.bound)
    return GateOutcome(gate.text, gate.metric, md.cand_mean, ok,
                       f"{gate.metric} regressed by {regress:.4g}{unit} "
                       f"({'within' if ok else 'beyond'} {gate.bound:g}{unit})",
                       baseline=md.base_mean)


def evaluate_gates(texts: Sequence[str], run: RunResult,
                   comparison: Comparison | None = None) -> list[GateOutcome]:
    """Parse every gate first (so a typo fails before any work), then evaluate in order."""
    gates = [parse_gate(t) for t in texts]
    return [evaluate_gate(g, run, comparison) for g in gates]
