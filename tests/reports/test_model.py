"""The view model (no HTML, no media) and the defensive readers of metric details."""

from __future__ import annotations

from sora_bench.reports import details as dt
from sora_bench.reports.model import build_report_model, fmt, ranks
from sora_bench.results import RunResult
from tests.reports.conftest import Rendered
from tests.reports.synth import make_run


def test_ranks_follow_each_metrics_direction() -> None:
    run = make_run(videos=False, failures=False, defect_prompts=("cup_falls",))
    for name in ("clip_alignment", "temporal_flicker"):
        r = ranks(run, name)
        worst = min(r, key=lambda k: (r[k], k))
        assert worst.startswith("cup_falls"), name  # defect is worst in both directions
        assert max(r.values()) == 1.0 and min(r.values()) == 0.0


def test_model_orders_worst_first_and_lists_problems() -> None:
    run = make_run(videos=False, defect_prompts=("occluder",))
    m = build_report_model(run, run_dir=None, media=False)
    assert [v.cls for v in m.videos[:2]] == ["error", "skip"]
    assert m.videos[2].prompt_id == "occluder"  # then the lowest mean percentile
    assert [v.anchor for v in m.videos] == [f"v{i}" for i in range(len(m.videos))]
    flicker = next(w for w in m.worst if w["metric"] == "temporal_flicker")
    assert flicker["arrow"] == "↓" and flicker["items"][0]["sample_id"].startswith("occluder")
    statuses = {p.status for p in m.problems}
    assert {"error:decode_failed", "skipped:too-short",
            "skipped:weights-missing (whole run)"} <= statuses
    row = next(r for r in m.metrics if r.name == "clip_consistency")
    assert row.state == "skipped" and "weights fetch clip" in (row.skip_message or "")
    assert next(r for r in m.metrics if r.name == "fvd").arrow == "↓"
    # Failed samples carry their message and no row of dashes.
    assert m.videos[0].message.startswith("videos/walker__s1.mp4") and m.videos[0].scores == []
    # Per-dimension table: one row per video metric, one cell per tag.
    assert m.tags == sorted({t for s in run.samples for t in s.tags})
    assert all(len(h["cells"]) == len(m.tags) for h in m.heatmap)
    assert m.comparison is None and fmt(None) == "—" and fmt(0.123456) == "0.1235"


def test_find_curves_and_events_ignore_unknown_shapes() -> None:
    details = {
        "per_frame": [0.1, 0.2, None, 0.4],
        "curves": {"flow": [1, 2, 3], "bad": ["a", 1, 2]},
        "box": [1, 2, 3, 4],  # not a curve
        "short": [1.0, 2.0],
        "flags": [True, False, True],
        "events": [
            {"kind": "vanish", "frame": 4, "objects": ["ball"], "box": [1, 2, 3, 4],
             "trajectory": [[0, 0], [1, 1], "x"]},
            {"kind": "bounce", "frame": "7"},  # frame not an int: ignored
            {"type": "collision", "frame": 2, "object": "cup", "position": [5, 6]},
            "not a mapping",
        ],
        "nested": {"deep": {"deeper": [1, 2, 3]}},
        "weird": None,
    }
    curves = dt.find_curves("m", details)
    assert [c.label for c in curves] == ["m · curves.flow", "m · per_frame"]
    events = dt.find_events("m", details)
    assert [(e.kind, e.frame) for e in events] == [("collision", 2), ("vanish", 4)]
    assert events[0].objects == ("cup",) and events[0].position == (5.0, 6.0)
    assert events[1].boxes == {"ball": (1.0, 2.0, 3.0, 4.0)}
    assert events[1].trajectory == ((0.0, 0.0), (1.0, 1.0))
    for junk in (None, [], "x", {"events": "nope"}, {"a": {"b": None}}):
        assert dt.find_curves("m", junk) == [] and dt.find_events("m", junk) == []


def test_find_expectations_states_and_declared() -> None:
    metrics = {
        "physics_expectations": {"checks": [
            {"expect": {"object": "ball", "event": "bounces", "min_count": 2}, "passed": False,
             "message": "bounced once"},
            {"entry": {"camera": "static"}, "status": "pass"},
        ]},
        "object_permanence": {"failed_expectations": ["cup keeps_identity"]},
        "other": "not a mapping",
    }
    declared = [{"object": "ball", "event": "bounces", "min_count": 2},
                {"object": "cup", "event": "falls", "frames": [0, 10]}]
    got = dt.find_expectations(metrics, declared)
    assert [(e.state, e.text) for e in got] == [
        ("failed", "ball bounces (min_count 2)"),
        ("failed", "cup keeps_identity"),
        ("unchecked", "cup falls (frames [0, 10])"),
        ("passed", "camera static"),
    ]
    assert got[0].reason == "bounced once" and got[0].source == "physics_expectations"


def test_find_xy_curve_shapes() -> None:
    assert dt.find_xy_curve({"fvd_vs_n": {"n": [1, 2], "value": [3.0, 2.0]}}) == \
        ([1.0, 2.0], [3.0, 2.0], [])
    xs, ys, cis = dt.find_xy_curve({"vs_n": [{"n": 4, "value": 9.0, "ci95": [8, 10]},
                                             {"n": 8, "value": 7.0, "ci95": [6, 8]}]})
    assert xs == [4.0, 8.0] and cis == [(8.0, 10.0), (6.0, 8.0)]
    assert dt.find_xy_curve({"curve": [[1, 5], [2, 4], ["x", 1]]})[0] == [1.0, 2.0]
    assert dt.find_xy_curve({"curve": [[1, 5]]}) is None
    assert dt.find_xy_curve({"other": 1}) is None and dt.find_xy_curve(None) is None


def test_media_is_capped_for_large_runs(rendered: Rendered) -> None:
    run = RunResult.load(rendered.cand_dir)
    m = build_report_model(run, run_dir=rendered.cand_dir, media=True, max_media_cards=3)
    with_media = [v for v in m.videos if v.preview]
    assert [v.index for v in with_media] == [0, 1, 2]  # the worst ones keep their previews
    assert all("worst videos only" in v.media_note for v in m.videos[3:])
    assert all(v.curves is None for v in m.videos[3:]) and m.videos[2].curves


def test_readers_understand_the_shipped_metrics_detail_shapes() -> None:
    """Shapes written by metrics/permanence*.py, physics*.py, temporal.py and fvd.py."""
    perm = {"events": [{"kind": "vanish", "object": "ball", "frames": [5, 9],
                        "position": [10.0, 20.0], "severity": 1.0},
                       {"kind": "split", "object": "glass.frag1", "frames": [7, 7],
                        "position": [1.0, 2.0], "expected": True, "severity": 0.0}],
            "counts": {"vanish": 1}, "weights": {"vanish": 1.0},
            "expectations": [{"entry": {"object": "ball", "event": "stays_visible"},
                              "met": False, "why": "absent in frames 5-9"}]}
    teleport = {"events": [{"kind": "teleport", "object": "cup", "frames": [3, 4],
                            "position": [30.0, 5.0], "from": [2.0, 5.0], "jump_px": 28.0}],
                "results": [{"entry": {"object": "cup", "event": "falls"}, "met": None,
                             "why": "not checkable"}],
                "segments": [{"object": "cup", "trajectory": [[1, 2], [3, 4], [5, 6]]}]}
    ev = dt.find_events("object_permanence", perm)
    assert [(e.kind, e.frame, e.end_frame, e.objects) for e in ev] == [
        ("vanish", 5, 9, ("ball",)), ("split", 7, None, ("glass.frag1",))]
    assert ev[1].note == "expected (not a violation)"
    tp = dt.find_events("physics_continuity", teleport)[0]
    assert tp.trajectory == ((2.0, 5.0), (30.0, 5.0)) and tp.position == (30.0, 5.0)
    exp = dt.find_expectations({"object_permanence": perm, "physics_expectations": teleport}, [])
    assert [(e.state, e.text, e.reason) for e in exp] == [
        ("failed", "ball stays_visible", "absent in frames 5-9"),
        ("unchecked", "cup falls", "not checkable")]
    temporal = {"mae": [1.0, 2.0, 3.0], "sampled_frames": [0, 4, 8, 12], "top5_flow_px": [1, 2, 3]}
    assert [c.label for c in dt.find_curves("t", temporal)] == ["t · mae", "t · top5_flow_px"]
    xs, ys, _ = dt.find_xy_curve({"fvd_vs_n": [{"n": 2, "fvd": 900.0}, {"n": 4, "fvd": 700.0}]})
    assert xs == [2.0, 4.0] and ys == [900.0, 700.0]


def test_worst_list_says_when_all_samples_tie() -> None:
    run = make_run(videos=False, failures=False)
    for s in run.samples:
        s.metrics["object_permanence"].value = 1.0
    m = build_report_model(run, run_dir=None, media=False)
    perm = next(w for w in m.worst if w["metric"] == "object_permanence")
    assert perm["items"] == [] and perm["note"] == "all 12 samples score 1"
    assert len(next(w for w in m.worst if w["metric"] == "clip_alignment")["items"]) == 5
