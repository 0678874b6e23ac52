"""Self-contained HTML reports: a view model (plain data) rendered by Jinja2 templates.

``render_report(run, out_path, baseline=None)`` is the one entry point (``sora-bench report``
and ``sora-bench run --report`` call it). Everything heavy (Jinja2, matplotlib, Pillow, PyAV)
is imported on first use, so importing this package is cheap.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Union

if TYPE_CHECKING:
    from ..results import RunResult

__all__ = ["render_report"]

RunLike = Union[str, "os.PathLike[str]", "RunResult"]


def _load(x: RunLike, fallback_dir: Path) -> tuple[RunResult, Path]:
    """A RunResult and the directory its relative video paths are relative to."""
    from ..results import RunResult

    if isinstance(x, RunResult):
        return x, fallback_dir
    p = Path(x)
    return RunResult.load(p), (p if p.is_dir() else p.parent)


def render_report(run_dir_or_result: RunLike, out_path: str | os.PathLike[str],
                  baseline: RunLike | None = None) -> Path:
    """Write one self-contained HTML report and return its path.

    ``run_dir_or_result``: a run directory, its ``result.json``, or a RunResult (then video
    paths are resolved against the folder of ``out_path``, where ``run --report`` writes it).
    ``baseline``: the same kinds; adds the paired comparison section.
    """
    from .html import write_html
    from .model import build_report_model

    out = Path(out_path)
    run, run_dir = _load(run_dir_or_result, out.parent)
    base, base_dir = (None, None) if baseline is None else _load(baseline, out.parent)
    model = build_report_model(run, run_dir=run_dir, baseline=base, baseline_dir=base_dir)
    return write_html(model, out)
