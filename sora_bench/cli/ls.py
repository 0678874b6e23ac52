"""``sora-bench ls suites|metrics|generators``."""

from __future__ import annotations

import argparse
from typing import Any


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("what", choices=("suites", "metrics", "generators"))


def main(args: Any) -> int:
    if args.what == "suites":
        from ..suite import list_suites, load_suite

        for name, path in list_suites().items():
            try:
                s = load_suite(path)
                print(f"{name:<14} v{s.version:<6} {len(s.prompts):>4} prompts  "
                      f"{s.spec.width}x{s.spec.height}x{s.spec.num_frames}  {s.description[:60]}")
            except Exception as exc:  # list the rest even if one file is broken
                print(f"{name:<14} INVALID: {exc}")
    elif args.what == "metrics":
        from ..metrics import METRICS, available_metrics

        available = set(available_metrics())
        for name in METRICS.names():
            if name not in available:
                print(f"{name:<22} (not in this build)")
                continue
            cls = METRICS.get(name)
            arrow = "higher is better" if cls.higher_is_better else "lower is better"
            needs = ",".join(sorted(cls.needs)) or "-"
            print(f"{name:<22} v{cls.version}  {cls.kind:<5}  {arrow:<16}  needs: {needs}")
    else:
        from ..generator import GENERATORS

        for name in GENERATORS.names():
            print(name)
    return 0
