"""physics_penetration from pixel tracks (no depth): the same-depth order swap rule."""

from __future__ import annotations

import numpy as np
import pytest

from sora_bench.metrics.penetration import check_penetration
from sora_bench.metrics.physics_traj import trajectories
from sora_bench.types import Track, Tracks

T = 16
RED = (0.8, 0.15, 0.15, 0.7, 0.13, 0.13)
BLUE = (0.15, 0.2, 0.8, 0.13, 0.17, 0.7)


def _track(tid: str, xs: np.ndarray, bottom: np.ndarray | float, colour, size: float = 8.0,
           hidden: tuple[int, ...] = ()) -> Track:
    bottom = np.broadcast_to(np.asarray(bottom, np.float64), (T,))
    box = np.stack([xs - size / 2, bottom - size, xs + size / 2, bottom], 1)
    vis = np.ones(T, bool)
    vis[list(hidden)] = False
    box[~vis] = np.nan
    cen = np.stack([xs, bottom - size / 2], 1)
    cen[~vis] = np.nan
    app = np.tile(np.asarray(colour, np.float32), (T, 1))
    app[~vis] = np.nan
    return Track(tid, box, cen, np.where(vis, size * size * 0.8, 0.0), vis,
                 tuple("visible" if v else "occluded" for v in vis), app)


def _tracks(*trs: Track, grouped: dict | None = None) -> Tracks:
    meta = {"stabilized": {t.id: t.centroid for t in trs}, "grouped": grouped or {}}
    return Tracks({t.id: t for t in trs}, T, 80, 80, source="tracker:blob", meta=meta)


def _score(tracks: Tracks):
    return check_penetration(trajectories(tracks), tracks)


def test_same_depth_objects_that_swap_order_passed_through_each_other():
    a = _track("a", np.linspace(20, 60, T), 50.0, RED, hidden=(7, 8))
    b = _track("b", np.linspace(60, 20, T), 50.5, BLUE, hidden=(7, 8))
    value, details = _score(_tracks(a, b))
    (ev,) = details["events"]
    assert ev["kind"] == "interpenetration" and set(ev["objects"]) == {"a", "b"}
    assert ev["frames"][0] <= 7 and ev["frames"][1] >= 8
    assert value < 0.5


def test_a_swap_seen_across_a_long_merge_still_counts():
    # both lost for 9 frames while one passes through the other (regions merged, then a
    # fragment): the order before and after still tells
    hidden = tuple(range(4, 13))
    a = _track("a", np.linspace(20, 60, T), 50.0, RED, hidden=hidden)
    b = _track("b", np.linspace(60, 20, T), 50.5, BLUE, hidden=hidden)
    value, details = _score(_tracks(a, b))
    (ev,) = details["events"]
    assert ev["frames"] == [3, 13] and value < 0.01


def test_one_mixed_colour_frame_at_the_swap_does_not_hide_it():
    # the frame before the swap reads a blend of both objects' colours (regions touching)
    a = _track("a", np.linspace(20, 60, T), 50.0, RED, hidden=(7, 8))
    b = _track("b", np.linspace(60, 20, T), 50.5, BLUE, hidden=(7, 8))
    a.appearance[6] = (0.5, 0.1, 0.8, 0.36, 0.07, 0.57)  # violet: red and blue mixed
    value, details = _score(_tracks(a, b))
    assert [e["kind"] for e in details["events"]] == ["interpenetration"] and value < 0.5


@pytest.mark.parametrize("b_bottom", [56.0, 53.5])
def test_objects_at_different_depths_may_pass_behind_each_other(b_bottom):
    """Contact rows 6 px (0.75 heights: not judged) or 3.5 px (0.44 heights: judged, but
    apart where they cross) apart all along: one is nearer; an order swap is occlusion."""
    a = _track("a", np.linspace(20, 60, T), 50.0, RED, hidden=(7, 8))
    b = _track("b", np.linspace(60, 20, T), b_bottom, BLUE, hidden=(7, 8))
    value, details = _score(_tracks(a, b))
    assert value == 1.0 and details["events"] == []


def test_colliding_objects_that_bounce_back_are_fine():
    xa = np.concatenate([np.linspace(20, 36, 8), np.linspace(35, 20, 8)])
    xb = np.concatenate([np.linspace(60, 44, 8), np.linspace(45, 60, 8)])
    value, _ = _score(_tracks(_track("a", xa, 50.0, RED), _track("b", xb, 50.0, BLUE)))
    assert value == 1.0


def test_merged_region_shares_and_colour_changes_do_not_count():
    # the swap is seen only on frames where the tracks hold shares of a merged region
    a = _track("a", np.linspace(20, 60, T), 50.0, RED)
    b = _track("b", np.linspace(60, 20, T), 50.0, BLUE)
    grouped = {"a": list(range(5, T)), "b": list(range(5, T))}
    assert _score(_tracks(a, b, grouped=grouped))[0] == 1.0
    # a track that changes colour at the swap jumped onto another object
    a2 = _track("a", np.linspace(20, 60, T), 50.0, RED, hidden=(7, 8))
    a2.appearance[9:] = BLUE
    b2 = _track("b", np.linspace(60, 20, T), 50.0, BLUE, hidden=(7, 8))
    assert _score(_tracks(a2, b2))[0] == 1.0


def test_airborne_object_crossing_is_not_judged():
    """A nearer ball (contact row 62) hops across a rolling one; in the air its box bottom
    passes the roller's contact row (50), which alone would read as the same depth."""
    hop = np.concatenate([np.full(5, 62.0), np.full(7, 50.0), np.full(4, 62.0)])
    a = _track("a", np.linspace(20, 60, T), hop, RED, hidden=(7, 8))
    b = _track("b", np.linspace(60, 20, T), 50.0, BLUE, hidden=(7, 8))
    assert _score(_tracks(a, b))[0] == 1.0
    # the same path rolled on the roller's row is a pass-through
    a_low = _track("a", np.linspace(20, 60, T), 50.0, RED, hidden=(7, 8))
    assert _score(_tracks(a_low, b))[0] < 0.5


def _merged_start(a_before: float) -> Tracks:
    """a and b swap order between frames 6 and 9; before frame 6 a's region is merged with
    its shadow (2.5 x its area: not judged), so frame 6 is the first judged one. In the merged
    frames a's box centre lies at ``a_before``."""
    xa, xb = np.linspace(20, 60, T), np.linspace(60, 20, T)
    a = _track("a", xa, 50.0, RED, hidden=(7, 8))
    b = _track("b", xb, 50.5, BLUE, hidden=(7, 8))
    area = np.array(a.area)
    area[:6] *= 2.5
    box, cen = np.array(a.box), np.array(a.centroid)
    box[:6, [0, 2]] += (a_before - xa[:6])[:, None]
    cen[:6, 0] = a_before
    a = Track("a", box, cen, area, a.visible, a.state, a.appearance)
    return _tracks(a, b)


def test_a_swap_right_after_the_first_judged_frame_is_confirmed_by_earlier_sightings():
    value, details = _score(_merged_start(a_before=24.0))
    assert [e["kind"] for e in details["events"]] == ["interpenetration"] and value < 0.5


def test_earlier_sightings_in_the_other_order_do_not_confirm_a_swap():
    # in the merged frames a is seen right of b: frame 6 alone (a left of b) is a blip
    value, details = _score(_merged_start(a_before=70.0))
    assert details["events"] == [] and value == 1.0


def test_paths_parting_in_depth_after_passing_through_still_count():
    """They cross at one depth; afterwards a rolls nearer the camera (its contact row 3 px
    lower than b's: more than the same-depth tolerance, 0.3 heights). The depth where they
    cross decides."""
    bottom_a = np.where(np.arange(T) < 9, 50.0, 53.5)
    a = _track("a", np.linspace(20, 60, T), bottom_a, RED, hidden=(7, 8))
    b = _track("b", np.linspace(60, 20, T), 50.5, BLUE, hidden=(7, 8))
    value, details = _score(_tracks(a, b))
    assert [e["kind"] for e in details["events"]] == ["interpenetration"] and value < 0.5


def _split(track: Track, lost: int, resume: int, new_id: str) -> tuple[Track, Track]:
    """The tracker loses ``track`` after frame ``lost`` and starts ``new_id`` for the same
    object at frame ``resume``."""
    first = np.arange(T) <= lost
    second = np.arange(T) >= resume

    def part(tid: str, keep: np.ndarray) -> Track:
        box = np.where(keep[:, None], track.box, np.nan)
        cen = np.where(keep[:, None], track.centroid, np.nan)
        app = np.where(keep[:, None], track.appearance, np.nan).astype(np.float32)
        vis = keep & track.visible
        return Track(tid, box, cen, np.where(vis, track.area, 0.0), vis,
                     tuple("visible" if v else "absent" for v in vis), app)

    return part(track.id, first), part(new_id, second)


def test_a_swap_across_a_track_the_tracker_split_still_counts():
    """b's track ends as it enters a; a new track of b's colour carries on from the far side."""
    a = _track("a", np.linspace(20, 60, T), 50.0, RED, hidden=(7, 8))
    b = _track("b", np.linspace(60, 20, T), 50.5, BLUE, hidden=(7, 8))
    b1, b2 = _split(b, lost=6, resume=9, new_id="b2")
    value, details = _score(_tracks(a, b1, b2))
    (ev,) = details["events"]
    assert set(ev["objects"]) == {"a", "b", "b2"} and value < 0.5


def test_a_new_track_out_of_reach_is_not_a_continuation():
    """Same colour, but it comes up 30 px further on than b could have moved: another object
    (no swap can be claimed across the two tracks)."""
    a = _track("a", np.linspace(20, 60, T), 50.0, RED, hidden=(7, 8))
    b = _track("b", np.linspace(60, 20, T), 50.5, BLUE, hidden=(7, 8))
    b1, b2 = _split(b, lost=6, resume=9, new_id="b2")
    box, cen = np.array(b2.box), np.array(b2.centroid)
    box[:, [0, 2]] -= 30.0
    cen[:, 0] -= 30.0
    b2 = Track("b2", box, cen, b2.area, b2.visible, b2.state, b2.appearance)
    value, details = _score(_tracks(a, b1, b2))
    assert details["events"] == [] and value == 1.0


def test_a_swap_under_a_steady_drift_of_the_floor_row_counts():
    """The contact rows sink 1 px a frame (a camera tilt the tracker's translation model
    leaves in, or both rolling nearer): still resting on the floor, not airborne."""
    drift = np.arange(T, dtype=np.float64)
    a = _track("a", np.linspace(20, 60, T), 40.0 + drift, RED)
    b = _track("b", np.linspace(60, 20, T), 40.5 + drift, BLUE)
    value, details = _score(_tracks(a, b))
    assert [e["kind"] for e in details["events"]] == ["interpenetration"] and value < 0.5


def test_a_continuation_may_start_while_the_lost_track_is_still_seen():
    """The object passed through shows in two pieces for a frame or two: the new track
    starts 2 frames before the old one's last sighting, within reach, in its colour."""
    from sora_bench.metrics.penetration import _continuations

    b = _track("b", np.linspace(60, 20, T), 50.5, BLUE)
    b1, b2 = _split(b, lost=9, resume=7, new_id="b2")
    tracks = _tracks(b1, b2)
    assert _continuations(tracks, ["b", "b2"]) == {"b": "b2"}
    b1, b3 = _split(b, lost=9, resume=6, new_id="b3")  # 3 frames together: two objects
    assert _continuations(_tracks(b1, b3), ["b", "b3"]) == {}


def _with_area(track: Track, area: np.ndarray) -> Track:
    return Track(track.id, track.box, track.centroid, np.where(track.visible, area, 0.0),
                 track.visible, track.state, track.appearance)


def test_a_swap_while_both_sink_into_the_floor_counts():
    """Sinking, an object shows less of itself: its region shrinks to a quarter over the
    first frames and stays so. Judged against the whole clip's median area, every frame
    before the swap would look merged; against its nearest sightings' they are usual."""
    shrink = 64 * 0.8 * np.interp(np.arange(T), [0, 3, 10], [4.0, 4.0, 1.0])
    a = _with_area(_track("a", np.linspace(30, 70, T), 50.0, RED, hidden=(4, 5)), shrink)
    b = _with_area(_track("b", np.linspace(50, 10, T), 50.5, BLUE, hidden=(4, 5)), shrink)
    value, details = _score(_tracks(a, b))
    (ev,) = details["events"]
    assert ev["frames"][0] <= 4 and ev["frames"][1] >= 5 and value < 0.5


def test_look_alikes_the_tracker_mixed_up_did_not_pass_through_each_other():
    """Two red rollers 30 px apart; at frame 8 the tracker hands each track the other's
    region (one frame, 30 px: far beyond a roller's 1 px steps and its 8 px width)."""
    xa = np.r_[np.linspace(20, 27, 8), np.linspace(57, 50, 8)]
    xb = np.r_[np.linspace(50, 57, 8), np.linspace(27, 20, 8)]
    a = _track("a", xa, 50.0, RED)
    b = _track("b", xb, 50.5, RED)
    value, details = _score(_tracks(a, b))
    assert details["events"] == [] and value == 1.0
