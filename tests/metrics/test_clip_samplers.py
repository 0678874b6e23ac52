"""Named frame samplers (sora_bench.metrics.samplers): formulas and edge cases."""

from __future__ import annotations

import numpy as np
import pytest

from sora_bench.errors import ConfigError
from sora_bench.metrics.samplers import FrameSampler, parse_sampler


def test_uniform_default_spans_first_to_last_frame():
    s = parse_sampler(None)
    assert s == FrameSampler("uniform", 8) and s.canonical == "uniform8" and s.spec == "uniform:8"
    idx = s.indices(100)
    # i_k = floor(k * 99 / 7 + 0.5)
    assert idx.tolist() == [0, 14, 28, 42, 57, 71, 85, 99]
    assert idx.dtype == np.int64


def test_middle_is_vbench_segment_middles():
    assert parse_sampler("middle:8").indices(16).tolist() == [1, 3, 5, 7, 9, 11, 13, 15]
    assert parse_sampler("middle:2").indices(10).tolist() == [2, 7]


@pytest.mark.parametrize("spec", ["uniform:8", "middle:8", "all", "uniform:1"])
def test_one_frame_video_gives_frame_zero(spec):
    assert parse_sampler(spec).indices(1).tolist() == [0]


@pytest.mark.parametrize("spec", ["uniform:8", "middle:8"])
def test_fewer_frames_than_n_uses_each_frame_once(spec):
    assert parse_sampler(spec).indices(5).tolist() == [0, 1, 2, 3, 4]
    assert parse_sampler(spec).indices(8).tolist() == list(range(8))


def test_very_long_video_costs_n_indices():
    t = 10**12  # never materialised: the sampler is O(N)
    idx = parse_sampler("uniform:8").indices(t)
    assert len(idx) == 8 and idx[0] == 0 and idx[-1] == t - 1
    assert np.all(np.diff(idx) > 0)
    mid = parse_sampler("middle:4").indices(t)
    assert len(mid) == 4 and mid[0] == t // 8


def test_all_and_uniform_one():
    assert parse_sampler("all").indices(4).tolist() == [0, 1, 2, 3]
    assert parse_sampler("uniform:1").indices(50).tolist() == [0]


@pytest.mark.parametrize("kind", ["uniform", "middle"])
def test_indices_sorted_unique_in_range_for_all_small_cases(kind):
    for n in range(1, 13):
        s = FrameSampler(kind, n)
        for t in range(1, 61):
            idx = s.indices(t)
            assert len(idx) == min(t, n)
            assert np.all(np.diff(idx) > 0)
            assert idx[0] >= 0 and idx[-1] <= t - 1
            if kind == "uniform" and n >= 2:
                assert idx[0] == 0 and idx[-1] == t - 1


@pytest.mark.parametrize("text,expected", [
    ("uniform", "uniform8"), ("UNIFORM:16", "uniform16"), ("uniform16", "uniform16"),
    (" all ", "all"), ("middle", "middle8"), ("middle:3", "middle3"),
])
def test_parse_forms(text, expected):
    assert parse_sampler(text).canonical == expected


@pytest.mark.parametrize("bad", ["uniform:0", "random", "", "uniform:-2", "uniform:x", 8])
def test_parse_rejects_with_accepted_forms(bad):
    with pytest.raises(ConfigError, match="uniform"):
        parse_sampler(bad)


def test_zero_frames_is_an_error():
    with pytest.raises(ValueError):
        parse_sampler("all").indices(0)
