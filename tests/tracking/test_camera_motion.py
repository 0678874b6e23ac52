"""Camera-motion estimate and colour split of the blob tracker, on synthetic frames."""

from __future__ import annotations

import numpy as np
import pytest

from sora_bench.tracking.background import compact_regions
from sora_bench.tracking.camera_motion import estimate_camera_motion
from sora_bench.tracking.detect import _detect, split_by_colour


def _scene(h: int = 80, w: int = 120, seed: int = 0) -> np.ndarray:
    """A wide textured backdrop (smooth random blobs in colour), float 0..1."""
    import cv2

    rng = np.random.default_rng(seed)
    img = rng.random((h, w, 3)).astype(np.float32)
    return np.clip(cv2.GaussianBlur(img, (0, 0), 2.0) * 2.5 - 0.75, 0, 1)


def _crops(backdrop: np.ndarray, shifts: np.ndarray, size: int = 64) -> np.ndarray:
    """Frames seen by a camera whose view moves by ``shifts[t]`` px (content moves the other
    way), sub-pixel by bilinear sampling."""
    import cv2

    out = []
    for dx, dy in shifts:
        m = np.array([[1, 0, 20 + dx], [0, 1, 8 + dy]], np.float32)
        out.append(cv2.warpAffine(backdrop, m, (size, size),
                                  flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP))
    return np.stack(out)


def _true_f2r(shifts: np.ndarray) -> np.ndarray:
    # frame t px -> frame 0 px: a point at x in frame t is at x + (shift_t - shift_0) in frame 0
    return shifts - shifts[0]


@pytest.mark.parametrize("path", ["pan", "diagonal", "ease"])
def test_recovers_slow_subpixel_camera_translation(path):
    """0.3-0.8 px per frame (below what pairwise registration resolves) to within 0.15 px."""
    t = np.arange(16, dtype=np.float64)
    shifts = {"pan": np.stack([0.6 * t, 0 * t], 1),
              "diagonal": np.stack([0.4 * t, -0.3 * t], 1),
              "ease": np.stack([12 * (t / 15) ** 2 * (3 - 2 * t / 15), 0 * t], 1)}[path]
    frames = _crops(_scene(), shifts)
    f2r, _ = estimate_camera_motion(frames)
    err = np.abs(f2r[:, :2, 2] - _true_f2r(shifts)).max()
    assert err < 0.15, (err, f2r[:, :2, 2].round(2).tolist())
    assert np.allclose(f2r[:, :2, :2], np.eye(2))


def test_static_camera_stays_exactly_static_with_moving_object_and_noise():
    rng = np.random.default_rng(1)
    frames = _crops(_scene(), np.zeros((16, 2)))
    for t in range(16):  # a bright square crossing the view, plus sensor noise
        frames[t, 20:34, 4 + 3 * t:18 + 3 * t] = (1.0, 0.1, 0.1)
    frames = np.clip(frames + rng.normal(0, 0.03, frames.shape), 0, 1).astype(np.float32)
    f2r, _ = estimate_camera_motion(frames)
    assert np.array_equal(f2r, np.tile(np.eye(3), (16, 1, 1)))


def test_axis_the_background_cannot_see_is_not_estimated():
    """Horizontal stripes only constrain y: a vertical camera move is found, x stays 0 even
    though a moving object offers x texture."""
    t_n = 14
    h = w = 64
    base = np.zeros((h + 40, w, 3), np.float32)
    base[:] = (0.5, 0.6, 0.4)
    base[::7] = (0.2, 0.3, 0.2)  # horizontal lines
    base[3::7] = (0.8, 0.8, 0.7)
    frames = np.stack([base[10 + int(round(0.0)) + k: 10 + k + h] for k in range(t_n)])  # 1 px/frame
    for t in range(t_n):
        frames[t, 30:40, 5 + 3 * t:15 + 3 * t] = (0.9, 0.1, 0.1)
    f2r, _ = estimate_camera_motion(frames)
    assert np.abs(f2r[:, 0, 2]).max() == 0.0
    assert np.abs(f2r[:, 1, 2] - np.arange(t_n)).max() < 0.2  # rows move up: t px -> 0 px is +t


def test_excluded_pixels_carry_no_weight():
    """A large object moving with constant velocity would drag the estimate; excluded, the
    static background wins."""
    frames = _crops(_scene(seed=3), np.zeros((12, 2)))
    mask = np.zeros(frames.shape[:3], bool)
    for t in range(12):
        frames[t, 8:56, 10 + 2 * t:34 + 2 * t] = _scene(seed=9)[:48, :24]
        mask[t, 6:58, 8 + 2 * t:36 + 2 * t] = True
    f2r, _ = estimate_camera_motion(frames, exclude=mask)
    assert np.abs(f2r[:, :2, 2]).max() == 0.0


def test_compact_regions_keeps_objects_not_bands():
    fg = np.zeros((1, 40, 40), bool)
    fg[0, 5:10, 5:10] = True  # an object
    fg[0, 20:23, :] = True  # a band across the image: misregistered background
    out = compact_regions(fg, dilate=0)
    assert out[0, 5:10, 5:10].all() and not out[0, 20:23].any()


def test_split_by_colour_separates_touching_objects_of_different_hue():
    frame = np.full((40, 60, 3), 0.7, np.float32)
    bg = frame.copy()
    frame[10:30, 10:30] = (0.85, 0.15, 0.15)  # red block
    frame[10:30, 30:50] = (0.15, 0.25, 0.85)  # blue block touching it
    frame[18:22, 12:48] = (0.95, 0.95, 0.95)  # a white stripe across both
    fg = np.linalg.norm(frame - bg, axis=-1) > 0.12
    dets = _detect(frame, fg, 10, bg)
    assert len(dets) == 2
    reds = [d for d in dets if d.app[0] > d.app[2]]
    assert len(reds) == 1 and reds[0].box[2] <= 31 and reds[0].box[0] >= 9


def test_split_by_colour_leaves_one_coloured_object_whole():
    from scipy import ndimage

    frame = np.full((40, 60, 3), 0.7, np.float32)
    frame[10:30, 10:40] = (0.85, 0.15, 0.15)
    frame[10:30, 25:40] *= 0.6  # its shaded half: same hue, darker
    lab, n = ndimage.label(np.linalg.norm(frame - 0.7, axis=-1) > 0.12)
    _, n2 = split_by_colour(lab, n, frame, 10, np.full_like(frame, 0.7))
    assert n2 == n == 1


def test_follows_a_colour_horizon_through_heavy_noise():
    """Blue sky over green grass (an edge with little grey contrast), tilting 0.8 px per
    frame under sensor noise (sd 0.08, 20 grey levels): y to within half a pixel, and the
    noise does not pose as x motion."""
    import cv2

    t_n, size = 18, 64
    rng = np.random.default_rng(5)
    tall = np.zeros((size + 40, size, 3), np.float32)
    tall[: size // 2 + 20] = (0.45, 0.6, 0.85)
    tall[size // 2 + 20:] = (0.35, 0.6, 0.25)
    frames = []
    for t in range(t_n):
        m = np.array([[1, 0, 0], [0, 1, 20 - 0.8 * t]], np.float32)
        f = cv2.warpAffine(tall, m, (size, size), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP)
        frames.append(f + rng.normal(0, 0.08, f.shape).astype(np.float32))
    frames = np.stack([cv2.blur(np.clip(f, 0, 1), (3, 3)) for f in frames])
    f2r, _ = estimate_camera_motion(frames)
    assert np.abs(f2r[:, 1, 2] + 0.8 * np.arange(t_n)).max() < 0.5, f2r[:, 1, 2].round(2)
    assert np.abs(f2r[:, 0, 2]).max() == 0.0


def test_split_drops_floor_coloured_ghost_part_and_rim_blends():
    """A purple ball whose region also holds floor-coloured pixels where the background
    model remembers the ball (ghost part), and a rim that blends purple with the brown
    floor: neither becomes a second object."""
    floor = np.array((0.63, 0.44, 0.29), np.float32)
    frame = np.tile(floor, (40, 60, 1))
    bg = frame.copy()
    frame[10:30, 20:34] = (0.6, 0.38, 0.72)  # the ball
    bg[10:30, 34:42] = (0.6, 0.38, 0.72)  # where the median still sees it
    frame[10:30, 34:42] = floor  # ... but the frame shows floor there
    frame[10:30, 18:20] = 0.5 * np.array((0.6, 0.38, 0.72)) + 0.5 * floor  # rim blend
    fg = np.zeros((40, 60), bool)
    fg[10:30, 18:42] = True
    dets = _detect(frame, fg, 10, bg)
    assert len(dets) == 1
    assert dets[0].box[2] <= 35  # the ghost part left the region
