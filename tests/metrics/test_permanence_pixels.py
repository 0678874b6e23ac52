"""Pop-in rules on pixel-tracker tracks: what the frames before a first sighting say."""

from __future__ import annotations

import numpy as np
import pytest

from sora_bench.metrics.permanence_events import permanence_events
from sora_bench.types import Track, Tracks

T = 16


def _tracks(state_before: list[str]) -> Tracks:
    first = len(state_before)
    xy = np.stack([np.full(T, 40.0), np.linspace(20, 50, T)], 1)
    vis = np.arange(T) >= first
    xy[~vis] = np.nan
    box = np.concatenate([xy - 5, xy + 5], axis=1)
    state = tuple(state_before) + ("visible",) * (T - first)
    app = np.full((T, 6), 0.3, np.float32)
    ball = Track("ball", box, xy, np.where(vis, 100.0, 0.0), vis, state, app)
    return Tracks({"ball": ball}, T, 80, 80, "tracker:blob")


def _pop_ins(state_before: list[str]) -> list[dict]:
    return [e for e in permanence_events(_tracks(state_before)) if e["kind"] == "pop_in"]


@pytest.mark.parametrize("before", [
    ["absent"] * 8,
    # a backward guess that crossed another object long ago does not excuse three frames
    # in plain view right before
    ["absent", "occluded"] + ["absent"] * 6,
])
def test_unseen_in_plain_view_before_the_first_sighting_is_a_pop_in(before):
    (ev,) = _pop_ins(before)
    assert ev["frames"] == [8, 8]


@pytest.mark.parametrize("before", [
    ["absent"] * 7 + ["occluded"],  # came out from behind something
    ["absent"] * 5 + ["occluded", "absent", "absent"],  # just behind it two frames ago
    ["out_of_frame"] * 8,  # came in through the edge
    ["at_rest"] * 8,  # there all along, taken into the background until it moved
])
def test_covered_or_outside_right_before_is_no_pop_in(before):
    assert _pop_ins(before) == []


def _recolour(grow: float, before=(0.2, 0.7, 0.25), after=(0.45, 0.7, 0.2)) -> list[dict]:
    # a ball alone, seen throughout; from frame 8 its hue moves (by default 30 degrees,
    # green towards yellow) while its region's area is multiplied by ``grow``
    tracks = _tracks([])
    tr = tracks.tracks["ball"]
    for t in range(T):
        rgb = np.array(before if t < 8 else after, np.float32)
        tr.appearance[t] = np.r_[rgb, rgb / rgb.sum()]
        tr.area[t] = 100.0 * (grow if t >= 8 else 1.0)
    return [e for e in permanence_events(tracks) if e["kind"] == "identity_change"]


def test_a_colour_change_at_constant_size_is_an_identity_change():
    (ev,) = _recolour(1.0)
    assert 7 <= ev["frames"][1] <= 8 and ev["hue_change_deg"] > 20


def test_a_colour_shift_while_the_region_grows_is_a_merge_not_a_new_identity():
    assert _recolour(1.5) == []


def test_a_region_flickering_between_the_object_and_a_merge_is_no_new_identity():
    # frames 0-7: a moving ball (area 100, its blur and shadow included); from frame 8 it
    # rests (area 45), and in frames 10 and 13 its region also takes in a neighbour of
    # another hue (area 110: within 0.6..1.6 of the track's median, not of its neighbours'),
    # as sensor noise closes the gap between them
    tracks = _tracks([])
    tr = tracks.tracks["ball"]
    for t in range(T):
        merged = t in (10, 13)
        rgb = np.array((0.45, 0.7, 0.2) if merged else (0.2, 0.7, 0.25), np.float32)
        tr.appearance[t] = np.r_[rgb, rgb / rgb.sum()]
        tr.area[t] = 100.0 if t < 8 else (110.0 if merged else 45.0)
    assert [e for e in permanence_events(tracks) if e["kind"] == "identity_change"] == []


def test_a_track_missed_in_frame_0_alone_is_no_pop_in():
    assert _pop_ins(["absent"]) == []
    (ev,) = _pop_ins(["absent", "absent"])
    assert ev["frames"] == [2, 2]


def test_the_same_hue_shift_of_a_dull_colour_is_noise():
    # greyish green to greyish yellow-green (saturation ~0.11, half the reference; hue
    # -29 degrees): sensor noise turns dull colours by that much
    assert _recolour(1.0, before=(0.40, 0.60, 0.42), after=(0.47, 0.60, 0.38)) == []


def _gap_tracks(gap: int, moved: float = 0.0, source: str = "tracker:blob") -> Tracks:
    """A still ball unseen (``absent``) for ``gap`` frames from frame 6, then seen again
    ``moved`` px from where it was lost."""
    xy = np.stack([np.full(T, 40.0), np.full(T, 50.0)], 1)
    xy[6 + gap:, 0] += moved
    vis = np.ones(T, bool)
    vis[6:6 + gap] = False
    xy[~vis] = np.nan
    box = np.concatenate([xy - 5, xy + 5], axis=1)
    state = tuple("visible" if v else "absent" for v in vis)
    app = np.full((T, 6), 0.3, np.float32)
    ball = Track("ball", box, xy, np.where(vis, 100.0, 0.0), vis, state, app)
    return Tracks({"ball": ball}, T, 80, 80, source)


def _vanishes(tracks: Tracks) -> list[dict]:
    return [e for e in permanence_events(tracks) if e["kind"] == "vanish"]


def test_a_two_frame_dropout_in_place_is_no_vanish_on_pixel_tracks():
    assert _vanishes(_gap_tracks(2)) == []


@pytest.mark.parametrize("tracks", [
    _gap_tracks(3),  # too long for a detector dropout
    _gap_tracks(2, moved=8.0),  # came back somewhere else
    _gap_tracks(2, source="truth"),  # exact tracks: unseen means not drawn
])
def test_longer_moved_or_exact_gaps_are_vanishes(tracks):
    (ev,) = _vanishes(tracks)
    assert ev["frames"][0] == 6


def _split_at_recolour(after_rgb, offset: float = 0.0, area_after: float = 100.0,
                       hidden: str = "occluded") -> Tracks:
    """The pixel tracker cannot follow a ball that changes hue: track 'old' (red) is seen
    frames 0-7 falling at x=40; track 'new' (``after_rgb``) is first seen at frame 8,
    ``offset`` px to the right of where the ball was going, and stays. Neither has a
    pop-in or a vanish the tracker's occlusion states would not excuse. ``hidden``: the
    state of each track where it is not seen."""
    ys = np.linspace(20, 50, T)

    def track(tid, frames, x, rgb, area):
        vis = np.isin(np.arange(T), frames)
        xy = np.where(vis[:, None], np.stack([np.full(T, x), ys], 1), np.nan)
        rgb = np.float32(rgb)
        app = np.tile(np.concatenate([rgb, rgb / rgb.sum()]), (T, 1))
        state = tuple("visible" if v else hidden for v in vis)
        return Track(tid, np.concatenate([xy - 5, xy + 5], axis=1), xy,
                     np.where(vis, area, 0.0), vis, state, app)

    old = track("old", range(8), 40.0, (0.8, 0.2, 0.2), 100.0)
    new = track("new", range(8, T), 40.0 + offset, after_rgb, area_after)
    return Tracks({"old": old, "new": new}, T, 80, 80, "tracker:blob")


def _handovers(tracks: Tracks) -> list[dict]:
    return [e for e in permanence_events(tracks) if e["kind"] == "identity_change"]


def test_a_new_track_of_another_hue_taking_over_at_the_spot_is_an_identity_change():
    (ev,) = _handovers(_split_at_recolour((0.2, 0.3, 0.8)))  # red -> blue
    assert ev["object"] == "old" and ev["into"] == "new" and ev["frames"] == [7, 8]
    assert ev["severity"] == 1.0


@pytest.mark.parametrize("kw", [
    {"after_rgb": (0.75, 0.25, 0.2)},  # the same red: a tracker dropout, not a change
    {"after_rgb": (0.2, 0.3, 0.8), "offset": 15.0},  # somewhere else: another object
    {"after_rgb": (0.2, 0.3, 0.8), "area_after": 200.0},  # twice the size: not the ball
])
def test_same_colour_far_away_or_another_size_is_no_handover(kw):
    assert _handovers(_split_at_recolour(**kw)) == []


def test_a_track_of_its_colour_carrying_on_where_it_was_lost_is_no_vanish():
    # the tracker lost the ball (an unpredicted bounce, say) and started a new track on it
    assert _vanishes(_split_at_recolour((0.75, 0.25, 0.2), hidden="absent")) == []


@pytest.mark.parametrize("kw", [
    {"after_rgb": (0.2, 0.3, 0.8)},  # another hue: an identity change, not the same ball
    {"after_rgb": (0.75, 0.25, 0.2), "offset": 15.0},  # somewhere else
    {"after_rgb": (0.75, 0.25, 0.2), "area_after": 200.0},  # twice the size
])
def test_a_track_that_does_not_carry_it_on_leaves_the_vanish(kw):
    (ev,) = _vanishes(_split_at_recolour(**kw, hidden="absent"))
    assert ev["object"] == "old" and ev["frames"][0] == 8


def test_truth_tracks_are_not_judged_for_handovers():
    tracks = _split_at_recolour((0.2, 0.3, 0.8))
    truth = Tracks(tracks.tracks, T, 80, 80, "truth")
    assert _handovers(truth) == []


def _with_old(tracks: Tracks, old: Track) -> Tracks:
    return Tracks({**tracks.tracks, "old": old}, T, 80, 80, "tracker:blob")


def test_a_new_colour_at_the_spot_is_a_handover_when_the_old_id_is_carried_off():
    """The tracker may carry the old track's id off to another object of its colour (the
    one the defect gave it) while a new track takes over the spot."""
    tracks = _split_at_recolour((0.2, 0.3, 0.8))
    o = tracks.tracks["old"]
    xy = np.array(o.centroid)
    xy[8:] = [[72.0, 60.0]] * (T - 8)  # the id now follows something across the picture
    vis = np.ones(T, bool)
    old = Track("old", np.concatenate([xy - 5, xy + 5], axis=1), xy, np.full(T, 100.0), vis,
                ("visible",) * T, o.appearance)
    (ev,) = _handovers(_with_old(tracks, old))
    assert ev["object"] == "old" and ev["into"] == "new" and ev["frames"] == [7, 8]


def test_a_track_seen_long_before_elsewhere_can_take_over():
    tracks = _split_at_recolour((0.2, 0.3, 0.8))
    n = tracks.tracks["new"]
    vis = np.asarray(n.visible).copy()
    vis[0] = True  # a one-frame sighting at the far corner, 8 frames before
    xy = np.array(n.centroid)
    xy[0] = [70.0, 70.0]
    new = Track("new", np.concatenate([xy - 5, xy + 5], axis=1), xy,
                np.where(vis, 100.0, 0.0), vis, tuple("visible" if v else "occluded" for v in vis),
                n.appearance)
    (ev,) = _handovers(Tracks({**tracks.tracks, "new": new}, T, 80, 80, "tracker:blob"))
    assert ev["into"] == "new"


def test_a_track_that_was_at_the_spot_just_before_does_not_take_over():
    """Seen at the spot two frames before (then hidden a frame): it was there already, a
    neighbour the old track passed, not an object that changed colour."""
    tracks = _split_at_recolour((0.2, 0.3, 0.8))
    n = tracks.tracks["new"]
    vis = np.asarray(n.visible).copy()
    vis[6] = True
    xy = np.array(n.centroid)
    xy[6] = [40.0, float(np.linspace(20, 50, T)[6]) + 3.0]
    new = Track("new", np.concatenate([xy - 5, xy + 5], axis=1), xy,
                np.where(vis, 100.0, 0.0), vis, tuple("visible" if v else "occluded" for v in vis),
                n.appearance)
    assert _handovers(Tracks({**tracks.tracks, "new": new}, T, 80, 80, "tracker:blob")) == []


def _with_neighbour(gap: int, area_at_loss: float = 100.0) -> Tracks:
    """The ball of :func:`_gap_tracks`, lost at frame 6 while its box came within 1 px of a
    still roller's (not on its own there), whole (``area_at_loss``) at its last sighting."""
    tracks = _gap_tracks(gap)
    ball = tracks.tracks["ball"]
    area = np.asarray(ball.area, np.float64).copy()
    area[5] = area_at_loss
    ball = Track("ball", ball.box, ball.centroid, area, ball.visible, ball.state, ball.appearance)
    xy = np.stack([np.full(T, 50.5), np.full(T, 50.0)], 1)  # boxes 0.5 px apart
    roller = Track("roller", np.concatenate([xy - 5, xy + 5], axis=1), xy, np.full(T, 100.0),
                   np.ones(T, bool), ("visible",) * T, np.full((T, 6), 0.6, np.float32))
    return Tracks({"ball": ball, "roller": roller}, T, 80, 80, "tracker:blob")


def test_gone_for_good_next_to_a_neighbour_with_nothing_in_front_is_a_vanish():
    (ev,) = _vanishes(_with_neighbour(gap=6))
    assert ev["object"] == "ball" and ev["frames"] == [6, 11]


@pytest.mark.parametrize("kw", [
    {"gap": 2},  # a short gap next to a neighbour: the regions merged for a moment
    {"gap": 6, "area_at_loss": 190.0},  # last seen merged with the neighbour, not whole
])
def test_lost_next_to_a_neighbour_briefly_or_merged_is_no_vanish(kw):
    assert _vanishes(_with_neighbour(**kw)) == []


RED, ORANGE, BLUE = (0.85, 0.15, 0.15), (0.95, 0.55, 0.15), (0.2, 0.3, 0.85)


def _collide(sep: float, a_after=ORANGE, b_after=RED) -> Tracks:
    """A red roller (track 'a', x 20 -> 36 and back) and an orange one ('b', mirrored about
    x = 48) meet at frames 6-7 with centres ``sep`` px apart (boxes 10 px wide: at 2 px
    they are one region, at 12 px apart) and roll back; from frame 8 on 'a' shows
    ``a_after`` and 'b' ``b_after`` (by default each other's colour)."""
    xa = np.concatenate([np.linspace(20, 36, 7), [36.0], np.linspace(36, 20, T - 8)])
    xb = 96.0 - xa
    xb[[6, 7]] = xa[[6, 7]] + sep

    def track(tid, x, before, after):
        xy = np.stack([x, np.full(T, 50.0)], 1)
        rgb = np.where(np.arange(T)[:, None] >= 8, np.float32(after), np.float32(before))
        app = np.concatenate([rgb, rgb / rgb.sum(1, keepdims=True)], 1).astype(np.float32)
        return Track(tid, np.concatenate([xy - 5, xy + 5], axis=1), xy, np.full(T, 100.0),
                     np.ones(T, bool), ("visible",) * T, app)

    return Tracks({"a": track("a", xa, RED, a_after), "b": track("b", xb, ORANGE, b_after)},
                  T, 80, 80, "tracker:blob")


def _kinds(tracks: Tracks) -> list[tuple[str, str, float]]:
    return sorted((e["kind"], e["object"], e["severity"]) for e in permanence_events(tracks)
                  if e["kind"] in ("identity_change", "track_exchange"))


def test_two_merged_tracks_that_part_with_each_others_colours_swapped_objects():
    # at frames 6-7 they are one region: which is which after is the tracker's guess
    kinds = _kinds(_collide(2.0))
    assert kinds and all(k == "track_exchange" and s == 0.0 for k, _, s in kinds)


def test_colours_exchanged_without_merging_are_identity_changes():
    # 2 px apart at contact: the tracker could tell them apart, the objects changed colour
    kinds = _kinds(_collide(12.0))
    assert [k for k, _, _ in kinds] == ["identity_change", "identity_change"]


def test_a_colour_change_the_other_track_does_not_mirror_is_an_identity_change():
    # 'a' turns blue after merging with 'b', which stays orange: no exchange explains it
    kinds = _kinds(_collide(2.0, a_after=BLUE, b_after=ORANGE))
    assert ("identity_change", "a") in [(k, o) for k, o, _ in kinds]


GREEN, PURPLE = (0.2, 0.7, 0.25), (0.55, 0.25, 0.7)


def _appears_against(neighbour_rgb) -> list[dict]:
    """A green ball first seen at frame 8, unseen and uncovered (``absent``) before, its box
    touching a rolling neighbour's in its first 3 frames."""
    def track(tid, xy, vis, rgb, area):
        xy = np.where(vis[:, None], xy, np.nan)
        rgb = np.float32(rgb)
        app = np.tile(np.concatenate([rgb, rgb / rgb.sum()]), (T, 1))
        state = tuple("visible" if v else "absent" for v in vis)
        return Track(tid, np.concatenate([xy - 5, xy + 5], axis=1), xy,
                     np.where(vis, area, 0.0), vis, state, app)

    roller_xy = np.stack([np.linspace(20, 60, T), np.full(T, 50.0)], 1)
    ball_xy = roller_xy + [10.0, -8.0]  # boxes 10 px wide: touching at the corner
    tracks = Tracks({"roller": track("roller", roller_xy, np.ones(T, bool), neighbour_rgb, 100.0),
                     "ball": track("ball", ball_xy, np.arange(T) >= 8, GREEN, 100.0)},
                    T, 80, 80, "tracker:blob")
    return [e for e in permanence_events(tracks) if e["object"] == "ball"
            and e["kind"] in ("pop_in", "split")]


def test_an_object_appearing_against_one_of_another_hue_popped_in():
    (ev,) = _appears_against(PURPLE)
    assert ev["kind"] == "pop_in" and ev["frames"] == [8, 8]


def test_a_region_appearing_against_one_of_its_own_hue_is_not_judged_a_pop_in():
    # (a piece of the neighbour, or the neighbour's region cut in two)
    assert [e["kind"] for e in _appears_against((0.25, 0.65, 0.3))] != ["pop_in"]
