"""benchmarks/bench_physics_calibration.py --pool: per-clip values of several saved runs
judged together (no rendering: synthetic runs)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.calibration.targets import METRICS, TARGET

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_physics_calibration.py"


def _run(path: Path, start: int, clean: list[float], vanish: list[float], tracks="pixels"):
    conds = ("clean", "noise", *TARGET)
    values = {c: {m: [1.0] * len(clean) for m in METRICS} for c in conds}
    values["clean"]["object_permanence"] = clean
    values["vanish"]["object_permanence"] = vanish
    path.write_text(json.dumps({"scenes": [start, start + len(clean) - 1], "tracks": tracks,
                                "values": values}))
    return str(path)


def test_pooled_runs_are_judged_as_one_sample(tmp_path):
    # alone, run a separates perfectly and run b not at all; pooled: clean {1, 1, 0.5, 0.5},
    # vanish {0.4, 0.4, 0.5, 0.5}: 0.4 < all four (8 pairs), 0.5 < both 1s (4 pairs), and
    # 0.5 ties both 0.5s (4 pairs, half each): (8 + 4 + 2) / 16
    a = _run(tmp_path / "a.json", 0, [1.0, 1.0], [0.4, 0.4])
    b = _run(tmp_path / "b.json", 2, [0.5, 0.5], [0.5, 0.5])
    out = subprocess.run([sys.executable, str(SCRIPT), "--pool", a, b], capture_output=True,
                         text=True, check=True).stdout
    assert "pooled 2 runs, 4 scenes" in out
    row = next(line for line in out.splitlines() if line.startswith("vanish"))
    assert row.split()[2] == f"{(8 + 4 + 2) / 16:.3f}"
    # clean clips below object_permanence's threshold (0.7): 2 of 4
    assert "'object_permanence': 0.5" in next(line for line in out.splitlines()
                                              if line.startswith("clean flagged"))


def test_runs_of_different_tracks_are_not_pooled(tmp_path):
    a = _run(tmp_path / "a.json", 0, [1.0], [0.4])
    b = _run(tmp_path / "b.json", 1, [1.0], [0.4], tracks="truth")
    res = subprocess.run([sys.executable, str(SCRIPT), "--pool", a, b], capture_output=True,
                         text=True)
    assert res.returncode != 0 and "one kind of tracks" in res.stderr
