"""``sora-bench generate``: render a suite (or one free-text prompt) with the reference generator.

Writes ``<sample_id>.mp4`` (lossless H.264) and ``<sample_id>.truth.json`` per (prompt, seed),
and with ``--strip`` a ``<sample_id>.strip.png`` contact sheet (8 frames side by side) for
people to look at. The same seed gives byte-identical frames.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any

from ..errors import ConfigError

__all__ = ["configure", "main", "write_strip"]


def configure(p: argparse.ArgumentParser) -> None:
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--suite", help="suite name (see `sora-bench ls suites`) or YAML path")
    src.add_argument("--prompt", help="free text, parsed by the documented keyword grammar")
    p.add_argument("--out", required=True, help="output folder")
    p.add_argument("--defect", help="inject a defect: NAME[:STRENGTH], strength in (0, 1]")
    p.add_argument("--limit", type=int, help="only the first N prompts")
    p.add_argument("--size", help="WxH, overrides the suite's video size (e.g. 256x256)")
    p.add_argument("--frames", type=int, help="frame count (overrides the suite)")
    p.add_argument("--fps", type=float, help="frame rate (overrides the suite)")
    p.add_argument("--seeds", type=int, nargs="+", help="seeds (override each prompt's)")
    p.add_argument("--antialias", type=int, help="supersampling per axis (default: auto)")
    p.add_argument("--strip", action="store_true", help="also write <id>.strip.png contact sheets")


def _size(text: str | None) -> tuple[int, int] | None:
    if not text:
        return None
    m = re.fullmatch(r"\s*(\d+)\s*[xX]\s*(\d+)\s*", text)
    if not m or not (1 <= int(m.group(1)) <= 4096 and 1 <= int(m.group(2)) <= 4096):
        raise ConfigError(f"--size {text!r}: expected WxH, e.g. 256x256 (1..4096)")
    return int(m.group(1)), int(m.group(2))


def write_strip(frames: Any, path: Path, n: int = 8) -> Path:
    """Save ``n`` evenly spaced frames side by side as a PNG."""
    import numpy as np
    from PIL import Image

    T = frames.shape[0]
    sel = np.unique(np.linspace(0, T - 1, min(n, T)).round().astype(int))
    Image.fromarray(np.concatenate(list(frames[sel]), axis=1)).save(path)
    return path


def main(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from ..generator.defects import parse_defect
    from ..generator.reference import ReferenceGenerator
    from ..types import GenerationRequest, Prompt, VideoSpec, thaw
    from ..video_io import write_video

    try:
        defect = parse_defect(args.defect) if args.defect else None
    except ValueError as exc:
        raise ConfigError(f"--defect: {exc}") from exc
    if args.suite:
        from ..suite import load_suite

        suite = load_suite(args.suite)
        prompts = list(suite.prompts)
        spec = suite.spec
    else:
        prompts = [Prompt(id="prompt", text=str(args.prompt))]
        spec = VideoSpec()
    if args.limit is not None:
        if args.limit < 1:
            raise ConfigError("--limit must be >= 1")
        prompts = prompts[: args.limit]
    wh = _size(args.size)
    if wh:
        spec = replace(spec, width=wh[0], height=wh[1])
    if args.frames is not None:
        if args.frames < 1:
            raise ConfigError("--frames must be >= 1")
        spec = replace(spec, num_frames=args.frames)
    if args.fps is not None:
        if not args.fps > 0:
            raise ConfigError("--fps must be > 0")
        spec = replace(spec, fps=args.fps)
    out = Path(args.out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"--out {out}: cannot create ({exc})") from exc
    gen = ReferenceGenerator(antialias=args.antialias)
    failures = 0
    for prompt in prompts:
        for seed in args.seeds or prompt.seeds:
            req = GenerationRequest(prompt, int(seed), spec, defect)
            sid = req.sample_id
            try:
                sample = gen.generate(req, out)
            except Exception as exc:  # one bad prompt never stops the others
                failures += 1
                print(f"{sid}: error: {exc}", file=sys.stderr)
                continue
            assert sample.video is not None and sample.truth is not None
            write_video(sample.video, out / f"{sid}.mp4")
            doc = sample.truth.to_dict()
            doc["meta"]["prompt"] = {"id": prompt.id, "text": prompt.text,
                                     "expect": thaw(prompt.expect)}
            (out / f"{sid}.truth.json").write_text(json.dumps(doc, default=_jsonable) + "\n")
            if args.strip:
                write_strip(sample.video.frames, out / f"{sid}.strip.png")
            unused = sample.meta.get("unused_words") or []
            note = f" (unused words: {' '.join(unused)})" if unused else ""
            print(f"{sid}: {sample.video.num_frames} frames {sample.video.width}x"
                  f"{sample.video.height}{note}")
    if failures:
        print(f"{failures} sample(s) failed", file=sys.stderr)
        return 1
    return 0


def _jsonable(o: Any) -> Any:
    import numpy as np

    if isinstance(o, np.generic):
        return o.item()
    if isinstance(o, np.ndarray):
        return o.tolist()
    from collections.abc import Mapping

    if isinstance(o, Mapping):
        return dict(o)
    raise TypeError(f"not JSON-serialisable: {type(o).__name__}")
