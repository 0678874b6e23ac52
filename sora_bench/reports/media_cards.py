"""Fill the per-video cards with media: preview, frame strip, curves and event frames."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import details as dt
from . import media, plots

if TYPE_CHECKING:
    from ..results import RunResult
    from .model import VideoCard

__all__ = ["attach_media"]


def _event_caption(e: dt.EventMark) -> str:
    frames = f"frame {e.frame}" + (f"–{e.end_frame}" if e.end_frame is not None else "")
    objs = f" · {', '.join(e.objects)}" if e.objects else ""
    return f"{e.kind} · {frames}{objs}"


#: Cards (in worst-first order) that get previews, strips, curves and event frames; the
#: rest keep their scores only, so a 10k-video run still gives a report of sensible size.
MAX_MEDIA_CARDS = 150


def _dedupe(events: list[dt.EventMark]) -> list[dt.EventMark]:
    """One entry per (kind, frames, objects): an aggregate metric (physics_score) repeats
    its parts' events; their metric names are joined instead."""
    merged: dict[tuple[Any, ...], dt.EventMark] = {}
    for e in sorted(events, key=lambda e: (e.frame, e.kind, e.objects, e.metric)):
        key = (e.kind, e.frame, e.end_frame, e.objects)
        if key in merged:
            merged[key] = replace(merged[key], metric=f"{merged[key].metric}, {e.metric}")
        else:
            merged[key] = e
    return list(merged.values())


def attach_media(cards: list[VideoCard], run: RunResult, run_dir: Path | None,
                 max_events: int, max_cards: int = MAX_MEDIA_CARDS) -> None:
    """Decode each sample's video once and attach every image the card shows."""
    by_id = {s.sample_id: s for s in run.samples}
    for i, card in enumerate(cards):
        if i >= max_cards:
            card.media_note = (f"media shown for the {max_cards} worst videos only; "
                               "this one is in the run folder")
            continue
        s = by_id[card.sample_id]
        curves: list[tuple[str, Any]] = []
        events: list[dt.EventMark] = []
        for name in sorted(s.metrics):
            d = s.metrics[name].details
            curves += [(c.label, c.values) for c in dt.find_curves(name, d, limit=4)]
            events += dt.find_events(name, d)
        events = _dedupe(events)
        video, why = media.load_video(media.resolve(s.video, run_dir))
        frames = video.num_frames if video is not None else max(
            (len(v) for _, v in curves), default=0)
        card.curves = plots.curves_chart(curves, sorted({e.frame for e in events}), frames)
        if video is None:
            card.media_note = why
            card.events = [{"caption": _event_caption(e), "metric": e.metric, "note": e.note,
                            "image": None} for e in events[:max_events]]
            continue
        card.preview = media.preview_uri(video)
        card.strip = media.strip_uri(video)
        card.thumb = media.thumb_uri(video)
        truth = media.load_truth(media.resolve(s.truth, run_dir))
        card.events = [{"caption": _event_caption(e), "metric": e.metric, "note": e.note,
                        "image": media.event_uri(video, e, truth)} for e in events[:max_events]]
        if len(events) > max_events:
            card.events.append({"caption": f"+ {len(events) - max_events} more events",
                                "metric": "", "note": "", "image": None})
