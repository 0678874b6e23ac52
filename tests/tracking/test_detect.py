"""Detection rules of the blob tracker on hand-made frames: cast shadows under sensor noise."""

from __future__ import annotations

import numpy as np
import pytest

from sora_bench.tracking.detect import _detect

H = W = 64
SIGMA = 20 / 255  # the reference generator's ``noise`` nuisance at strength 1


def _floor(rgb: tuple[float, float, float], seed: int = 0) -> np.ndarray:
    """A textured floor (+-4 % brightness blotches), float 0..1."""
    rng = np.random.default_rng(seed)
    tex = 1.0 + 0.04 * np.kron(rng.standard_normal((H // 4, W // 4)), np.ones((4, 4)))
    return np.clip(np.array(rgb)[None, None] * tex[..., None], 0, 1).astype(np.float32)


def _disc(cy: float, cx: float, r: float) -> np.ndarray:
    ys, xs = np.indices((H, W))
    return (ys - cy) ** 2 + (xs - cx) ** 2 <= r * r


def _scene(floor_rgb, ball_rgb, noise: float, seed: int = 1):
    """A ball and, apart from it, the soft-edged shadow of something above the frame."""
    bg = _floor(floor_rgb)
    frame = bg.copy()
    shadow = _disc(44, 18, 6)
    ys, xs = np.indices((H, W))
    # penumbra: darkening 0.5 in the middle, fading to 0.75 at the rim; sky-blue tint
    depth = 0.5 + 0.25 * np.sqrt((ys - 44) ** 2 + (xs - 18) ** 2) / 6
    frame[shadow] *= depth[shadow, None] * np.array([0.95, 1.0, 1.1])
    ball = _disc(40, 46, 6)
    frame[ball] = ball_rgb
    rng = np.random.default_rng(seed)
    frame = np.clip(frame + noise * rng.standard_normal(frame.shape), 0, 1).astype(np.float32)
    import cv2

    blurred = cv2.blur(frame, (3, 3))
    return frame, blurred, bg, shadow | ball


@pytest.mark.parametrize("floor_rgb", [(0.30, 0.52, 0.21), (0.55, 0.36, 0.2)],
                         ids=["grass", "wood"])
def test_a_detached_shadow_on_a_dark_floor_is_not_an_object_under_noise(floor_rgb):
    frame, blurred, bg, fg = _scene(floor_rgb, (0.9, 0.2, 0.6), SIGMA)
    dets = _detect(frame, fg, 6, bg, blurred)
    # the ball stays, the shadow goes: the per-pixel shadow test alone keeps it (the noise
    # is as large as the darkening there)
    assert len(dets) == 1
    assert dets[0].box[0] >= 38  # the ball, not the shadow


@pytest.mark.parametrize("ball_rgb", [(0.85, 0.25, 0.25), (0.3, 0.75, 0.8), (0.6, 0.3, 0.7)],
                         ids=["red", "cyan", "purple"])
def test_a_coloured_ball_on_a_white_floor_is_kept_under_noise(ball_rgb):
    frame, blurred, bg, fg = _scene((0.92, 0.9, 0.88), ball_rgb, SIGMA)
    boxes = [d.box for d in _detect(frame, fg, 6, bg, blurred)]
    assert any(b[0] >= 38 for b in boxes)


def test_clean_frames_still_drop_the_shadow_and_keep_the_ball():
    frame, blurred, bg, fg = _scene((0.30, 0.52, 0.21), (0.9, 0.2, 0.6), 0.0)
    dets = _detect(frame, fg, 6, bg, blurred)
    assert len(dets) == 1 and dets[0].box[0] >= 38


def _small_shadow(seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """A ball and the small, deep, sky-tinted shadow (radius 2.6 px, ~20 px) of something
    above the frame on a dark grass floor, under sensor noise: per channel the dimming fit
    of so few dark pixels scatters by ~0.2, so its channels look tinted well past 1.45."""
    bg = _floor((0.12, 0.32, 0.10))
    frame = bg.copy()
    shadow = _disc(44, 18, 2.6)
    frame[shadow] *= 0.45 * np.array([0.9, 1.0, 1.3])
    ball = _disc(40, 46, 6)
    frame[ball] = (0.9, 0.2, 0.6)
    rng = np.random.default_rng(seed)
    frame = np.clip(frame + SIGMA * rng.standard_normal(frame.shape), 0, 1).astype(np.float32)
    import cv2

    return frame, cv2.blur(frame, (3, 3)), bg, shadow | ball


def test_a_small_shadow_on_a_dark_floor_is_not_an_object_under_noise():
    for seed in range(10):
        frame, blurred, bg, fg = _small_shadow(seed)
        dets = _detect(frame, fg, 6, bg, blurred)
        assert len(dets) == 1 and dets[0].box[0] >= 38, seed


@pytest.mark.parametrize("rgb", [(0.6, 0.3, 0.7), (0.85, 0.25, 0.25), (0.1, 0.1, 0.45)],
                         ids=["purple", "red", "dark-blue"])
def test_a_small_object_on_a_dark_floor_is_kept_under_noise(rgb):
    for seed in range(10):
        bg = _floor((0.12, 0.32, 0.10))
        frame = bg.copy()
        obj = _disc(44, 18, 2.6)
        frame[obj] = rgb
        rng = np.random.default_rng(seed)
        frame = np.clip(frame + SIGMA * rng.standard_normal(frame.shape), 0, 1).astype(np.float32)
        import cv2

        dets = _detect(frame, obj, 6, bg, cv2.blur(frame, (3, 3)))
        assert len(dets) == 1, seed
