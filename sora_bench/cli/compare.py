"""``sora-bench compare BASE CANDIDATE [--gate EXPR ...] [--json]``: paired comparison.

Per metric: mean paired delta over matching (prompt, seed) samples with a bootstrap 95 % CI,
the direction read from the metric; then the prompts that got worse, worst first.

Exit codes: 0 no significant regression and every gate passed; 1 a metric regressed
significantly (its CI lies entirely on the worse side) or a gate failed; 2 the runs are not
comparable (suite, metric version or protocol differ) unless ``--allow-version-mismatch``.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from typing import Any

from ..errors import EXIT_FAILED, EXIT_OK, EXIT_USAGE

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("base", metavar="BASE", help="baseline run directory or result.json")
    p.add_argument("candidate", metavar="CANDIDATE", help="candidate run directory or result.json")
    p.add_argument("--gate", action="append", default=[], metavar="EXPR",
                   help="'METRIC <= N', 'METRIC >= N' or 'METRIC: regress <= N%%' "
                        "(repeatable; exit 1 if one fails)")
    p.add_argument("--metrics", default=None, help="comma-separated metrics (default: all shared)")
    p.add_argument("--top", type=int, default=10, help="how many worst prompts to list")
    p.add_argument("--json", action="store_true", help="machine-readable output on stdout")
    p.add_argument("--allow-version-mismatch", action="store_true",
                   help="compare even if suite, metric versions or protocols differ")
    p.add_argument("--report", default=None, metavar="HTML",
                   help="also write the HTML report of CANDIDATE with BASE as baseline")


def _safe(text: Any, limit: int = 70) -> str:
    """One terminal-safe line: control characters (ANSI escapes ...) replaced, truncated."""
    s = _CONTROL.sub("?", str(text))
    return s if len(s) <= limit else s[: limit - 1] + "…"


def _g(v: float | None) -> str:
    return "-" if v is None else f"{v:.4g}"


def main(args: argparse.Namespace) -> int:
    from ..compare import compare_runs
    from ..gates import evaluate_gates, parse_gate
    from ..results import RunResult

    for g in args.gate:
        parse_gate(g)  # a typo fails before any work
    base = RunResult.load(args.base)
    cand = RunResult.load(args.candidate)
    metrics = [m.strip() for m in args.metrics.split(",") if m.strip()] if args.metrics else None
    comp = compare_runs(base, cand, metrics=metrics)
    if comp.mismatches and not args.allow_version_mismatch:
        print("sora-bench compare: the runs are not comparable:", file=sys.stderr)
        for m in comp.mismatches:
            print(f"  - {_safe(m, 200)}", file=sys.stderr)
        print("  (rescore one run with the other's versions, or pass --allow-version-mismatch)",
              file=sys.stderr)
        return EXIT_USAGE
    gates = evaluate_gates(args.gate, cand, comp)
    failed = bool(comp.regressions) or any(not g.passed for g in gates)
    code = EXIT_FAILED if failed else EXIT_OK
    if args.report:
        from ..reports import render_report

        render_report(args.candidate, args.report, baseline=args.base)
    if args.json:
        out = comp.to_dict()
        out.update(base=base.run_id, candidate=cand.run_id, exit_code=code,
                   gates=[vars(g) for g in gates], prompts=out["prompts"][: max(args.top, 0)])
        print(json.dumps(out, indent=1, sort_keys=True, allow_nan=False))
        return code
    _print_text(base, cand, comp, gates, args.top)
    if args.report:
        print(f"report: {args.report}")
    return code


def _print_text(base: Any, cand: Any, comp: Any, gates: list[Any], top: int) -> None:
    w = sys.stdout.write
    w(f"baseline  {_safe(base.run_id)}  ({_safe((base.generator or {}).get('name', '?'))})\n")
    w(f"candidate {_safe(cand.run_id)}  ({_safe((cand.generator or {}).get('name', '?'))})\n")
    for m in comp.mismatches:
        w(f"warning: {_safe(m, 200)}\n")
    w("\n{:<24} {:>3} {:>5} {:>11} {:>11} {:>10} {:>23} {:>8}  {}\n".format(
        "metric", "dir", "pairs", "baseline", "candidate", "delta", "95% CI of delta",
        "change", "verdict"))
    for m in comp.metrics:
        ci = "-" if m.ci95 is None else f"[{m.ci95[0]:+.4g}, {m.ci95[1]:+.4g}]"
        rel = "-" if m.rel_change is None else f"{m.rel_change * 100:+.1f}%"
        delta = "-" if m.delta is None else f"{m.delta:+.4g}"
        verdict = m.verdict.upper() if m.regressed else m.verdict
        w("{:<24} {:>3} {:>5} {:>11} {:>11} {:>10} {:>23} {:>8}  {}\n".format(
            _safe(m.metric, 24), "↑" if m.higher_is_better else "↓",
            m.n if m.paired else "set", _g(m.base_mean), _g(m.cand_mean), delta, ci, rel,
            verdict))
    worse = [p for p in comp.prompts if p.score < 0][: max(top, 0)]
    if worse:
        w(f"\nprompts that got worse (worst first, {len(worse)} shown):\n")
        for p in worse:
            changes = ", ".join(f"{k} {v:+.3g}" for k, v in sorted(p.deltas.items())
                                if p.gains.get(k, 0) < 0)
            w(f"  {p.score:+7.2f}  {_safe(p.prompt_id, 28):<28} worst: {p.worst_metric}  "
              f"({_safe(changes, 90)})\n")
            if p.prompt:
                w(f"           {_safe(p.prompt, 90)}\n")
    else:
        w("\nno prompt got worse\n")
    if comp.only_in_base or comp.only_in_cand:
        w(f"\nunmatched samples: {len(comp.only_in_base)} only in baseline, "
          f"{len(comp.only_in_cand)} only in candidate\n")
    for g in gates:
        w(f"gate {'PASS' if g.passed else 'FAIL'}  {_safe(g.gate)}: {_safe(g.message, 120)}\n")
    if comp.regressions:
        w(f"\nregressed significantly: {', '.join(m.metric for m in comp.regressions)}\n")
    else:
        w("\nno significant regression\n")
