"""physics_continuity on pixel-tracker tracks: collisions, exchanged identities."""

from __future__ import annotations

import numpy as np

from sora_bench.metrics.physics_continuity import check_continuity
from sora_bench.metrics.physics_traj import trajectories
from sora_bench.types import Track, Tracks

T = 20
SIZE = 8.0


def _track(tid: str, xs: np.ndarray, y: float = 50.0) -> Track:
    cen = np.stack([xs, np.full(T, y)], 1)
    box = np.concatenate([cen - SIZE / 2, cen + SIZE / 2], axis=1)
    app = np.tile(np.float32([0.8, 0.2, 0.2, 0.67, 0.17, 0.17]), (T, 1))
    return Track(tid, box, cen, np.full(T, SIZE * SIZE), np.ones(T, bool), ("visible",) * T, app)


def _tracks(*trs: Track) -> Tracks:
    return Tracks({t.id: t for t in trs}, T, 100, 100, "tracker:blob",
                  meta={"stabilized": {t.id: t.centroid for t in trs}})


def _events(tracks: Tracks) -> tuple[float, dict]:
    return check_continuity(trajectories(tracks), tracks)


def _stop_and_go(still: int, x_stop: float, onward: bool = False) -> np.ndarray:
    """2 px/frame to ``x_stop`` at frame 6, ``still`` more frames there, then back (or on)."""
    xs = np.empty(T)
    xs[:7] = x_stop - 2.0 * (6 - np.arange(7))
    xs[7:7 + still] = x_stop
    xs[7 + still:] = x_stop + (2.0 if onward else -2.0) * (np.arange(T - 7 - still) + 1)
    return xs


def _collision(still: int) -> Tracks:
    a = _track("a", _stop_and_go(still, 36.0))
    b = _track("b", 2 * 40.5 - _stop_and_go(still, 36.0))  # mirror image: boxes 1 px apart
    return _tracks(a, b)


def test_a_short_stop_in_contact_is_a_collision_not_a_freeze():
    value, details = _events(_collision(still=2))
    assert details["events"] == [] and value == 1.0


def test_a_long_stop_in_contact_is_a_freeze():
    value, details = _events(_collision(still=6))
    assert {e["kind"] for e in details["events"]} == {"freeze"} and value < 0.5


def test_a_short_stop_apart_from_everything_is_a_freeze():
    value, details = _events(_tracks(_track("a", _stop_and_go(2, 36.0, onward=True))))
    assert [e["kind"] for e in details["events"]] == ["freeze"]


def test_a_pause_where_the_motion_turns_back_is_no_freeze():
    # 5 frames at one position, then back the way it came: the speed passed through zero
    value, details = _events(_tracks(_track("a", _stop_and_go(4, 36.0))))
    assert details["events"] == [] and value == 1.0


def test_a_long_pause_before_turning_back_is_a_freeze():
    value, details = _events(_tracks(_track("a", _stop_and_go(5, 36.0))))
    assert [e["kind"] for e in details["events"]] == ["freeze"]


def _leaving_right(touching: bool) -> Tracks:
    """A roller moving right at 2 px/frame; from frame 11 its visible part is pinned at the
    right image edge (box touching x = 100, or 3 px short of it) for 5 frames, then it
    goes."""
    xs = 70.0 + 2.0 * np.minimum(np.arange(T), 11)
    xs[16] = xs[15] + 4.0
    vis = np.arange(T) <= 16
    a = _track("a", xs)
    box = np.array(a.box)
    box[11:17, 2] = 100.0 if touching else 97.0
    cen = np.array(a.centroid)
    cen[11:16, 0] = (box[11:16, 0] + box[11:16, 2]) / 2 if touching else cen[11:16, 0]
    a = Track("a", np.where(vis[:, None], box, np.nan), np.where(vis[:, None], cen, np.nan),
              np.where(vis, SIZE * SIZE, 0.0), vis,
              tuple("visible" if v else "out_of_frame" for v in vis), a.appearance)
    return _tracks(a)


def test_a_box_pinned_to_the_image_edge_is_no_freeze():
    value, details = _events(_leaving_right(touching=True))
    assert details["events"] == [] and value == 1.0


def test_the_same_stop_inside_the_picture_is_a_freeze():
    value, details = _events(_leaving_right(touching=False))
    assert [e["kind"] for e in details["events"]] == ["freeze"]


def test_two_tracks_exchanging_places_are_no_teleports_but_a_swap_clue():
    # a rolls right, b left; at 9 -> 10 the tracks take each other's object
    step = 10 / 9
    xa = np.r_[np.linspace(20, 30, 10), 50 - step * np.arange(1, 11)]
    xb = np.r_[np.linspace(60, 50, 10), 30 + step * np.arange(1, 11)]
    value, details = _events(_tracks(_track("a", xa), _track("b", xb)))
    assert value == 1.0 and details["events"] == []
    assert {e["object"] for e in details["exchanges"]} == {"a", "b"}


def _hop(still: int) -> Tracks:
    """Rises 2 px/frame, stays ``still`` more frames at the top, falls 2 px/frame."""
    ys = np.empty(T)
    ys[:7] = 60.0 - 2.0 * np.arange(7)
    ys[7:7 + still] = ys[6]
    ys[7 + still:] = ys[6] + 2.0 * (np.arange(T - 7 - still) + 1)
    tr = _track("a", np.full(T, 40.0))
    tr.centroid[:, 1] = ys
    tr.box[:, 1], tr.box[:, 3] = ys - SIZE / 2, ys + SIZE / 2
    return _tracks(tr)


def test_a_short_pause_at_the_top_of_a_hop_is_no_freeze():
    value, details = _events(_hop(still=2))
    assert details["events"] == [] and value == 1.0


def test_a_pause_of_five_frames_at_the_top_of_a_hop_is_no_freeze():
    # a ball's centroid that takes in its shadow moves half as far and stays put longer
    value, details = _events(_hop(still=4))
    assert details["events"] == [] and value == 1.0


def test_a_long_pause_at_the_top_of_a_hop_is_a_freeze():
    value, details = _events(_hop(still=6))
    assert [e["kind"] for e in details["events"]] == ["freeze"]


def _jump_from_the_edge(x_end: float, grouped: bool = False) -> Tracks:
    """A ball moving left at 1 px/frame near the left image edge (its box touching it) is
    lost after frame 9; a same-coloured track comes up 40 px to the right in frame 10."""
    xs = np.full(T, np.nan)
    xs[:10] = x_end + (9 - np.arange(10))
    a = _track("a", np.nan_to_num(xs, nan=0.0))
    vis = np.isfinite(xs)
    box = np.array(a.box)
    box[:, 0] = np.maximum(box[:, 0] - 2.0, 0.0)  # the ball is wider than SIZE: touches x = 0
    a = Track("a", np.where(vis[:, None], box, np.nan), np.where(vis[:, None], a.centroid, np.nan),
              np.where(vis, SIZE * SIZE, 0.0), vis, tuple("visible" if v else "absent" for v in vis),
              a.appearance)
    xb = np.full(T, x_end + 40.0)
    b = _track("b", xb)
    vb = np.arange(T) >= 10
    b = Track("b", np.where(vb[:, None], b.box, np.nan), np.where(vb[:, None], b.centroid, np.nan),
              np.where(vb, SIZE * SIZE, 0.0), vb, tuple("visible" if v else "absent" for v in vb),
              b.appearance)
    tracks = _tracks(a, b)
    if grouped:
        object.__setattr__(tracks, "meta", {**tracks.meta, "grouped": {"a": [9]}})
    return tracks


def test_a_jump_from_an_object_touching_the_edge_but_in_view_is_a_teleport():
    # centre 6 px from the edge, moving 1 px/frame: it cannot have left the picture
    value, details = _events(_jump_from_the_edge(x_end=6.0))
    assert [e["kind"] for e in details["events"]] == ["teleport"] and value < 0.5


def test_an_object_leaving_through_the_edge_is_no_teleport():
    # centre 2 px from the edge: it may have gone out before the other track came up
    value, details = _events(_jump_from_the_edge(x_end=2.0))
    assert details["events"] == [] and value == 1.0


def test_a_merged_share_at_the_edge_is_not_where_the_object_was_seen():
    value, details = _events(_jump_from_the_edge(x_end=6.0, grouped=True))
    assert details["events"] == []


def _lost_and_found(newcomer_rgb: tuple[float, float, float]) -> Tracks:
    """A red ball moving right at 1 px/frame in mid-picture is lost after frame 9; a track of
    colour ``newcomer_rgb`` comes up 40 px further on in frame 10 and stays."""
    tracks = _jump_from_the_edge(x_end=30.0)
    b = tracks.tracks["b"]
    rgb = np.float32(newcomer_rgb)
    app = np.tile(np.concatenate([rgb, rgb / rgb.sum()]), (T, 1))
    return _tracks(tracks.tracks["a"], Track("b", b.box, b.centroid, b.area, b.visible, b.state, app))


def test_a_same_coloured_track_far_away_is_the_lost_object_jumping():
    value, details = _events(_lost_and_found((0.75, 0.2, 0.2)))
    assert [e["kind"] for e in details["events"]] == ["teleport"] and value < 0.5


def test_a_dark_region_of_the_same_hue_is_a_shadow_not_the_lost_object():
    # the hue of (0.3, 0.08, 0.08) is the ball's red, but at 40 % of its brightness
    value, details = _events(_lost_and_found((0.3, 0.08, 0.08)))
    assert details["events"] == [] and value == 1.0


def test_a_box_spread_across_two_objects_is_no_position():
    # a roller at 2 px/frame; in frames 8-9 noise speckle strings its region over to a
    # neighbour 40 px away: the pixel count stays usual, the box and centroid do not
    xs = 20.0 + 2.0 * np.arange(T)
    a = _track("a", xs)
    box, cen = np.array(a.box), np.array(a.centroid)
    box[8:10, 2] += 40.0
    cen[8:10, 0] = (box[8:10, 0] + box[8:10, 2]) / 2
    a = Track("a", box, cen, a.area, a.visible, a.state, a.appearance)
    value, details = _events(_tracks(a))
    assert details["events"] == [] and value == 1.0
