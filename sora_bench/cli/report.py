"""``sora-bench report RUN_DIR|result.json [--baseline OTHER] -o report.html``.

Writes one self-contained HTML file (no network, no external files): summary, dimensions,
worst videos, per-video drill-down, and with ``--baseline`` the paired comparison.
"""

from __future__ import annotations

import argparse
from pathlib import Path


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("run", metavar="RUN", help="run directory or its result.json")
    p.add_argument("--baseline", default=None, metavar="OTHER",
                   help="baseline run (directory or result.json): adds the comparison section")
    p.add_argument("-o", "--out", default=None, metavar="HTML",
                   help="output file (default: RUN_DIR/report.html)")


def main(args: argparse.Namespace) -> int:
    from ..reports import render_report

    run = Path(args.run)
    out = Path(args.out) if args.out else (run if run.is_dir() else run.parent) / "report.html"
    path = render_report(run, out, baseline=args.baseline)
    size = path.stat().st_size
    print(f"report: {path.resolve()} ({size / 1e6:.2f} MB)")
    return 0
