"""sora_bench.compare and sora_bench.gates: paired statistics against direct numpy, direction
handling for both values of higher_is_better, pairing, mismatches, per-prompt ordering."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from sora_bench.compare import (
    compare_runs,
    find_mismatches,
    paired_delta,
    paired_values,
    prompt_deltas,
    set_metric_delta,
)
from sora_bench.errors import ConfigError
from sora_bench.gates import evaluate_gate, evaluate_gates, parse_gate
from sora_bench.results import MetricResult, MetricSample, SampleResult
from sora_bench.stats import BOOTSTRAP_RESAMPLES, BOOTSTRAP_SEED
from tests.reports.synth import make_run


def _direct_ci(d: np.ndarray) -> tuple[float, float]:
    """The paired percentile bootstrap written out with numpy alone."""
    rng = np.random.default_rng(BOOTSTRAP_SEED)
    idx = rng.integers(0, d.size, size=(BOOTSTRAP_RESAMPLES, d.size))
    means = d[idx].mean(axis=1)
    lo, hi = np.quantile(means, [0.025, 0.975])
    return float(lo), float(hi)


def test_paired_delta_matches_direct_numpy_bootstrap() -> None:
    rng = np.random.default_rng(3)
    base = rng.normal(10.0, 2.0, 40)
    cand = base + rng.normal(0.3, 0.5, 40)
    md = paired_delta("m", base, cand, higher_is_better=True)
    d = cand - base
    assert md.n == 40
    assert md.delta == pytest.approx(float(d.mean()), abs=1e-12)
    assert md.base_mean == pytest.approx(base.mean()) and md.cand_mean == pytest.approx(cand.mean())
    lo, hi = _direct_ci(d)
    assert md.ci95 == pytest.approx((lo, hi), abs=1e-12)


def test_paired_ci_is_close_to_normal_theory_for_large_n() -> None:
    rng = np.random.default_rng(11)
    base = rng.normal(0.0, 1.0, 600)
    cand = base + rng.normal(0.5, 1.0, 600)
    md = paired_delta("m", base, cand, higher_is_better=True)
    d = cand - base
    half = 1.96 * d.std(ddof=1) / np.sqrt(d.size)
    assert md.ci95[0] == pytest.approx(d.mean() - half, abs=0.2 * half)
    assert md.ci95[1] == pytest.approx(d.mean() + half, abs=0.2 * half)


def test_pairing_removes_between_prompt_variance() -> None:
    # Large spread between prompts, tiny consistent drop: paired CI must exclude 0.
    base = np.linspace(0.0, 100.0, 30)
    cand = base - 0.5
    md = paired_delta("m", base, cand, higher_is_better=True)
    assert md.ci95[1] < 0 and md.regressed


@pytest.mark.parametrize("hib", [True, False])
def test_direction_comes_from_higher_is_better(hib: bool) -> None:
    base = np.array([1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
    up = base + np.array([0.9, 1.1, 1.0, 0.95, 1.05, 1.0])  # clearly larger values
    md = paired_delta("m", base, up, higher_is_better=hib)
    assert md.delta == pytest.approx(1.0)
    if hib:  # larger is better: an improvement
        assert md.gain == pytest.approx(1.0) and md.verdict == "improved"
        assert md.gain_ci95[0] > 0
    else:  # larger is worse: a regression, gain CI mirrored
        assert md.gain == pytest.approx(-1.0) and md.verdict == "regressed"
        assert md.gain_ci95 == pytest.approx((-md.ci95[1], -md.ci95[0]))
        assert md.rel_change == pytest.approx(-1.0 / 3.5)


def test_noise_only_is_no_change_and_degenerate_inputs() -> None:
    rng = np.random.default_rng(5)
    base = rng.normal(0, 1, 50)
    noise = rng.normal(0, 0.1, 50)
    md = paired_delta("m", base, base + noise - noise.mean(), higher_is_better=True)
    assert md.verdict == "no change"
    assert paired_delta("m", [], [], higher_is_better=True).verdict == "n/a"
    one = paired_delta("m", [1.0], [0.0], higher_is_better=True)
    assert one.ci95 is None and one.verdict == "no change"  # no interval from one pair
    with pytest.raises(ValueError):
        paired_delta("m", [1.0, 2.0], [1.0], higher_is_better=True)
    same = paired_delta("m", [1.0, 2.0], [1.0, 2.0], higher_is_better=False)
    assert str(same.gain) == "0.0" and str(same.rel_change) == "0.0"  # no "-0.0"


def _sample(pid: str, seed: int, value: float | None, status: str = "ok",
            sid: str | None = None) -> SampleResult:
    ms = {} if value is None else {"m": MetricSample(value, status)}
    return SampleResult(sid or f"{pid}__s{seed}", pid, seed, pid, "ok", metrics=ms)


def test_paired_values_matches_prompt_and_seed_and_skips_unusable() -> None:
    base = [_sample("a", 0, 1.0), _sample("a", 1, 2.0), _sample("b", 0, 3.0),
            _sample("c", 0, 9.0, status="error:nan")]
    cand = [_sample("a", 1, 2.5, sid="a__s1__blur-0.5"),  # defect suffix: same job
            _sample("a", 0, 1.5), _sample("b", 0, None), _sample("c", 0, 1.0),
            _sample("d", 0, 4.0)]
    keys, b, c = paired_values(base, cand, "m")
    assert keys == [("a", 0), ("a", 1)]
    assert b.tolist() == [1.0, 2.0] and c.tolist() == [1.5, 2.5]


def test_injected_defect_prompts_rank_first() -> None:
    base = make_run(videos=False, failures=False)
    cand = make_run(videos=False, failures=False, run_id="run-b",
                    defect_prompts=("occluder", "cup_falls"))
    order = [p.prompt_id for p in prompt_deltas(base, cand)]
    assert set(order[:2]) == {"occluder", "cup_falls"}
    top = prompt_deltas(base, cand)[0]
    assert top.score < 0 and top.worst_metric is not None
    assert all(g < 0 for g in top.gains.values())  # every metric worse in its own direction
    assert top.deltas["temporal_flicker"] > 0 and top.deltas["clip_alignment"] < 0
    rest = prompt_deltas(base, cand)[2:]
    assert all(p.score == 0 and p.worst_metric is None for p in rest)


def test_compare_runs_regressions_and_unmatched() -> None:
    base = make_run(videos=False)
    cand = make_run(videos=False, run_id="run-b", defect_prompts=("ball_bounce", "occluder"))
    comp = compare_runs(base, cand)
    names = {m.metric for m in comp.regressions}
    assert {"temporal_flicker", "clip_alignment", "object_permanence"} <= names
    assert not compare_runs(base, base).regressions
    cand.samples = [s for s in cand.samples if s.prompt_id != "xss"]
    comp2 = compare_runs(base, cand)
    assert comp2.only_in_base == ["xss__s0", "xss__s1"] and comp2.only_in_cand == []
    assert comp.to_dict()["regressions"] == [m.metric for m in comp.regressions]


def _mr(name: str, value: float | None, ci: list[float] | None, hib: bool = False,
        **kw: object) -> MetricResult:
    return MetricResult(name, 1, "p", hib, "set", value, 10, ci, **kw)  # type: ignore[arg-type]


def test_set_metric_delta_uses_run_intervals_and_direction() -> None:
    worse = set_metric_delta(_mr("fvd", 100.0, [90.0, 110.0]), _mr("fvd", 150.0, [140.0, 160.0]))
    assert worse.delta == 50.0 and worse.ci95 == (30.0, 70.0) and worse.regressed
    overlap = set_metric_delta(_mr("fvd", 100.0, [90.0, 110.0]), _mr("fvd", 105.0, [95.0, 115.0]))
    assert overlap.verdict == "no change"
    better = set_metric_delta(_mr("x", 0.5, [0.4, 0.6], hib=True), _mr("x", 0.9, [0.85, 0.95], hib=True))
    assert better.verdict == "improved" and not better.paired
    assert set_metric_delta(_mr("fvd", None, None), _mr("fvd", 1.0, None)).verdict == "n/a"


def test_find_mismatches() -> None:
    base = make_run(videos=False, failures=False)
    assert find_mismatches(base, make_run(videos=False, failures=False, generator="other")) == []
    cand = make_run(videos=False, failures=False)
    cand.metrics["clip_alignment"] = dataclasses.replace(cand.metrics["clip_alignment"], version=2)
    cand.metrics["fvd"] = dataclasses.replace(cand.metrics["fvd"], protocol="fvd/other")
    cand.suite = dict(cand.suite or {}, sha256="00" * 32)
    kinds = {(m.kind, m.what) for m in find_mismatches(base, cand)}
    assert kinds == {("metric", "clip_alignment version"), ("metric", "fvd protocol"),
                     ("suite", "sha256")}


def test_gates_parse_and_evaluate() -> None:
    g = parse_gate("clip_alignment >= 25")
    assert (g.metric, g.kind, g.op, g.bound) == ("clip_alignment", "value", ">=", 25.0)
    r = parse_gate("fvd: regress <= 5%")
    assert (r.kind, r.bound, r.percent) == ("regress", 5.0, True)
    assert not parse_gate("fvd:regress<=3").percent
    for bad in ("clip_alignment", "fvd == 3", "fvd: improve <= 5%", "x >= abc"):
        with pytest.raises(ConfigError):
            parse_gate(bad)
    base = make_run(videos=False)
    cand = make_run(videos=False, run_id="b", defect_prompts=("ball_bounce",))
    comp = compare_runs(base, cand)
    outs = evaluate_gates(["clip_alignment >= 1", "clip_alignment >= 1000",
                           "clip_consistency >= 0", "nope <= 1",
                           "temporal_flicker: regress <= 1%", "temporal_flicker: regress <= 500%",
                           "clip_alignment: regress <= 100"], cand, comp)
    assert [o.passed for o in outs] == [True, False, False, False, False, True, True]
    assert "weights-missing" in outs[2].message  # a skipped metric never passes silently
    assert outs[4].baseline == pytest.approx(comp.metric("temporal_flicker").base_mean)
    with pytest.raises(ConfigError, match="baseline"):
        evaluate_gate(parse_gate("fvd: regress <= 5%"), cand, None)
