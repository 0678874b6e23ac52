"""Encoding: lossless H.264 archives and animated WebP/GIF previews."""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any

import numpy as np

from ..types import Video

__all__ = ["write_video", "encode_preview", "write_preview"]


def write_video(video: Video, path: str | os.PathLike[str], *, crf: int = 0,
                preset: str = "medium") -> Path:
    """Encode ``video`` as H.264 mp4; ``crf=0`` (default) is lossless (qp 0), else constant
    quality ``crf`` (lower is better).

    Lossless is the default because lossy x264 decisions were seen to differ between
    encodes of identical frames within one process (after FFmpeg had decoded something),
    which would break bit-identical reruns; lossless decoded pixels are identical whatever
    the encoder decides. yuv420p for even sizes (plays everywhere); odd sizes use yuv444p,
    which needs no padding. Written to a temporary name and renamed, so a killed run never
    leaves a half-written video behind.
    """
    import av

    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp.mp4")
    even = video.width % 2 == 0 and video.height % 2 == 0
    rate = _rational_fps(video.fps)
    try:
        with av.open(str(tmp), mode="w", format="mp4") as container:
            stream = container.add_stream("libx264", rate=rate)
            stream.width, stream.height = video.width, video.height
            stream.pix_fmt = "yuv420p" if even else "yuv444p"
            quality = {"crf": str(crf)} if crf > 0 else {"qp": "0"}
            stream.options = {**quality, "preset": preset, "threads": "1"}
            stream.codec_context.thread_count = 1
            for i in range(video.num_frames):
                frame = av.VideoFrame.from_ndarray(_rgb_to_yuv_planes(video.frames[i], even),
                                                   format=stream.pix_fmt)
                frame.pts = i
                for packet in stream.encode(frame):
                    container.mux(packet)
            for packet in stream.encode():
                container.mux(packet)
        os.replace(tmp, out)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return out


def _rgb_to_yuv_planes(rgb: np.ndarray, subsample: bool) -> np.ndarray:
    """BT.601 limited-range RGB -> YUV in numpy (float64, rounded).

    Done here rather than by swscale because swscale's SIMD path gave different bytes for
    identical frames at some widths (uninitialised padding), which broke bit-identical
    reruns. Returns the packed ``yuv420p`` layout ``(H*3/2, W)`` or ``yuv444p`` ``(3, H, W)``.
    """
    x = rgb.astype(np.float64)
    r, g, b = x[..., 0], x[..., 1], x[..., 2]
    y = 16.0 + (65.481 * r + 128.553 * g + 24.966 * b) / 255.0
    u = 128.0 + (-37.797 * r - 74.203 * g + 112.0 * b) / 255.0
    v = 128.0 + (112.0 * r - 93.786 * g - 18.214 * b) / 255.0
    if not subsample:
        return np.clip(np.rint(np.stack([y, u, v])), 0, 255).astype(np.uint8)
    h, w = y.shape

    def half(c: np.ndarray) -> np.ndarray:
        return c.reshape(h // 2, 2, w // 2, 2).mean(axis=(1, 3))

    packed = np.concatenate([y.ravel(), half(u).ravel(), half(v).ravel()]).reshape(h * 3 // 2, w)
    return np.clip(np.rint(packed), 0, 255).astype(np.uint8)


def _rational_fps(fps: float) -> Any:
    from fractions import Fraction

    return Fraction(fps).limit_denominator(1001)


def _preview_frames(video: Video, max_side: int, fps: float, max_frames: int) -> tuple[list[Any], float]:
    from PIL import Image

    step = max(1, int(round(video.fps / fps))) if fps < video.fps else 1
    idx = list(range(0, video.num_frames, step))
    if len(idx) > max_frames:
        idx = [idx[int(round(i))] for i in np.linspace(0, len(idx) - 1, max_frames)]
    scale = min(1.0, max_side / max(video.width, video.height))
    size = (max(1, int(round(video.width * scale))), max(1, int(round(video.height * scale))))
    images = [Image.fromarray(video.frames[i]).resize(size, Image.Resampling.LANCZOS)
              if scale < 1.0 else Image.fromarray(video.frames[i]) for i in idx]
    return images, video.fps / step


def encode_preview(video: Video, *, max_side: int = 160, fps: float = 12.0,
                   fmt: str = "webp", max_frames: int = 48, quality: int = 70) -> bytes:
    """A small animated preview (WebP or GIF) for reports: downscaled to ``max_side`` px,
    subsampled to about ``fps``, at most ``max_frames`` frames."""
    images, eff_fps = _preview_frames(video, max_side, fps, max_frames)
    duration = max(20, int(round(1000.0 / eff_fps)))
    buf = io.BytesIO()
    fmt = fmt.lower()
    if fmt == "webp":
        images[0].save(buf, format="WEBP", save_all=True, append_images=images[1:],
                       duration=duration, loop=0, quality=quality, method=4)
    elif fmt == "gif":
        images[0].save(buf, format="GIF", save_all=True, append_images=images[1:],
                       duration=duration, loop=0, optimize=False)
    else:
        raise ValueError(f"preview format {fmt!r}: use 'webp' or 'gif'")
    return buf.getvalue()


def write_preview(video: Video, path: str | os.PathLike[str], **kwargs: Any) -> Path:
    """Write :func:`encode_preview` output; the format follows the suffix (.webp / .gif)."""
    out = Path(path)
    fmt = kwargs.pop("fmt", out.suffix.lstrip(".").lower() or "webp")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(encode_preview(video, fmt=fmt, **kwargs))
    return out


