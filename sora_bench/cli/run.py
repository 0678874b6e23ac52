"""``sora-bench run``: generate a suite's videos with a generator and score them."""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from ..results import RunResult
from ._common import (
    add_scoring_options,
    exit_code,
    merged_params,
    metric_params_from_args,
    parse_gate,
    print_summary,
    settings_from_args,
)


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("--suite", required=True, help="suite name (see `sora-bench ls suites`) or path")
    p.add_argument("--generator", default="reference",
                   help="reference | folder:DIR | cmd:TEMPLATE | package.module:function | "
                        "diffusers:MODEL (default: reference)")
    p.add_argument("--out", default=None, help="run directory (default runs/<suite>/<generator>)")
    p.add_argument("--limit", type=int, default=None, help="first N prompts only")
    p.add_argument("--seeds", default=None, help="comma-separated seeds instead of the suite's")
    p.add_argument("--defect", default=None, metavar="NAME[:STRENGTH]",
                   help="inject a defect (reference generator only), e.g. flicker:0.5")
    add_scoring_options(p)


def parse_defect(text: str | None) -> tuple[str, float] | None:
    """``--defect NAME[:STRENGTH]`` through the generator's own parser (canonical names)."""
    from ..generator.defects import parse_defect as parse

    try:
        return parse(text) if text else None
    except ValueError as exc:
        raise ConfigError(f"--defect: {exc}") from None


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-")[:60] or "run"


def run(args: argparse.Namespace) -> tuple[RunResult, Path]:
    from ..device import resolve_device
    from ..generator import load_generator
    from ..jobs import default_metric_specs, suite_jobs
    from ..runner import RunPlan, execute
    from ..suite import load_suite

    suite = load_suite(args.suite)
    generator = load_generator(args.generator)
    if args.limit is not None and args.limit < 1:
        raise ConfigError("--limit must be at least 1")
    prompts = suite.prompts[: args.limit] if args.limit else suite.prompts
    seeds = None
    if args.seeds:
        try:
            seeds = [int(s) for s in args.seeds.split(",") if s.strip()]
        except ValueError:
            raise ConfigError(f"--seeds {args.seeds!r}: expected comma-separated ints") from None
    defect = parse_defect(args.defect)
    out_dir = Path(args.out) if args.out else Path("runs") / suite.name / _slug(args.generator)
    specs = default_metric_specs(args.metrics.split(",") if args.metrics else None, suite)
    specs = merged_params(specs, metric_params_from_args(args.metric_param))
    plan = RunPlan(
        command="run", out_dir=out_dir, jobs=suite_jobs(prompts, suite.spec, defect=defect, seeds=seeds),
        metric_specs=specs, device=resolve_device(args.device), settings=settings_from_args(args),
        suite=suite, generator=generator, generator_spec=args.generator, spec=suite.spec,
        cache_dir=Path(args.cache_dir) if args.cache_dir else None, use_cache=not args.no_cache,
        progress=not args.no_progress,
        extra_config={"limit": args.limit, "defect": list(defect) if defect else None},
    )
    gates = [parse_gate(g) for g in args.gate]
    return execute(plan, overwrite=args.overwrite, gates=gates), out_dir


def write_report_if_asked(args: argparse.Namespace, out_dir: Path) -> None:
    if args.report is None:
        return
    target = Path(args.report) if args.report else out_dir / "report.html"
    try:
        from ..reports import render_report
    except ImportError:
        print("report: the reports module is not part of this build; no report written",
              file=sys.stderr)
        return
    path = render_report(out_dir, target)
    print(f"report: {path.resolve()}")


def main(args: Any) -> int:
    result, out_dir = run(args)
    print_summary(result, out_dir)
    write_report_if_asked(args, out_dir)
    return exit_code(result)
