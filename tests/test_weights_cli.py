"""``sora-bench weights``: listing, JSON, explicit CLIP files, offline fetch, absent modules."""

from __future__ import annotations

import hashlib
import json

import pytest

from sora_bench import weights
from sora_bench.cli import main

KEYS = {"metric", "name", "purpose", "looked_in", "found_path", "sha256", "ok", "fix"}


def _json(capsys, *argv):
    rc = main(["weights", "--json", *argv])
    return rc, json.loads(capsys.readouterr().out)


def _clip_row(doc):
    return next(r for r in doc["weights"] if "clip_alignment" in r["metric"])


def test_json_lists_every_metric_with_the_clip_fix(capsys):
    rc, doc = _json(capsys)
    rows = doc["weights"]
    assert all(set(r) >= KEYS for r in rows)
    assert any("fvd" in r["metric"] for r in rows)  # I3D row present (or "not available")
    clip = _clip_row(doc)
    assert clip["ok"] is False and clip["found_path"] is None and clip["sha256"] is None
    assert clip["name"] == "clip:open_clip:ViT-B-32:openai"
    assert any("vit_base_patch32_clip_224.openai" in p for p in clip["looked_in"])
    assert "--clip-weights" in clip["fix"] and "weights --fetch clip" in clip["fix"]
    assert rc == 3  # something is missing


def test_explicit_clip_file_is_found_with_its_sha256(capsys, tmp_path):
    f = tmp_path / "clip.safetensors"
    f.write_bytes(b"weights-bytes")
    _, doc = _json(capsys, "--clip-weights", str(f))
    clip = _clip_row(doc)
    assert clip["ok"] is True and clip["found_path"] == str(f)
    assert clip["sha256"] == hashlib.sha256(b"weights-bytes").hexdigest()
    assert clip["fix"] == ""


def test_env_var_is_looked_at(capsys, tmp_path, monkeypatch):
    f = tmp_path / "env.pt"
    f.write_bytes(b"x")
    monkeypatch.setenv("SORA_BENCH_CLIP_WEIGHTS", str(f))
    assert _clip_row(_json(capsys)[1])["found_path"] == str(f)


def test_transformers_backend_row(capsys):
    _, doc = _json(capsys, "--clip-backend", "transformers")
    clip = _clip_row(doc)
    assert clip["name"] == "clip:transformers:openai/clip-vit-base-patch32:hf"
    assert any("models--openai--clip-vit-base-patch32" in p for p in clip["looked_in"])


def test_text_listing(capsys):
    main(["weights"])
    out = capsys.readouterr().out
    assert "clip:open_clip:ViT-B-32:openai  [MISSING]" in out and "fix:" in out


def test_fetch_offline_says_so_and_exits_3(capsys):
    rc = main(["weights", "--fetch", "clip"])
    err = capsys.readouterr().err
    assert rc == 3
    assert "offline (HF_HUB_OFFLINE=1)" in err and "--clip-weights" in err


def test_fetch_unknown_name_is_usage_error(capsys):
    assert main(["weights", "--fetch", "nope"]) == 2
    assert "expected one of clip, i3d" in capsys.readouterr().err


def test_absent_or_broken_reporter_gives_a_row(monkeypatch):
    monkeypatch.setattr(weights, "REPORTERS", (
        ("sora_bench.metrics.no_such_module:weights_report", "ghost", "a ghost network"),
        ("sora_bench.weights:no_such_function", "ghost2", "another"),
    ))
    rows = weights.collect_reports()
    assert [r["metric"] for r in rows] == ["ghost", "ghost2"]
    assert all(not r["ok"] and r["fix"].startswith("not available in this build") for r in rows)


@pytest.mark.parametrize("value,expected", [("1", True), ("0", False), ("", False)])
def test_offline_reason(monkeypatch, value, expected):
    for var in ("SORA_BENCH_OFFLINE", "HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("SORA_BENCH_OFFLINE", value)
    assert (weights.offline_reason() is not None) is expected


def test_sha256_file_matches_hashlib(tmp_path):
    f = tmp_path / "w.bin"
    f.write_bytes(bytes(range(256)) * 5000)
    assert weights.sha256_file(f) == hashlib.sha256(f.read_bytes()).hexdigest()
