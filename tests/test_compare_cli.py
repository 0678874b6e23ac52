"""``sora-bench compare`` and ``sora-bench report``: exit codes, text and JSON output."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from sora_bench.cli import main
from tests.reports.synth import make_run


@pytest.fixture()
def runs(tmp_path: Path) -> tuple[Path, Path]:
    base, cand = tmp_path / "base", tmp_path / "cand"
    make_run(base, videos=False)
    make_run(cand, videos=False, run_id="run-b", defect_prompts=("occluder",))
    return base, cand


def test_same_run_exits_0(runs: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    base, _ = runs
    assert main(["compare", str(base), str(base / "result.json")]) == 0
    out = capsys.readouterr().out
    assert "no significant regression" in out and "no prompt got worse" in out


def test_regression_exits_1_and_lists_worst_prompt(runs: tuple[Path, Path],
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    base, cand = runs
    assert main(["compare", str(base), str(cand)]) == 1
    out = capsys.readouterr().out
    worse = out.split("prompts that got worse", 1)[1]
    assert worse.splitlines()[1].split()[1] == "occluder"
    assert "REGRESSED" in out and "temporal_flicker" in out


def test_json_output_and_gates(runs: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    base, cand = runs
    code = main(["compare", str(base), str(base), "--json", "--gate", "clip_alignment >= 1000"])
    data = json.loads(capsys.readouterr().out)
    assert code == 1 and data["exit_code"] == 1 and data["regressions"] == []
    assert data["gates"][0]["passed"] is False
    assert main(["compare", str(base), str(cand), "--json", "--top", "1"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert [p["prompt_id"] for p in data["prompts"]] == ["occluder"]
    assert data["regressions"] == ["fvd"]  # 2 of 10 pairs changed: paired CIs still touch 0
    flicker = next(m for m in data["metrics"] if m["metric"] == "temporal_flicker")
    assert flicker["delta"] > 0 and flicker["gain"] < 0 and flicker["verdict"] == "no change"
    # Gate typo: usage error before any work.
    assert main(["compare", str(base), str(cand), "--gate", "fvd = 3"]) == 2


def test_version_mismatch_exits_2_unless_allowed(tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    base = tmp_path / "base"
    make_run(base, videos=False)
    other = make_run(None, videos=False)
    other.metrics["clip_alignment"] = dataclasses.replace(other.metrics["clip_alignment"],
                                                          protocol="clip_alignment/v2/other")
    (tmp_path / "other").mkdir()
    other.write(tmp_path / "other" / "result.json")
    assert main(["compare", str(base), str(tmp_path / "other")]) == 2
    assert "clip_alignment protocol" in capsys.readouterr().err
    assert main(["compare", str(base), str(tmp_path / "other"), "--allow-version-mismatch"]) == 0
    assert "warning: metric clip_alignment protocol" in capsys.readouterr().out


def test_terminal_output_has_no_control_characters(tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    evil = [("evil", "red \x1b[31mball\x1b[0m\rfalls", ["x"])]
    make_run(tmp_path / "a", videos=False, failures=False, prompts=evil)
    make_run(tmp_path / "b", videos=False, failures=False, prompts=evil, defect_prompts=("evil",))
    main(["compare", str(tmp_path / "a"), str(tmp_path / "b")])
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\r" not in out and "red ?[31mball" in out


def test_report_command_and_compare_report(tmp_path: Path) -> None:
    few = [("ball", "a ball", ["x"]), ("cup", "a cup", ["y"])]
    base, cand = tmp_path / "base", tmp_path / "cand"
    make_run(base, videos=False, failures=False, prompts=few, seeds=(0, 1, 2))
    make_run(cand, videos=False, failures=False, prompts=few, seeds=(0, 1, 2), run_id="run-b",
             defect_prompts=("cup",))
    assert main(["report", str(cand), "--baseline", str(base)]) == 0
    html = (cand / "report.html").read_text(encoding="ascii")
    assert "Comparison with baseline" in html and "run-a" in html
    out = tmp_path / "cmp.html"
    assert main(["compare", str(base), str(cand), "--report", str(out)]) == 1
    assert out.is_file()
    assert main(["report", str(cand / "missing.json")]) == 2
