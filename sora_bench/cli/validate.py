"""``sora-bench validate SUITE...``: check suite files; exit 2 if any is invalid."""

from __future__ import annotations

import argparse
from typing import Any

from ..errors import EXIT_USAGE, SuiteError


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("suites", nargs="+", help="suite names or YAML paths")


def main(args: Any) -> int:
    from ..suite import load_suite

    bad = 0
    for item in args.suites:
        try:
            s = load_suite(item)
        except SuiteError as exc:
            print(f"INVALID {exc}")
            bad += 1
            continue
        n = sum(len(p.seeds) for p in s.prompts)
        print(f"ok      {s.source}: {s.name} v{s.version}, {len(s.prompts)} prompts, {n} samples, "
              f"sha256 {s.sha256[:16]}")
    return EXIT_USAGE if bad else 0
