"""Packaging: the wheel carries the suites; imports stay light; CLI entry points work."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_wheel_contains_package_and_suites(tmp_path: Path) -> None:
    pytest.importorskip("hatchling")
    proc = subprocess.run([sys.executable, "-m", "build", "--wheel", "--no-isolation",
                           "--outdir", str(tmp_path), str(ROOT)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-2000:]
    wheel = next(tmp_path.glob("sora_bench-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    suites = {Path(n).stem for n in names if n.startswith("sora_bench/_prompts/") and n.endswith(".yaml")}
    assert {"smoke", "physics"} <= suites
    assert "sora_bench/cli/__init__.py" in names and "sora_bench/py.typed" in names
    meta = zipfile.ZipFile(wheel).read(next(n for n in names if n.endswith("entry_points.txt"))).decode()
    assert "sora-bench = sora_bench.cli:console_main" in meta and "pytest11" in meta


def test_import_is_light() -> None:
    code = ("import sys, sora_bench, sora_bench.pytest_plugin; "
            "heavy = [m for m in ('torch', 'numpy', 'av', 'cv2', 'open_clip', 'matplotlib', 'scipy') "
            "if m in sys.modules]; print(','.join(heavy))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_registry_listing_imports_no_torch() -> None:
    code = ("import sys; from sora_bench.metrics import METRICS, available_metrics; "
            "METRICS.names(); available_metrics(); print('torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "sora_bench", *args], capture_output=True, text=True)


def test_python_dash_m_and_console_script() -> None:
    out = _cli("--version")
    assert out.returncode == 0 and "sora-bench" in out.stdout
    out = _cli("ls", "metrics")
    assert out.returncode == 0 and "fvd" in out.stdout
    bad = _cli("run")
    assert bad.returncode == 2 and "--suite" in bad.stderr
