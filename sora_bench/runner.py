"""Generate -> decode -> score -> results, resumable (DESIGN.md §3 "Work units").

A run is a list of independent jobs, one per (prompt, seed) or per video file. Each job
appends one record to ``samples.jsonl`` (flushed and fsynced) as it finishes. A rerun of the
same command in the same directory reads that log, skips finished samples, and redoes the
rest. The reduce step reads the log, sorts by sample id and computes every aggregate in
float64, so the result does not depend on the order or number of workers.

``SORA_BENCH_FAULT_AFTER=N`` (tests only) kills the process with SIGKILL right after the
N-th newly finished sample, to prove that resuming loses and recomputes nothing.
"""

from __future__ import annotations

import hashlib
import logging
import os
import signal
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from .errors import ConfigError, InputError, MetricSkip
from .jobs import Job
from .metrics import get_metric
from .metrics.base import Metric, RunContext, SampleContext, SetMetric
from .progress import Progress
from .results import (
    GateOutcome,
    MetricResult,
    RunResult,
    SampleResult,
    append_jsonl,
    atomic_write_text,
    count_statuses,
    dumps,
    read_jsonl,
)
from .scoring import MetricSlot, features_path, score_sample
from .stats import mean_ci
from .types import Truth, VideoSpec

log = logging.getLogger(__name__)

__all__ = ["RunPlan", "execute", "prepare_metrics", "run_job"]


@dataclass
class RunPlan:
    """Everything that defines a run. ``config()`` is what a resumed run must match."""

    command: str
    out_dir: Path
    jobs: list[Job]
    metric_specs: list[tuple[str, dict[str, Any]]]
    device: str = "cpu"
    settings: dict[str, Any] = field(default_factory=dict)
    suite: Any = None  # Suite | None
    generator: Any = None  # Generator | None
    generator_spec: str | None = None
    spec: VideoSpec = field(default_factory=VideoSpec)
    cache_dir: Path | None = None
    use_cache: bool = True
    progress: bool = True
    extra_config: dict[str, Any] = field(default_factory=dict)

    def config(self, slots: Sequence[MetricSlot]) -> dict[str, Any]:
        return {
            "command": self.command,
            "suite": None if self.suite is None else self.suite.describe(),
            "generator": None if self.generator is None else self.generator.describe(),
            "spec": vars(self.spec).copy(),
            "metrics": {s.name: {"version": s.metric.version, "protocol": s.metric.protocol,
                                 "params": spec[1]}
                        for s, spec in zip(slots, self.metric_specs)},
            "samples": [j.sample_id for j in self.jobs],
            "settings": {k: v for k, v in sorted(self.settings.items()) if v is not None},
            **self.extra_config,
        }


def prepare_metrics(specs: Sequence[tuple[str, Mapping[str, Any]]],
                    run: RunContext) -> list[MetricSlot]:
    """Instantiate metrics and call their ``setup``; a refusal becomes a run-wide skip."""
    slots = []
    for name, params in specs:
        cls = get_metric(name)
        try:
            metric: Metric = cls(**dict(params))
        except TypeError as exc:
            raise ConfigError(f"metric {name!r}: bad options {dict(params)}: {exc}") from exc
        slot = MetricSlot(metric)
        try:
            metric.setup(run)
        except MetricSkip as skip:
            slot.skip = (skip.reason, str(skip))
            log.warning("%s skipped for this run: %s", name, skip)
        slots.append(slot)
    return slots


# ------------------------------------------------------------------------------------ the job
def _relative(path: Path, root: Path) -> str:
    try:
        return str(path.resolve().relative_to(root.resolve()))
    except ValueError:
        return str(path.resolve())


def _produce(job: Job, plan: RunPlan) -> tuple[Path, Truth | None, dict[str, Any]]:
    """Get the job's video onto disk (generating it if needed); return path, truth, meta."""
    from .video_io import write_video

    if job.path is not None:
        truth = None
        if job.truth_path is not None and job.truth_path.is_file():
            truth = _load_truth(job.truth_path)
        return job.path, truth, {}
    assert job.request is not None and plan.generator is not None
    videos = plan.out_dir / "videos"
    videos.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="gen-", dir=plan.out_dir) as work:
        sample = plan.generator.generate(job.request, Path(work))
        meta = dict(sample.meta)
        if sample.video is not None:
            path = write_video(sample.video, videos / f"{job.sample_id}.mp4")
        else:
            assert sample.path is not None
            src = Path(sample.path)
            if src.resolve().is_relative_to(Path(work).resolve()):
                path = videos / f"{job.sample_id}{src.suffix}"
                os.replace(src, path)  # the scratch folder is about to go
            else:
                path = src
    truth = sample.truth
    if truth is not None:
        atomic_write_text(videos / f"{job.sample_id}.truth.json", dumps(truth.to_dict(), indent=None))
    return path, truth, meta


def _load_truth(path: Path) -> Truth:
    import json

    try:
        return Truth.from_dict(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise InputError(path, f"unreadable ground truth ({exc})", "regenerate it",
                         reason="bad_truth") from exc


def run_job(job: Job, plan: RunPlan, run: RunContext, slots: Sequence[MetricSlot]) -> SampleResult:
    """Do one job; every failure becomes a status in the returned record."""
    from .video_io import read_video

    prompt = job.prompt
    record = SampleResult(
        sample_id=job.sample_id,
        prompt_id=prompt.id if prompt is not None else job.sample_id,
        seed=job.seed,
        prompt=prompt.text if prompt is not None else None,
        status="ok",
        tags=list(prompt.tags) if prompt is not None else [],
        expect=[dict(e) for e in prompt.expect] if prompt is not None else [],
        defect=list(job.request.defect) if job.request is not None and job.request.defect else None,
    )
    if job.warning:
        record.warnings.append(job.warning)
    if job.missing is not None:
        record.status, record.message = "error:missing_video", job.missing
        return record
    try:
        path, truth, meta = _produce(job, plan)
    except InputError as exc:
        record.status, record.message = f"error:{exc.reason}", str(exc)
        return record
    except KeyboardInterrupt:
        raise
    except Exception as exc:
        log.debug("generation failed for %s", job.sample_id, exc_info=True)
        record.status = "error:generation"
        record.message = f"{job.sample_id}: generator failed: {type(exc).__name__}: {exc}"[:800]
        return record
    record.video = _relative(path, plan.out_dir)
    truth_file = plan.out_dir / "videos" / f"{job.sample_id}.truth.json"
    if truth is not None:
        record.truth = _relative(job.truth_path or truth_file, plan.out_dir)
    if meta.get("unused_words"):
        record.warnings.append("prompt words not used by the generator: "
                               + ", ".join(map(str, meta["unused_words"]))[:300])
    try:
        video = read_video(path, fps=plan.settings.get("fps"))
    except InputError as exc:
        record.status, record.message = f"error:{exc.reason}", str(exc)
        return record
    record.video_sha256 = video.content_hash()
    record.video_meta = {"num_frames": video.num_frames, "fps": video.fps,
                         "width": video.width, "height": video.height,
                         **{k: video.meta.get(k) for k in ("decoder", "pix_fmt", "had_alpha", "vfr",
                                                            "fps_source")}}
    record.warnings.extend(video.warnings)
    ctx = SampleContext(sample_id=job.sample_id, prompt=prompt, seed=job.seed, truth=truth,
                        video_path=path, run=run)
    ctx.memo["video_hash"] = record.video_sha256
    record.metrics = score_sample(video, ctx, slots)
    if record.warnings or any(m.status.startswith("error") for m in record.metrics.values()):
        record.status = "ok_with_warnings"
    return record


# --------------------------------------------------------------------------------- resuming
def _prepare_out_dir(out_dir: Path) -> None:
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        probe = out_dir / ".write-test"
        probe.write_text("ok")
        probe.unlink()
    except OSError as exc:
        raise ConfigError(f"{out_dir}: output directory is not writable ({exc.strerror or exc}); "
                          "pass --out with a folder you can write to") from None


def _check_or_write_config(out_dir: Path, config: dict[str, Any]) -> None:
    import json

    path = out_dir / "run.json"
    text = dumps(config) + "\n"
    if path.exists():
        try:
            old = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            old = None
        if old != json.loads(text):
            differs = sorted(k for k in set(config) | set(old or {})
                             if (old or {}).get(k) != json.loads(text).get(k))
            raise ConfigError(
                f"{out_dir} holds a different run (differs in: {', '.join(differs)}); "
                "use another --out, or --overwrite to start it afresh")
        return
    atomic_write_text(path, text)


def _repair_log(path: Path) -> None:
    """Drop a torn last line (a kill mid-write) so new records start on a fresh line."""
    if not path.exists():
        return
    data = path.read_bytes()
    if data and not data.endswith(b"\n"):
        cut = data.rfind(b"\n") + 1
        with open(path, "r+b") as fh:
            fh.truncate(cut)


def _finished(path: Path) -> dict[str, dict[str, Any]]:
    done: dict[str, dict[str, Any]] = {}
    for rec in read_jsonl(path):
        sid = rec.get("sample_id")
        if isinstance(sid, str):
            done[sid] = rec
    return done


def _clear(out_dir: Path) -> None:
    import shutil

    for name in ("samples.jsonl", "result.json", "run.json"):
        (out_dir / name).unlink(missing_ok=True)
    for sub in ("features", "videos"):
        if (out_dir / sub).is_dir():
            shutil.rmtree(out_dir / sub)


# ---------------------------------------------------------------------------------- reducing
def _aggregate(slots: Sequence[MetricSlot], samples: Sequence[SampleResult],
               run: RunContext) -> dict[str, MetricResult]:
    import numpy as np

    out: dict[str, MetricResult] = {}
    for slot in slots:
        m = slot.metric
        statuses = [s.metrics[m.name].status if m.name in s.metrics else f"{s.status}"
                    for s in samples]
        res = MetricResult(name=m.name, version=m.version, protocol=m.protocol,
                           higher_is_better=m.higher_is_better, kind=m.kind, value=None, n=0,
                           unit=m.unit, status_counts=count_statuses(statuses),
                           skip_message=slot.skip[1] if slot.skip else None)
        if slot.skip is None and isinstance(m, SetMetric):
            ok = [s for s in samples if s.metrics.get(m.name) is not None
                  and s.metrics[m.name].status == "ok"]
            feats = ((s.sample_id, np.load(features_path(run.out_dir, m.name, s.sample_id),  # type: ignore[arg-type]
                                           allow_pickle=False)) for s in ok)
            try:
                sv = m.compute(feats, run)
                res.value, res.n = sv.value, sv.n
                res.ci95 = list(sv.ci95) if sv.ci95 is not None else None
                res.details, res.warnings = dict(sv.details), list(sv.warnings)
            except MetricSkip as skip:
                res.skip_message = str(skip)
                res.status_counts = {f"skipped:{skip.reason}": len(samples)}
            except Exception as exc:  # a set metric failing must not lose the per-video ones
                log.debug("%s compute failed", m.name, exc_info=True)
                res.warnings = [f"{m.name} could not be computed: {type(exc).__name__}: {exc}"]
        elif slot.skip is None:
            values = [s.metrics[m.name].value for s in samples
                      if m.name in s.metrics and s.metrics[m.name].status == "ok"]
            mean, ci = mean_ci([float(v) for v in values if v is not None])
            res.value, res.n = mean, len(values)
            res.ci95 = list(ci) if ci is not None else None
        out[m.name] = res
    return out


def _run_id(config: Mapping[str, Any]) -> str:
    return hashlib.sha256(dumps(config, indent=None).encode()).hexdigest()[:16]


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def execute(plan: RunPlan, *, overwrite: bool = False,
            gates: Sequence[Callable[[RunResult], GateOutcome]] = ()) -> RunResult:
    """Run (or resume) ``plan`` and write ``result.json``; returns the result."""
    from .cache import Cache
    from .environment import environment

    out_dir = plan.out_dir
    _prepare_out_dir(out_dir)
    if overwrite:
        _clear(out_dir)
    run = RunContext(device=plan.device, settings=dict(plan.settings),
                     cache=Cache(plan.cache_dir) if plan.use_cache else None,
                     suite=plan.suite, spec=plan.spec,
                     prompts=tuple({j.prompt.id: j.prompt for j in plan.jobs if j.prompt}.values()),
                     out_dir=out_dir, generator=plan.generator_spec)
    slots = prepare_metrics(plan.metric_specs, run)
    config = plan.config(slots)
    _check_or_write_config(out_dir, config)
    log_path = out_dir / "samples.jsonl"
    _repair_log(log_path)
    done = _finished(log_path)
    created = done and min((r.get("finished_at") or "") for r in done.values()) or _now()
    todo = [j for j in plan.jobs if j.sample_id not in done]
    fault_after = int(os.environ.get("SORA_BENCH_FAULT_AFTER", "0") or 0)
    bar = Progress(len(plan.jobs), enabled=plan.progress, initial=len(plan.jobs) - len(todo))
    for count, job in enumerate(todo, start=1):
        bar.update(job.sample_id)
        record = run_job(job, plan, run, slots)
        entry = record.to_dict()
        entry["finished_at"] = _now()
        append_jsonl(log_path, entry)
        done[job.sample_id] = entry
        if fault_after and count >= fault_after:
            os.kill(os.getpid(), signal.SIGKILL)  # fault injection for the resume test
    bar.close()
    wanted = {j.sample_id for j in plan.jobs}
    samples = sorted((SampleResult.from_dict(r) for sid, r in done.items() if sid in wanted),
                     key=lambda s: s.sample_id)
    result = RunResult(
        run_id=_run_id(config), command=plan.command, created_at=created, finished_at=_now(),
        suite=config["suite"], generator=config["generator"], spec=config["spec"],
        metrics=_aggregate(slots, samples, run), samples=samples,
        status_counts=count_statuses(s.status for s in samples),
        environment=environment(plan.device), settings=config["settings"],
    )
    result.gates = [g(result) for g in gates]
    result.write(out_dir / "result.json")
    if run.cache is not None:
        log.info("cache: %d hits, %d misses", run.cache.hits, run.cache.misses)
    return result
