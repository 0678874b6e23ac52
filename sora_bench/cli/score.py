"""``sora-bench score``: score a folder of existing videos (any model's output).

``--videos DIR`` holds ``<id>.mp4`` (also .webm .mkv .gif .npy, or a frame folder ``<id>/``).
``--prompts FILE`` (JSON or YAML) maps id -> text, or id -> {text, tags, expect}. A suite
(``--suite``) may be given instead; ids then match ``<prompt id>`` or ``<prompt id>__s<seed>``.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..errors import ConfigError, SuiteError
from ..results import RunResult
from ..types import Prompt, VideoSpec
from ._common import (
    add_scoring_options,
    exit_code,
    merged_params,
    metric_params_from_args,
    parse_gate,
    print_summary,
    settings_from_args,
)
from .run import write_report_if_asked

MAX_PROMPTS_BYTES = 16 * 1024 * 1024


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("--videos", required=True, help="folder of videos named by id")
    src = p.add_mutually_exclusive_group()
    src.add_argument("--prompts", default=None, help="JSON/YAML file mapping id -> prompt text")
    src.add_argument("--suite", default=None, help="take prompts from a suite")
    p.add_argument("--truth", action="store_true",
                   help="use <id>.truth.json sidecars (reference-generator videos only; never "
                        "for untrusted submissions)")
    p.add_argument("--fps", type=float, default=None, help="frame rate for frame folders / arrays")
    p.add_argument("--out", required=True, help="run directory")
    add_scoring_options(p)


def _reject_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    for k, v in pairs:
        if k in seen:
            raise ConfigError(f"duplicate id {k!r} in the prompts file; ids must be unique")
        seen[k] = v
    return seen


def load_prompts_file(path: str | Path) -> dict[str, Prompt]:
    """id -> Prompt from a JSON or YAML mapping (values: text, or {text, tags, expect})."""
    p = Path(path)
    try:
        if p.stat().st_size > MAX_PROMPTS_BYTES:
            raise ConfigError(f"{p}: prompts file larger than {MAX_PROMPTS_BYTES} bytes")
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{p}: cannot read prompts file ({exc.strerror or exc})") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{p}: prompts file is not UTF-8 text") from None
    if p.suffix.lower() == ".json":
        try:
            data = json.loads(text, object_pairs_hook=_reject_duplicates)
        except ValueError as exc:
            raise ConfigError(f"{p}: not valid JSON ({exc})") from None
    else:
        from ..suite import safe_yaml_load

        data = safe_yaml_load(text, str(p), reject_duplicate_keys=True)
    if not isinstance(data, Mapping):
        raise ConfigError(f"{p}: expected a mapping of id -> prompt text")
    prompts: dict[str, Prompt] = {}
    for vid, value in data.items():
        if isinstance(value, str):
            prompts[str(vid)] = Prompt(id=str(vid), text=value)
        elif isinstance(value, Mapping) and isinstance(value.get("text"), str):
            unknown = set(value) - {"text", "tags", "expect", "scene", "seed"}
            if unknown:
                raise ConfigError(f"{p}: {vid}: unknown keys {sorted(unknown)}")
            prompts[str(vid)] = Prompt(id=str(vid), text=value["text"],
                                       tags=tuple(value.get("tags", ())),
                                       expect=tuple(value.get("expect", ())),
                                       scene=value.get("scene"))
        else:
            raise ConfigError(f"{p}: {vid}: expected text or {{text: ...}}")
    return prompts


def score(args: argparse.Namespace) -> tuple[RunResult, Path]:
    from ..device import resolve_device
    from ..jobs import default_metric_specs, video_jobs
    from ..runner import RunPlan, execute
    from ..suite import load_suite
    from ..video_io import discover_videos

    videos = discover_videos(args.videos)
    if not videos:
        raise ConfigError(f"{args.videos}: no videos found (expected <id>.mp4, .webm, .mkv, .gif, "
                          ".npy or frame folders)")
    suite = None
    prompts = None
    if args.prompts:
        prompts = load_prompts_file(args.prompts)
    elif args.suite:
        try:
            suite = load_suite(args.suite)
        except SuiteError:
            raise
        prompts = {p.id: p for p in suite.prompts}
    jobs, warnings = video_jobs(videos, prompts, use_truth=args.truth)
    for w in warnings:
        print(f"warning: {w}")
    specs = default_metric_specs(args.metrics.split(",") if args.metrics else None, suite)
    specs = merged_params(specs, metric_params_from_args(args.metric_param))
    settings = settings_from_args(args)
    if args.fps:
        settings["fps"] = args.fps
    out_dir = Path(args.out)
    plan = RunPlan(
        command="score", out_dir=out_dir, jobs=jobs, metric_specs=specs,
        device=resolve_device(args.device), settings=settings, suite=suite,
        spec=suite.spec if suite is not None else VideoSpec(),
        cache_dir=Path(args.cache_dir) if args.cache_dir else None, use_cache=not args.no_cache,
        progress=not args.no_progress,
        extra_config={"videos": str(Path(args.videos).resolve()), "truth": bool(args.truth),
                      "prompts_file": str(Path(args.prompts).resolve()) if args.prompts else None},
    )
    return execute(plan, overwrite=args.overwrite, gates=[parse_gate(g) for g in args.gate]), out_dir


def main(args: Any) -> int:
    result, out_dir = score(args)
    print_summary(result, out_dir)
    write_report_if_asked(args, out_dir)
    return exit_code(result)
