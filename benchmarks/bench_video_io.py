"""Video I/O throughput against the bare PyAV decode loop measured in the same run.

    .venv/bin/python benchmarks/bench_video_io.py [--frames 48] [--size 256] [--repeat 5]

read_video adds limit checks, FFmpeg log capture, timestamp handling and the uint8 RGB
contract on top of PyAV; the ratio shows what that costs. write_video (lossless H.264, numpy
colour conversion) is compared with PyAV's own rgb24 -> yuv420p encode path.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _timing import best  # noqa: E402  (benchmarks/ is on sys.path when run as a script)

from sora_bench.types import Video  # noqa: E402
from sora_bench.video_io import read_video, write_video  # noqa: E402


def _frames(t: int, size: int) -> np.ndarray:
    yy, xx = np.mgrid[0:size, 0:size]
    out = np.empty((t, size, size, 3), np.uint8)
    for i in range(t):
        out[i, ..., 0] = (128 + 100 * np.sin((xx + 3 * i) / 11.0)).astype(np.uint8)
        out[i, ..., 1] = (128 + 100 * np.cos((yy - 2 * i) / 13.0)).astype(np.uint8)
        out[i, ..., 2] = ((xx + yy + 5 * i) % 256).astype(np.uint8)
    return out


def _bare_decode(path: Path) -> int:
    import av

    with av.open(str(path)) as c:
        return sum(1 for f in c.decode(video=0) if f.to_ndarray(format="rgb24") is not None)


def _bare_encode(frames: np.ndarray, path: Path) -> None:
    import av

    with av.open(str(path), "w") as c:
        s = c.add_stream("libx264", rate=24)
        s.width, s.height, s.pix_fmt = frames.shape[2], frames.shape[1], "yuv420p"
        s.options = {"qp": "0", "preset": "medium", "threads": "1"}
        for f in frames:
            for p in s.encode(av.VideoFrame.from_ndarray(f, format="rgb24")):
                c.mux(p)
        for p in s.encode():
            c.mux(p)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--frames", type=int, default=48)
    ap.add_argument("--size", type=int, default=256)
    ap.add_argument("--repeat", type=int, default=5)
    a = ap.parse_args()
    frames = _frames(a.frames, a.size)
    with tempfile.TemporaryDirectory() as d:
        path = write_video(Video(frames, 24), Path(d) / "v.mp4")
        ours_dec = best(lambda: read_video(path), a.repeat)
        bare_dec = best(lambda: _bare_decode(path), a.repeat)
        ours_enc = best(lambda: write_video(Video(frames, 24), Path(d) / "w.mp4"), a.repeat)
        bare_enc = best(lambda: _bare_encode(frames, Path(d) / "b.mp4"), a.repeat)
        size_kb = path.stat().st_size / 1024
    n = a.frames
    print(f"{a.size}x{a.size}x{n} frames, lossless H.264 ({size_kb:.0f} KiB), best of {a.repeat}")
    print(f"decode  read_video {n / ours_dec:7.1f} fps | bare PyAV {n / bare_dec:7.1f} fps | "
          f"ratio {bare_dec / ours_dec:.2f}")
    print(f"encode  write_video {n / ours_enc:6.1f} fps | bare PyAV {n / bare_enc:7.1f} fps | "
          f"ratio {bare_enc / ours_enc:.2f}")


if __name__ == "__main__":
    main()
