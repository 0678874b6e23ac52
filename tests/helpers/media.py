"""Test media made at test time with PyAV / Pillow / numpy (no committed binaries)."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np


def frames(t: int = 16, h: int = 48, w: int = 64, seed: int = 0) -> np.ndarray:
    """A smooth moving gradient with a square: compresses well, decodes exactly enough."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:h, 0:w]
    out = np.empty((t, h, w, 3), np.uint8)
    base = rng.integers(40, 200, size=3)
    for i in range(t):
        out[i, ..., 0] = (base[0] + 50 * np.sin((xx + 2 * i) / 9.0)).clip(0, 255)
        out[i, ..., 1] = (base[1] + 50 * np.cos((yy + i) / 7.0)).clip(0, 255)
        out[i, ..., 2] = base[2]
        x0 = (3 * i) % max(1, w - 10)
        out[i, 5:15, x0:x0 + 10] = (250, 250, 250)
    return out


def encode(path: Path, arr: np.ndarray, *, codec: str = "libx264", pix_fmt: str = "yuv420p",
           fps: int = 8, fmt: str | None = None, pts_ms: list[int] | None = None,
           in_format: str = "rgb24") -> Path:
    import av

    path.parent.mkdir(parents=True, exist_ok=True)
    with av.open(str(path), "w", format=fmt) as c:
        s = c.add_stream(codec, rate=fps)
        s.width, s.height, s.pix_fmt = arr.shape[2], arr.shape[1], pix_fmt
        if pts_ms is not None:
            s.time_base = Fraction(1, 1000)
            s.codec_context.time_base = Fraction(1, 1000)
        for i, f in enumerate(arr):
            vf = av.VideoFrame.from_ndarray(f, format=in_format)
            if pts_ms is not None:
                vf.pts = pts_ms[i]
                vf.time_base = Fraction(1, 1000)
            for p in s.encode(vf):
                c.mux(p)
        for p in s.encode():
            c.mux(p)
    return path
