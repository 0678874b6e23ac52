"""Shared fixtures: every test runs offline with its own feature cache."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test reads or writes the user's cache, and hub libraries stay offline."""
    monkeypatch.setenv("SORA_BENCH_CACHE", str(tmp_path_factory.mktemp("cache")))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")
    monkeypatch.delenv("SORA_BENCH_FAULT_AFTER", raising=False)
    monkeypatch.delenv("SORA_BENCH_CLIP_WEIGHTS", raising=False)


def pytest_report_header(config: pytest.Config) -> str:
    return f"sora-bench tests: cwd={os.getcwd()}"
