"""Registries: lazy built-ins, third-party entry points, did-you-mean."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from sora_bench.errors import ConfigError
from sora_bench.registry import Registry


def test_unknown_name_suggests_close_ones() -> None:
    reg: Registry[object] = Registry("metric", {"temporal_flicker": "json:dumps"}, "none.group")
    with pytest.raises(ConfigError, match="did you mean 'temporal_flicker'"):
        reg.get("temporal_flickr")


def test_builtins_are_imported_only_when_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(sys.modules, "colorsys", raising=False)
    reg: Registry[object] = Registry("thing", {"hls": "colorsys:rgb_to_hls"}, "none.group")
    assert reg.names() == ["hls"] and "colorsys" not in sys.modules
    assert callable(reg.get("hls")) and "colorsys" in sys.modules


def test_third_party_entry_points_are_found(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pkg = tmp_path / "acme_metrics.py"
    pkg.write_text("class Sharpness:\n    name = 'acme_sharpness'\n")
    dist = tmp_path / "acme_metrics-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: acme-metrics\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text(
        "[sora_bench.metrics]\nacme_sharpness = acme_metrics:Sharpness\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    from sora_bench.metrics import BUILTIN_METRICS

    reg: Registry[type] = Registry("metric", BUILTIN_METRICS, "sora_bench.metrics")
    assert "acme_sharpness" in reg.names() and "fvd" in reg.names()
    assert reg.get("acme_sharpness").name == "acme_sharpness"


def test_generator_spec_forms() -> None:
    from sora_bench.generator import load_generator

    with pytest.raises(ConfigError, match="did you mean 'reference'"):
        load_generator("referense")
    with pytest.raises(ConfigError, match="empty"):
        load_generator(" ")
