"""The data contracts every part of sora-bench speaks (DESIGN.md §3).

numpy only: no torch, no PyAV here, so importing the contracts is cheap.

- :class:`Video` is the one thing every metric takes: uint8 ``(T, H, W, 3)`` RGB frames.
- :class:`Prompt` / :class:`VideoSpec` / :class:`GenerationRequest` describe what to generate.
- :class:`Truth` (ground truth, a JSON sidecar) and :class:`Tracks` (per-object observations)
  live in :mod:`sora_bench.groundtruth` and are re-exported here.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ._frozen import freeze, thaw
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
    "TRUTH_FORMAT",
    "freeze",
    "thaw",
]


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


from .groundtruth import (  # noqa: E402 - re-exported contracts
    TRUTH_FORMAT,
    CameraTruth,
    Event,
    ObjectTruth,
    Track,
    Tracks,
    Truth,
)
