"""The static-camera background model (tracking.background.static_background)."""

from __future__ import annotations

import numpy as np

from sora_bench.tracking.background import static_background

FLOOR = np.array([0.55, 0.5, 0.45], np.float32)


def _floor(t_n: int = 20, size: int = 40) -> np.ndarray:
    frames = np.tile(FLOOR, (t_n, size, size, 1))
    frames[:, ::6, :] *= 0.85  # grout lines: a textured floor
    return frames


def test_object_resting_over_half_the_clip_is_not_background():
    frames = _floor()
    frames[9:, 12:20, 12:20] = (0.9, 0.1, 0.1)  # arrives at frame 9 of 20 and stays
    bg = static_background(frames)
    assert np.allclose(bg[13:19, 13:19], frames[0, 13:19, 13:19], atol=0.02)
    assert np.allclose(np.median(frames, axis=0)[13:19, 13:19], (0.9, 0.1, 0.1))  # the old way


def test_two_objects_sharing_a_spot_leave_the_floor_not_their_mixture():
    frames = _floor()
    frames[2:11, 12:20, 12:20] = (0.9, 0.1, 0.1)   # red rests for 9 frames,
    frames[11:, 12:20, 12:20] = (0.1, 0.2, 0.9)    # then blue for the last 9
    bg = static_background(frames)
    assert np.allclose(bg[13:19, 13:19], frames[0, 13:19, 13:19], atol=0.02)


def test_floor_and_passing_objects_are_left_alone():
    frames = _floor()
    for t in range(20):  # a ball crossing: each pixel covered in a few frames only
        frames[t, 12:20, 2 * t:2 * t + 8] = (0.1, 0.8, 0.2)
    bg = static_background(frames)
    assert np.allclose(bg, np.median(_floor(), axis=0), atol=1e-6)


def test_an_object_that_never_leaves_stays_in_the_background():
    frames = _floor()
    frames[:, 12:20, 12:20] = (0.9, 0.1, 0.1)
    assert np.allclose(static_background(frames)[12:20, 12:20], (0.9, 0.1, 0.1))
