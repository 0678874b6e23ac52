"""Trajectory helpers: landings and free-flight segments on pixel-like positions."""

from __future__ import annotations

import numpy as np

from sora_bench.metrics.physics_traj import Traj, _landings, free_flight_segments


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
