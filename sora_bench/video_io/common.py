"""Shared pieces of video I/O: limits, file kinds, natural sort."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import InputError

__all__ = ["Limits", "VIDEO_EXTENSIONS", "IMAGE_EXTENSIONS", "ARRAY_EXTENSIONS", "DEFAULT_FPS",
           "natural_key"]

VIDEO_EXTENSIONS = (".mp4", ".webm", ".mkv", ".mov", ".avi", ".gif", ".m4v")
IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".webp", ".tif", ".tiff")
ARRAY_EXTENSIONS = (".npy",)
DEFAULT_FPS = 24.0


@dataclass(frozen=True)
class Limits:
    """Refuse inputs beyond these before they eat the machine.

    Attributes:
        max_file_bytes: size of one file on disk.
        max_pixels: width x height of one frame.
        max_frames: frames decoded from one video.
    """

    max_file_bytes: int = 4 * 1024**3
    max_pixels: int = 4096 * 4096
    max_frames: int = 20_000

    def check_pixels(self, path: Path, width: int, height: int) -> None:
        if width * height > self.max_pixels:
            raise InputError(
                path,
                f"frame size {width}x{height} exceeds the limit of {self.max_pixels} pixels",
                "downscale the video, or raise the limit (Limits.max_pixels) if it is genuine",
                reason="too_large",
            )

    def check_frames(self, path: Path, count: int) -> None:
        if count > self.max_frames:
            raise InputError(
                path,
                f"more than {self.max_frames} frames",
                "trim the video, or raise the limit (Limits.max_frames)",
                reason="too_many_frames",
            )


_DIGITS = re.compile(r"(\d+)")


def natural_key(name: str) -> tuple[Any, ...]:
    """Sort key where digit runs compare as numbers: ``f2`` < ``f10``."""
    return tuple(int(p) if p.isdigit() else p.lower() for p in _DIGITS.split(name))


