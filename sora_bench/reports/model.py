"""The report's view model: plain data built from a RunResult (+ optional baseline).

Everything the templates show is decided here (formatting, ordering, what counts as worse),
so it can be tested without HTML. Templates only lay it out. Ordering is deterministic
(sorted by sample id / metric name where nothing else decides), so the same run gives the
same page.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..results import MetricResult, RunResult, SampleResult, status_kind
from ..stats import mean_ci
from . import details as dt
from .compare_view import ComparisonView, build_comparison
from .formatting import arrow, fmt, fmt_ci, kind_class
from .provenance import flatten, weight_hashes

__all__ = ["Pill", "MetricRow", "Problem", "VideoCard", "ReportModel", "build_report_model",
           "fmt", "arrow", "ranks"]

WORST_PER_METRIC = 5
MAX_EVENTS = 6


@dataclass
class Pill:
    label: str
    cls: str
    count: int | None = None
    title: str = ""


@dataclass
class MetricRow:
    name: str
    unit: str
    arrow: str
    direction: str
    kind: str
    version: int
    protocol: str
    value: str
    ci: str
    n: int
    pills: list[Pill]
    skip_message: str | None
    warnings: list[str]
    state: str  # ok | partial | skipped


@dataclass
class Problem:
    where: str
    anchor: str | None
    status: str
    cls: str
    message: str
    count: int = 1


@dataclass
class Score:
    metric: str
    arrow: str
    value: str
    raw: float | None
    status: str
    cls: str
    message: str
    rank_text: str
    rank_pct: int | None
    warnings: list[str] = field(default_factory=list)
    delta: str = ""  # vs the baseline's same (prompt, seed), when there is one
    delta_cls: str = ""


@dataclass
class VideoCard:
    index: int
    anchor: str
    sample_id: str
    prompt_id: str
    seed: Any
    prompt: str
    tags: list[str]
    status: str
    cls: str
    message: str
    warnings: list[str]
    defect: str
    quality: float | None  # mean oriented percentile, 0 worst .. 1 best
    scores: list[Score]
    values: dict[str, float]  # metric -> value, for the sortable table
    preview: str | None = None
    strip: str | None = None
    thumb: str | None = None
    media_note: str = ""
    curves: str | None = None
    events: list[dict[str, Any]] = field(default_factory=list)
    expectations: list[dt.Expectation] = field(default_factory=list)


@dataclass
class ReportModel:
    title: str
    subtitle: str
    run_id: str
    n_samples: int
    sample_pills: list[Pill]
    metrics: list[MetricRow]
    video_metrics: list[tuple[str, str]]  # (name, arrow) of per-video metrics with values
    problems: list[Problem]
    gates: list[dict[str, Any]]
    tags: list[str]
    heatmap: list[dict[str, Any]]
    dimension_chart: str | None
    fvd_chart: str | None
    worst: list[dict[str, Any]]
    videos: list[VideoCard]
    comparison: ComparisonView | None
    provenance: list[tuple[str, list[tuple[str, str]]]]
    hashes: list[tuple[str, str]]
    version: str


# ----------------------------------------------------------------------------------- helpers
def _value(s: SampleResult, metric: str) -> float | None:
    from ..compare import usable_value

    return usable_value(s, metric)


def ranks(run: RunResult, metric: str) -> dict[str, float]:
    """Oriented percentile per sample id: 0 = worst sample of the run, 1 = best (ties share
    the mean rank). Direction from the metric's ``higher_is_better``."""
    hib = run.metrics[metric].higher_is_better
    vals = [(v, s.sample_id) for s in run.samples if (v := _value(s, metric)) is not None]
    if len(vals) < 2:
        return {sid: 0.5 for _, sid in vals}
    vals.sort(key=lambda t: (t[0] if hib else -t[0], t[1]))
    out: dict[str, float] = {}
    i = 0
    while i < len(vals):
        j = i
        while j + 1 < len(vals) and vals[j + 1][0] == vals[i][0]:
            j += 1
        r = (i + j) / 2 / (len(vals) - 1)
        for k in range(i, j + 1):
            out[vals[k][1]] = r
        i = j + 1
    return out


def _status_pills(counts: Mapping[str, int]) -> list[Pill]:
    order = {"ok": 0, "ok_with_warnings": 1, "skipped": 2, "error": 3}
    items = sorted(counts.items(), key=lambda kv: (order.get(status_kind(kv[0]), 4), kv[0]))
    return [Pill(k.replace("_", " ") if k in order else k, kind_class(k), v) for k, v in items]


def _metric_rows(run: RunResult) -> list[MetricRow]:
    rows = []
    for name in sorted(run.metrics):
        m: MetricResult = run.metrics[name]
        counts = dict(m.status_counts)
        skipped = m.value is None and (m.skip_message or not any(
            status_kind(k) in ("ok", "ok_with_warnings") for k in counts))
        partial = any(status_kind(k) in ("skipped", "error") for k in counts)
        rows.append(MetricRow(
            name=name, unit=m.unit or "", arrow=arrow(m.higher_is_better),
            direction="higher is better" if m.higher_is_better else "lower is better",
            kind=m.kind, version=m.version, protocol=m.protocol, value=fmt(m.value),
            ci=fmt_ci(m.ci95), n=m.n, pills=_status_pills(counts), skip_message=m.skip_message,
            warnings=list(m.warnings), state="skipped" if skipped else "partial" if partial else "ok",
        ))
    return rows


def _problems(run: RunResult, anchors: dict[str, str]) -> list[Problem]:
    out = []
    for s in run.samples:
        k = status_kind(s.status)
        if k in ("skipped", "error"):
            out.append(Problem(s.sample_id, anchors.get(s.sample_id), s.status, kind_class(s.status),
                               s.message or "(no message recorded)"))
    grouped: dict[tuple[str, str], list[tuple[str, str]]] = {}
    whole_run = {n for n, m in run.metrics.items() if m.skip_message}
    for s in run.samples:
        for name, ms in sorted(s.metrics.items()):
            if name in whole_run and status_kind(ms.status) == "skipped":
                continue  # one row for the whole run below, not one per sample
            if status_kind(ms.status) in ("skipped", "error"):
                grouped.setdefault((name, ms.status), []).append((s.sample_id, ms.message or ""))
    for (name, status), items in sorted(grouped.items()):
        msgs = sorted({m for _, m in items if m})
        ids = ", ".join(sid for sid, _ in items[:4]) + (" …" if len(items) > 4 else "")
        text = (msgs[0] if msgs else "(no message recorded)") + f" — samples: {ids}"
        out.append(Problem(f"{name}", anchors.get(items[0][0]), status, kind_class(status), text,
                           len(items)))
    for name in sorted(whole_run):
        m = run.metrics[name]
        skipped = {k: v for k, v in m.status_counts.items() if status_kind(k) == "skipped"}
        label = (min(skipped) if skipped else "skipped") + " (whole run)"
        out.append(Problem(name, None, label, "skip", m.skip_message or "",
                           sum(skipped.values()) or len(run.samples)))
    return out


def _dimensions(run: RunResult, names: list[str]) -> tuple[list[str], list[dict[str, Any]],
                                                          list[dict[str, Any]]]:
    tags = sorted({t for s in run.samples for t in s.tags})
    heat, panels = [], []
    for name in names:
        m = run.metrics[name]
        overall = [v for s in run.samples if (v := _value(s, name)) is not None]
        mean_all = sum(overall) / len(overall) if overall else None
        means, cis, cells = {}, {}, []
        for tag in tags:
            vals = [v for s in run.samples if tag in s.tags and (v := _value(s, name)) is not None]
            mu, ci = mean_ci(vals)
            if mu is not None:
                means[tag] = mu
                cis[tag] = ci
        order = sorted(means, key=lambda t: (means[t] if m.higher_is_better else -means[t], t))
        pos = {t: (i / (len(order) - 1) if len(order) > 1 else 0.5) for i, t in enumerate(order)}
        for tag in tags:
            q = pos.get(tag)
            cells.append({"value": fmt(means.get(tag)),
                          "cls": "" if q is None else f"q{min(4, int(q * 5))}",
                          "n": sum(1 for s in run.samples if tag in s.tags
                                   and _value(s, name) is not None)})
        heat.append({"metric": name, "arrow": arrow(m.higher_is_better), "cells": cells})
        panels.append({"metric": name, "arrow": arrow(m.higher_is_better), "hib": m.higher_is_better,
                       "means": means, "ci": cis, "overall": mean_all})
    return tags, heat, panels


# --------------------------------------------------------------------------------- the model
def build_report_model(run: RunResult, *, run_dir: Path | None, baseline: RunResult | None = None,
                       baseline_dir: Path | None = None, media: bool = True,
                       max_media_cards: int | None = None) -> ReportModel:
    """Everything the page shows. ``run_dir`` resolves relative video/truth paths;
    ``media=False`` skips decoding videos (fast, for tests of the data alone);
    ``max_media_cards`` caps how many (worst-first) cards get previews and charts."""
    from .. import __version__
    from . import plots

    video_names = [n for n in sorted(run.metrics) if run.metrics[n].kind != "set"
                   and any(_value(s, n) is not None for s in run.samples)]
    rank_by = {n: ranks(run, n) for n in video_names}
    cards = []
    for s in run.samples:
        q = [rank_by[n][s.sample_id] for n in video_names if s.sample_id in rank_by[n]]
        quality = sum(q) / len(q) if q else None
        cards.append(_card(run, s, video_names, rank_by, quality))
    # Worst first: failed and skipped samples on top, then by quality, then by id.
    sev = {"error": 0, "skip": 1, "warn": 2, "ok": 2}
    cards.sort(key=lambda c: (sev[c.cls], 2.0 if c.quality is None else c.quality, c.sample_id))
    for i, c in enumerate(cards):
        c.index = i
        c.anchor = f"v{i}"
    anchors = {c.sample_id: c.anchor for c in cards}
    if baseline is not None:
        _attach_deltas(cards, run, baseline)
    if media:
        from .media_cards import MAX_MEDIA_CARDS, attach_media

        attach_media(cards, run, run_dir, MAX_EVENTS,
                     MAX_MEDIA_CARDS if max_media_cards is None else max_media_cards)

    tags, heat, panels = _dimensions(run, video_names)
    worst = []
    for n in video_names:
        hib = run.metrics[n].higher_is_better
        items = sorted(((v, c) for c in cards if (v := c.values.get(n)) is not None),
                       key=lambda t: (t[0] if hib else -t[0], t[1].sample_id))
        note = ""
        if items and items[0][0] == items[-1][0]:  # nothing to rank: say so, list nobody
            note = f"all {len(items)} samples score {fmt(items[0][0])}"
            items = []
        worst.append({"metric": n, "arrow": arrow(hib), "note": note, "items": [
            {"anchor": c.anchor, "sample_id": c.sample_id, "prompt": c.prompt, "value": fmt(v),
             "thumb": c.thumb} for v, c in items[:WORST_PER_METRIC]]})

    fvd_chart = None
    for n in sorted(run.metrics):
        xy = dt.find_xy_curve(run.metrics[n].details)
        if xy is not None:
            fvd_chart = plots.xy_curve_chart(*xy, xlabel="number of videos (N)", ylabel=n)
            break

    suite = run.suite or {}
    gen = run.generator or {}
    gen_name = gen.get("name") or gen.get("spec") or gen.get("generator")
    title = " · ".join(str(x) for x in (suite.get("name") or "scored videos", gen_name) if x)
    where = (f"suite {suite.get('name')} v{suite.get('version', '—')}" if suite.get("name")
             else f"{run.command} of a video folder")
    prov = [
        ("Run", [("run id", run.run_id), ("command", run.command), ("created", run.created_at),
                 ("finished", run.finished_at), ("schema", str(run.schema_version))]),
        ("Suite", flatten(suite)), ("Generator", flatten(gen)), ("Video spec", flatten(run.spec)),
        ("Metrics", [(n, f"v{m.version} · {m.protocol}") for n, m in sorted(run.metrics.items())]),
        ("Environment", flatten(run.environment)), ("Settings", flatten(run.settings)),
    ]
    return ReportModel(
        title=title,
        subtitle=f"{where} · {len(run.samples)} samples · {len(run.metrics)} metrics",
        run_id=run.run_id, n_samples=len(run.samples),
        sample_pills=_status_pills(run.status_counts or _count(run)),
        metrics=_metric_rows(run),
        video_metrics=[(n, arrow(run.metrics[n].higher_is_better)) for n in video_names],
        problems=_problems(run, anchors),
        gates=[{"gate": g.gate, "passed": g.passed, "message": g.message,
                "observed": fmt(g.observed)} for g in run.gates],
        tags=tags, heatmap=heat,
        dimension_chart=plots.dimension_chart(tags, panels) if media else None,
        fvd_chart=fvd_chart, worst=worst, videos=cards,
        comparison=(build_comparison(baseline, run, baseline_dir=baseline_dir, run_dir=run_dir,
                                     cards=cards, media=media) if baseline is not None else None),
        provenance=[(k, v) for k, v in prov if v], hashes=weight_hashes(run), version=__version__,
    )


def _attach_deltas(cards: list[VideoCard], run: RunResult, baseline: RunResult) -> None:
    """Each score's change against the baseline sample with the same (prompt, seed)."""
    from ..compare import pair_key

    base = {}
    for s in baseline.samples:
        base.setdefault(pair_key(s), s)
    by_id = {s.sample_id: s for s in run.samples}
    for c in cards:
        b = base.get(pair_key(by_id[c.sample_id]))
        if b is None:
            continue
        for sc in c.scores:
            bv = _value(b, sc.metric)
            if sc.raw is None or bv is None:
                continue
            d = sc.raw - bv
            gain = d if run.metrics[sc.metric].higher_is_better else -d
            sc.delta = "±0" if abs(d) < 1e-12 else f"{d:+.3g}"
            sc.delta_cls = "" if abs(d) < 1e-12 else ("better" if gain > 0 else "worse")


def _count(run: RunResult) -> dict[str, int]:
    out: dict[str, int] = {}
    for s in run.samples:
        out[s.status] = out.get(s.status, 0) + 1
    return out


def _card(run: RunResult, s: SampleResult, names: list[str], rank_by: dict[str, dict[str, float]],
          quality: float | None) -> VideoCard:
    scores, values = [], {}
    failed = status_kind(s.status) in ("skipped", "error")
    for n in sorted(run.metrics):
        mr = run.metrics[n]
        ms = s.metrics.get(n)
        if ms is None:
            if mr.kind == "set" or failed:
                continue  # a failed sample's message says why; no row of dashes
            # Skipped for the whole run: the summary shows the fix once, not on every card.
            scores.append(Score(n, arrow(mr.higher_is_better), "—", None,
                                "skipped (whole run)" if mr.skip_message else "not computed",
                                "skip", "", "", None))
            continue
        if mr.kind == "set":
            continue  # one value per run: in the summary, not per video
        v = _value(s, n)
        r = rank_by.get(n, {}).get(s.sample_id)
        whole_run = bool(mr.skip_message) and status_kind(ms.status) == "skipped"
        if v is not None:
            values[n] = v
        scores.append(Score(
            n, arrow(mr.higher_is_better), fmt(v) if v is not None else "—", v,
            f"{ms.status} (whole run)" if whole_run else ms.status,
            kind_class(ms.status), "" if whole_run else ms.message or "",
            "" if r is None else f"{round(r * 100)} pctl", None if r is None else round(r * 100),
            list(ms.warnings)))
    defect = ""
    if s.defect:
        defect = " ".join(str(x) for x in s.defect) if isinstance(s.defect, list) else str(s.defect)
    return VideoCard(
        index=0, anchor="", sample_id=s.sample_id, prompt_id=s.prompt_id, seed=s.seed,
        prompt=s.prompt or "", tags=sorted(s.tags), status=s.status, cls=kind_class(s.status),
        message=s.message or "", warnings=list(s.warnings), defect=defect, quality=quality,
        scores=scores, values=values,
        expectations=dt.find_expectations({n: m.details for n, m in s.metrics.items()}, s.expect),
    )
