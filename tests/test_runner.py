"""Runner: resumable, deterministic, bad samples recorded and the run goes on."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from sora_bench.cli import main
from sora_bench.results import RunResult, read_jsonl
from tests.helpers import cli_with_test_plugins as plugins

ROOT = Path(__file__).resolve().parents[1]
HELPER = ROOT / "tests" / "helpers" / "cli_with_test_plugins.py"

SUITE = """
name: tiny
version: "1"
video: {num_frames: 6, fps: 6, height: 24, width: 32}
prompts:
  - {id: a-red-ball, text: "a red ball", seeds: [0, 1]}
  - {id: b-blue-cube, text: "a blue cube", seeds: [0]}
  - {id: c-crash, text: "FAIL here", seeds: [0]}
  - {id: d-green, text: "green light", seeds: [0, 1, 2]}
"""


@pytest.fixture(autouse=True)
def _plugins() -> None:
    plugins.register()


@pytest.fixture
def suite_file(tmp_path: Path) -> Path:
    p = tmp_path / "tiny.yaml"
    p.write_text(SUITE)
    return p


def _run_args(suite: Path, out: Path, *extra: str) -> list[str]:
    return ["run", "--suite", str(suite), "--generator", "gradient", "--out", str(out),
            "--metrics", "mean_luma,needs_prompt,broken", "--no-progress", *extra]


def _without_timestamps(path: Path) -> dict:
    d = json.loads(path.read_text())
    d.pop("created_at"), d.pop("finished_at")
    return d


def test_run_records_every_sample_and_survives_failures(suite_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "run"
    assert main(_run_args(suite_file, out)) == 0
    result = RunResult.load(out)
    ids = [s.sample_id for s in result.samples]
    assert ids == sorted(ids) and len(ids) == 7
    crashed = result.sample("c-crash__s0")
    assert crashed.status == "error:generation" and "crashed" in crashed.message
    ok = result.sample("a-red-ball__s0")
    assert ok.status == "ok_with_warnings"  # the broken metric's error is recorded
    assert ok.metrics["broken"].status == "error:RuntimeError"
    assert ok.metrics["mean_luma"].status == "ok" and len(ok.metrics["mean_luma"].details["per_frame"]) == 6
    assert ok.metrics["needs_prompt"].value == len("a red ball")
    m = result.metrics["mean_luma"]
    assert m.n == 6 and m.ci95 is not None and m.ci95[0] <= m.value <= m.ci95[1]
    assert m.status_counts == {"error:generation": 1, "ok": 6}
    assert result.metrics["broken"].value is None
    assert (out / "videos" / "a-red-ball__s0.mp4").is_file()
    assert result.suite["sha256"] and result.environment["python"]


def test_two_runs_give_identical_results(suite_file: Path, tmp_path: Path) -> None:
    assert main(_run_args(suite_file, tmp_path / "r1")) == 0
    assert main(_run_args(suite_file, tmp_path / "r2", "--no-cache")) == 0
    a = _without_timestamps(tmp_path / "r1" / "result.json")
    b = _without_timestamps(tmp_path / "r2" / "result.json")
    a["settings"], b["settings"] = {}, {}
    assert json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


def test_sigkill_mid_run_then_resume_matches_uninterrupted(suite_file: Path, tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    ref = tmp_path / "ref"
    cmd = [sys.executable, str(HELPER), *_run_args(suite_file, ref, "--no-cache")]
    assert subprocess.run(cmd, env=env, capture_output=True).returncode == 0

    out = tmp_path / "killed"
    cmd = [sys.executable, str(HELPER), *_run_args(suite_file, out, "--no-cache")]
    killed = subprocess.run(cmd, env={**env, "SORA_BENCH_FAULT_AFTER": "3"}, capture_output=True)
    assert killed.returncode == -9  # SIGKILL
    assert not (out / "result.json").exists()
    before = [r["sample_id"] for r in read_jsonl(out / "samples.jsonl")]
    assert len(before) == 3
    # a torn half-line, as a kill during the write would leave
    with open(out / "samples.jsonl", "a") as fh:
        fh.write('{"sample_id": "d-green__s2", "sta')

    resumed = subprocess.run(cmd, env=env, capture_output=True, text=True)
    assert resumed.returncode == 0, resumed.stderr
    after = [r["sample_id"] for r in read_jsonl(out / "samples.jsonl")]
    assert after[:3] == before  # nothing finished was recomputed ...
    assert len(after) == len(set(after)) == 7  # ... and every sample appears exactly once
    assert _without_timestamps(out / "result.json") == _without_timestamps(ref / "result.json")


def test_resume_refuses_a_different_run_in_the_same_dir(suite_file: Path, tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "run"
    assert main(_run_args(suite_file, out, "--limit", "1")) == 0
    assert main(_run_args(suite_file, out, "--limit", "2")) == 2
    assert "different run" in capsys.readouterr().err
    assert main(_run_args(suite_file, out, "--limit", "2", "--overwrite")) == 0


def test_gates_set_the_exit_code(suite_file: Path, tmp_path: Path) -> None:
    assert main(_run_args(suite_file, tmp_path / "a", "--gate", "mean_luma >= 0")) == 0
    assert main(_run_args(suite_file, tmp_path / "b", "--gate", "mean_luma >= 2")) == 1
    result = RunResult.load(tmp_path / "b")
    assert result.gates[0].passed is False and result.gates[0].observed is not None


def test_unwritable_output_dir_is_a_usage_error(suite_file: Path, tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    assert main(_run_args(suite_file, blocker / "out")) == 2
    assert "not writable" in capsys.readouterr().err


def test_unknown_metric_and_generator_suggest_names(suite_file: Path, tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "--suite", str(suite_file), "--metrics", "mean_lumaa",
                 "--out", str(tmp_path / "x")]) == 2
    assert "did you mean 'mean_luma'" in capsys.readouterr().err
    assert main(["run", "--suite", str(suite_file), "--generator", "gradiant",
                 "--out", str(tmp_path / "y")]) == 2
    assert "did you mean 'gradient'" in capsys.readouterr().err


def test_cache_key_includes_weights_identity(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A cached value computed with other weights is never served (lm-eval #2715's lesson)."""
    from sora_bench.cache import Cache
    from sora_bench.metrics.base import RunContext, SampleContext
    from sora_bench.scoring import MetricSlot, score_sample
    from sora_bench.types import Video
    from tests.helpers.media import frames

    calls = []

    class Weighted(plugins.MeanLuma):
        sha = "a" * 64

        @property
        def weights_sha256(self) -> str:
            return self.sha

        def score(self, video, ctx):  # type: ignore[no-untyped-def]
            calls.append(self.sha)
            return super().score(video, ctx)

    run = RunContext(cache=Cache(tmp_path / "cache"), out_dir=tmp_path)
    video = Video(frames(4), 8)
    metric = Weighted()
    for _ in range(2):
        score_sample(video, SampleContext("s", run=run), [MetricSlot(metric)])
    metric.sha = "b" * 64
    score_sample(video, SampleContext("s", run=run), [MetricSlot(metric)])
    assert calls == ["a" * 64, "b" * 64]  # second call was a cache hit; new weights recompute
