"""CLIP text-video alignment (``clip_alignment``) and CLIP frame consistency (``clip_consistency``).

Both read L2-normalised CLIP image embeddings ``e_i`` of sampled frames (see
:mod:`.samplers`), computed once per video and encoder: per sample through ``ctx.shared``
(so the two metrics share frames they both need) and across runs through ``run.cache``
(key: video content hash, encoder identity incl. weights sha256, sampler).

**clip_alignment** — does the video show what the prompt says. With the prompt embedding
``p`` and ``c_i = cos(e_i, p)`` over the ``n`` sampled frames::

    value = (1/n) * sum_i 100 * max(c_i, 0)          # CLIPScore, 0..100, higher is better

Each frame is scored as torchmetrics' ``clip_score(frame, prompt)`` scores one image (same
100x scale, same clamp), then frames are averaged. (Feeding all frames to torchmetrics in one
call clamps *after* averaging, ``max(100 * mean_i c_i, 0)``; the two agree whenever no frame
has a negative cosine. That variant is in the details as ``clipscore_batch_clamp``.)
Details: ``mean_cosine`` (raw, unclamped), the per-frame curves, the sampled frame indices.
Prompts longer than the model's context (77 tokens for CLIP) are truncated, keeping the
end-of-text token, and a warning is recorded. Empty prompt or none: ``skipped:no-prompt``.

**clip_consistency** — does the video keep showing the same thing: VBench's
background-consistency form (research/anchors.md §2.1), on CLIP ViT-B/32 embeddings of every
frame (sampler ``all``) by default. For sampled frames ``0..n-1``::

    s_t = 1/2 * ( max(0, cos(e_{t-1}, e_t)) + max(0, cos(e_0, e_t)) ),   t = 1..n-1
    value = mean_t s_t                                   # 0..1, higher is better

This is the per-video mean; VBench reports a frame-weighted mean over all videos (sum of s_t
over videos / number of pairs), which differs when videos have different lengths. Needs at
least two sampled frames, else ``skipped:too-short``.

Without weights (offline, no ``--clip-weights``), :meth:`setup` raises
``MetricSkip("weights-missing", <fix>)`` and no number is produced. Importing this module
does not import torch or open_clip.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from ..errors import MetricSkip
from .base import MetricValue, RunContext, SampleContext, VideoMetric
from .samplers import FrameSampler, parse_sampler

__all__ = ["ClipAlignment", "ClipConsistency", "frame_embeddings",
           "clipscore_from_cosines", "consistency_from_embeddings"]

_OPTIONS = frozenset({"model", "pretrained", "weights", "backend", "sampler", "batch_size",
                      "precision"})
_EMB_CACHE_VERSION = 1


# ------------------------------------------------------------------------------ pure maths
def clipscore_from_cosines(cos: np.ndarray) -> tuple[float, np.ndarray]:
    """Per-frame CLIPScore ``100 * max(cos, 0)`` and its mean (float64)."""
    per_frame = 100.0 * np.maximum(np.asarray(cos, dtype=np.float64), 0.0)
    return float(per_frame.mean()), per_frame


def consistency_from_embeddings(emb: np.ndarray) -> tuple[float, dict[str, Any]]:
    """VBench background-consistency score of L2-normalised rows ``emb`` (n >= 2, n x D)."""
    e = np.asarray(emb, dtype=np.float64)
    if e.shape[0] < 2:
        raise ValueError("consistency needs at least two embeddings")
    prev = np.einsum("ij,ij->i", e[1:], e[:-1])
    first = e[1:] @ e[0]
    pair = 0.5 * (np.maximum(prev, 0.0) + np.maximum(first, 0.0))
    return float(pair.mean()), {
        "consecutive_mean_cosine": float(prev.mean()),
        "first_frame_mean_cosine": float(first.mean()),
        "pair_scores": pair.tolist(),
        "consecutive_cosine": prev.tolist(),
        "first_frame_cosine": first.tolist(),
        "worst_pair": int(np.argmin(pair)) + 1,
    }


# ------------------------------------------------------------------------------ embeddings
def frame_embeddings(video: Any, indices: np.ndarray, backend: Any, ctx: SampleContext,
                     sampler: FrameSampler, batch_size: int = 16) -> np.ndarray:
    """Embeddings ``(len(indices), D)`` of ``video.frames[indices]``, each frame encoded at
    most once per sample and encoder (shared through ``ctx.shared``), and cached in
    ``run.cache`` per (video content hash, encoder identity, sampler)."""
    store: dict[int, np.ndarray] = ctx.shared(f"clip:frames:{backend.identity}", dict)
    wanted = [int(i) for i in indices]
    cache = ctx.run.cache
    key = None
    if cache is not None:
        from ..cache import make_key

        digest = ctx.video_hash(video)
        key = make_key("clip-frame-embeddings", _EMB_CACHE_VERSION, digest, backend.identity,
                       sampler.canonical)
        known: set[str] = ctx.shared("clip:cache_keys", set)
        if key in known:
            key = None  # read or written already for this sample
        else:
            known.add(key)
        if key is not None and any(i not in store for i in wanted):
            hit = cache.get_arrays(key)
            if hit is not None and hit.get("indices") is not None and \
                    hit["indices"].tolist() == wanted:
                store.update(zip(wanted, hit["emb"].astype(np.float32)))
                key = None  # already in the cache
    missing = [i for i in wanted if i not in store]
    if missing:
        emb = backend.encode_images(video.frames[missing], batch_size=batch_size)
        store.update(zip(missing, emb))
    out = np.stack([store[i] for i in wanted]).astype(np.float32)
    if cache is not None and key is not None:
        cache.put_arrays(key, {"indices": np.asarray(wanted, np.int64), "emb": out})
    return out


# ----------------------------------------------------------------------------------- metrics
class _ClipMetric(VideoMetric):
    """Shared option handling, weights loading and protocol string."""

    aggregation: ClassVar[str] = ""
    default_sampler: ClassVar[str] = "uniform:8"
    sampler_setting: ClassVar[str | None] = None

    def __init__(self, **options: Any) -> None:
        unknown = set(options) - _OPTIONS
        if unknown:
            raise TypeError(f"{self.name}: unknown options {sorted(unknown)}; "
                            f"accepted: {sorted(_OPTIONS)}")
        self.options = dict(options)
        self.batch_size = int(options.get("batch_size", 16))
        self.sampler = parse_sampler(options.get("sampler", self.default_sampler))
        self.backend: Any = None

    def setup(self, run: RunContext) -> None:
        from .clip_backends import ClipSpec, load_backend

        settings = dict(run.settings or {})
        if "sampler" not in self.options and self.sampler_setting in settings:
            self.sampler = parse_sampler(settings[self.sampler_setting])
        spec = ClipSpec.from_options(self.options, settings)
        allow_download = bool(settings.get("clip_download", True))
        self.backend = load_backend(spec, run.device, allow_download=allow_download)

    @property
    def weights_sha256(self) -> str | None:
        return None if self.backend is None else self.backend.sha256

    @property
    def protocol(self) -> str:
        if self.backend is not None:
            encoder = self.backend.identity
        else:
            o = self.options
            encoder = (f"{o.get('backend', 'open_clip')}:{o.get('model', 'default')}:"
                       f"{o.get('pretrained', 'default')}:sha256=unresolved")
        return f"{self.name}/{encoder}/{self.sampler.canonical}/model-transform/{self.aggregation}"

    def _embeddings(self, video: Any, ctx: SampleContext) -> tuple[np.ndarray, np.ndarray]:
        if self.backend is None:
            self.setup(ctx.run)
        idx = self.sampler.indices(video.num_frames)
        emb = frame_embeddings(video, idx, self.backend, ctx, self.sampler, self.batch_size)
        return idx, emb

    def describe(self) -> dict[str, Any]:
        out = super().describe()
        if self.backend is not None:
            out["encoder"] = self.backend.describe()
        out["sampler"] = self.sampler.spec
        return out


class ClipAlignment(_ClipMetric):
    """Prompt-frame CLIPScore, mean over sampled frames (formula in the module docstring)."""

    name: ClassVar[str] = "clip_alignment"
    version: ClassVar[int] = 1
    higher_is_better: ClassVar[bool] = True
    needs: ClassVar[frozenset[str]] = frozenset({"prompt"})
    min_frames: ClassVar[int] = 1
    unit: ClassVar[str] = "CLIPScore 0-100"
    aggregation: ClassVar[str] = "clipscore-mean"
    sampler_setting: ClassVar[str | None] = "clip_sampler"

    def score(self, video: Any, ctx: SampleContext) -> MetricValue:
        text = getattr(ctx.prompt, "text", None) if ctx.prompt is not None else None
        if text is None or not str(text).strip():
            raise MetricSkip("no-prompt", "clip_alignment needs a non-empty prompt text")
        if self.backend is None:
            self.setup(ctx.run)
        idx, emb = self._embeddings(video, ctx)
        prompt_emb, truncated = self.backend.encode_text(str(text))
        cos = emb.astype(np.float64) @ prompt_emb.astype(np.float64)
        value, per_frame = clipscore_from_cosines(cos)
        warnings = ()
        if truncated:
            warnings = (f"prompt ({len(text)} characters) is longer than the CLIP context of "
                        f"{self.backend.context_length} tokens and was truncated",)
        return MetricValue(value, {
            "mean_cosine": float(cos.mean()),
            "clipscore_per_frame": per_frame.tolist(),
            "cosine_per_frame": cos.tolist(),
            "frame_indices": idx.tolist(),
            "num_frames_sampled": len(idx),
            "clipscore_batch_clamp": float(max(100.0 * cos.mean(), 0.0)),
            "prompt_truncated": bool(truncated),
            "sampler": self.sampler.spec,
        }, warnings)


class ClipConsistency(_ClipMetric):
    """VBench background-consistency form on CLIP frame embeddings (module docstring)."""

    name: ClassVar[str] = "clip_consistency"
    version: ClassVar[int] = 1
    higher_is_better: ClassVar[bool] = True
    needs: ClassVar[frozenset[str]] = frozenset()
    min_frames: ClassVar[int] = 2
    unit: ClassVar[str] = "cosine 0-1"
    aggregation: ClassVar[str] = "vbench-consecutive+first-clamped-mean"
    default_sampler: ClassVar[str] = "all"

    def score(self, video: Any, ctx: SampleContext) -> MetricValue:
        idx = self.sampler.indices(video.num_frames)
        if len(idx) < 2:
            raise MetricSkip("too-short", "clip_consistency needs at least two sampled frames")
        idx, emb = self._embeddings(video, ctx)
        value, details = consistency_from_embeddings(emb)
        details.update(frame_indices=idx.tolist(), num_frames_sampled=len(idx),
                       sampler=self.sampler.spec)
        return MetricValue(value, details)
