"""occlusion.in_background: a track's unseen frames where its object sits inside the
background model (a box that slid in at the image edge and stopped there) are ``at_rest``,
not a vanish or a pop-in; an object that really went, or was not there yet, stays absent."""

from __future__ import annotations

import numpy as np
import pytest

from sora_bench.generator.reference import render_scene
from sora_bench.metrics.base import RunContext, SampleContext
from sora_bench.metrics.permanence import ObjectPermanence
from sora_bench.tracking.detect import _Det
from sora_bench.tracking.occlusion import in_background
from sora_bench.types import Prompt
from tests.calibration.scenes import FPS, FRAMES, SIZE, calibration_scene

T = 10
FLOOR = (0.88, 0.88, 0.88)
YELLOW = (0.9, 0.82, 0.1)
#: the strip of the box the tracker saw (the rest of it is in the background model)
STRIP = np.array([57.0, 43.0, 67.0, 56.0])


def _sliver(frame_shows: np.ndarray, bg_holds: bool = True, colour=YELLOW):
    """A yellow box resting at x 66-78 that the background model holds (``bg_holds``); the
    tracker saw only the strip it crossed (x 57-67) in frames 3-5. ``frame_shows[t]``: the
    frame shows the box in frame t."""
    frames = np.full((T, 80, 80, 3), FLOOR, np.float32)
    bg = frames.copy()
    for t in range(T):
        if frame_shows[t]:
            frames[t, 43:56, 66:78] = colour
    if bg_holds:
        bg[:, 43:56, 66:78] = colour
    c = np.array(colour, np.float32) * 0.7  # the strip is a shaded face
    app = np.concatenate([c, c / c.sum()]).astype(np.float32)
    obs = {t: _Det(STRIP.copy(), np.array([62.0, 49.5]), 120.0, app) for t in (3, 4, 5)}
    state = ("absent",) * 3 + ("visible",) * 3 + ("absent",) * (T - 6)
    return in_background(state, obs, frames, bg, np.repeat(np.eye(3)[None], T, 0))


def test_an_object_held_by_the_background_next_to_its_track_is_at_rest():
    state = _sliver(np.ones(T, bool))
    assert state == ("at_rest",) * 3 + ("visible",) * 3 + ("at_rest",) * (T - 6)


def test_an_object_no_longer_in_the_frame_is_absent():
    # vanished after frame 5: the background model still holds it, the frame does not
    shows = np.arange(T) <= 5
    state = _sliver(shows)
    assert state[:3] == ("at_rest",) * 3 and state[6:] == ("absent",) * (T - 6)


def test_nothing_of_its_colour_before_it_was_found_is_absent():
    # a pop-in: neither frame nor background showed it before frame 3
    state = _sliver(np.arange(T) >= 3, bg_holds=False)
    assert state[:3] == ("absent",) * 3


def test_another_hue_nearby_does_not_excuse_a_track():
    # an orange box held by the background next to a yellow track is another object
    frames = np.full((T, 80, 80, 3), FLOOR, np.float32)
    frames[:, 43:56, 66:78] = (0.95, 0.5, 0.1)
    c = np.array(YELLOW, np.float32) * 0.7
    app = np.concatenate([c, c / c.sum()]).astype(np.float32)
    obs = {t: _Det(STRIP.copy(), np.array([62.0, 49.5]), 120.0, app) for t in (3, 4, 5)}
    state = ("absent",) * 3 + ("visible",) * 3 + ("absent",) * (T - 6)
    out = in_background(state, obs, frames, frames.copy(), np.repeat(np.eye(3)[None], T, 0))
    assert out == state


def test_a_grey_track_is_left_as_it_is():
    state = _sliver(np.ones(T, bool), colour=(0.3, 0.3, 0.3))
    assert state[:3] == ("absent",) * 3 and state[6:] == ("absent",) * (T - 6)


def _permanence(scene_index: int, defect: str | None) -> float:
    video, _ = render_scene(calibration_scene(scene_index), width=SIZE, height=SIZE,
                            num_frames=FRAMES, fps=FPS, seed=scene_index, defect=defect)
    ctx = SampleContext(f"s{scene_index}", truth=None,
                        prompt=Prompt(f"c{scene_index}", "calibration",
                                      scene=calibration_scene(scene_index)),
                        run=RunContext(settings={"tracks": "pixels"}))
    return float(ObjectPermanence().score(video, ctx).value)


def test_a_box_sliding_in_at_the_edge_and_resting_there_is_no_pop_in():
    # calibration scene 402: a yellow cube slides in from the right edge and stops by it; the
    # static background takes most of it in (before: a pop-in at frame 3, score 0.4)
    assert _permanence(402, None) == 1.0
    assert _permanence(402, "vanish") < ObjectPermanence.FLAG_BELOW


@pytest.mark.parametrize("sky_rows, blue, box, area", [
    # a blue ball lost under a blue sky: the sky runs on past the search window
    (30, (0.2, 0.3, 0.85), (34.0, 30.0, 46.0, 42.0), 144.0),
    # a big track: its search window reaches both image sides, so the sky band is bounded
    # by the image there; it still spans the picture and is no object
    (22, (0.39, 0.5, 0.83), (12.0, 34.0, 32.0, 59.0), 290.0),
])
def test_scenery_of_the_track_colour_does_not_excuse_it(sky_rows, blue, box, area):
    frames = np.full((T, 80, 80, 3), FLOOR, np.float32)
    frames[:, :sky_rows] = (0.3, 0.5, 0.9)
    c = np.array(blue, np.float32)
    app = np.concatenate([c, c / c.sum()]).astype(np.float32)
    box = np.array(box)
    centre = np.array([(box[0] + box[2]) / 2, (box[1] + box[3]) / 2])
    obs = {t: _Det(box.copy(), centre, area, app) for t in (0, 1, 2)}
    state = ("visible",) * 3 + ("absent",) * (T - 3)
    out = in_background(state, obs, frames, frames.copy(), np.repeat(np.eye(3)[None], T, 0))
    assert out == state
