"""Ground truth and tracks (DESIGN.md §3): what the reference generator knows about each
video (:class:`Truth`), and per-object observations (:class:`Tracks`) from Truth or a tracker.

numpy only. Re-exported by :mod:`sora_bench.types`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ._frozen import freeze, thaw

__all__ = ["ObjectTruth", "CameraTruth", "Event", "Truth", "TRUTH_FORMAT", "Track", "Tracks"]


# --------------------------------------------------------------------------------------- truth
def _arr(value: Any, dtype: Any, shape_tail: tuple[int, ...]) -> np.ndarray:
    a = np.asarray(value, dtype=dtype)
    if a.ndim != 1 + len(shape_tail) or a.shape[1:] != shape_tail:
        raise ValueError(f"expected shape (T, {', '.join(map(str, shape_tail))}), got {a.shape}")
    return a


@dataclass(frozen=True, eq=False)
class ObjectTruth:
    """Ground truth of one object over all T frames (reference generator only).

    Attributes:
        id: unique within the video (``ball``, ``glass.frag3`` ...).
        kind: what it is (``sphere``, ``cube``, ``glass``, ``person``, ``car`` ...).
        attributes: colour, material, ``solid`` (bool), ``parent`` for fragments ...
        box: ``(T, 4)`` float, image-space ``x0, y0, x1, y1`` in pixels of the visible part,
            NaN where nothing of it is visible.
        visible_fraction: ``(T,)`` visible pixels / pixels it would cover unoccluded (0..1).
        in_frame: ``(T,)`` bool, its projection overlaps the image.
        position: ``(T, 3)`` world metres (y up); velocity: ``(T, 3)`` metres per second.
        exists: ``(T,)`` bool, the object exists in the scene (fragments appear at fracture).
    """

    id: str
    kind: str
    attributes: Mapping[str, Any]
    box: np.ndarray
    visible_fraction: np.ndarray
    in_frame: np.ndarray
    position: np.ndarray
    velocity: np.ndarray
    exists: np.ndarray

    def __post_init__(self) -> None:
        object.__setattr__(self, "attributes", freeze(dict(self.attributes)))
        object.__setattr__(self, "box", _arr(self.box, np.float64, (4,)))
        object.__setattr__(self, "visible_fraction", np.asarray(self.visible_fraction, np.float64))
        object.__setattr__(self, "in_frame", np.asarray(self.in_frame, bool))
        object.__setattr__(self, "position", _arr(self.position, np.float64, (3,)))
        object.__setattr__(self, "velocity", _arr(self.velocity, np.float64, (3,)))
        object.__setattr__(self, "exists", np.asarray(self.exists, bool))


@dataclass(frozen=True, eq=False)
class CameraTruth:
    """Per-frame pinhole camera: ``x_img ~ K @ (R @ X_world + t)``.

    Attributes:
        intrinsics: ``(T, 3, 3)`` K in pixels.
        rotation: ``(T, 3, 3)`` world-to-camera R (camera looks along +z, image y down).
        translation: ``(T, 3)`` t.
        move: the named move (``static``, ``pan_left``, ``orbit`` ...).
    """

    intrinsics: np.ndarray
    rotation: np.ndarray
    translation: np.ndarray
    move: str = "static"

    def __post_init__(self) -> None:
        object.__setattr__(self, "intrinsics", _arr(self.intrinsics, np.float64, (3, 3)))
        object.__setattr__(self, "rotation", _arr(self.rotation, np.float64, (3, 3)))
        object.__setattr__(self, "translation", _arr(self.translation, np.float64, (3,)))

    def project(self, frame: int, points: np.ndarray) -> np.ndarray:
        """World points ``(N, 3)`` -> pixel coordinates ``(N, 2)`` at ``frame`` (NaN behind camera)."""
        p = np.asarray(points, np.float64) @ self.rotation[frame].T + self.translation[frame]
        z = p[:, 2:3]
        uv = (p @ self.intrinsics[frame].T)[:, :2] / np.where(z > 1e-9, z, np.nan)
        return uv


@dataclass(frozen=True)
class Event:
    """Something that happened: ``kind`` in bounce, collision, fracture, occluded, reappeared,
    exit, enter, contained, defect:<name> ...; frames are inclusive; ``position`` is image px."""

    kind: str
    frame: int
    objects: tuple[str, ...] = ()
    end_frame: int | None = None
    position: tuple[float, float] | None = None
    detail: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "objects", tuple(self.objects))
        if self.position is not None:
            object.__setattr__(self, "position", (float(self.position[0]), float(self.position[1])))
        object.__setattr__(self, "detail", freeze(dict(self.detail)))

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"kind": self.kind, "frame": self.frame, "objects": list(self.objects)}
        if self.end_frame is not None:
            d["end_frame"] = self.end_frame
        if self.position is not None:
            d["position"] = list(self.position)
        if self.detail:
            d["detail"] = thaw(self.detail)
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Event:
        pos = d.get("position")
        return cls(
            kind=str(d["kind"]),
            frame=int(d["frame"]),
            objects=tuple(d.get("objects", ())),
            end_frame=None if d.get("end_frame") is None else int(d["end_frame"]),
            position=None if pos is None else (float(pos[0]), float(pos[1])),
            detail=dict(d.get("detail", {})),
        )


TRUTH_FORMAT = "sora-bench.truth/1"


@dataclass(frozen=True, eq=False)
class Truth:
    """Ground truth of one reference-generator video (JSON sidecar ``<id>.truth.json``).

    Attributes:
        num_frames, fps, width, height: the rendered clip.
        objects: per object, its :class:`ObjectTruth`.
        camera: per-frame camera.
        events: sorted by frame.
        defects: what was injected: ``{name, strength, objects, frames: [start, end], ...}``.
        gravity: world gravity vector used by the simulation (m/s^2, y up), after any defect.
        meta: scene description, parser leftovers, generator version ...
    """

    num_frames: int
    fps: float
    width: int
    height: int
    objects: Mapping[str, ObjectTruth]
    camera: CameraTruth
    events: tuple[Event, ...] = ()
    defects: tuple[Mapping[str, Any], ...] = ()
    gravity: tuple[float, float, float] = (0.0, -9.81, 0.0)
    meta: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        def nan_to_none(a: np.ndarray) -> Any:
            return [None if (isinstance(x, float) and math.isnan(x)) else x for x in a.tolist()] \
                if a.ndim == 1 else [nan_to_none(r) for r in a]

        return {
            "format": TRUTH_FORMAT,
            "num_frames": self.num_frames,
            "fps": self.fps,
            "width": self.width,
            "height": self.height,
            "gravity": list(self.gravity),
            "camera": {
                "move": self.camera.move,
                "intrinsics": self.camera.intrinsics.tolist(),
                "rotation": self.camera.rotation.tolist(),
                "translation": self.camera.translation.tolist(),
            },
            "objects": {
                oid: {
                    "kind": o.kind,
                    "attributes": thaw(o.attributes),
                    "box": nan_to_none(o.box),
                    "visible_fraction": o.visible_fraction.tolist(),
                    "in_frame": o.in_frame.tolist(),
                    "position": o.position.tolist(),
                    "velocity": o.velocity.tolist(),
                    "exists": o.exists.tolist(),
                }
                for oid, o in sorted(self.objects.items())
            },
            "events": [e.to_dict() for e in self.events],
            "defects": thaw(self.defects),
            "meta": thaw(self.meta),
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Truth:
        if d.get("format") != TRUTH_FORMAT:
            raise ValueError(f"not a {TRUTH_FORMAT} document (format={d.get('format')!r})")

        def box(rows: Any) -> np.ndarray:
            return np.array([[np.nan] * 4 if r is None else [np.nan if v is None else v for v in r]
                             for r in rows], dtype=np.float64).reshape(-1, 4)

        cam = d["camera"]
        objects = {
            oid: ObjectTruth(
                id=oid,
                kind=o["kind"],
                attributes=o.get("attributes", {}),
                box=box(o["box"]),
                visible_fraction=o["visible_fraction"],
                in_frame=o["in_frame"],
                position=o["position"],
                velocity=o["velocity"],
                exists=o.get("exists", [True] * len(o["in_frame"])),
            )
            for oid, o in d["objects"].items()
        }
        return cls(
            num_frames=int(d["num_frames"]),
            fps=float(d["fps"]),
            width=int(d["width"]),
            height=int(d["height"]),
            objects=objects,
            camera=CameraTruth(cam["intrinsics"], cam["rotation"], cam["translation"],
                               cam.get("move", "static")),
            events=tuple(Event.from_dict(e) for e in d.get("events", ())),
            defects=tuple(freeze(x) for x in d.get("defects", ())),
            gravity=tuple(d.get("gravity", (0.0, -9.81, 0.0))),  # type: ignore[arg-type]
            meta=freeze(d.get("meta", {})),
        )


# -------------------------------------------------------------------------------------- tracks
@dataclass(frozen=True, eq=False)
class Track:
    """One object's observations over T frames, in image pixels.

    Attributes:
        id: track id (Truth object id for exact tracks).
        box: ``(T, 4)`` xyxy, NaN where not observed.
        centroid: ``(T, 2)`` x, y, NaN where not observed.
        area: ``(T,)`` visible pixels (0 where not observed).
        visible: ``(T,)`` bool, observed in this frame.
        state: ``(T,)`` str: ``visible``, ``occluded`` (hidden by something in front),
            ``out_of_frame``, ``at_rest`` (pixel trackers: still where last seen, or where
            first seen, not told apart from the background), ``absent`` (does not exist /
            unexplained), per frame.
        appearance: ``(T, D)`` float32 descriptor (e.g. mean Lab colour + hue histogram), NaN
            where not observed.
        attributes: kind, colour ... when known.
    """

    id: str
    box: np.ndarray
    centroid: np.ndarray
    area: np.ndarray
    visible: np.ndarray
    state: tuple[str, ...]
    appearance: np.ndarray
    attributes: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "attributes", freeze(dict(self.attributes)))
        object.__setattr__(self, "state", tuple(self.state))


@dataclass(frozen=True, eq=False)
class Tracks:
    """All tracks of one video plus where they came from (``truth`` or ``tracker:<name>``)."""

    tracks: Mapping[str, Track]
    num_frames: int
    width: int
    height: int
    source: str
    camera: CameraTruth | None = None
    meta: Mapping[str, Any] = field(default_factory=dict)
