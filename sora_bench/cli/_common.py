"""Options shared by ``run`` and ``score``, and their translation into a run plan."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from ..errors import EXIT_FAILED, EXIT_OK, ConfigError
from ..results import GateOutcome, RunResult

__all__ = ["add_scoring_options", "settings_from_args", "metric_params_from_args",
           "parse_gate", "print_summary", "exit_code"]

def add_scoring_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--metrics", default=None,
                   help="comma-separated metric names (default: the suite's, else all available)")
    p.add_argument("--metric-param", action="append", default=[], metavar="METRIC.KEY=VALUE",
                   help="option for one metric, e.g. clip_alignment.sampler=uniform:16")
    p.add_argument("--device", default="auto", help="auto, cpu, cuda, cuda:N or mps")
    p.add_argument("--reference", default=None, metavar="STATS",
                   help="FVD/KVD reference statistics (.npz from `sora-bench stats build`)")
    p.add_argument("--clip-weights", default=None, metavar="PATH",
                   help="local CLIP weights file (else $SORA_BENCH_CLIP_WEIGHTS, the local cache, "
                        "or a download when online)")
    p.add_argument("--tracks", choices=("auto", "truth", "pixels"), default=None,
                   help="tracks for permanence/physics: ground truth when present, or the tracker")
    p.add_argument("--tracker", default=None, metavar="NAME",
                   help="pixel tracker for --tracks pixels/auto: blob-static (default) or blob")
    p.add_argument("--cache-dir", default=None, help="feature cache (default $SORA_BENCH_CACHE "
                                                     "or ~/.cache/sora_bench)")
    p.add_argument("--no-cache", action="store_true", help="do not read or write the cache")
    p.add_argument("--gate", action="append", default=[], metavar="EXPR",
                   help="quality gate such as 'temporal_flicker >= 0.95' (exit 1 if it fails)")
    p.add_argument("--report", nargs="?", const="", default=None, metavar="PATH",
                   help="also write the HTML report (default RUN_DIR/report.html)")
    p.add_argument("--overwrite", action="store_true",
                   help="discard what OUT holds instead of resuming")
    p.add_argument("--no-progress", action="store_true", help="no progress line on stderr")


def _parse_value(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text


def metric_params_from_args(items: list[str]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for item in items:
        key, eq, value = item.partition("=")
        metric, dot, opt = key.partition(".")
        if not (eq and dot and metric and opt):
            raise ConfigError(f"--metric-param {item!r}: expected METRIC.KEY=VALUE")
        out.setdefault(metric, {})[opt] = _parse_value(value)
    return out


def settings_from_args(args: argparse.Namespace) -> dict[str, Any]:
    """Global settings every metric may read (only those that were given)."""
    clip = args.clip_weights or os.environ.get("SORA_BENCH_CLIP_WEIGHTS") or None
    settings: dict[str, Any] = {
        "reference": str(Path(args.reference).resolve()) if args.reference else None,
        "clip_weights": str(Path(clip).resolve()) if clip else None,
        "tracks": args.tracks,
        "tracker": _tracker_name(args.tracker) if args.tracker else None,
    }
    return {k: v for k, v in settings.items() if v is not None}


def _tracker_name(name: str) -> str:
    """``--tracker``, checked against the registered trackers (a typo is a usage error
    before any video is read, not a per-sample failure)."""
    from ..tracking.tracker import TRACKERS

    if name not in TRACKERS:
        raise ConfigError(f"--tracker {name!r} is not one of {', '.join(sorted(TRACKERS))}")
    return name


def parse_gate(expr: str) -> Callable[[RunResult], GateOutcome]:
    """Check an absolute gate (``metric >= 0.9``) at parse time; return its evaluator.

    Regression gates (``metric: regress <= 2%``) need a baseline: they belong to
    ``sora-bench compare``.
    """
    from ..gates import evaluate_gate
    from ..gates import parse_gate as parse

    gate = parse(expr)
    if gate.needs_baseline:
        raise ConfigError(f"--gate {expr!r} compares against a baseline; use "
                          "`sora-bench compare BASE CANDIDATE --gate ...` for regression gates")
    return lambda result: evaluate_gate(gate, result)


def print_summary(result: RunResult, out_dir: Path, stream: Any = None) -> None:
    """A compact table of metrics and statuses on stdout."""
    stream = stream or sys.stdout
    print(f"run {result.run_id}: {len(result.samples)} samples -> {out_dir}", file=stream)
    counts = ", ".join(f"{k}: {v}" for k, v in result.status_counts.items())
    print(f"  samples: {counts}", file=stream)
    notes: dict[str, list[str]] = {}
    for name, m in result.metrics.items():
        arrow = "↑" if m.higher_is_better else "↓"
        if m.value is None:
            why = ", ".join(f"{k}: {v}" for k, v in m.status_counts.items())
            if m.skip_message:
                notes.setdefault(m.skip_message, []).append(name)
                why = f"note {list(notes).index(m.skip_message) + 1}"
            print(f"  {name:<22} {arrow}  —  ({why})", file=stream)
            continue
        ci = f" [{m.ci95[0]:.4g}, {m.ci95[1]:.4g}]" if m.ci95 else ""
        print(f"  {name:<22} {arrow} {m.value:.4g}{ci}  n={m.n}", file=stream)
    for i, (message, names) in enumerate(notes.items(), start=1):
        print(f"  note {i} ({', '.join(names)}): {message}", file=stream)
    for g in result.gates:
        print(f"  gate {'PASS' if g.passed else 'FAIL'}: {g.message}", file=stream)


def exit_code(result: RunResult) -> int:
    return EXIT_OK if result.passed else EXIT_FAILED


def merged_params(specs: list[tuple[str, dict[str, Any]]],
                  overrides: Mapping[str, dict[str, Any]]) -> list[tuple[str, dict[str, Any]]]:
    names = {n for n, _ in specs}
    unknown = sorted(set(overrides) - names)
    if unknown:
        raise ConfigError(f"--metric-param names metrics that are not run: {', '.join(unknown)}")
    return [(n, {**p, **overrides.get(n, {})}) for n, p in specs]
