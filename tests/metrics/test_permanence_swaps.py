"""identity_swap from one clear teleport plus a partner that took the opposite way."""

from __future__ import annotations

import numpy as np

from sora_bench.metrics.permanence_swaps import swaps
from sora_bench.types import Track, Tracks

T = 12


def _track(tid: str, xy: np.ndarray) -> Track:
    box = np.concatenate([xy - 4, xy + 4], axis=1)
    return Track(tid, box, xy.copy(), np.full(T, 50.0), np.ones(T, bool),
                 ("visible",) * T, np.full((T, 6), 0.3, np.float32))


def _setup(j: float):
    # a falls fast at x=30 until frame 5, b rolls at y=50; at 5 -> 6 they exchange places
    a = np.stack([np.full(T, 30.0), np.r_[np.linspace(10, 42, 6), np.full(6, 50.0)]], 1)
    b = np.stack([np.r_[np.linspace(60, 46, 6), np.linspace(30, 24, 6)],
                  np.r_[np.full(6, 50.0), np.linspace(46, 40, 6)]], 1)
    a[6:, 0] = np.linspace(46, 50, 6)
    tracks = Tracks({"a": _track("a", a), "b": _track("b", b)}, T, 80, 80, "tracker:blob",
                    meta={"stabilized": {"a": a, "b": b}})
    tele = [{"kind": "teleport", "object": "a", "frames": [5, 6], "from": list(a[5]),
             "position": list(a[6]), "jump_px": float(np.linalg.norm(a[6] - a[5])),
             "allowed_px": 12.0, "J": j}]
    return tele, tracks


def test_one_clear_teleport_and_a_partner_that_took_the_opposite_way_is_a_swap():
    tele, tracks = _setup(1.7)
    (ev,) = swaps(tele, tracks)
    assert ev["kind"] == "identity_swap" and set(ev["objects"]) == {"a", "b"}


def test_a_marginal_jump_next_to_a_neighbour_is_not_a_swap():
    tele, tracks = _setup(1.2)  # two colliding objects nudge each other
    assert swaps(tele, tracks) == []


def _teleport(tid: str, f0: int, f1: int, src, dst, j: float = 2.0) -> dict:
    return {"kind": "teleport", "object": tid, "frames": [f0, f1], "from": list(src),
            "position": list(dst), "jump_px": float(np.linalg.norm(np.subtract(dst, src))),
            "allowed_px": 12.0, "J": j}


def _partial(tid: str, xy: np.ndarray, visible: np.ndarray) -> Track:
    xy = np.where(visible[:, None], xy, np.nan)
    box = np.concatenate([xy - 4, xy + 4], axis=1)
    return Track(tid, box, xy, np.where(visible, 50.0, 0.0), visible,
                 tuple("visible" if v else "occluded" for v in visible),
                 np.full((T, 6), 0.3, np.float32))


def _lost_partner_setup(newcomer: bool):
    # a (falling ball) jumps at 5 -> 6 onto the roller b, which is lost from frame 6 (its
    # new colour matches no track); c starts at frame 6 where a came from
    a = np.stack([np.r_[np.full(6, 30.0), np.full(6, 50.0)], np.r_[np.linspace(10, 40, 6),
                                                                   np.full(6, 50.0)]], 1)
    b = np.stack([np.linspace(60, 49, T), np.full(T, 50.0)], 1)
    c = np.stack([np.full(T, 30.0), np.linspace(42, 48, T)], 1)
    trs = {"a": _track("a", a), "b": _partial("b", b, np.arange(T) < 6)}
    if newcomer:
        trs["c"] = _partial("c", c, np.arange(T) >= 6)
    tracks = Tracks(trs, T, 80, 80, "tracker:blob",
                    meta={"stabilized": {k: t.centroid for k, t in trs.items()}})
    return [_teleport("a", 5, 6, a[5], a[6])], tracks


def test_a_jump_onto_a_lost_partner_while_a_newcomer_takes_its_place_is_a_swap():
    tele, tracks = _lost_partner_setup(newcomer=True)
    (ev,) = swaps(tele, tracks)
    assert set(ev["objects"]) == {"a", "b"} and ev["frames"] == [5, 6]


def test_a_jump_onto_a_lost_partner_with_nobody_at_its_origin_is_not_a_swap():
    tele, tracks = _lost_partner_setup(newcomer=False)
    assert swaps(tele, tracks) == []


def test_two_exchanging_jumps_a_few_frames_apart_are_a_swap_but_one_track_alone_is_not():
    tracks = _setup(1.7)[1]
    a = _teleport("a", 5, 6, (30.0, 40.0), (58.0, 50.0))
    b = _teleport("b", 7, 8, (58.0, 50.0), (31.0, 42.0))
    (ev,) = swaps([a, b], tracks)
    assert set(ev["objects"]) == {"a", "b"}
    # one track's two successive jumps (there and back) are not two objects exchanging
    back = _teleport("a", 6, 7, (58.0, 50.0), (30.0, 40.0), j=1.2)
    assert [e for e in swaps([a, back], tracks) if e["objects"] == ["a", "a"]] == []


def test_a_partner_seen_only_as_a_share_of_the_jumpers_region_was_lost():
    """After the exchange the tracker keeps b for a frame as its share of the region a
    landed on (meta["grouped"]: a predicted box, not a sighting): b was lost all the same."""
    tele, tracks = _lost_partner_setup(newcomer=True)
    b = tracks.tracks["b"]
    vis = np.arange(T) < 7
    xy = np.where(vis[:, None], np.stack([np.linspace(60, 49, T), np.full(T, 50.0)], 1), np.nan)
    shared = Track("b", np.concatenate([xy - 4, xy + 4], axis=1), xy,
                   np.where(vis, 50.0, 0.0), vis, tuple("visible" if v else "occluded" for v in vis),
                   b.appearance)
    trs = {**tracks.tracks, "b": shared}
    tracks = Tracks(trs, T, 80, 80, "tracker:blob",
                    meta={"stabilized": {k: t.centroid for k, t in trs.items()},
                          "grouped": {"b": [6]}})
    (ev,) = swaps(tele, tracks)
    assert set(ev["objects"]) == {"a", "b"}


def test_the_partner_is_looked_for_where_it_had_moved_by_the_landing():
    """b was last seen 2 frames before a landed on it, 6 px away, moving 1 px a frame
    towards the spot: within the jump's allowance (5.5 px) plus b's own travel since."""
    tele, tracks = _lost_partner_setup(newcomer=True)
    vis = np.arange(T) < 5
    xy = np.stack([np.linspace(60, 49, T), np.full(T, 50.0)], 1)
    trs = {**tracks.tracks, "b": _partial("b", xy, vis)}
    tracks = Tracks(trs, T, 80, 80, "tracker:blob",
                    meta={"stabilized": {k: t.centroid for k, t in trs.items()}})
    tele[0]["allowed_px"] = 5.5
    (ev,) = swaps(tele, tracks)
    assert set(ev["objects"]) == {"a", "b"}


def _exact_exchange(offset: tuple[float, float]):
    """a rolls right along y=50 and b falls at x=50 + offset[0]; between frames 5 and 6 they
    exchange places exactly (a lands where b was at frame 5, b where a was). a's jump is
    marginal (J=1.2). Boxes are 8 px wide: an offset of (8, 8) leaves them touching at a
    corner, (0, 12) 4 px apart; both jumps (11.3 and 12 px) exceed 1.2 sizes (8.5 px)."""
    a = np.stack([np.linspace(40, 50, 6), np.full(6, 50.0)], 1)
    b = np.stack([np.full(6, 50.0 + offset[0]), np.linspace(10, 50 - offset[1], 6)], 1)
    a = np.concatenate([a, np.tile(b[5], (6, 1))])
    b = np.concatenate([b, np.tile(a[5], (6, 1))])
    tracks = Tracks({"a": _track("a", a), "b": _track("b", b)}, T, 80, 80, "tracker:blob",
                    meta={"stabilized": {"a": a, "b": b}})
    return [_teleport("a", 5, 6, a[5], a[6], j=1.2)], tracks


def test_a_marginal_jump_that_exactly_exchanged_places_with_a_track_apart_is_a_swap():
    tele, tracks = _exact_exchange((0.0, 12.0))
    (ev,) = swaps(tele, tracks)
    assert set(ev["objects"]) == {"a", "b"} and ev["frames"] == [5, 6]


def test_two_touching_objects_changing_tracks_are_no_swap():
    tele, tracks = _exact_exchange((8.0, 8.0))  # a collision's mix-up, not a defect
    assert swaps(tele, tracks) == []


def test_a_marginal_jump_to_a_neighbour_that_stayed_put_is_no_swap():
    tele, tracks = _exact_exchange((0.0, 12.0))
    b = tracks.tracks["b"]
    xy = np.array(b.centroid)
    xy[6:] = xy[5]  # b did not go where a came from
    trs = {"a": tracks.tracks["a"], "b": _track("b", xy)}
    tracks = Tracks(trs, T, 80, 80, "tracker:blob",
                    meta={"stabilized": {k: t.centroid for k, t in trs.items()}})
    assert swaps(tele, tracks) == []


def _coloured(tr: Track, rgb) -> Track:
    rgb = np.asarray(rgb, np.float32)
    row = np.concatenate([rgb, rgb / rgb.sum()])
    return Track(tr.id, tr.box, tr.centroid, tr.area, tr.visible, tr.state,
                 np.tile(row, (T, 1)).astype(np.float32))


def _colour_taken_setup(partner_state: str = "occluded"):
    """The green roller's track a jumps onto the yellow ball b, which is lost for good: the
    ball turned green, while the roller (now yellow) merged with something at the edge."""
    tele, tracks = _lost_partner_setup(newcomer=False)
    b = tracks.tracks["b"]
    state = tuple("visible" if v else partner_state for v in b.visible)
    trs = {"a": _coloured(tracks.tracks["a"], (0.3, 0.7, 0.3)),
           "b": _coloured(Track(b.id, b.box, b.centroid, b.area, b.visible, state,
                                b.appearance), (0.75, 0.72, 0.25))}
    return tele, Tracks(trs, T, 80, 80, "tracker:blob", meta=tracks.meta)


def test_a_jump_onto_a_partner_of_a_clashing_hue_that_stays_lost_is_a_swap():
    tele, tracks = _colour_taken_setup()
    # (the tracker never hands a yellow object's region to a green track: the object
    # where a landed is green now)
    (ev,) = swaps(tele, tracks)
    assert set(ev["objects"]) == {"a", "b"} and ev["frames"] == [5, 6]


def test_a_jump_onto_a_partner_that_left_the_picture_is_not_a_swap():
    tele, tracks = _colour_taken_setup("out_of_frame")
    # b's last box (x 51..59 at frame 5, moving 1 px a frame) reaches the edge of a 57 px
    # wide picture: the recoloured object may be the one that came in, not b
    narrow = Tracks(tracks.tracks, T, 57, 80, "tracker:blob", meta=tracks.meta)
    assert swaps(tele, narrow) == []


def test_a_partner_lost_mid_picture_is_not_taken_for_one_that_left():
    """The tracker's out_of_frame state long after a sighting is its constant-velocity
    guess (a falling ball coasts out through the floor): lost mid-picture, b stays the
    partner whose colour was taken."""
    tele, tracks = _colour_taken_setup("out_of_frame")
    (ev,) = swaps(tele, tracks)
    assert set(ev["objects"]) == {"a", "b"}


def test_a_short_jump_onto_a_partner_of_a_clashing_hue_is_a_swap_but_not_without_colour():
    tele, tracks = _colour_taken_setup()
    tele[0]["J"] = 1.2  # short of clear: the colour evidence decides
    (ev,) = swaps(tele, tracks)
    assert set(ev["objects"]) == {"a", "b"}
    tele, tracks = _lost_partner_setup(newcomer=True)
    tele[0]["J"] = 1.2  # a newcomer at the origin is not enough for a marginal jump
    assert swaps(tele, tracks) == []


def test_a_jump_onto_something_of_another_size_is_not_a_swap():
    tele, tracks = _colour_taken_setup()
    b = tracks.tracks["b"]
    small = Track(b.id, b.box, b.centroid, b.area / 4, b.visible, b.state, b.appearance)
    trs = {**tracks.tracks, "b": small}  # a shadow or a speck, not the ball a landed on
    assert swaps(tele, Tracks(trs, T, 80, 80, "tracker:blob", meta=tracks.meta)) == []


def test_a_partner_first_seen_again_a_frame_after_the_landing_where_the_jumper_was():
    """The tracker may give b a share of a's region at the landing frame and see b on its
    own, where a came from, only the frame after."""
    tele, tracks = _setup(1.7)
    b = tracks.tracks["b"]
    vis = np.arange(T) != 6
    trs = {"a": tracks.tracks["a"], "b": _partial("b", np.array(b.centroid), vis)}
    tracks = Tracks(trs, T, 80, 80, "tracker:blob", meta=tracks.meta)
    (ev,) = swaps(tele, tracks)
    assert set(ev["objects"]) == {"a", "b"}


def test_a_jump_onto_the_place_a_fast_partner_may_have_reached_is_not_a_swap():
    tele, tracks = _colour_taken_setup()
    # the partner was last seen further from the landing than the jump's allowance (12 px)
    b = tracks.tracks["b"]
    far = b.centroid.copy()
    far[:6, 0] += 7.6  # 12.6 px from the landing: within the outer reach (13), not 12
    tracks.meta["stabilized"]["b"] = far
    assert swaps(tele, tracks) == []


def test_a_jump_out_and_back_during_a_collision_is_no_swap():
    """A ball lands by a roller; for frames 6-7 the tracker gives the ball's track a region
    20 px off and the roller's track the ball's, then both return: the second jump only
    undoes the first (same track, 2 frames later), so no object changed places."""
    a = np.stack([np.r_[np.full(6, 30.0), 50.0, 50.0, np.full(4, 30.0)],
                  np.r_[np.linspace(10, 40, 6), 46.0, 46.0, np.linspace(42, 44, 4)]], 1)
    b = np.stack([np.r_[np.linspace(60, 46, 6), 38.0, 38.0, np.full(4, 46.0)],
                  np.r_[np.full(6, 50.0), 52.0, 52.0, np.full(4, 50.0)]], 1)
    tracks = Tracks({"a": _track("a", a), "b": _track("b", b)}, T, 80, 80, "tracker:blob",
                    meta={"stabilized": {"a": a, "b": b}})
    out = _teleport("a", 5, 6, a[5], a[6], j=1.4)
    back = _teleport("a", 7, 8, a[7], a[8], j=1.6)
    assert swaps([out, back], tracks) == []
    # the same second jump alone (no jump out before it) is a swap: b went back to a's place
    (ev,) = swaps([back], tracks)
    assert set(ev["objects"]) == {"a", "b"}
