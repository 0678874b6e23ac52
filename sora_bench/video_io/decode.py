"""Decoding: containers through PyAV, ``.npy`` arrays, folders of frames -> Video."""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import InputError
from ..types import Video
from .common import ARRAY_EXTENSIONS, DEFAULT_FPS, IMAGE_EXTENSIONS, Limits, natural_key

__all__ = ["read_video"]


def read_video(
    path: str | os.PathLike[str],
    *,
    limits: Limits | None = None,
    fps: float | None = None,
    value_range: tuple[float, float] | None = None,
) -> Video:
    """Decode ``path`` (container, ``.npy`` or frame folder) into a :class:`Video`.

    ``fps`` overrides the frame rate (required information for frame folders and arrays
    without a sidecar, else :data:`DEFAULT_FPS` is used and recorded as ``fps_source``).
    Raises :class:`InputError` with reason ``not_found``, ``permission``, ``empty_file``,
    ``too_large``, ``too_many_frames``, ``not_a_video``, ``corrupt_container``,
    ``no_frames``, ``mixed_sizes``, ``bad_array`` or ``bad_range``.
    """
    p = Path(path)
    limits = limits or Limits()
    if not p.exists():
        raise InputError(p, "file not found", "check the path and the video id", reason="not_found")
    if p.is_dir():
        return _read_frame_folder(p, limits, fps)
    try:
        size = p.stat().st_size
        with open(p, "rb"):
            pass
    except PermissionError as exc:
        raise InputError(p, "no permission to read it", "fix the file's permissions",
                         reason="permission") from exc
    if size == 0:
        raise InputError(p, "empty file (0 bytes)", "re-export the video; the file has no data",
                         reason="empty_file")
    if size > limits.max_file_bytes:
        raise InputError(p, f"file is {size} bytes, over the {limits.max_file_bytes}-byte limit",
                         "trim or re-encode it, or raise Limits.max_file_bytes", reason="too_large")
    if p.suffix.lower() in ARRAY_EXTENSIONS:
        return _read_npy(p, limits, fps, value_range)
    return _read_container(p, limits, fps)


def _sidecar(p: Path) -> dict[str, Any]:
    for cand in (p.with_suffix(".json"), p.with_name(p.name + ".json")):
        if cand.is_file() and cand.stat().st_size < 1_000_000:
            try:
                data = json.loads(cand.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            if isinstance(data, dict):
                return data
    return {}


def _read_npy(p: Path, limits: Limits, fps: float | None,
              value_range: tuple[float, float] | None) -> Video:
    try:
        with open(p, "rb") as fh:
            version = np.lib.format.read_magic(fh)
            read_header = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                           else np.lib.format.read_array_header_2_0)
            shape, _fortran, dtype = read_header(fh, max_header_size=10_000)
    except (ValueError, OSError) as exc:
        raise InputError(p, f"not a valid .npy file ({exc})", "save it with numpy.save",
                         reason="bad_array") from exc
    if dtype.hasobject:
        raise InputError(p, "object array (would need pickle to load; refused)",
                         "save a numeric uint8 array (T,H,W,3) with numpy.save", reason="bad_array")
    if len(shape) not in (3, 4):
        raise InputError(p, f"array shape {shape} is not (T,H,W[,C])",
                         "save frames as (T, H, W, 3)", reason="bad_array")
    limits.check_frames(p, int(shape[0]))
    limits.check_pixels(p, int(shape[2]), int(shape[1]))
    arr = np.load(p, allow_pickle=False)
    side = _sidecar(p)
    vr = value_range or (tuple(side["value_range"]) if "value_range" in side else None)
    fps_used, fps_source = _choose_fps(fps, side.get("fps"), None)
    try:
        video = Video.from_array(arr, fps_used, value_range=vr, source=str(p),  # type: ignore[arg-type]
                                 meta={"decoder": "numpy", "pix_fmt": str(arr.dtype),
                                       "fps_source": fps_source, "vfr": False, "warnings": ()})
    except InputError as exc:
        raise InputError(p, exc.problem, exc.fix + "; or write a sidecar "
                         f"{p.with_suffix('.json').name} with {{\"value_range\": [0, 1]}}",
                         reason="bad_range") from None
    return video


def _choose_fps(override: float | None, declared: Any, measured: float | None) -> tuple[float, str]:
    if override:
        return float(override), "override"
    try:
        if declared and float(declared) > 0:
            return float(declared), "declared"
    except (TypeError, ValueError):
        pass
    if measured and math.isfinite(measured) and measured > 0:
        return float(measured), "timestamps"
    return DEFAULT_FPS, "default"


def _read_frame_folder(p: Path, limits: Limits, fps: float | None) -> Video:
    from PIL import Image

    files = sorted((f for f in p.iterdir()
                    if f.is_file() and not f.is_symlink() and not f.name.startswith(".")
                    and f.suffix.lower() in IMAGE_EXTENSIONS),
                   key=lambda f: natural_key(f.name))
    if not files:
        raise InputError(p, "folder has no image frames",
                         f"put frames named 0001.png ... in it ({', '.join(IMAGE_EXTENSIONS)})",
                         reason="no_frames")
    limits.check_frames(p, len(files))
    frames = []
    first_size = None
    had_alpha = False
    for f in files:
        try:
            with Image.open(f) as im:
                limits.check_pixels(f, im.width, im.height)
                if first_size is None:
                    first_size = im.size
                elif im.size != first_size:
                    raise InputError(
                        p, f"mixed frame sizes: {f.name} is {im.size[0]}x{im.size[1]}, "
                        f"{files[0].name} is {first_size[0]}x{first_size[1]}",
                        "resize all frames to one size", reason="mixed_sizes")
                had_alpha = had_alpha or ("A" in im.getbands())
                frames.append(np.asarray(im.convert("RGB"), dtype=np.uint8))
        except InputError:
            raise
        except (OSError, ValueError, Image.DecompressionBombError) as exc:
            raise InputError(f, f"cannot read image ({exc})", "re-export the frame",
                             reason="corrupt_image") from exc
    side = _sidecar(p / "meta.json") if (p / "meta.json").exists() else {}
    fps_used, fps_source = _choose_fps(fps, side.get("fps"), None)
    return Video(np.stack(frames), fps_used, str(p),
                 {"decoder": "pillow", "pix_fmt": "rgb24", "had_alpha": had_alpha,
                  "vfr": False, "fps_source": fps_source, "warnings": ()})


def _looks_like_media(p: Path) -> bool:
    with open(p, "rb") as fh:
        head = fh.read(64)
    signatures = (b"GIF8", b"\x1aE\xdf\xa3", b"RIFF", b"OggS", b"FLV")
    return head[4:8] in (b"ftyp", b"moov", b"mdat", b"free", b"wide", b"skip") or \
        head.startswith(signatures)


def _gif_screen_size(p: Path) -> tuple[int, int] | None:
    """Width and height from a GIF's logical screen descriptor (bytes 6-9), if it is one."""
    with open(p, "rb") as fh:
        head = fh.read(10)
    if len(head) == 10 and head[:6] in (b"GIF87a", b"GIF89a"):
        return int.from_bytes(head[6:8], "little"), int.from_bytes(head[8:10], "little")
    return None


def _read_container(p: Path, limits: Limits, fps: float | None) -> Video:
    import av
    import av.logging

    # A GIF states its canvas size in its first bytes: refuse decompression bombs before
    # FFmpeg allocates anything.
    gif = _gif_screen_size(p)
    if gif is not None:
        limits.check_pixels(p, *gif)

    # PyAV silences FFmpeg by default; its warnings are how silent partial decodes show.
    previous_level = av.logging.get_level()
    av.logging.set_level(av.logging.WARNING)
    try:
        return _decode_container(p, limits, fps)
    finally:
        av.logging.set_level(previous_level)


def _decode_container(p: Path, limits: Limits, fps: float | None) -> Video:
    import av
    import av.logging

    warnings: list[str] = []
    frames: list[np.ndarray] = []
    times: list[float] = []
    with av.logging.Capture(local=False) as logs:
        try:
            container = av.open(str(p), mode="r", metadata_errors="ignore")
        except av.error.FFmpegError as exc:
            if _looks_like_media(p):
                raise InputError(
                    p, f"damaged or truncated container ({_ffmpeg_reason(exc, logs)})",
                    "re-export it; an mp4 cut short loses its index ('moov atom'): "
                    "re-download or re-encode with the index at the front (-movflags faststart)",
                    reason="corrupt_container") from None
            raise InputError(p, f"not a video file ({_ffmpeg_reason(exc, logs)})",
                             "check the file really is a video (mp4, webm, mkv, gif)",
                             reason="not_a_video") from None
        try:
            if not container.streams.video:
                raise InputError(p, "no video stream in the file", "export with a video track",
                                 reason="no_frames")
            stream = container.streams.video[0]
            cc = stream.codec_context
            if cc.width and cc.height:
                limits.check_pixels(p, cc.width, cc.height)
            declared_frames = int(stream.frames or 0)
            declared_rate = float(stream.average_rate) if stream.average_rate else None
            declared_duration = (float(stream.duration * stream.time_base)
                                 if stream.duration is not None and stream.time_base else None)
            if declared_duration is None and container.duration:
                declared_duration = float(container.duration) / av.time_base
            pix_fmt = cc.pix_fmt or ""
            decoder = cc.name
            # VP9/VP8 keep alpha in a side channel that FFmpeg's native decoder drops; the
            # container says so in the stream's ``alpha_mode`` tag.
            alpha_tag = str(stream.metadata.get("alpha_mode", stream.metadata.get("ALPHA_MODE", "")))
            try:
                for frame in container.decode(stream):
                    limits.check_pixels(p, frame.width, frame.height)
                    if len(frames) >= limits.max_frames:
                        limits.check_frames(p, len(frames) + 1)
                    if frames and (frame.width, frame.height) != (frames[0].shape[1],
                                                                  frames[0].shape[0]):
                        warnings.append(f"frame size changed mid-stream at frame {len(frames)}; "
                                        "resized to the first frame's size")
                        frame = frame.reformat(width=frames[0].shape[1], height=frames[0].shape[0])
                    frames.append(frame.to_ndarray(format="rgb24"))
                    t = frame.time
                    times.append(float(t) if t is not None else float("nan"))
                    pix_fmt = pix_fmt or (frame.format.name if frame.format else "")
            except av.error.FFmpegError as exc:
                if not frames:
                    raise InputError(p, f"cannot decode any frame ({_ffmpeg_reason(exc, logs)})",
                                     "re-encode the video (e.g. H.264 mp4)",
                                     reason="corrupt_container") from None
                warnings.append(f"decoding stopped early after {len(frames)} frames: "
                                f"{_ffmpeg_reason(exc, logs)}")
        finally:
            container.close()
    for level, name, message in logs:
        if level is not None and level <= av.logging.WARNING:
            text = f"{name or 'ffmpeg'}: {str(message).strip()}"
            if text not in warnings:
                warnings.append(text)
    if not frames:
        raise InputError(p, "no frames could be decoded", "re-encode the video",
                         reason="no_frames")
    if alpha_tag == "1":
        warnings.append("alpha channel present; dropped (frames are the RGB planes)")
    video = _assemble(p, frames, times, fps, warnings, decoder, pix_fmt, declared_frames,
                      declared_rate, declared_duration)
    if alpha_tag == "1":
        video = Video(video.frames, video.fps, video.source, {**video.meta, "had_alpha": True})
    return video


def _ffmpeg_reason(exc: Exception, logs: Iterable[Any]) -> str:
    msg = getattr(exc, "strerror", None) or str(exc)
    last = [str(m).strip() for (_lvl, _n, m) in list(logs)[-3:] if m]
    return "; ".join([msg, *last])[:300]


def _assemble(p: Path, frames: list[np.ndarray], times: list[float], fps: float | None,
              warnings: list[str], decoder: str, pix_fmt: str, declared_frames: int,
              declared_rate: float | None, declared_duration: float | None) -> Video:
    ts = np.asarray(times, dtype=np.float64)
    measured = None
    vfr = False
    if len(ts) >= 2 and np.isfinite(ts).all():
        d = np.diff(ts)
        if (d > 0).all():
            med = float(np.median(d))
            measured = 1.0 / med if med > 0 else None
            vfr = bool(np.max(np.abs(d - med)) > 0.02 * med + 1e-4)
    if vfr:
        warnings.append("variable frame rate: frames kept as decoded; fps is the median rate")
    fps_used, fps_source = _choose_fps(fps, None, measured)
    if fps_source == "default" and declared_rate:
        fps_used, fps_source = declared_rate, "container"
    n = len(frames)
    expected = declared_frames or (
        int(round(declared_duration * declared_rate)) if declared_duration and declared_rate else 0)
    truncated = expected > 0 and n < expected - 1
    if truncated:
        warnings.append(f"truncated_suspect: decoded {n} of {expected} declared frames")
    elif any("ended prematurely" in w or "Truncat" in w or "partial file" in w
             for w in warnings):
        warnings.append(f"truncated_suspect: FFmpeg reports the file ends early ({n} frames)")
    had_alpha = pix_fmt.startswith(("yuva", "rgba", "argb", "bgra", "abgr", "ya", "gbrap"))
    arr = np.stack(frames)
    meta = {"decoder": decoder, "pix_fmt": pix_fmt, "had_alpha": bool(had_alpha), "vfr": vfr,
            "fps_source": fps_source, "timestamps": [round(t, 6) for t in ts.tolist()]
            if np.isfinite(ts).all() else None, "declared_frames": expected or None,
            "warnings": tuple(warnings)}
    return Video(arr, fps_used, str(p), meta)


