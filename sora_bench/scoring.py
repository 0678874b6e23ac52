"""Scoring one sample with every metric: the per-job half of the runner.

Nothing here depends on other samples, so jobs can run in any order or process. Each
metric's outcome is a :class:`~sora_bench.results.MetricSample` with a status:

- ``ok`` with a value (set metrics: ``ok`` with the features stored, value None);
- ``skipped:<reason>`` when it does not apply (too short, no prompt, weights missing);
- ``error:<ExceptionName>`` when it broke; the traceback goes to the log, the run goes on.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .cache import make_key
from .errors import MetricSkip
from .metrics.base import Metric, MetricValue, SampleContext, SetMetric, VideoMetric
from .results import MetricSample
from .types import Video

log = logging.getLogger(__name__)

__all__ = ["MetricSlot", "score_sample", "features_path"]


@dataclass
class MetricSlot:
    """A metric instance prepared for a run; ``skip`` holds (reason, message) when its
    ``setup`` refused to run (e.g. weights missing)."""

    metric: Metric
    skip: tuple[str, str] | None = None
    describe: dict[str, Any] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.metric.name


def features_path(out_dir: Path, metric: str, sample_id: str) -> Path:
    """Where a set metric's per-sample features live in the run directory (``.npy``)."""
    return out_dir / "features" / metric / f"{sample_id}.npy"


def _dependency_key(metric: Metric, ctx: SampleContext) -> list[Any]:
    parts: list[Any] = []
    if "prompt" in metric.needs:
        text = ctx.prompt.text if ctx.prompt is not None else None
        parts.append(hashlib.sha256((text or "").encode()).hexdigest() if text else None)
        if ctx.prompt is not None and ctx.prompt.expect:
            parts.append(repr(ctx.prompt.expect))
    if {"truth", "tracks"} & metric.needs:
        truth = ctx.truth
        parts.append(None if truth is None else ctx.shared("truth_hash", lambda: _truth_hash(ctx)))
    if "tracks" in metric.needs:
        from .tracking import tracks_cache_key

        parts.append(tracks_cache_key(ctx))
    return parts


def _truth_hash(ctx: SampleContext) -> str:
    from .results import dumps

    assert ctx.truth is not None
    return hashlib.sha256(dumps(ctx.truth.to_dict(), indent=None).encode()).hexdigest()


def _missing_need(metric: Metric, ctx: SampleContext) -> tuple[str, str] | None:
    if "prompt" in metric.needs and (ctx.prompt is None or not ctx.prompt.text):
        return "no-prompt", f"{metric.name} needs the prompt text; pass --prompts FILE"
    if "truth" in metric.needs and ctx.truth is None:
        return "no-truth", f"{metric.name} needs reference-generator ground truth"
    return None


def _score_video_metric(metric: VideoMetric, video: Video, ctx: SampleContext,
                        video_hash: str) -> MetricSample:
    cache = ctx.run.cache
    key = make_key("video-metric", metric.name, metric.version, metric.protocol,
                   metric.weights_sha256, video_hash, *_dependency_key(metric, ctx))
    if cache is not None:
        hit = cache.get_json(key)
        if isinstance(hit, dict) and "value" in hit:
            return MetricSample(value=hit["value"], status="ok", details=hit.get("details", {}),
                                warnings=list(hit.get("warnings", [])))
    result = metric.score(video, ctx)
    if not isinstance(result, MetricValue):
        result = MetricValue(float(result))
    sample = MetricSample(value=result.value, status="ok", details=dict(result.details),
                          warnings=list(result.warnings))
    if cache is not None:
        cache.put_json(key, {"value": sample.value, "details": sample.details,
                             "warnings": sample.warnings})
    return sample


def _extract_set_features(metric: SetMetric, video: Video, ctx: SampleContext,
                          video_hash: str) -> MetricSample:
    assert ctx.run.out_dir is not None
    cache = ctx.run.cache
    key = make_key("set-features", metric.name, metric.version, metric.protocol,
                   metric.weights_sha256, video_hash)
    feats = None
    if cache is not None:
        hit = cache.get_arrays(key)
        if hit is not None and "features" in hit:
            feats = hit["features"]
    if feats is None:
        feats = np.asarray(metric.features(video, ctx))
        if feats.dtype == object or not np.isfinite(feats).all():
            raise ValueError(f"{metric.name} produced non-finite features")
        if cache is not None:
            cache.put_arrays(key, {"features": feats})
    path = features_path(ctx.run.out_dir, metric.name, ctx.sample_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp.npy")
    np.save(tmp, feats, allow_pickle=False)
    tmp.replace(path)
    return MetricSample(value=None, status="ok", details={"features_dim": int(feats.size)})


def score_sample(video: Video, ctx: SampleContext, slots: Sequence[MetricSlot]) -> dict[str, MetricSample]:
    """Run every metric on one decoded video; never raises for a metric's failure."""
    video_hash = ctx.video_hash(video)
    out: dict[str, MetricSample] = {}
    for slot in slots:
        metric = slot.metric
        if slot.skip is not None:
            out[metric.name] = MetricSample(None, f"skipped:{slot.skip[0]}", slot.skip[1])
            continue
        missing = _missing_need(metric, ctx)
        if missing is not None:
            out[metric.name] = MetricSample(None, f"skipped:{missing[0]}", missing[1])
            continue
        try:
            metric.check_video(video)
            if isinstance(metric, SetMetric):
                out[metric.name] = _extract_set_features(metric, video, ctx, video_hash)
            else:
                assert isinstance(metric, VideoMetric)
                out[metric.name] = _score_video_metric(metric, video, ctx, video_hash)
        except MetricSkip as skip:
            out[metric.name] = MetricSample(None, f"skipped:{skip.reason}", str(skip))
        except KeyboardInterrupt:
            raise
        except Exception as exc:  # one metric breaking must not lose the sample
            log.debug("%s failed on %s", metric.name, ctx.sample_id, exc_info=True)
            out[metric.name] = MetricSample(
                None, f"error:{type(exc).__name__}",
                f"{metric.name} failed on {ctx.sample_id}: {exc}"[:500])
    return out
