"""The Metric protocol (DESIGN.md §3) and the contexts the runner hands to metrics.

A metric is a small class over pure functions:

- :class:`VideoMetric` scores one :class:`~sora_bench.types.Video` at a time and returns a
  :class:`MetricValue` (a float plus JSON-able details for the report).
- :class:`SetMetric` (FVD, KVD) extracts per-video features (cached by the runner) and
  reduces them, in sample-id order, into one :class:`SetValue` against reference statistics.

Class attributes are the metric's public identity: ``name`` (the same string in the
registry, YAML, JSON, CLI and report), ``version`` (bumped whenever values change),
``higher_is_better``, ``kind``, ``needs`` and ``min_frames``. The :attr:`Metric.protocol`
string names every preprocessing choice that changes the number; it goes into results and
cache keys.
"""

from __future__ import annotations

import abc
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

import numpy as np

from ..errors import MetricSkip
from ..types import Prompt, Truth, Video, VideoSpec

if TYPE_CHECKING:
    from ..cache import Cache
    from ..suite import Suite

__all__ = [
    "MetricValue",
    "SetValue",
    "SampleContext",
    "RunContext",
    "Metric",
    "VideoMetric",
    "SetMetric",
    "NEEDS",
]

#: What a metric may declare in ``needs``.
NEEDS = frozenset({"prompt", "tracks", "truth", "reference"})

R = TypeVar("R")


@dataclass(frozen=True)
class MetricValue:
    """One metric's result on one video.

    ``value`` is finite; ``details`` is JSON-able (per-frame curves, events, sub-scores) and
    goes into the sample record for the report; ``warnings`` are short sentences.
    """

    value: float
    details: Mapping[str, Any] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        v = float(self.value)
        if not math.isfinite(v):
            raise ValueError(f"metric value must be finite, got {self.value!r}")
        object.__setattr__(self, "value", v)
        object.__setattr__(self, "warnings", tuple(self.warnings))


@dataclass(frozen=True)
class SetValue:
    """A set metric's result: value, 95 % CI (or None), number of videos, details."""

    value: float
    n: int
    ci95: tuple[float, float] | None = None
    details: Mapping[str, Any] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()


@dataclass
class RunContext:
    """What every metric may know about the whole run.

    Attributes:
        device: resolved torch device string (``cpu``, ``cuda:0`` ...).
        settings: global options from the CLI/pytest (``clip_weights``, ``reference`` ...).
        cache: the feature cache, or None when caching is off.
        suite: the suite being run, when there is one (``score`` runs may have none).
        spec: the requested video spec.
        prompts: every prompt of the run.
        out_dir: the run directory.
        generator: the generator spec string (``reference`` ...), None for ``score``.
    """

    device: str = "cpu"
    settings: Mapping[str, Any] = field(default_factory=dict)
    cache: Cache | None = None
    suite: Suite | None = None
    spec: VideoSpec = field(default_factory=VideoSpec)
    prompts: tuple[Prompt, ...] = ()
    out_dir: Path | None = None
    generator: str | None = None


@dataclass
class SampleContext:
    """What a metric may know about one sample.

    ``memo`` holds intermediates shared by the metrics of one sample (optical flow, CLIP
    frame embeddings, tracks): compute them through :meth:`shared` so they are made once.
    """

    sample_id: str
    prompt: Prompt | None = None
    seed: int | None = None
    truth: Truth | None = None
    video_path: Path | None = None
    run: RunContext = field(default_factory=RunContext)
    memo: dict[str, Any] = field(default_factory=dict)

    @property
    def device(self) -> str:
        return self.run.device

    def video_hash(self, video: Video) -> str:
        """The video's content hash, computed once per sample (every cache key uses it)."""
        return self.shared("video_hash", video.content_hash)

    def shared(self, key: str, compute: Callable[[], R]) -> R:
        """Return ``memo[key]``, computing it once per sample."""
        if key not in self.memo:
            self.memo[key] = compute()
        return self.memo[key]  # type: ignore[no-any-return]


class Metric(abc.ABC):
    """Common identity and options of every metric.

    Subclasses set the class attributes and accept their options as keyword arguments
    (from the suite's ``metrics:`` entries or ``--metric-param name.key=value``).
    """

    name: ClassVar[str]
    version: ClassVar[int]
    higher_is_better: ClassVar[bool]
    kind: ClassVar[str] = "video"
    needs: ClassVar[frozenset[str]] = frozenset()
    min_frames: ClassVar[int] = 1
    #: Units and range, for the report ("[0, 1]", "CLIPScore 0-100", "px^2" ...).
    unit: ClassVar[str] = ""

    def __init__(self, **options: Any) -> None:
        if options:
            raise TypeError(f"{self.name} takes no options, got {sorted(options)}")

    @property
    @abc.abstractmethod
    def protocol(self) -> str:
        """Every choice that changes the number, e.g. ``fvd/i3d-k400-logits/16f/...``."""

    @property
    def weights_sha256(self) -> str | None:
        """sha256 of the network weights the metric uses (None when weight-free); the runner
        puts it into every cache key, beside the protocol string."""
        return None

    def setup(self, run: RunContext) -> None:  # noqa: B027 - optional hook
        """Called once before scoring (load weights here). Raise :class:`MetricSkip` when the
        metric cannot run at all in this run (e.g. ``weights-missing``); every sample then
        records ``skipped:<reason>`` with the message."""

    def check_video(self, video: Video) -> None:
        """Refuse videos the metric cannot score (default: fewer than ``min_frames``)."""
        if video.num_frames < self.min_frames:
            raise MetricSkip(
                "too-short",
                f"{self.name} needs at least {self.min_frames} frames, got {video.num_frames}",
            )

    def describe(self) -> dict[str, Any]:
        """Identity for results and reports."""
        return {
            "name": self.name,
            "version": self.version,
            "protocol": self.protocol,
            "weights_sha256": self.weights_sha256,
            "higher_is_better": self.higher_is_better,
            "kind": self.kind,
            "needs": sorted(self.needs),
            "min_frames": self.min_frames,
            "unit": self.unit,
        }


class VideoMetric(Metric):
    """A per-video metric: :meth:`score` one video; the runner averages with a 95 % CI."""

    kind: ClassVar[str] = "video"

    @abc.abstractmethod
    def score(self, video: Video, ctx: SampleContext) -> MetricValue:
        """Score one video (already checked by :meth:`check_video`)."""


class SetMetric(Metric):
    """A distribution metric: per-video :meth:`features`, then one :meth:`compute`."""

    kind: ClassVar[str] = "set"
    needs: ClassVar[frozenset[str]] = frozenset({"reference"})

    @abc.abstractmethod
    def features(self, video: Video, ctx: SampleContext) -> np.ndarray:
        """Per-video features (float32/float64, fixed width); cached by the runner."""

    @abc.abstractmethod
    def compute(self, features: Iterable[tuple[str, np.ndarray]], run: RunContext) -> SetValue:
        """Reduce ``(sample_id, features)`` pairs, given in sample-id order, to one value."""
