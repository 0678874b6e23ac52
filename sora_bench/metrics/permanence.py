"""object_permanence: objects do not vanish, pop in, split, merge or change identity.

Reads tracks (:func:`sora_bench.tracking.get_tracks`; exact from Truth when present, else the
pixel tracker). Events and the score formula: :mod:`.permanence_events`. The prompt's
``expect:`` entries about reappearance, occlusion, containment, identity and visibility
(``reappears_after_occlusion``, ``occluded``, ``enters_container``, ``stays_in_container``,
``keeps_identity``, ``stays_visible``) are checked explicitly (:mod:`.physics_expect`); each
unmet one multiplies the score by ``1 - 0.5``.

Value in [0, 1], higher is better; 1 = no permanence violation. ``details["events"]`` lists
every event with ``frames`` and ``position``; ``details["flagged"]`` is ``value < 0.7``.
"""

from __future__ import annotations

from typing import Any, ClassVar

from ..types import Video
from .base import MetricValue, SampleContext, VideoMetric

__all__ = ["ObjectPermanence", "PERMANENCE_EXPECT"]

PERMANENCE_EXPECT = frozenset({"reappears_after_occlusion", "occluded", "enters_container",
                               "stays_in_container", "keeps_identity", "stays_visible"})


class ObjectPermanence(VideoMetric):
    name = "object_permanence"
    # v7: swaps on own sightings; v8: 2-frame dropouts (pixels); v9: exact exchanges;
    # v10: colour changes the tracker split into two tracks; v11: a jump onto a partner of
    # a clashing hue that stays lost; v12: colour jumps only in frames of the region's usual
    # size around them; v13: handovers when the old id is carried off, colour-taking
    # swaps on any jump (partner of the landing's size, lost mid-picture)
    # v14: a steady whole object lost next to a neighbour, unexplained for 3 frames,
    # vanished; v15: a jump back after a jump out (<= 3 frames) is no swap; v16: follows
    # physics_continuity v7's teleports (its swap clues); v17: a track of its hue carrying
    # on where a pixel track was lost is no vanish; v18: a pixel track that appears against
    # neighbours all of another hue may be a pop-in
    version: ClassVar[int] = 18
    higher_is_better: ClassVar[bool] = True
    needs: ClassVar[frozenset[str]] = frozenset({"tracks"})
    min_frames: ClassVar[int] = 3
    unit: ClassVar[str] = "[0, 1]"
    FLAG_BELOW: ClassVar[float] = 0.7

    @property
    def protocol(self) -> str:
        return f"{self.name}/v{self.version}/tracks-auto/events-product/flag<{self.FLAG_BELOW:g}"

    def score(self, video: Video, ctx: SampleContext) -> MetricValue:
        from .permanence_events import WEIGHTS, permanence_score
        from .physics import physics_analysis
        from .physics_expect import check_expectations

        an = physics_analysis(video, ctx)
        events: list[dict[str, Any]] = list(an["permanence_events"])
        entries = tuple(e for e in (ctx.prompt.expect if ctx.prompt else ())
                        if e.get("event") in PERMANENCE_EXPECT)
        checks = check_expectations(entries, an["tracks"], an["trajs"], events, an["binding"],
                                    ctx.truth) if entries else []
        for r in checks:
            if r["met"] is False:
                events.append({"kind": "expectation", "object": r["entry"].get("object", ""),
                               "frames": list(r["entry"].get("frames", [0, video.num_frames - 1])),
                               "position": [], "entry": r["entry"], "why": r["why"],
                               "severity": 1.0})
        value = permanence_score(events)
        counts: dict[str, int] = {}
        for e in events:
            counts[e["kind"]] = counts.get(e["kind"], 0) + 1
        tracks = an["tracks"]
        details = {"events": events, "counts": counts, "expectations": checks,
                   "weights": WEIGHTS, "tracks_source": tracks.source,
                   "objects": len(tracks.tracks), "flagged": bool(value < self.FLAG_BELOW),
                   "threshold": self.FLAG_BELOW}
        return MetricValue(value, details, tuple(tracks.meta.get("warnings", ()) or ()))
