"""Paired comparison of two runs: the statistics under ``sora-bench compare``, the report's
comparison section and the quality gates (plain functions, numpy only).

Pairing: a baseline sample and a candidate sample are the same *job* when they share
``(prompt_id, seed)``; only pairs where both have a usable value of a metric enter that
metric's statistics, so a sample that failed on one side never biases a delta.

Direction: every sign decision reads the metric's ``higher_is_better`` from the results
(never a hard-coded list). ``delta = candidate - baseline`` in the metric's own units;
``gain = delta`` when higher is better, ``-delta`` when lower is better, so ``gain < 0`` is
always "worse".

Confidence interval: percentile bootstrap of the mean of the per-pair differences
(:func:`sora_bench.stats.bootstrap_ci`, fixed seed, 2000 resamples): resampling pairs keeps
the pairing, which removes the between-prompt variance that two independent intervals would
carry. A regression is *significant* when the whole 95 % interval of the gain lies below 0.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from .results import status_kind
from .stats import BOOTSTRAP_RESAMPLES, BOOTSTRAP_SEED, bootstrap_ci

if TYPE_CHECKING:
    from .results import MetricResult, RunResult, SampleResult

__all__ = [
    "MetricDelta",
    "PromptDelta",
    "Mismatch",
    "Comparison",
    "usable_value",
    "pair_key",
    "paired_values",
    "paired_delta",
    "set_metric_delta",
    "prompt_deltas",
    "find_mismatches",
    "compare_runs",
]

#: Statuses whose value may enter statistics.
_USABLE = ("ok", "ok_with_warnings")


@dataclass(frozen=True)
class MetricDelta:
    """One metric, baseline vs candidate.

    ``delta``/``ci95`` are candidate minus baseline in the metric's units; ``gain``/
    ``gain_ci95`` are the same oriented so that negative is worse. ``paired`` is False for
    set metrics (FVD, KVD), which have one value per run: their interval then comes from the
    two runs' own intervals and is None when either lacks one.
    """

    metric: str
    higher_is_better: bool
    n: int
    base_mean: float | None
    cand_mean: float | None
    delta: float | None
    ci95: tuple[float, float] | None
    gain: float | None
    gain_ci95: tuple[float, float] | None
    paired: bool = True
    unit: str = ""

    @property
    def rel_change(self) -> float | None:
        """Oriented relative change ``gain / |base_mean|`` (negative = worse), or None."""
        if self.gain is None or self.base_mean is None or self.base_mean == 0:
            return None
        return self.gain / abs(self.base_mean) + 0.0

    @property
    def verdict(self) -> str:
        """``regressed`` / ``improved`` (CI entirely on one side of 0), ``no change`` or
        ``n/a`` (nothing to compare)."""
        if self.gain is None:
            return "n/a"
        if self.gain_ci95 is None:
            return "no change"
        lo, hi = self.gain_ci95
        if hi < 0:
            return "regressed"
        if lo > 0:
            return "improved"
        return "no change"

    @property
    def regressed(self) -> bool:
        return self.verdict == "regressed"

    def to_dict(self) -> dict[str, Any]:
        return {
            "metric": self.metric, "higher_is_better": self.higher_is_better, "n": self.n,
            "base_mean": self.base_mean, "cand_mean": self.cand_mean, "delta": self.delta,
            "ci95": list(self.ci95) if self.ci95 else None, "gain": self.gain,
            "gain_ci95": list(self.gain_ci95) if self.gain_ci95 else None,
            "rel_change": self.rel_change, "paired": self.paired, "verdict": self.verdict,
            "unit": self.unit,
        }


@dataclass(frozen=True)
class PromptDelta:
    """One prompt (its seeds pooled): per-metric oriented gains and a combined score.

    ``score`` is the mean over metrics of ``gain / scale`` where ``scale`` is the metric's
    between-sample standard deviation in the baseline: "how many typical spreads did this
    prompt move", negative = worse, comparable across metrics of different units.
    ``worst_metric`` is the metric with the lowest standardized gain.
    """

    prompt_id: str
    prompt: str | None
    seeds: tuple[int | None, ...]
    score: float
    gains: dict[str, float]
    deltas: dict[str, float]
    worst_metric: str | None
    base_ids: tuple[str, ...] = ()
    cand_ids: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"prompt_id": self.prompt_id, "prompt": self.prompt, "seeds": list(self.seeds),
                "score": self.score, "gains": self.gains, "deltas": self.deltas,
                "worst_metric": self.worst_metric, "base_ids": list(self.base_ids),
                "cand_ids": list(self.cand_ids)}


@dataclass(frozen=True)
class Mismatch:
    """Something that makes two runs' numbers not comparable (``kind``: suite, metric,
    schema, spec); ``base``/``cand`` are the two values as text."""

    kind: str
    what: str
    base: str
    cand: str

    def __str__(self) -> str:
        return f"{self.kind} {self.what}: baseline {self.base} != candidate {self.cand}"


@dataclass
class Comparison:
    """Everything :func:`compare_runs` finds."""

    metrics: list[MetricDelta]
    prompts: list[PromptDelta]
    mismatches: list[Mismatch]
    only_in_base: list[str] = field(default_factory=list)
    only_in_cand: list[str] = field(default_factory=list)

    @property
    def regressions(self) -> list[MetricDelta]:
        return [m for m in self.metrics if m.regressed]

    def metric(self, name: str) -> MetricDelta | None:
        return next((m for m in self.metrics if m.metric == name), None)

    def to_dict(self) -> dict[str, Any]:
        return {
            "metrics": [m.to_dict() for m in self.metrics],
            "prompts": [p.to_dict() for p in self.prompts],
            "mismatches": [vars(m) for m in self.mismatches],
            "only_in_base": self.only_in_base,
            "only_in_cand": self.only_in_cand,
            "regressions": [m.metric for m in self.regressions],
        }


# ------------------------------------------------------------------------------ pure functions
def usable_value(sample: SampleResult, metric: str) -> float | None:
    """The sample's finite value of ``metric`` when its status is ok / ok_with_warnings."""
    m = sample.metrics.get(metric)
    if m is None or m.value is None or status_kind(m.status) not in _USABLE:
        return None
    v = float(m.value)
    return v if math.isfinite(v) else None


def pair_key(sample: SampleResult) -> tuple[str, int | None]:
    """The job identity used for pairing: ``(prompt_id, seed)``."""
    return (sample.prompt_id, sample.seed)


def paired_values(
    base: Iterable[SampleResult], cand: Iterable[SampleResult], metric: str
) -> tuple[list[tuple[str, int | None]], np.ndarray, np.ndarray]:
    """Keys and aligned float64 arrays of the pairs where both sides have a usable value,
    sorted by key (deterministic). A key seen twice on one side keeps its first sample."""
    b: dict[tuple[str, int | None], float] = {}
    for s in base:
        v = usable_value(s, metric)
        if v is not None:
            b.setdefault(pair_key(s), v)
    c: dict[tuple[str, int | None], float] = {}
    for s in cand:
        v = usable_value(s, metric)
        if v is not None:
            c.setdefault(pair_key(s), v)
    keys = sorted(set(b) & set(c), key=lambda k: (k[0], -1 if k[1] is None else k[1]))
    return (keys, np.array([b[k] for k in keys], np.float64),
            np.array([c[k] for k in keys], np.float64))


def paired_delta(
    metric: str,
    base_values: Sequence[float] | np.ndarray,
    cand_values: Sequence[float] | np.ndarray,
    *,
    higher_is_better: bool,
    unit: str = "",
    resamples: int = BOOTSTRAP_RESAMPLES,
    seed: int = BOOTSTRAP_SEED,
) -> MetricDelta:
    """Mean paired difference ``mean(cand_i - base_i)`` with a percentile-bootstrap 95 % CI.

    Inputs are aligned arrays (pair i is the same job). The gain interval is the delta
    interval, mirrored when lower is better. With fewer than 2 pairs there is no interval
    (and hence no significant verdict).
    """
    b = np.asarray(base_values, np.float64)
    c = np.asarray(cand_values, np.float64)
    if b.shape != c.shape or b.ndim != 1:
        raise ValueError(f"paired arrays must have the same 1-D shape, got {b.shape} and {c.shape}")
    n = int(b.size)
    if n == 0:
        return MetricDelta(metric, higher_is_better, 0, None, None, None, None, None, None,
                           unit=unit)
    d = c - b
    delta = float(d.mean())
    ci = bootstrap_ci(d, resamples=resamples, seed=seed)
    sign = 1.0 if higher_is_better else -1.0
    # "+ 0.0" turns -0.0 into 0.0, so an unchanged lower-is-better metric prints as +0.
    gain_ci = None if ci is None else tuple(sorted((sign * ci[0] + 0.0, sign * ci[1] + 0.0)))
    return MetricDelta(metric, higher_is_better, n, float(b.mean()), float(c.mean()), delta, ci,
                       sign * delta + 0.0, gain_ci, unit=unit)  # type: ignore[arg-type]


def set_metric_delta(base: MetricResult, cand: MetricResult) -> MetricDelta:
    """Unpaired delta of a set metric (one value per run, e.g. FVD).

    The interval is conservative: ``[cand_lo - base_hi, cand_hi - base_lo]`` from the two
    runs' own 95 % intervals (None when either lacks one), so "regressed" means the two
    intervals do not overlap.
    """
    hib = bool(cand.higher_is_better)
    if base.value is None or cand.value is None:
        return MetricDelta(cand.name, hib, 0, base.value, cand.value, None, None, None, None,
                           paired=False, unit=cand.unit)
    delta = float(cand.value) - float(base.value)
    ci = None
    if base.ci95 and cand.ci95:
        ci = (float(cand.ci95[0]) - float(base.ci95[1]), float(cand.ci95[1]) - float(base.ci95[0]))
    sign = 1.0 if hib else -1.0
    gain_ci = None if ci is None else tuple(sorted((sign * ci[0] + 0.0, sign * ci[1] + 0.0)))
    return MetricDelta(cand.name, hib, min(base.n, cand.n), float(base.value), float(cand.value),
                       delta, ci, sign * delta + 0.0, gain_ci, paired=False,  # type: ignore[arg-type]
                       unit=cand.unit)


def _scale(values: np.ndarray, deltas: np.ndarray) -> float:
    """Spread used to standardize a metric's gains: baseline std, else |delta| std, else 1."""
    for arr in (values, deltas):
        if arr.size >= 2:
            s = float(arr.std(ddof=1))
            if math.isfinite(s) and s > 1e-12:
                return s
    return 1.0


def prompt_deltas(base: RunResult, cand: RunResult,
                  metrics: Sequence[str] | None = None) -> list[PromptDelta]:
    """Per-prompt oriented changes, worst first (ascending ``score``; ties by prompt id).

    Only per-video metrics present in both runs take part. For each metric the gains of a
    prompt's paired seeds are averaged, then divided by the metric's baseline spread.
    """
    names = _shared_video_metrics(base, cand, metrics)
    text: dict[str, str | None] = {}
    ids_b: dict[str, set[str]] = {}
    ids_c: dict[str, set[str]] = {}
    seeds: dict[str, set[int | None]] = {}
    per_prompt: dict[str, dict[str, list[float]]] = {}
    raw: dict[str, dict[str, list[float]]] = {}
    scales: dict[str, float] = {}
    for s in cand.samples:
        text.setdefault(s.prompt_id, s.prompt)
    for name in names:
        hib = bool(cand.metrics[name].higher_is_better)
        keys, b, c = paired_values(base.samples, cand.samples, name)
        if not keys:
            continue
        d = c - b
        scales[name] = _scale(b, d)
        for (pid, seed), dv in zip(keys, d):
            per_prompt.setdefault(pid, {}).setdefault(name, []).append(dv if hib else -dv)
            raw.setdefault(pid, {}).setdefault(name, []).append(float(dv))
            seeds.setdefault(pid, set()).add(seed)
    for s in base.samples:
        if s.prompt_id in per_prompt:
            ids_b.setdefault(s.prompt_id, set()).add(s.sample_id)
    for s in cand.samples:
        if s.prompt_id in per_prompt:
            ids_c.setdefault(s.prompt_id, set()).add(s.sample_id)
    out = []
    for pid, by_metric in per_prompt.items():
        gains = {m: float(np.mean(v)) for m, v in sorted(by_metric.items())}
        z = {m: g / scales[m] for m, g in gains.items()}
        worst = min(z, key=lambda m: (z[m], m)) if z else None
        if worst is not None and z[worst] >= 0:
            worst = None  # nothing got worse
        out.append(PromptDelta(
            prompt_id=pid, prompt=text.get(pid),
            seeds=tuple(sorted(seeds[pid], key=lambda x: -1 if x is None else x)),
            score=float(np.mean(list(z.values()))) if z else 0.0,
            gains=gains,
            deltas={m: float(np.mean(v)) for m, v in sorted(raw[pid].items())},
            worst_metric=worst,
            base_ids=tuple(sorted(ids_b.get(pid, ()))), cand_ids=tuple(sorted(ids_c.get(pid, ()))),
        ))
    out.sort(key=lambda p: (p.score, p.prompt_id))
    return out


def find_mismatches(base: RunResult, cand: RunResult) -> list[Mismatch]:
    """Differences that make numbers incomparable: schema version, suite (name, version,
    sha256), video spec, and for every metric both runs have: version and protocol. The
    generator differing is the point of a comparison and is not reported."""
    out: list[Mismatch] = []
    if base.schema_version != cand.schema_version:
        out.append(Mismatch("schema", "schema_version", str(base.schema_version),
                            str(cand.schema_version)))
    bs, cs = base.suite or {}, cand.suite or {}
    for key in ("name", "version", "sha256"):
        if bs.get(key) != cs.get(key):
            out.append(Mismatch("suite", key, str(bs.get(key)), str(cs.get(key))))
    if (base.spec or None) != (cand.spec or None) and base.spec and cand.spec:
        out.append(Mismatch("spec", "video spec", _short(base.spec), _short(cand.spec)))
    for name in sorted(set(base.metrics) & set(cand.metrics)):
        bm, cm = base.metrics[name], cand.metrics[name]
        if bm.version != cm.version:
            out.append(Mismatch("metric", f"{name} version", str(bm.version), str(cm.version)))
        if bm.protocol != cm.protocol:
            out.append(Mismatch("metric", f"{name} protocol", bm.protocol, cm.protocol))
    return out


def compare_runs(base: RunResult, cand: RunResult, *, metrics: Sequence[str] | None = None,
                 resamples: int = BOOTSTRAP_RESAMPLES, seed: int = BOOTSTRAP_SEED) -> Comparison:
    """Compare every metric both runs have (or ``metrics``): paired deltas for per-video
    metrics, :func:`set_metric_delta` for set metrics, per-prompt deltas and mismatches."""
    shared = sorted(set(base.metrics) & set(cand.metrics))
    if metrics is not None:
        shared = [m for m in shared if m in set(metrics)]
    deltas = []
    for name in shared:
        bm, cm = base.metrics[name], cand.metrics[name]
        if cm.kind == "set":
            deltas.append(set_metric_delta(bm, cm))
            continue
        _, b, c = paired_values(base.samples, cand.samples, name)
        deltas.append(paired_delta(name, b, c, higher_is_better=bool(cm.higher_is_better),
                                   unit=cm.unit, resamples=resamples, seed=seed))
    kb = {pair_key(s) for s in base.samples}
    kc = {pair_key(s) for s in cand.samples}
    return Comparison(
        metrics=deltas,
        prompts=prompt_deltas(base, cand, shared),
        mismatches=find_mismatches(base, cand),
        only_in_base=sorted(s.sample_id for s in base.samples if pair_key(s) not in kc),
        only_in_cand=sorted(s.sample_id for s in cand.samples if pair_key(s) not in kb),
    )


def _shared_video_metrics(base: RunResult, cand: RunResult,
                          metrics: Sequence[str] | None) -> list[str]:
    names = sorted(set(base.metrics) & set(cand.metrics))
    if metrics is not None:
        wanted = set(metrics)
        names = [n for n in names if n in wanted]
    return [n for n in names if cand.metrics[n].kind != "set"]


def _short(d: Any) -> str:
    if isinstance(d, dict):
        return ", ".join(f"{k}={d[k]}" for k in sorted(d))
    return str(d)
