"""Physical plausibility from tracks: gravity, bounce, continuity, penetration, expectations.

Every metric reads :func:`sora_bench.tracking.get_tracks` (exact Truth tracks when the sample
has Truth, else the pixel tracker; run setting ``tracks``) and shares one analysis per sample
(``ctx.shared``). Formulas live in :mod:`.physics_checks`, :mod:`.physics_continuity`,
:mod:`.penetration` and :mod:`.physics_expect`. A metric
with nothing to judge raises ``MetricSkip("not-applicable", why)``: never a made-up number.

Values are in [0, 1], higher is better; ``details["flagged"]`` is ``value < FLAG_BELOW`` (the
calibrated threshold); ``details["events"]`` lists violations with ``frames`` and
``position`` for the report.

``physics_score`` = mean of the applicable sub-scores among gravity, bounce, continuity,
penetration and expectations (skipped sub-metrics are left out; skipped when none applies).
"""

from __future__ import annotations

from typing import Any, ClassVar

from ..errors import MetricSkip
from ..types import Video
from .base import MetricValue, SampleContext, VideoMetric

__all__ = ["PhysicsGravity", "PhysicsBounce", "PhysicsContinuity", "PhysicsPenetration",
           "PhysicsExpectations", "PhysicsScore", "physics_analysis"]


def physics_analysis(video: Video, ctx: SampleContext) -> dict[str, Any]:
    """Tracks, trajectories, binding and every sub-check of one sample (memoised)."""

    def compute() -> dict[str, Any]:
        from ..tracking import get_tracks
        from .penetration import check_penetration
        from .permanence_events import judged_tracks, permanence_events
        from .physics_checks import check_bounce, check_gravity
        from .physics_continuity import check_continuity
        from .physics_traj import bind_scene, trajectories

        tracks = get_tracks(video, ctx)
        trajs = trajectories(tracks, ctx.prompt)
        binding = bind_scene(tracks, ctx.prompt)
        cont = check_continuity(trajs, tracks)
        fractures = {}
        if ctx.truth is not None:
            for ev in ctx.truth.events:
                if ev.kind in ("fracture", "shatter"):
                    for o in ev.objects:
                        fractures[o] = ev.frame
        breaks = any(e.get("event") == "breaks" for e in (ctx.prompt.expect if ctx.prompt else ()))
        # pixel tracks: gravity judges the tracks permanence judges (no specks, shadow bits)
        flying = trajs if tracks.source == "truth" else {
            k: v for k, v in trajs.items() if k in set(judged_tracks(tracks))}
        # (teleports the two tracks exchanged are no continuity event, but a swap clue)
        teleports = [e for e in cont[1].get("events", []) if e["kind"] == "teleport"] + list(
            cont[1].get("exchanges", []))
        perm = permanence_events(tracks, fractures=fractures, breaks_expected=breaks,
                                 teleports=teleports)
        return {
            "tracks": tracks, "trajs": trajs, "binding": binding,
            "gravity": check_gravity(flying, video.fps, exact=tracks.source == "truth",
                                     g=_scene_gravity(ctx)),
            "bounce": check_bounce(trajs),
            "continuity": cont, "penetration": check_penetration(trajs, tracks),
            "permanence_events": perm,
        }

    key = f"physics:analysis:{ctx.run.settings.get('tracks', 'auto')}"
    return ctx.shared(key, compute)


def _scene_gravity(ctx: SampleContext) -> float:
    """The gravity (m/s^2) the prompt's scene asks for; 9.81 when it sets none."""
    scene = ctx.prompt.scene if ctx.prompt is not None else None
    try:
        g = float(scene.get("gravity", 9.81)) if scene is not None else 9.81
    except (TypeError, ValueError):
        g = 9.81
    return abs(g) if g else 9.81


class _PhysicsMetric(VideoMetric):
    version: ClassVar[int] = 1
    higher_is_better: ClassVar[bool] = True
    needs: ClassVar[frozenset[str]] = frozenset({"tracks"})
    min_frames: ClassVar[int] = 4
    unit: ClassVar[str] = "[0, 1]"
    check: ClassVar[str] = ""
    FLAG_BELOW: ClassVar[float] = 0.5

    @property
    def protocol(self) -> str:
        return f"{self.name}/v{self.version}/tracks-auto/stabilised-px/flag<{self.FLAG_BELOW:g}"

    def _value(self, video: Video, ctx: SampleContext) -> tuple[float, dict[str, Any]]:
        an = physics_analysis(video, ctx)
        score, details = an[self.check]
        if score is None:
            raise MetricSkip("not-applicable", f"{self.name}: {details.get('reason', '')}")
        return score, dict(details)

    def score(self, video: Video, ctx: SampleContext) -> MetricValue:
        value, details = self._value(video, ctx)
        an = physics_analysis(video, ctx)
        details["flagged"] = bool(value < self.FLAG_BELOW)
        details["threshold"] = self.FLAG_BELOW
        details["tracks_source"] = an["tracks"].source
        warnings = tuple(an["tracks"].meta.get("warnings", ()) or ())
        return MetricValue(value, details, warnings)


class PhysicsGravity(_PhysicsMetric):
    """Free-flight segments fall with one downward constant acceleration of the right size
    (formula: :mod:`.physics_checks`, gravity). Camera motion removed by stabilisation."""

    name = "physics_gravity"
    version: ClassVar[int] = 3  # v2: a landing's braking must hold over 2 steps; v3: side-edge cuts keep y
    check = "gravity"
    FLAG_BELOW = 0.5


class PhysicsBounce(_PhysicsMetric):
    """Each rebound is lower than the fall that caused it; contacts lie on one floor line."""

    name = "physics_bounce"
    check = "bounce"
    FLAG_BELOW = 0.5


class PhysicsContinuity(_PhysicsMetric):
    """No teleports (jumps beyond what speed explains) and no freezes of moving objects
    (formula: :mod:`.physics_continuity`)."""

    name = "physics_continuity"
    # v2: collisions, exchanged identities (pixels); v3: turns; v4: edge ends; v5: dim look-alikes;
    # v6: turns on either axis up to 5 frames, still boxes pinned to the image edge (pixels);
    # v7: frames whose box spans over twice the usual width or height are no positions
    version: ClassVar[int] = 7
    check = "continuity"
    FLAG_BELOW = 0.6


class PhysicsPenetration(_PhysicsMetric):
    """Solid objects do not pass into each other (3-D from Truth; from pixels, floor objects at
    one depth that swap order: :mod:`.penetration`)."""

    name = "physics_penetration"
    version: ClassVar[int] = 9  # v2: 12-frame swaps; v3: hue windows; v4: end frames; v5: crossing depth;
    # v6: split tracks joined; v7: floor-row drift; v8: continuations overlapping 2 frames;
    # v9: usual area from the nearest sightings (sinking objects), tracks that jump excluded
    check = "penetration"
    FLAG_BELOW = 0.6


class PhysicsExpectations(_PhysicsMetric):
    """Fraction of the prompt's checkable ``expect:`` entries that the video meets."""

    name = "physics_expectations"
    # v2: ``keeps_identity`` reads object_permanence's identity events, so it follows their
    # rules (object_permanence v12); v3-v8: follow object_permanence v13-v18
    version: ClassVar[int] = 8
    needs: ClassVar[frozenset[str]] = frozenset({"tracks", "prompt"})
    FLAG_BELOW = 0.75

    def _value(self, video: Video, ctx: SampleContext) -> tuple[float, dict[str, Any]]:
        from .physics_expect import check_expectations

        entries = tuple(ctx.prompt.expect) if ctx.prompt is not None else ()
        if not entries:
            raise MetricSkip("no-expectations", "the prompt has no expect: entries")
        an = physics_analysis(video, ctx)
        res = check_expectations(entries, an["tracks"], an["trajs"], an["permanence_events"],
                                 an["binding"], ctx.truth)
        judged = [r for r in res if r["met"] is not None]
        if not judged:
            raise MetricSkip("not-applicable", "no expect: entry is checkable from tracks")
        value = sum(1.0 for r in judged if r["met"]) / len(judged)
        events = [{"kind": "expectation_unmet", "object": r["entry"].get("object", ""),
                   "frames": list(r["entry"].get("frames", [0, video.num_frames - 1])),
                   "position": [], "entry": r["entry"], "why": r["why"]}
                  for r in judged if not r["met"]]
        return value, {"results": res, "checked": len(judged), "events": events}


class PhysicsScore(_PhysicsMetric):
    """Mean of the applicable sub-scores (gravity, bounce, continuity, penetration,
    expectations); sub-metrics that skip are left out."""

    name = "physics_score"
    # follows its parts (gravity v3, continuity v7, penetration v9, expectations v8)
    version: ClassVar[int] = 23
    FLAG_BELOW = 0.6
    needs: ClassVar[frozenset[str]] = frozenset({"tracks", "prompt"})
    _PARTS: ClassVar[tuple[type[_PhysicsMetric], ...]] = (
        PhysicsGravity, PhysicsBounce, PhysicsContinuity, PhysicsPenetration, PhysicsExpectations)

    def _value(self, video: Video, ctx: SampleContext) -> tuple[float, dict[str, Any]]:
        parts: dict[str, float] = {}
        skipped: dict[str, str] = {}
        events: list[dict[str, Any]] = []
        for cls in self._PARTS:
            try:
                v, d = cls()._value(video, ctx)
            except MetricSkip as e:
                skipped[cls.name] = e.reason
                continue
            parts[cls.name] = v
            events += d.get("events", [])
        if not parts:
            raise MetricSkip("not-applicable", "no physics sub-metric applies")
        return sum(parts.values()) / len(parts), {"parts": parts, "skipped": skipped,
                                                  "events": events}
