"""Trajectory helpers: landings and free-flight segments on pixel-like positions."""

from __future__ import annotations

import numpy as np

from sora_bench.groundtruth import Tracks
from sora_bench.metrics.physics_traj import Traj, _landings, free_flight_segments, trajectories


def _traj(y: list[float]) -> Traj:
    n = len(y)
    p = np.stack([np.full(n, 24.0), np.asarray(y, np.float64)], 1)
    ones = np.ones(n, bool)
    return Traj("ball", p, np.full(n, 16.0), ones, ones, np.full(n, np.nan), True, None)


# a slow (low-gravity) fall as a pixel track sees it: box centres move in half/whole pixels,
# so one step of 2.5 px is followed by one of 1 px, then the fall goes on speeding up
SLOW_FALL = [25.5, 25.5, 26.0, 26.5, 27.5, 28.5, 29.5, 32.0, 33.0, 35.0, 37.0, 38.5, 41.0]


def test_one_short_step_in_a_slow_fall_is_not_a_landing():
    assert _landings(_traj(SLOW_FALL)) == []
    (seg,) = free_flight_segments(_traj(SLOW_FALL))
    assert seg[0] <= 2 and seg[-1] == len(SLOW_FALL) - 1


def test_a_fall_that_stops_is_a_landing():
    y = [20.0, 23.0, 27.0, 32.0, 38.0, 39.0, 39.0, 39.0]  # hits the floor at frame 4
    assert 4 in _landings(_traj(y))


def _edge_tracks(cut_from: int) -> Tracks:
    """A 16-px ball falling (g = 0.4 px/frame^2) while drifting left out of a 64x64 image:
    from ``cut_from`` on its box is cut by the left edge (keeping its full height; its
    centre stays inside)."""
    from sora_bench.groundtruth import Track, Tracks

    n = 14
    t = np.arange(n, dtype=np.float64)
    y = 12.0 + 0.2 * t ** 2
    x = np.where(t < cut_from, 8.0 + 3.0 * (cut_from - t), 8.0 - 0.5 * (t - cut_from))
    box = np.stack([np.maximum(x - 8, 0.0), y - 8, x + 8, y + 8], axis=1)
    w = box[:, 2] - box[:, 0]
    track = Track(id="t0", box=box, centroid=np.stack([(box[:, 0] + box[:, 2]) / 2, y], 1),
                  area=w * 16.0 * np.pi / 4, visible=np.ones(n, bool),
                  state=("visible",) * n, appearance=np.full((n, 6), 0.5, np.float32))
    return Tracks(tracks={"t0": track}, num_frames=n, width=64, height=64,
                  source="tracker:blob")


def test_a_fall_cut_by_the_side_edge_keeps_its_vertical_position():
    """Frames cut only by the left/right edge with the usual box height are used for the
    vertical fit (the fall from frame 4 on is seen at the left edge only)."""
    tr = trajectories(_edge_tracks(cut_from=4))["t0"]
    assert not tr.full[6:].any()  # not "full": cut regions are not judged for size
    assert tr.y_ok[:].all()
    (seg,) = free_flight_segments(tr)
    assert seg[0] <= 1 and seg[-1] == 13


def test_a_region_losing_its_height_at_the_edge_is_not_used():
    tracks = _edge_tracks(cut_from=4)
    box = np.array(tracks.tracks["t0"].box)
    box[10:, 1] += 6.0  # the top is hidden too: the box middle is no longer the object's
    object.__setattr__(tracks.tracks["t0"], "box", box)
    tr = trajectories(tracks)["t0"]
    assert not tr.y_ok[10:].any() and tr.y_ok[:10].all()


def test_a_contact_hidden_in_a_one_frame_gap_splits_the_flight():
    """The ball hits the floor in frame 4 (not seen) and rebounds only a little: across the
    gap it descends far slower than before it, which free flight never does."""
    y = [0.0, 3.0, 8.0, 15.0, np.nan, 15.5, 12.0, 10.0, 9.0, 9.5, 11.0]
    tr = _traj(y)
    tr.full[4] = tr.y_ok[4] = tr.visible[4] = False
    segs = free_flight_segments(tr)
    assert all(not (s.min() < 4 < s.max()) for s in segs)
