"""The one place that decodes and encodes video.

Reading gives the :class:`~sora_bench.types.Video` contract from:

- containers through PyAV (mp4, webm, mkv, mov, avi, gif, webp ...), with FFmpeg's log
  captured into ``meta["warnings"]``, timestamps from pts, ``vfr`` detected;
- ``.npy`` arrays (``allow_pickle=False``; float data needs a declared value range, given as
  ``value_range=`` or a sidecar ``<name>.json`` with ``{"value_range": [lo, hi], "fps": F}``);
- folders of image frames (natural sort: ``2.png`` before ``10.png``).

Limits (file bytes, pixels per frame, frames) are checked before decoding whenever the
header tells, and again while decoding. Every failure is an :class:`InputError` naming the
file, the problem and the fix, with a ``reason`` slug for the sample status.

Writing: H.264 mp4 (yuv420p; odd sizes are written as yuv444p, which H.264 allows without
padding), and animated WebP/GIF previews for reports.
"""

from __future__ import annotations

from .common import (
    ARRAY_EXTENSIONS,
    DEFAULT_FPS,
    IMAGE_EXTENSIONS,
    VIDEO_EXTENSIONS,
    Limits,
    natural_key,
)
from .decode import read_video
from .discover import discover_videos
from .encode import encode_preview, write_preview, write_video

__all__ = [
    "ARRAY_EXTENSIONS",
    "DEFAULT_FPS",
    "IMAGE_EXTENSIONS",
    "Limits",
    "VIDEO_EXTENSIONS",
    "discover_videos",
    "encode_preview",
    "natural_key",
    "read_video",
    "write_preview",
    "write_video",
]
