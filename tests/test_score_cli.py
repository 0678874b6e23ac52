"""`sora-bench score` over a folder of user videos, bad ones included."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from sora_bench.cli import main
from sora_bench.results import RunResult
from sora_bench.types import Video
from sora_bench.video_io import write_video
from tests.helpers import cli_with_test_plugins as plugins
from tests.helpers.media import frames


@pytest.fixture(autouse=True)
def _plugins() -> None:
    plugins.register()


@pytest.fixture
def videos(tmp_path: Path) -> Path:
    d = tmp_path / "videos"
    write_video(Video(frames(8), 8), d / "cat.mp4")
    write_video(Video(frames(8, seed=1), 8), d / "dog.mp4")
    write_video(Video(frames(1), 8), d / "still.mp4")
    np.save(d / "arr.npy", frames(6))
    (d / "empty.mp4").write_bytes(b"")
    (d / "noise.webm").write_bytes(np.random.default_rng(0).bytes(2048))
    return d


def _score(videos: Path, out: Path, *extra: str) -> int:
    return main(["score", "--videos", str(videos), "--out", str(out), "--no-progress",
                 "--metrics", "mean_luma,needs_prompt", *extra])


def test_every_video_gets_a_status_and_the_run_goes_on(videos: Path, tmp_path: Path) -> None:
    prompts = tmp_path / "prompts.json"
    prompts.write_text(json.dumps({"cat": "a cat", "dog": "a dog", "still": "a still life",
                                   "arr": "an array", "empty": "nothing", "noise": "static",
                                   "bird": "a bird that has no video"}))
    assert _score(videos, tmp_path / "out", "--prompts", str(prompts), "--fps", "6") == 0
    r = RunResult.load(tmp_path / "out")
    status = {s.sample_id: s.status for s in r.samples}
    assert status == {"arr": "ok", "bird": "error:missing_video", "cat": "ok", "dog": "ok",
                      "empty": "error:empty_file", "noise": "error:not_a_video", "still": "ok"}
    assert "bird.mp4" in r.sample("bird").message
    assert r.sample("still").metrics["mean_luma"].status == "skipped:too-short"
    assert r.sample("arr").video_meta["fps"] == 6.0
    assert r.metrics["needs_prompt"].n == 3 and r.metrics["mean_luma"].n == 3  # still is too short


def test_videos_without_prompts_are_scored_and_flagged(videos: Path, tmp_path: Path) -> None:
    prompts = tmp_path / "prompts.yaml"
    prompts.write_text("cat: a cat\n")
    assert _score(videos, tmp_path / "out", "--prompts", str(prompts)) == 0
    dog = RunResult.load(tmp_path / "out").sample("dog")
    assert dog.status == "ok_with_warnings" and "no prompt with id 'dog'" in dog.warnings[0]
    assert dog.metrics["needs_prompt"].status == "skipped:no-prompt"
    assert dog.metrics["mean_luma"].status == "ok"


@pytest.mark.parametrize(("name", "text"), [
    ("p.json", '{"cat": "a cat", "cat": "another cat"}'),
    ("p.yaml", "cat: a cat\ncat: another cat\n"),
])
def test_duplicate_prompt_ids_are_a_usage_error(videos: Path, tmp_path: Path, name: str, text: str,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / name).write_text(text)
    assert _score(videos, tmp_path / "out", "--prompts", str(tmp_path / name)) == 2
    assert "duplicate" in capsys.readouterr().err


def test_duplicate_video_ids_are_a_usage_error(videos: Path, tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    write_video(Video(frames(4), 8), videos / "cat.mkv")
    assert _score(videos, tmp_path / "out") == 2
    assert "duplicate video id 'cat'" in capsys.readouterr().err


def test_missing_device_is_a_clear_usage_error(videos: Path, tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    assert _score(videos, tmp_path / "out", "--device", "cuda") == 2
    assert "CUDA is not available" in capsys.readouterr().err


def test_tracker_choice_is_a_recorded_setting_and_a_typo_a_usage_error(
        videos: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _score(videos, tmp_path / "out", "--tracker", "blob-static") == 0
    assert RunResult.load(tmp_path / "out").settings["tracker"] == "blob-static"
    assert _score(videos, tmp_path / "out2", "--tracker", "blob-statik") == 2
    err = capsys.readouterr().err
    assert "blob-statik" in err and "blob-static" in err
