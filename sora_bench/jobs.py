"""Planning a run: the list of independent jobs and the metrics to run.

A job is one (prompt, seed) for a generator, or one existing video file. Jobs carry
everything they need, so they can run in any order, in any process.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .metrics import get_metric
from .types import GenerationRequest, Prompt, VideoSpec

__all__ = ["Job", "suite_jobs", "video_jobs", "default_metric_specs"]


@dataclass(frozen=True)
class Job:
    """One unit of work. ``request`` for generated samples, ``path`` for existing videos."""

    sample_id: str
    prompt: Prompt | None
    seed: int | None
    request: GenerationRequest | None = None
    path: Path | None = None
    truth_path: Path | None = None
    missing: str | None = None  # an error message when the job's input is known to be absent
    warning: str | None = None  # e.g. a video with no matching prompt


def suite_jobs(prompts: Iterable[Prompt], spec: VideoSpec, *, defect: tuple[str, float] | None = None,
               seeds: Sequence[int] | None = None) -> list[Job]:
    """One job per (prompt, seed), in suite order."""
    jobs = []
    for p in prompts:
        for seed in (seeds if seeds is not None else p.seeds):
            req = GenerationRequest(prompt=p, seed=int(seed), spec=spec, defect=defect)
            jobs.append(Job(sample_id=req.sample_id, prompt=p, seed=int(seed), request=req))
    return jobs


def video_jobs(videos: Mapping[str, Path], prompts: Mapping[str, Prompt] | None,
               *, use_truth: bool = False) -> tuple[list[Job], list[str]]:
    """Jobs for existing videos matched to prompts by id; returns (jobs, warnings).

    A video id matches a prompt id directly, or as ``<prompt id>__s<seed>``. Prompts with
    no video become ``error:missing_video`` records naming the file that was expected.
    """
    warnings: list[str] = []
    jobs: list[Job] = []
    used: set[str] = set()
    for vid, path in sorted(videos.items()):
        prompt, seed = None, None
        if prompts is not None:
            base, sep, tail = vid.rpartition("__s")
            if vid in prompts:
                prompt = prompts[vid]
            elif sep and base in prompts and tail.split("__")[0].isdigit():
                prompt, seed = prompts[base], int(tail.split("__")[0])
            if prompt is None:
                warnings.append(f"{path}: no prompt with id {vid!r} in the prompts file")
            else:
                used.add(prompt.id)
        truth = path.with_name(f"{vid}.truth.json") if use_truth else None
        note = None
        if prompts is not None and prompt is None:
            note = f"no prompt with id {vid!r}: metrics that need the prompt are skipped"
        jobs.append(Job(sample_id=vid, prompt=prompt, seed=seed, path=path, truth_path=truth,
                        warning=note))
    if prompts is not None:
        folder = next(iter(videos.values())).parent if videos else None
        for pid, prompt in sorted(prompts.items()):
            if pid not in used:
                where = f"{folder}/{pid}.mp4" if folder else f"{pid}.mp4"
                jobs.append(Job(sample_id=pid, prompt=prompt, seed=None,
                                missing=f"{where}: no video for prompt {pid!r} (expected "
                                        f"{pid}.mp4/.webm/.gif/.npy or a frame folder {pid}/)"))
    jobs.sort(key=lambda j: j.sample_id)
    return jobs, warnings


def default_metric_specs(requested: Sequence[str] | None,
                         suite: Any = None) -> list[tuple[str, dict[str, Any]]]:
    """The metrics to run: ``--metrics`` if given, else the suite's list, else every metric
    available in this installation."""
    from .metrics import available_metrics

    if requested:
        names = [n.strip() for n in requested if n.strip()]
        for n in names:
            get_metric(n)  # unknown name: ConfigError with did-you-mean
        params = {n: dict(p) for n, p in (suite.metrics if suite is not None else ())}
        return [(n, params.get(n, {})) for n in dict.fromkeys(names)]
    if suite is not None and suite.metrics:
        return [(n, dict(p)) for n, p in suite.metrics]
    return [(n, {}) for n in available_metrics()]


