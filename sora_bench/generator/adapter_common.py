"""Shared by the generator adapters: output -> Video conversion, spec notes, extensions."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import InputError
from ..types import GenerationRequest, Video
from ..video_io import ARRAY_EXTENSIONS, IMAGE_EXTENSIONS, VIDEO_EXTENSIONS

#: Extensions the folder and command adapters look for: what :mod:`sora_bench.video_io` reads.
VIDEO_EXTS: tuple[str, ...] = tuple(e.lstrip(".") for e in VIDEO_EXTENSIONS + ARRAY_EXTENSIONS)
IMAGE_EXTS: tuple[str, ...] = tuple(e.lstrip(".") for e in IMAGE_EXTENSIONS)


# ------------------------------------------------------------------------------ conversion
def _to_numpy(x: Any) -> np.ndarray:
    """numpy array from an array, a torch tensor or a PIL image (no torch import needed)."""
    if hasattr(x, "detach") and hasattr(x, "cpu"):  # torch tensor
        x = x.detach().cpu()
        if str(getattr(x, "dtype", "")) in ("torch.bfloat16", "torch.float16"):
            x = x.float()
        return x.numpy()
    if hasattr(x, "convert") and hasattr(x, "size"):  # PIL image
        return np.asarray(x.convert("RGB"))
    return np.asarray(x)


def frames_to_video(
    frames: Any,
    fps: float,
    *,
    value_range: tuple[float, float] | None = None,
    source: str = "",
    meta: Mapping[str, Any] | None = None,
) -> Video:
    """Turn common model outputs into a :class:`Video`.

    Accepts a list of PIL images / arrays / tensors (one per frame), or one array/tensor
    ``(T,H,W,C)`` or ``(T,C,H,W)``, with an optional leading batch axis of size 1 (a list of
    lists is read as a batch: its first item is used). Channels-first is detected by
    ``C in (1, 3, 4)`` on axis 1 while the last axis is not. Range: see
    :meth:`Video.from_array` (uint8 as is; anything else needs ``value_range``).
    """
    if isinstance(frames, (list, tuple)):
        if not frames:
            raise InputError(source or "<output>", "no frames", "return at least one frame")
        if isinstance(frames[0], (list, tuple)):
            frames = frames[0]  # batch of videos: take the first
        arr = np.stack([_to_numpy(f) for f in frames])
    else:
        arr = _to_numpy(frames)
    if arr.ndim == 5:
        if arr.shape[0] != 1:
            raise InputError(source or "<output>", f"batch of {arr.shape[0]} videos",
                             "return one video per call")
        arr = arr[0]
    if arr.ndim == 4 and arr.shape[-1] not in (1, 3, 4) and arr.shape[1] in (1, 3, 4):
        arr = np.moveaxis(arr, 1, -1)
    return Video.from_array(arr, fps, value_range=value_range, source=source, meta=meta)


def _spec_notes(video: Video, request: GenerationRequest) -> dict[str, Any]:
    """Record (not fix) a mismatch between what was asked and what the model made."""
    s = request.spec
    got = (video.num_frames, video.height, video.width)
    want = (s.num_frames, s.height, s.width)
    return {} if got == want else {"spec_mismatch": {"asked": list(want), "got": list(got)}}


def _frame_folder(path: Path) -> bool:
    return path.is_dir() and any(
        p.suffix.lower().lstrip(".") in IMAGE_EXTS for p in path.iterdir() if p.is_file()
    )
