"""The comparison section of the report (``--baseline``): view data over
:func:`sora_bench.compare.compare_runs`."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..compare import compare_runs
from .formatting import arrow, fmt, fmt_ci

if TYPE_CHECKING:
    from ..results import RunResult
    from .model import VideoCard

__all__ = ["ComparisonView", "build_comparison"]

SIDE_BY_SIDE = 6
PROMPT_ROWS = 25


@dataclass
class ComparisonView:
    baseline_id: str
    baseline_title: str
    mismatches: list[str]
    metrics: list[dict[str, Any]]
    forest: str | None
    prompt_metrics: list[tuple[str, str]]
    prompts: list[dict[str, Any]]
    more_prompts: list[dict[str, Any]]
    side_by_side: list[dict[str, Any]]
    only_in_base: list[str] = field(default_factory=list)
    only_in_cand: list[str] = field(default_factory=list)
    regressions: list[str] = field(default_factory=list)


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{x * 100:+.1f}%"


def build_comparison(baseline: RunResult, run: RunResult, *, baseline_dir: Path | None,
                     run_dir: Path | None, cards: list[VideoCard], media: bool) -> ComparisonView:
    from . import plots

    comp = compare_runs(baseline, run)
    rows, forest = [], []
    for m in comp.metrics:
        base = abs(m.base_mean) if m.base_mean else None
        rows.append({
            "metric": m.metric, "arrow": arrow(m.higher_is_better), "n": m.n,
            "paired": m.paired, "base": fmt(m.base_mean), "cand": fmt(m.cand_mean),
            "delta": "—" if m.delta is None else f"{m.delta:+.4g}", "ci": fmt_ci(m.ci95),
            "rel": _pct(m.rel_change), "verdict": m.verdict,
            "cls": {"regressed": "error", "improved": "ok"}.get(m.verdict, "neutral"),
        })
        if m.rel_change is not None and base:
            lo = hi = None
            if m.gain_ci95 is not None:
                lo, hi = m.gain_ci95[0] / base * 100, m.gain_ci95[1] / base * 100
            forest.append((f"{m.metric} {arrow(m.higher_is_better)}", m.rel_change * 100, lo, hi,
                           m.verdict))
    names = sorted({n for p in comp.prompts for n in p.deltas})
    hib = {n: run.metrics[n].higher_is_better for n in names}
    prompt_rows = []
    for p in comp.prompts:
        cells = []
        for n in names:
            d, g = p.deltas.get(n), p.gains.get(n)
            cls = "" if g is None or abs(g) < 1e-12 else ("better" if g > 0 else "worse")
            text = "—" if d is None else "0" if abs(d) < 1e-12 else f"{d:+.3g}"
            cells.append({"text": text, "cls": cls})
        prompt_rows.append({
            "prompt_id": p.prompt_id, "prompt": p.prompt or "", "score": f"{p.score:+.2f}",
            "raw_score": p.score, "worst": p.worst_metric or "—", "cells": cells,
            "cls": "worse" if p.score < -1e-9 else "better" if p.score > 1e-9 else "",
            "seeds": ", ".join(str(s) for s in p.seeds),
        })
    by_id = {c.sample_id: c for c in cards}
    sbs = []
    for p in comp.prompts:
        if len(sbs) >= SIDE_BY_SIDE or p.score >= -1e-9:
            break
        cand_card = next((by_id[i] for i in p.cand_ids if i in by_id), None)
        entry: dict[str, Any] = {
            "prompt_id": p.prompt_id, "prompt": p.prompt or "", "score": f"{p.score:+.2f}",
            "worst": p.worst_metric or "—",
            "anchor": cand_card.anchor if cand_card else None,
            "cand": cand_card.preview if cand_card else None, "base": None,
            # The worst metric first, then the other metrics that got worse.
            "changes": [f"{n} {arrow(hib[n])} {p.deltas[n]:+.3g}" for n in
                        sorted((k for k, g in p.gains.items() if g < 0),
                               key=lambda k: (k != p.worst_metric, k))[:4]],
        }
        if media and p.base_ids:
            from . import media as md

            s = baseline.sample(p.base_ids[0])
            video, _ = md.load_video(md.resolve(s.video, baseline_dir))
            if video is not None:
                entry["base"] = md.preview_uri(video)
        sbs.append(entry)
    return ComparisonView(
        baseline_id=baseline.run_id,
        baseline_title=str((baseline.generator or {}).get("name", baseline.run_id)),
        mismatches=[str(m) for m in comp.mismatches],
        metrics=rows,
        forest=plots.forest_chart(forest) if media else None,
        prompt_metrics=[(n, arrow(hib[n])) for n in names],
        prompts=prompt_rows[:PROMPT_ROWS], more_prompts=prompt_rows[PROMPT_ROWS:],
        side_by_side=sbs, only_in_base=comp.only_in_base, only_in_cand=comp.only_in_cand,
        regressions=[m.metric for m in comp.regressions],
    )
