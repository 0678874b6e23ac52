"""``sora-bench stats build --videos DIR -o ref.npz``: FVD/KVD reference statistics.

Every video in DIR (``<id>.mp4|webm|gif|npy`` or frame folders) is decoded, one clip is taken
per the protocol, and the I3D logits and pool features are accumulated. The output is an npz
without objects plus a JSON sidecar (protocol, N, source hash); pass it to ``run``/``score``
with ``--reference ref.npz``. Unreadable and too-short videos are listed and left out.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from ..errors import ConfigError, InputError


def configure(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="stats_command", metavar="ACTION")
    b = sub.add_parser("build", help="build reference statistics from a folder of videos",
                       description=__doc__.splitlines()[0] if __doc__ else None)
    b.add_argument("--videos", required=True, help="folder of reference videos")
    b.add_argument("-o", "--out", required=True, help="output .npz (a .json sidecar is written)")
    b.add_argument("--protocol", default=None,
                   help="FVD protocol (default fvd/i3d-k400-logits/16f/224-bilinear-stretch/"
                        "[-1,1]); logits and pool features are both stored")
    b.add_argument("--device", default="auto", help="auto | cpu | cuda[:N] | mps")
    b.add_argument("--limit", type=int, default=None, help="first N videos only")
    b.add_argument("--compile", action="store_true",
                   help="torch.compile the network (pays off from about 64 videos)")
    b.add_argument("--cache-dir", default=None, help="feature cache folder (default: user cache)")
    b.add_argument("--no-cache", action="store_true", help="do not read or write the cache")


def main(args: argparse.Namespace) -> int:
    if getattr(args, "stats_command", None) != "build":
        print("usage: sora-bench stats build --videos DIR -o ref.npz", file=sys.stderr)
        return 2
    from ..cache import Cache
    from ..device import resolve_device
    from ..metrics.fvd import DEFAULT_PROTOCOL, Protocol
    from ..metrics.fvd_reference import ReferenceBuilder, save_reference
    from ..metrics.i3d_weights import locate_weights
    from ..video_io import discover_videos, read_video

    proto = Protocol.parse(args.protocol or DEFAULT_PROTOCOL)
    locate_weights()  # WeightsError (exit 3) with the exact fix before any decoding
    device = resolve_device(args.device)
    videos = discover_videos(args.videos)
    if not videos:
        raise ConfigError(f"{args.videos}: no videos found (.mp4 .webm .gif .npy, frame folders)")
    items = list(videos.items())[: args.limit] if args.limit else list(videos.items())
    cache = None if args.no_cache else Cache(args.cache_dir)
    builder = ReferenceBuilder(proto, device=device, cache=cache, compile_=args.compile)
    bad: dict[str, str] = {}
    t0 = time.perf_counter()
    for i, (vid, path) in enumerate(items, 1):
        try:
            video = read_video(path)
        except InputError as exc:
            bad[vid] = f"error:{exc.reason}: {exc}"
            continue
        if not builder.add(vid, video):
            bad[vid] = builder.skipped[vid]
        if sys.stderr.isatty():
            print(f"\r{i}/{len(items)} videos", end="", file=sys.stderr)
    if sys.stderr.isatty():
        print(file=sys.stderr)
    arrays = builder.arrays()
    source = {"videos_dir": str(Path(args.videos).resolve()), "found": len(items),
              "used": builder.n, "left_out": bad, "device": device,
              "seconds": round(time.perf_counter() - t0, 1)}
    out = save_reference(args.out, arrays, source)
    for vid, why in bad.items():
        print(f"left out {vid}: {why}", file=sys.stderr)
    print(f"wrote {out} (+ {out.with_suffix('.json').name}): N = {builder.n}, protocol "
          f"{proto.clip_string()}, source sha256 {arrays['source_sha256']}")
    if builder.n < 2048:
        print(f"note: N = {builder.n} < 2048; FVD is comparable only at equal N", file=sys.stderr)
    return 0
