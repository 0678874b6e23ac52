"""The data contracts every part of sora-bench speaks (DESIGN.md §3).

numpy only: no torch, no PyAV here, so importing the contracts is cheap.

- :class:`Video` is the one thing every metric takes: uint8 ``(T, H, W, 3)`` RGB frames.
- :class:`Prompt` / :class:`VideoSpec` / :class:`GenerationRequest` describe what to generate.
- :class:`Truth` is the reference generator's ground truth (a JSON sidecar beside each video).
- :class:`Tracks` is per-object, per-frame observations, from Truth (exact) or a tracker.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np

from .errors import InputError

__all__ = [
    "Video",
    "VideoSpec",
    "Prompt",
    "GenerationRequest",
    "ObjectTruth",
    "CameraTruth",
    "Event",
    "Truth",
    "Track",
    "Tracks",
    "freeze",
    "thaw",
]


def freeze(value: Any) -> Any:
    """Deep-convert JSON-like data into immutable containers (tuples, read-only mappings)."""
    if isinstance(value, Mapping):
        return MappingProxyType({str(k): freeze(v) for k, v in value.items()})
    if isinstance(value, (list, tuple)):
        return tuple(freeze(v) for v in value)
    return value


def thaw(value: Any) -> Any:
    """Inverse of :func:`freeze`: plain dicts and lists, ready for ``json.dumps``."""
    if isinstance(value, Mapping):
        return {k: thaw(v) for k, v in value.items()}
    if isinstance(value, tuple | list):
        return [thaw(v) for v in value]
    if isinstance(value, np.ndarray):
        return thaw(value.tolist())
    if isinstance(value, np.generic):
        return value.item()
    return value


# --------------------------------------------------------------------------------------- video
@dataclass(frozen=True, eq=False)
class Video:
    """A decoded clip.

    Attributes:
        frames: uint8 array ``(T, H, W, 3)``, RGB, C-contiguous, read-only. ``T >= 1``.
        fps: frames per second (> 0); derived from timestamps when the container has them.
        source: where it came from (a path, or ``generator:<id>``); for messages and reports.
        meta: decoder facts: ``decoder``, ``pix_fmt``, ``had_alpha``, ``vfr``, ``warnings``
            (tuple of strings captured from FFmpeg's log), ``timestamps`` (seconds, per frame).

    Every metric takes a Video and nothing else; use :meth:`from_array` to build one from
    float data, where the value range must be declared.
    """

    frames: np.ndarray
    fps: float
    source: str = ""
    meta: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        f = self.frames
        where = self.source or "<video>"
        if not isinstance(f, np.ndarray):
            raise InputError(where, "frames must be a numpy array", "pass a uint8 (T,H,W,3) array")
        if f.dtype != np.uint8:
            raise InputError(
                where,
                f"frames have dtype {f.dtype}, expected uint8",
                "use Video.from_array(arr, value_range=(lo, hi)) to declare the range of float data",
            )
        if f.ndim != 4 or f.shape[-1] != 3 or f.shape[0] < 1 or f.shape[1] < 1 or f.shape[2] < 1:
            raise InputError(where, f"frames have shape {f.shape}, expected (T>=1, H, W, 3)",
                             "convert to RGB with 3 channels")
        try:
            fps = float(self.fps)
        except (TypeError, ValueError):
            fps = float("nan")
        if not (math.isfinite(fps) and fps > 0):
            raise InputError(where, f"fps={self.fps!r} is not a positive number", "pass fps > 0")
        if not f.flags.c_contiguous:
            f = np.ascontiguousarray(f)
        if f.flags.writeable:
            f = f.view()
            f.flags.writeable = False
        object.__setattr__(self, "frames", f)
        object.__setattr__(self, "fps", fps)
        object.__setattr__(self, "meta", freeze(dict(self.meta)))

    @property
    def num_frames(self) -> int:
        return int(self.frames.shape[0])

    @property
    def height(self) -> int:
        return int(self.frames.shape[1])

    @property
    def width(self) -> int:
        return int(self.frames.shape[2])

    @property
    def duration(self) -> float:
        """Seconds: frame count divided by fps."""
        return self.num_frames / self.fps

    @property
    def warnings(self) -> tuple[str, ...]:
        return tuple(self.meta.get("warnings", ()))

    def content_hash(self) -> str:
        """sha256 of the decoded pixels, shape and fps: the key of every per-video cache entry."""
        h = hashlib.sha256()
        h.update(f"{self.frames.shape}|{self.fps:.6f}|".encode())
        h.update(self.frames.tobytes())
        return h.hexdigest()

    @classmethod
    def from_array(
        cls,
        array: np.ndarray,
        fps: float,
        *,
        value_range: tuple[float, float] | None = None,
        source: str = "",
        meta: Mapping[str, Any] | None = None,
    ) -> Video:
        """Build a Video from an array ``(T,H,W,3)``, ``(T,H,W)`` (grey) or ``(T,H,W,4)`` (alpha dropped).

        uint8 is taken as is. Float or wider integer data needs ``value_range=(lo, hi)``: values
        are mapped linearly to [0, 255], rounded, and must lie inside the range (1e-6 slack).
        NaN and Inf are refused.
        """
        where = source or "<array>"
        a = np.asarray(array)
        if a.dtype == object:
            raise InputError(where, "object arrays are not video", "save a numeric array")
        extra: dict[str, Any] = dict(meta or {})
        if a.ndim == 3:
            a = np.repeat(a[..., None], 3, axis=-1)
            extra.setdefault("converted_from", "gray")
        if a.ndim == 4 and a.shape[-1] == 1:
            a = np.repeat(a, 3, axis=-1)
            extra.setdefault("converted_from", "gray")
        if a.ndim == 4 and a.shape[-1] == 4:
            a = a[..., :3]
            extra["had_alpha"] = True
        if a.ndim != 4 or a.shape[-1] != 3:
            raise InputError(where, f"array has shape {a.shape}, expected (T,H,W,3)",
                             "store frames as (T, H, W, 3) RGB")
        if a.dtype == np.uint8 and value_range is None:
            return cls(np.ascontiguousarray(a), fps, source, extra)
        if a.dtype.kind not in "fiub":
            raise InputError(where, f"dtype {a.dtype} is not numeric", "store numeric frames")
        if value_range is None:
            raise InputError(
                where,
                f"{a.dtype} frames without a declared value range",
                "declare it (value_range=(0, 1), (-1, 1) or (0, 255)) or save uint8",
            )
        lo, hi = (float(value_range[0]), float(value_range[1]))
        if not (math.isfinite(lo) and math.isfinite(hi) and hi > lo):
            raise InputError(where, f"bad value_range {value_range}", "use (lo, hi) with hi > lo")
        af = a.astype(np.float64, copy=False)
        if not np.isfinite(af).all():
            raise InputError(where, "frames contain NaN or Inf", "fix the generator's output")
        slack = 1e-6 * (hi - lo)
        if af.size and (af.min() < lo - slack or af.max() > hi + slack):
            raise InputError(
                where,
                f"values span [{af.min():.4g}, {af.max():.4g}], outside the declared range [{lo}, {hi}]",
                "declare the range the data really has",
            )
        u8 = np.rint((np.clip(af, lo, hi) - lo) * (255.0 / (hi - lo))).astype(np.uint8)
        extra["value_range"] = [lo, hi]
        return cls(u8, fps, source, extra)


@dataclass(frozen=True)
class VideoSpec:
    """What a generator is asked to produce: frame count, frame rate and size in pixels."""

    num_frames: int = 48
    fps: float = 24.0
    height: int = 256
    width: int = 256


# ------------------------------------------------------------------------------------- prompts
@dataclass(frozen=True)
class Prompt:
    """One prompt of a suite.

    Attributes:
        id: stable slug, unique in the suite; names files, never the text.
        text: the prompt as a model sees it.
        seeds: the seeds to render it with.
        tags: dimensions for per-dimension summaries (``physics.gravity``, ``camera`` ...).
        scene: the structured scene the reference generator renders (frozen mapping), or None.
        expect: machine-checkable expectations, e.g. ``{object: cup, event: falls}``.
        meta: anything else (frozen mapping).
    """

    id: str
    text: str
    seeds: tuple[int, ...] = (0,)
    tags: tuple[str, ...] = ()
    scene: Mapping[str, Any] | None = None
    expect: tuple[Mapping[str, Any], ...] = ()
    meta: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "seeds", tuple(int(s) for s in self.seeds))
        object.__setattr__(self, "tags", tuple(str(t) for t in self.tags))
        object.__setattr__(self, "scene", None if self.scene is None else freeze(self.scene))
        object.__setattr__(self, "expect", tuple(freeze(e) for e in self.expect))
        object.__setattr__(self, "meta", freeze(dict(self.meta)))

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "text": self.text, "seeds": list(self.seeds)}
        if self.tags:
            out["tags"] = list(self.tags)
        if self.scene is not None:
            out["scene"] = thaw(self.scene)
        if self.expect:
            out["expect"] = thaw(self.expect)
        if self.meta:
            out["meta"] = thaw(self.meta)
        return out


@dataclass(frozen=True)
class GenerationRequest:
    """One job for a generator: a prompt, one of its seeds, the output spec, optional defect.

    ``defect`` is ``None`` or ``(name, strength)``; only the reference generator honours it.
    ``sample_id`` is ``<prompt id>__s<seed>`` (plus ``__<defect>`` when one is injected).
    """

    prompt: Prompt
    seed: int
    spec: VideoSpec = VideoSpec()
    defect: tuple[str, float] | None = None

    @property
    def sample_id(self) -> str:
        sid = f"{self.prompt.id}__s{self.seed}"
        if self.defect is not None:
            sid += f"__{self.defect[0]}-{self.defect[1]:g}"
        return sid


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
            ``out_of_frame``, ``absent`` (does not exist / unexplained), per frame.
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
