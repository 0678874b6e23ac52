"""Images for the report: animated previews, frame strips, thumbnails and event overlays.

Everything is returned as a ``data:`` URI so the report stays one file. Sizes are capped
(previews <= 160 px / 12 fps, strips 6 frames x 88 px) so a smoke-suite report stays small.
Encoders are deterministic (Pillow, fixed quality), so the same video gives the same bytes.
Pillow and PyAV load lazily.
"""

from __future__ import annotations

import base64
import io
import json
import logging
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from ..types import Video
    from .details import EventMark

log = logging.getLogger(__name__)

__all__ = ["resolve", "load_video", "load_truth", "data_uri", "preview_uri", "strip_uri",
           "thumb_uri", "event_uri", "PREVIEW_MAX_SIDE", "PREVIEW_FPS"]

PREVIEW_MAX_SIDE = 160
PREVIEW_FPS = 12.0
PREVIEW_MAX_FRAMES = 36
STRIP_FRAMES = 6
STRIP_HEIGHT = 88
EVENT_WIDTH = 220
_MAX_TRUTH_BYTES = 32 * 1024 * 1024
# One colour per object id (cycled, order of first appearance within an image).
_PALETTE = [(230, 57, 70), (29, 120, 216), (42, 157, 80), (244, 162, 38), (142, 68, 173),
            (22, 160, 170)]


def data_uri(mime: str, payload: bytes) -> str:
    return f"data:{mime};base64,{base64.b64encode(payload).decode('ascii')}"


def resolve(path: str | None, root: Path | None) -> Path | None:
    """A sample's ``video`` / ``truth`` path: absolute, or relative to the run directory."""
    if not path:
        return None
    p = Path(path)
    if not p.is_absolute() and root is not None:
        p = root / p
    return p


def load_video(path: Path | None) -> tuple[Video | None, str]:
    """Decode a video for the report; ``(None, why)`` when it cannot be shown."""
    if path is None:
        return None, "no video recorded for this sample"
    if not path.exists():
        return None, f"video not found: {path.name}"
    try:
        from ..video_io import read_video

        return read_video(path), ""
    except Exception as exc:  # a report never fails on one bad video
        log.warning("report: cannot decode %s: %s", path, exc)
        return None, f"video could not be decoded: {exc}"


def load_truth(path: Path | None) -> Mapping[str, Any] | None:
    """The raw truth sidecar (a dict), or None when absent/unreadable/too large."""
    if path is None or not path.is_file():
        return None
    try:
        if path.stat().st_size > _MAX_TRUTH_BYTES:
            return None
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, Mapping) else None


def _pil(frame: np.ndarray) -> Any:
    from PIL import Image

    return Image.fromarray(np.ascontiguousarray(frame), "RGB")


def _resized(frame: np.ndarray, *, width: int | None = None, height: int | None = None) -> Any:
    from PIL import Image

    img = _pil(frame)
    w, h = img.size
    if width is not None:
        size = (width, max(1, round(h * width / w)))
    else:
        assert height is not None
        size = (max(1, round(w * height / h)), height)
    return img.resize(size, Image.Resampling.BILINEAR) if size != (w, h) else img


def _jpeg(img: Any, quality: int = 82) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format="JPEG", quality=quality, optimize=False, progressive=False)
    return buf.getvalue()


def preview_uri(video: Video) -> str:
    """Animated WebP (downscaled, subsampled); falls back to a still JPEG if WebP fails."""
    try:
        from ..video_io import encode_preview

        payload = encode_preview(video, max_side=PREVIEW_MAX_SIDE, fps=PREVIEW_FPS,
                                 fmt="webp", max_frames=PREVIEW_MAX_FRAMES)
        return data_uri("image/webp", payload)
    except Exception as exc:  # an exotic Pillow build without animated WebP
        log.warning("report: animated preview failed (%s); using a still frame", exc)
        return thumb_uri(video, side=PREVIEW_MAX_SIDE)


def frame_indices(num_frames: int, count: int) -> list[int]:
    """``count`` evenly spaced frame indices including the first and last."""
    if num_frames <= count:
        return list(range(num_frames))
    return [round(i * (num_frames - 1) / (count - 1)) for i in range(count)]


def strip_uri(video: Video, count: int = STRIP_FRAMES, height: int = STRIP_HEIGHT) -> str:
    """Evenly spaced frames side by side (JPEG), 2 px gaps."""
    from PIL import Image

    tiles = [_resized(video.frames[i], height=height) for i in frame_indices(video.num_frames, count)]
    gap = 2
    total = sum(t.size[0] for t in tiles) + gap * (len(tiles) - 1)
    sheet = Image.new("RGB", (total, height), (255, 255, 255))
    x = 0
    for t in tiles:
        sheet.paste(t, (x, 0))
        x += t.size[0] + gap
    return data_uri("image/jpeg", _jpeg(sheet))


def thumb_uri(video: Video, side: int = 64) -> str:
    """The middle frame, longest side ``side`` px (JPEG)."""
    f = video.frames[video.num_frames // 2]
    h, w = f.shape[:2]
    img = _resized(f, width=side) if w >= h else _resized(f, height=side)
    return data_uri("image/jpeg", _jpeg(img, 78))


def _truth_box(truth: Mapping[str, Any] | None, obj: str, frame: int) -> list[float] | None:
    try:
        row = truth["objects"][obj]["box"][frame]  # type: ignore[index]
    except (KeyError, IndexError, TypeError):
        return None
    if isinstance(row, list) and len(row) == 4 and all(isinstance(v, int | float) for v in row):
        return [float(v) for v in row]
    return None


def _truth_path(truth: Mapping[str, Any] | None, obj: str) -> list[tuple[int, float, float]]:
    try:
        rows = truth["objects"][obj]["box"]  # type: ignore[index]
    except (KeyError, TypeError):
        return []
    out = []
    for i, r in enumerate(rows if isinstance(rows, list) else []):
        if isinstance(r, list) and len(r) == 4 and all(isinstance(v, int | float) for v in r):
            out.append((i, (r[0] + r[2]) / 2.0, (r[1] + r[3]) / 2.0))
    return out


def event_uri(video: Video, event: EventMark, truth: Mapping[str, Any] | None) -> str:
    """The event's frame with what is known drawn on it (JPEG, ``EVENT_WIDTH`` px wide).

    - boxes: from the event itself, else the truth box of each named object at that frame;
      an object with no box at that frame (it vanished) gets its last box seen before, dashed;
    - trajectory: the event's own, else the object's truth box centres over the whole clip,
      with a dot at the event frame;
    - position: a ring at the event's ``position``.
    """
    from PIL import ImageDraw

    t = min(max(event.frame, 0), video.num_frames - 1)
    img = _resized(video.frames[t], width=EVENT_WIDTH)
    s = img.size[0] / video.width
    draw = ImageDraw.Draw(img)
    colours: dict[str, tuple[int, int, int]] = {}

    def colour(key: str) -> tuple[int, int, int]:
        return colours.setdefault(key, _PALETTE[len(colours) % len(_PALETTE)])

    for obj, box in sorted(event.boxes.items()):
        draw.rectangle([v * s for v in box], outline=colour(obj), width=2)
    for obj in event.objects:
        c = colour(obj)
        if obj not in event.boxes:
            box = _truth_box(truth, obj, t)
            if box is not None:
                draw.rectangle([v * s for v in box], outline=c, width=2)
            else:
                last = next((_truth_box(truth, obj, f) for f in range(t - 1, -1, -1)
                             if _truth_box(truth, obj, f) is not None), None)
                if last is not None:
                    _dashed_rect(draw, [v * s for v in last], c)
        if not event.trajectory:
            path = _truth_path(truth, obj)
            _polyline(draw, [(x * s, y * s) for _, x, y in path], c)
            here = [(x * s, y * s) for f, x, y in path if f == t]
            for x, y in here:
                draw.ellipse([x - 3, y - 3, x + 3, y + 3], fill=c)
    if event.trajectory:
        _polyline(draw, [(x * s, y * s) for x, y in event.trajectory], colour("trajectory"))
    if event.position is not None:
        x, y = event.position[0] * s, event.position[1] * s
        draw.ellipse([x - 7, y - 7, x + 7, y + 7], outline=(255, 255, 255), width=3)
        draw.ellipse([x - 7, y - 7, x + 7, y + 7], outline=(230, 57, 70), width=2)
    return data_uri("image/jpeg", _jpeg(img))


def _polyline(draw: Any, pts: Sequence[tuple[float, float]], c: tuple[int, int, int]) -> None:
    if len(pts) >= 2:
        draw.line(list(pts), fill=c, width=1)


def _dashed_rect(draw: Any, box: Sequence[float], c: tuple[int, int, int], dash: int = 4) -> None:
    x0, y0, x1, y1 = box
    for a, b, horizontal, fixed in ((x0, x1, True, y0), (x0, x1, True, y1),
                                    (y0, y1, False, x0), (y0, y1, False, x1)):
        pos = a
        while pos < b:
            end = min(pos + dash, b)
            seg = [(pos, fixed), (end, fixed)] if horizontal else [(fixed, pos), (fixed, end)]
            draw.line(seg, fill=c, width=2)
            pos += 2 * dash
