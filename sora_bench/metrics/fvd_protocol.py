"""The FVD/KVD protocol string: what it names and how one clip is taken from a video.

``[fvd|kvd/]i3d-k400-<feature>[-bf16]/<frames>/224-bilinear-<resize>/[-1,1]``; the tokens are
described in :mod:`.fvd`. :class:`Protocol` parses and prints it; :func:`clip_indices` applies
its frame token (and the short-video policy) to a video's length.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from ..errors import ConfigError, MetricSkip

__all__ = ["Protocol", "DEFAULT_PROTOCOL", "SHORT_POLICY_VERSION", "clip_indices"]

DEFAULT_PROTOCOL = "fvd/i3d-k400-logits/16f/224-bilinear-stretch/[-1,1]"
SHORT_POLICY_VERSION = 1
_FRAMES_RE = re.compile(r"^(\d+)f(?:-(center|s(\d+)))?(\+loop)?$")


@dataclass(frozen=True)
class Protocol:
    """Parsed protocol: feature, clip sampling, resize, precision."""

    feature: str = "logits"  # logits | pool
    frames: int = 16
    sampling: str = "first"  # first | center
    stride: int = 1
    loop: bool = False
    resize: str = "stretch"  # see i3d.RESIZE_MODES
    precision: str = "fp32"  # fp32 | bf16

    @classmethod
    def parse(cls, text: str) -> Protocol:
        """Parse ``[fvd|kvd/]i3d-k400-<feature>[-bf16]/<frames>/224-bilinear-<resize>/[-1,1]``."""
        parts = text.strip().split("/")
        if parts and parts[0] in ("fvd", "kvd"):
            parts = parts[1:]
        bad = ConfigError(f"FVD protocol {text!r} is not of the form {DEFAULT_PROTOCOL!r} "
                          "(see sora_bench/metrics/fvd.py for the alternatives)")
        if len(parts) < 4:
            raise bad
        backbone, frames, resize, rng = parts[:4]
        m = re.fullmatch(r"i3d-k400-(logits|pool)(-bf16)?", backbone)
        f = _FRAMES_RE.fullmatch(frames)
        r = re.fullmatch(r"224-bilinear-(stretch|hp-stretch|shortside-crop)", resize)
        if not (m and f and r and rng == "[-1,1]"):
            raise bad
        n = int(f.group(1))
        stride = int(f.group(3)) if f.group(3) else 1
        sampling = "center" if f.group(2) == "center" else "first"
        from .i3d import MIN_FRAMES

        if n < MIN_FRAMES or stride < 1:
            raise ConfigError(f"FVD protocol {text!r}: I3D needs at least {MIN_FRAMES} frames")
        return cls(m.group(1), n, sampling, stride, bool(f.group(4)), r.group(1),
                   "bf16" if m.group(2) else "fp32")

    @classmethod
    def from_clip(cls, feature: str, clip: str) -> Protocol:
        """Inverse of :meth:`clip_string` for one feature."""
        bf16 = clip.endswith("/bf16")
        base = clip.removesuffix("/bf16")
        return cls.parse(f"fvd/i3d-k400-{feature}{'-bf16' if bf16 else ''}/{base}")

    def clip_string(self) -> str:
        """The part shared by FVD and KVD and both features: frames/resize/range(/bf16)."""
        frames = f"{self.frames}f"
        if self.sampling == "center":
            frames += "-center"
        elif self.stride > 1:
            frames += f"-s{self.stride}"
        if self.loop:
            frames += "+loop"
        tail = "/bf16" if self.precision == "bf16" else ""
        return f"{frames}/224-bilinear-{self.resize}/[-1,1]{tail}"

    def string(self, prefix: str = "fvd") -> str:
        bf = "-bf16" if self.precision == "bf16" else ""
        frames, resize, rng = self.clip_string().split("/")[:3]
        return f"{prefix}/i3d-k400-{self.feature}{bf}/{frames}/{resize}/{rng}"

    @property
    def span(self) -> int:
        """Frames a video needs to give one clip without looping."""
        return (self.frames - 1) * self.stride + 1


def clip_indices(num_frames: int, proto: Protocol) -> np.ndarray:
    """Frame indices of the one clip taken from a video (short-video policy v1)."""
    span = proto.span
    if num_frames < span:
        if not proto.loop:
            raise MetricSkip("too-short", f"the protocol takes {proto.frames} frames spanning "
                                          f"{span}; the video has {num_frames} (policy v1: skip; "
                                          "a '+loop' protocol repeats frames instead)")
        return (np.arange(proto.frames) * proto.stride) % num_frames
    start = (num_frames - span) // 2 if proto.sampling == "center" else 0
    return start + np.arange(proto.frames) * proto.stride
