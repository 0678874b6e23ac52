"""The ``expect:`` vocabulary: machine-checkable expectations a suite prompt carries.

The reference generator's suites write them; the permanence and physics metrics check them.
Each entry has exactly one of ``event`` (about an ``object``) or ``camera``:

- ``{object: ball, event: bounces, min_count: 2}``
- ``{object: ball, event: reappears_after_occlusion, behind: wall}``
- ``{object: cup, event: enters_container, container: box}``
- ``{camera: pan_left}``

Optional on any entry: ``frames: [start, end]`` (inclusive window), ``min_count: N``,
``count: N``.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

__all__ = ["OBJECT_EVENTS", "CAMERA_MOVES", "EVENT_REQUIRES", "validate_expectation"]

#: event -> keys it requires besides ``object``.
EVENT_REQUIRES: dict[str, tuple[str, ...]] = {
    "falls": (), "bounces": (), "rolls": (), "slides": (), "breaks": (),
    "collides": ("with",), "topples": (), "stays_still": (), "moves_left": (),
    "moves_right": (), "rises": (), "thrown": (), "reappears_after_occlusion": (),
    "occluded": (), "enters_container": ("container",), "stays_in_container": ("container",),
    "exits_frame": (), "enters_frame": (), "stays_visible": (), "keeps_identity": (),
    "walks": (), "runs": (), "waves": (), "jumps": (), "carries": ("with",),
    "shadow_moves": (),
}
OBJECT_EVENTS = frozenset(EVENT_REQUIRES)
CAMERA_MOVES = frozenset({
    "static", "pan_left", "pan_right", "tilt_up", "tilt_down", "dolly_in", "dolly_out",
    "zoom_in", "zoom_out", "orbit", "tracking", "push_in",
})
_OPTIONAL = {"frames", "min_count", "count", "behind"}
_REFS = ("object", "with", "container", "behind")


def validate_expectation(entry: Any, object_ids: Collection[str] | None = None) -> list[tuple[str, str]]:
    """Problems of one ``expect:`` entry as ``(key, problem)`` pairs; empty when valid.

    ``object_ids``: when given, object references must name one of them.
    """
    if not isinstance(entry, Mapping):
        return [("", "expected a mapping like {object: ball, event: falls}")]
    problems: list[tuple[str, str]] = []
    has_event, has_camera = "event" in entry, "camera" in entry
    if has_event == has_camera:
        return [("", "needs exactly one of 'event' or 'camera'")]
    allowed = set(_OPTIONAL)
    if has_camera:
        allowed.add("camera")
        if entry["camera"] not in CAMERA_MOVES:
            problems.append(("camera", f"unknown camera move {entry['camera']!r} "
                                       f"(known: {', '.join(sorted(CAMERA_MOVES))})"))
    else:
        event = entry["event"]
        allowed |= {"event", "object"}
        if event not in EVENT_REQUIRES:
            problems.append(("event", f"unknown event {event!r} "
                                      f"(known: {', '.join(sorted(EVENT_REQUIRES))})"))
        else:
            allowed |= set(EVENT_REQUIRES[event])
            for key in EVENT_REQUIRES[event]:
                if key not in entry:
                    problems.append((key, f"event {event!r} needs '{key}'"))
        if not isinstance(entry.get("object"), str) or not entry.get("object"):
            problems.append(("object", "expected an object id (string)"))
    for key in entry:
        if key not in allowed:
            problems.append((str(key), "unknown key"))
    frames = entry.get("frames")
    if frames is not None and not (
        isinstance(frames, list | tuple) and len(frames) == 2
        and all(isinstance(f, int) and not isinstance(f, bool) and f >= 0 for f in frames)
        and frames[0] <= frames[1]
    ):
        problems.append(("frames", "expected [start, end] with 0 <= start <= end (ints)"))
    for key in ("min_count", "count"):
        v = entry.get(key)
        if v is not None and not (isinstance(v, int) and not isinstance(v, bool) and v >= 0):
            problems.append((key, "expected a non-negative int"))
    if object_ids is not None:
        for key in _REFS:
            ref = entry.get(key)
            if isinstance(ref, str) and ref not in object_ids:
                problems.append((key, f"no object {ref!r} in the scene "
                                      f"(objects: {', '.join(sorted(object_ids)) or 'none'})"))
    return problems
