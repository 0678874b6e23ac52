"""Tracks for the permanence and physics metrics (DESIGN.md §3).

:func:`get_tracks` is the one entry point metrics use. The source is chosen by the run setting
``tracks`` (``auto`` by default):

- ``auto``: exact tracks from ``ctx.truth`` when the sample has Truth, else the pixel tracker;
- ``truth``: exact tracks (skips the metric with ``no-truth`` when there is none);
- ``pixels``: the pixel tracker even when Truth exists (used by calibration and benchmarks).

The tracker is the run setting ``tracker`` (default ``blob``; see :mod:`.tracker`). Tracks are
memoised per sample with ``ctx.shared`` so every metric of a sample reuses one tracking pass.
Heavy imports (scipy, OpenCV) happen only when a pixel tracker runs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..types import Tracks, Video

if TYPE_CHECKING:
    from ..metrics.base import SampleContext

__all__ = ["get_tracks", "tracks_source_setting", "tracks_cache_key"]

_SOURCES = ("auto", "truth", "pixels")


def tracks_source_setting(ctx: SampleContext) -> str:
    """The ``tracks`` run setting, validated (``auto`` when unset)."""
    src = str(ctx.run.settings.get("tracks", "auto") or "auto")
    if src not in _SOURCES:
        from ..errors import ConfigError

        raise ConfigError(f"setting tracks={src!r} is not one of {', '.join(_SOURCES)}")
    return src


def _source(ctx: SampleContext) -> tuple[str, bool, str]:
    """(``tracks`` setting, whether Truth tracks are used, tracker name)."""
    src = tracks_source_setting(ctx)
    from .tracker import DEFAULT_TRACKER

    tracker_name = str(ctx.run.settings.get("tracker") or DEFAULT_TRACKER)
    return src, ctx.truth is not None and src in ("auto", "truth"), tracker_name


def tracks_cache_key(ctx: SampleContext) -> str:
    """What :func:`get_tracks` would use for this sample, for result cache keys: ``truth``,
    or ``pixels:<tracker>:<its protocol>`` (a new tracker version must not reuse scores
    computed on the old one's tracks). Invalid settings give ``invalid``; scoring then
    reports them through :func:`get_tracks`."""
    from ..errors import ConfigError

    try:
        _, use_truth, tracker_name = _source(ctx)
        if use_truth:
            return "truth"
        from .tracker import get_tracker

        tracker = get_tracker(tracker_name)
    except ConfigError:
        return "invalid"
    return f"pixels:{tracker_name}:{getattr(tracker, 'protocol', '')}"


def get_tracks(video: Video, ctx: SampleContext) -> Tracks:
    """Tracks of ``video`` for this sample (see module docstring for the source choice)."""
    src, use_truth, tracker_name = _source(ctx)
    if src == "truth" and ctx.truth is None:
        from ..errors import MetricSkip

        raise MetricSkip("no-truth", "setting tracks=truth but this sample has no Truth")
    key = "tracks:truth" if use_truth else f"tracks:pixels:{tracker_name}"

    def compute() -> Tracks:
        if use_truth:
            from .from_truth import tracks_from_truth

            assert ctx.truth is not None
            return tracks_from_truth(ctx.truth, video)
        from .tracker import get_tracker

        return get_tracker(tracker_name).track(video)

    return ctx.shared(key, compute)
