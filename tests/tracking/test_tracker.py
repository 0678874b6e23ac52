"""Pixel tracker on synthetic coloured-blob videos, Truth->Tracks, and the source choice."""

from __future__ import annotations

import numpy as np
import pytest

from sora_bench.errors import ConfigError, MetricSkip
from sora_bench.metrics.base import RunContext, SampleContext
from sora_bench.metrics.permanence_events import permanence_events
from sora_bench.tracking import get_tracks
from sora_bench.tracking.detect import _Det
from sora_bench.tracking.evaluate import evaluate_tracks, moving_only
from sora_bench.tracking.from_truth import tracks_from_truth
from sora_bench.tracking.occlusion import at_rest
from sora_bench.tracking.tracker import BlobTracker, Tracker, get_tracker, register_tracker
from sora_bench.types import Video
from tests.tracking.synthetic import drop, make_truth, render, roll

T = 24


@pytest.fixture(scope="module")
def occlusion_clip():
    objs = [{"id": "ball", "pos": drop(T, 24, y0=1.5, x=-1.0, vx=1.0), "radius": 0.25,
             "color": "red"},
            {"id": "b2", "pos": roll(T, 24, 1.8, -2.0), "radius": 0.2, "color": "blue"},
            {"id": "wall", "kind": "wall", "pos": np.tile([0.3, 0.6, 1.5], (T, 1)),
             "half": (0.25, 0.6), "color": "yellow"}]
    truth = make_truth(objs, T)
    return truth, render(truth, objs)


def test_truth_tracks_states(occlusion_clip):
    truth, video = occlusion_clip
    tr = tracks_from_truth(truth, video)
    assert tr.source == "truth" and set(tr.tracks) == {"ball", "b2", "wall"}
    st = tr.tracks["b2"].state
    assert "occluded" in st and "absent" not in st  # hidden behind the wall, not vanished
    assert np.isfinite(tr.meta["stabilized"]["ball"]).all()
    # appearance read from pixels: the red ball is red
    app = np.nanmean(tr.tracks["ball"].appearance[:, :3], axis=0)
    assert app[0] > 0.6 and app[2] < 0.3


def test_blob_tracker_follows_moving_objects_through_occlusion(occlusion_clip):
    truth, video = occlusion_clip
    hyp = BlobTracker().track(video)
    gt = moving_only(tracks_from_truth(truth, video))
    assert set(gt.tracks) == {"ball", "b2"}
    s = evaluate_tracks(gt, hyp)
    assert s.mota >= 0.85 and s.idf1 >= 0.85, s
    # the blue ball keeps one identity behind the wall and is marked occluded there
    best = max(hyp.tracks.values(), key=lambda t: np.nanmean(t.appearance[:, 2]))
    assert "occluded" in best.state and "absent" not in best.state
    assert best.visible[:10].all() and best.visible[-3:].all()


def test_exit_is_out_of_frame():
    objs = [{"id": "ball", "pos": roll(T, 24, 0.0, 4.0), "radius": 0.25, "color": "red"}]
    truth = make_truth(objs, T)
    hyp = BlobTracker().track(render(truth, objs))
    (tr,) = [t for t in hyp.tracks.values() if t.visible.sum() >= 3]
    last = int(np.flatnonzero(tr.visible)[-1])
    assert last < T - 1 and set(tr.state[last + 1:]) == {"out_of_frame"}


def test_registry_and_source_setting(occlusion_clip):
    truth, video = occlusion_clip
    assert isinstance(get_tracker("blob"), Tracker)

    class Fixed:
        name = "fixed"

        def track(self, video, *, camera=None):
            return tracks_from_truth(truth)

    register_tracker("fixed", Fixed)
    ctx = SampleContext("s", truth=truth, run=RunContext(settings={"tracks": "pixels",
                                                                   "tracker": "fixed"}))
    assert get_tracks(video, ctx).source == "truth"  # came through the plug-in
    assert get_tracks(video, SampleContext("s", truth=truth)).source == "truth"
    assert get_tracks(video, SampleContext("s")).source == "tracker:blob-static"  # the default
    with pytest.raises(MetricSkip):
        get_tracks(video, SampleContext("s", run=RunContext(settings={"tracks": "truth"})))
    with pytest.raises(ConfigError):
        get_tracks(video, SampleContext("s", run=RunContext(settings={"tracks": "bogus"})))
    with pytest.raises(ConfigError):
        get_tracker("nope")


def test_background_ghost_is_not_tracked():
    """A red square that dwells on one spot for 12 of 20 frames, then slides away: the
    temporal median remembers it there (a ghost). Only the real square is tracked: one
    track, and no detection at the dwell spot once the square has left it."""
    t_n, h, w = 20, 64, 64
    frames = np.full((t_n, h, w, 3), (150, 140, 120), np.uint8)
    frames[:, ::8, :] = (120, 112, 96)  # some floor texture
    xs = [10] * 12 + [10 + 5 * k for k in range(1, 9)]
    for t, x in enumerate(xs):
        frames[t, 28:38, x:x + 10] = (220, 30, 30)
    tracks = BlobTracker().track(Video.from_array(frames, 15.0))
    assert len(tracks.tracks) == 1, {k: tr.visible.nonzero()[0].tolist() for k, tr in tracks.tracks.items()}
    (tr,) = tracks.tracks.values()
    assert tr.visible[12:].all()
    assert np.all(tr.centroid[14:, 0] >= 25)  # on the moving square, not the dwell spot (15)


def _arrives_and_rests(tracker: BlobTracker):
    """A red square slides in from the left edge and rests on one spot for the last 11 of
    20 frames; the tracks (of >= 3 sightings) ``tracker`` finds."""
    t_n, h, w = 20, 64, 64
    frames = np.full((t_n, h, w, 3), (150, 140, 120), np.uint8)
    frames[:, ::8, :] = frames[:, :, ::8] = (120, 112, 96)  # tiles: x and y registered
    for t in range(t_n):
        x = 28 - 8 * max(9 - t, 0)  # 8 px a frame until frame 9, then at rest
        if x + 10 > 0:
            frames[t, 28:38, max(x, 0):x + 10] = (220, 30, 30)
    tracks = tracker.track(Video.from_array(frames, 15.0))
    return [tr for tr in tracks.tracks.values() if tr.visible.sum() >= 3]


def test_the_static_background_keeps_an_object_resting_over_half_the_clip_seen():
    """The temporal median takes the square in where it rests (it melts into the
    background the moment it stops); ``blob-static`` gives the floor back there, so the
    square stays one visible track to the end."""
    (tr,) = _arrives_and_rests(get_tracker("blob-static"))
    assert tr.visible[9:].all(), tr.state
    assert np.allclose(tr.centroid[12:, 0], 32.5, atol=1.0)
    (tr,) = _arrives_and_rests(BlobTracker())  # the default: seen only while it moves
    assert not tr.visible[9:].any() and "visible" not in tr.state[9:]


def test_blob_static_is_its_own_protocol_and_bad_backgrounds_are_refused():
    assert get_tracker("blob-static").protocol != get_tracker("blob").protocol
    assert "static" in get_tracker("blob-static").protocol
    with pytest.raises(ConfigError, match="background"):
        BlobTracker(background="mode")


def test_cache_key_names_the_tracks_source_and_tracker_protocol(occlusion_clip):
    """Scores cached on one tracker version are not reused for another (scoring's key)."""
    from sora_bench.metrics.permanence import ObjectPermanence
    from sora_bench.scoring import _dependency_key
    from sora_bench.tracking import tracks_cache_key
    from sora_bench.tracking.tracker import BlobTracker

    truth, _video = occlusion_clip
    assert tracks_cache_key(SampleContext("s", truth=truth)) == "truth"
    pixels = SampleContext("s", truth=truth, run=RunContext(settings={"tracks": "pixels"}))
    static = BlobTracker(background="static")  # the default tracker
    assert tracks_cache_key(pixels) == f"pixels:blob-static:{static.protocol}"
    assert tracks_cache_key(SampleContext("s", run=RunContext(settings={"tracks": "bogus"}))) \
        == "invalid"

    class Other(BlobTracker):
        @property
        def protocol(self) -> str:
            return "blob-next"

    register_tracker("blob-next", Other)
    other = SampleContext("s", truth=truth, run=RunContext(settings={"tracks": "pixels",
                                                                     "tracker": "blob-next"}))
    metric = ObjectPermanence()
    assert _dependency_key(metric, pixels) != _dependency_key(metric, other)


def _edge_clip(x0: float, vx: float, hidden: dict | None = None):
    objs = [{"id": "ball", "pos": roll(T, 24, x0, vx, r=0.5), "radius": 0.5, "color": "red"}]
    truth = make_truth(objs, T, hidden=hidden)
    hyp = BlobTracker().track(render(truth, objs))
    (tr,) = [t for t in hyp.tracks.values() if t.visible.sum() >= 3]
    return hyp, tr, int(np.flatnonzero(tr.visible)[0])


def test_entry_through_the_edge_is_out_of_frame_and_no_pop_in():
    hyp, tr, first = _edge_clip(-3.4, 2.0)  # rolls in from the left
    assert first > 0 and set(tr.state[:first]) == {"out_of_frame"}
    assert not [e for e in permanence_events(hyp) if e["kind"] == "pop_in"]


def test_appearing_at_the_edge_while_going_out_is_a_pop_in():
    # rolls left, unseen until its centre is 6 px from the left edge, then leaves: it was
    # never seen coming in, and it cannot have come in where it is going out
    hyp, tr, first = _edge_clip(-1.2, -2.0, hidden={"ball": (0, 16)})
    assert first == 17 and set(tr.state[:first]) == {"absent"}
    (ev,) = [e for e in permanence_events(hyp) if e["kind"] == "pop_in"]
    assert ev["frames"] == [17, 17]



def _still_track(show_after: bool):
    """Red 10x10 square on grey seen still at frames 0-7 (a track's sightings), then unseen
    by the tracker; the frames show it on (``show_after``) or not."""
    frames = np.full((12, 40, 40, 3), 0.5, np.float32)
    frames[:, 15:25, 15:25] = (0.9, 0.1, 0.1)
    if not show_after:
        frames[8:, 15:25, 15:25] = 0.5
    red = np.array([0.9, 0.1, 0.1, 0.82, 0.09, 0.09], np.float32)
    obs = {t: _Det(np.array([15.0, 15.0, 25.0, 25.0]), np.array([20.0, 20.0]), 100.0, red)
           for t in range(8)}
    state = ("visible",) * 8 + ("absent",) * 4
    return at_rest(state, obs, frames, np.repeat(np.eye(3)[None], 12, 0))


def test_a_still_object_the_background_took_in_is_at_rest_not_gone():
    assert _still_track(show_after=True)[8:] == ("at_rest",) * 4


def test_a_still_object_whose_colour_left_its_place_is_absent():
    assert _still_track(show_after=False)[8:] == ("absent",) * 4


def _still_from(first: int, show_before: bool):
    """The red square seen still only from frame ``first`` (the background took it in
    while it rested there before); the frames before show it (``show_before``) or not."""
    frames = np.full((12, 40, 40, 3), 0.5, np.float32)
    frames[:, 15:25, 15:25] = (0.9, 0.1, 0.1)
    if not show_before:
        frames[:first, 15:25, 15:25] = 0.5
    red = np.array([0.9, 0.1, 0.1, 0.82, 0.09, 0.09], np.float32)
    obs = {t: _Det(np.array([15.0, 15.0, 25.0, 25.0]), np.array([20.0, 20.0]), 100.0, red)
           for t in range(first, 12)}
    state = ("absent",) * first + ("visible",) * (12 - first)
    return at_rest(state, obs, frames, np.repeat(np.eye(3)[None], 12, 0))


def test_an_object_the_background_took_in_before_it_was_found_was_at_rest():
    assert _still_from(5, show_before=True)[:5] == ("at_rest",) * 5


def test_an_object_not_shown_before_it_was_found_was_absent():
    # (a pop-in: object_permanence judges it)
    assert _still_from(5, show_before=False)[:5] == ("absent",) * 5


def _along_the_edge(x0: float, hidden: tuple[int, int]):
    """A ball rolling slowly (0.2 px/frame) away from the left edge, its box touching the
    edge without being cut by it, not rendered in ``hidden`` frames (hidden for more than
    half the clip when it is hidden first: else the median background takes it in)."""
    objs = [{"id": "ball", "pos": roll(T, 24, x0, 0.3, r=0.5), "radius": 0.5, "color": "red"}]
    truth = make_truth(objs, T, hidden={"ball": hidden})
    hyp = BlobTracker().track(render(truth, objs))
    (tr,) = [t for t in hyp.tracks.values() if t.visible.sum() >= 3]
    return tr


def test_lost_at_the_edge_at_full_size_is_not_an_exit():
    # gone while whole and moving inwards: leaving would have cut it through the edge first
    tr = _along_the_edge(-2.6, (12, T - 1))
    assert tr.box[11, 0] <= 1.0 and tr.visible[:12].all()
    assert set(tr.state[12:]) == {"absent"}


def test_found_at_the_edge_at_full_size_did_not_come_in_there():
    tr = _along_the_edge(-2.67, (0, 15))
    assert tr.box[16, 0] <= 1.0 and tr.visible[16:].all()
    assert set(tr.state[:16]) == {"absent"}


def test_a_track_seen_twice_does_not_coast_onto_a_later_object():
    # a red ball seen in frames 0-1 only, another red ball appearing at frame 10 some 30 px
    # away: the young track has no velocity to predict it with, so it does not take it
    # (before tracker v12 it did, and the newcomer's pop-in went unseen)
    objs = [{"id": "a", "pos": roll(T, 24, -1.2, 1.0), "radius": 0.25, "color": "red"},
            {"id": "b", "pos": roll(T, 24, 0.2, 1.0), "radius": 0.25, "color": "red"}]
    truth = make_truth(objs, T, hidden={"a": (2, T - 1), "b": (0, 9)})
    hyp = BlobTracker().track(render(truth, objs))
    late = [t for t in hyp.tracks.values() if t.visible[10:].sum() >= 3]
    assert len(late) == 1
    assert not late[0].visible[:10].any()
    assert set(late[0].state[:10]) == {"absent"}
