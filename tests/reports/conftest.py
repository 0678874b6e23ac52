"""One rendered comparison report shared by the report tests (rendering takes seconds)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from sora_bench.reports import render_report
from tests.reports.synth import make_run

DEFECTS = ("ball_bounce", "occluder")


@dataclass(frozen=True)
class Rendered:
    base_dir: Path
    cand_dir: Path
    path: Path
    html: str


@pytest.fixture(scope="session")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Rendered:
    root = tmp_path_factory.mktemp("report")
    base_dir, cand_dir = root / "base", root / "cand"
    make_run(base_dir)
    make_run(cand_dir, run_id="run-b", defect_prompts=DEFECTS, generator="reference+defect")
    path = render_report(cand_dir, cand_dir / "report.html", baseline=base_dir)
    return Rendered(base_dir, cand_dir, path, path.read_text(encoding="ascii"))
