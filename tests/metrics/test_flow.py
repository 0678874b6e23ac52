"""DIS flow bank: flow sanity on known motion, warping, occlusion, interpolation, sharing."""

from __future__ import annotations

import numpy as np
import pytest

cv2 = pytest.importorskip("cv2")

from sora_bench.metrics.flow import (  # noqa: E402
    FlowBank,
    fb_consistency,
    flow_magnitude,
    interpolate_midframe,
    top_fraction_mean,
    video_flow,
    warp,
    working_size,
)


def texture(h: int, w: int, seed: int = 0, cell: int = 4) -> np.ndarray:
    """Smooth random RGB texture, float64 0..255 (cubic-upsampled noise)."""
    rng = np.random.default_rng(seed)
    a = rng.random((h // cell + 2, w // cell + 2, 3)) * 255
    return np.clip(cv2.resize(a, (w, h), interpolation=cv2.INTER_CUBIC), 0, 255)


def square_video(dx: int, dy: int, size: int = 96, side: int = 32) -> np.ndarray:
    """A textured square on a static textured background, moved by (dx, dy) between 2 frames.

    (A flat background would leave the background flow undetermined: the aperture problem.)
    """
    patch = texture(side, side, seed=3)
    frames = np.stack([0.5 * texture(size, size, seed=9) + 64] * 2)
    y0 = x0 = (size - side) // 2 - 4
    frames[0, y0:y0 + side, x0:x0 + side] = patch
    frames[1, y0 + dy:y0 + dy + side, x0 + dx:x0 + dx + side] = patch
    return frames.astype(np.uint8)


@pytest.mark.parametrize(("dx", "dy"), [(3, 0), (0, -2), (4, 3)])
def test_translated_square_gives_its_displacement(dx: int, dy: int) -> None:
    bank = FlowBank(square_video(dx, dy))
    f = bank.flow(0, 1)
    y0 = x0 = (96 - 32) // 2 - 4
    inner = f[y0 + 6:y0 + 26, x0 + 6:x0 + 26]
    assert np.median(inner[..., 0]) == pytest.approx(dx, abs=0.25)
    assert np.median(inner[..., 1]) == pytest.approx(dy, abs=0.25)
    # far background (static, never covered) does not move
    assert np.abs(f[:8, :8]).max() < 0.5


def test_warp_aligns_next_frame_and_identity_is_exact() -> None:
    v = square_video(3, 2)
    bank = FlowBank(v)
    warped, inside = bank.warped(0, 1)
    m = bank.matched(0, 1)
    err = np.abs(warped - v[0].astype(np.float32)).mean(-1)
    assert m.mean() > 0.8 and inside.mean() > 0.95  # a little sub-pixel border noise
    raw = np.abs(v[1].astype(np.float32) - v[0].astype(np.float32)).mean(-1)
    assert err[m].mean() < 3.0  # bilinear resampling; the square's sharp edges
    assert err[m].mean() < 0.25 * raw[m].mean()
    img = v[0].astype(np.float32)
    same, ok = warp(img, np.zeros((96, 96, 2), np.float32))
    assert ok.all() and np.array_equal(same, img)


def test_fb_consistency_flags_disagreeing_and_outgoing_vectors() -> None:
    fwd = np.zeros((20, 20, 2), np.float32)
    fwd[..., 0] = 2.0
    assert fb_consistency(fwd, -fwd)[:, :17].all()  # consistent, lands inside
    assert not fb_consistency(fwd, -fwd)[:, 18:].any()  # lands outside the frame
    assert not fb_consistency(fwd, np.zeros_like(fwd)).any()  # backward disagrees


def test_top_fraction_mean_matches_vbench_sort() -> None:
    rng = np.random.default_rng(0)
    mag = rng.random((37, 53)) * 10
    k = int(mag.size * 0.05)
    ref = np.sort(mag.ravel())[::-1][:k].mean()
    assert top_fraction_mean(mag, 0.05) == pytest.approx(ref, rel=1e-12)
    assert top_fraction_mean(np.ones(10), 0.02) == 1.0  # at least one value


def test_flow_magnitude() -> None:
    f = np.array([[[3.0, 4.0]]], np.float32)
    assert flow_magnitude(f)[0, 0] == pytest.approx(5.0)


def test_working_size_caps_short_side() -> None:
    assert working_size(512, 1024) == (256, 512)
    assert working_size(100, 60) == (100, 60)
    assert working_size(8, 16) == (32, 64)
    assert working_size(720, 1280, 128) == (128, 228)
    bank = FlowBank(np.zeros((2, 300, 600, 3), np.uint8))
    assert bank.size == (256, 512) and bank.rgb.shape == (2, 256, 512, 3)


def test_interpolation_beats_blending_on_linear_motion() -> None:
    big = texture(64, 96, seed=1, cell=6)
    frames = np.stack([big[:, 2 * t:2 * t + 64] for t in range(3)])  # 2 px / frame pan
    frames = np.clip(np.rint(frames), 0, 255).astype(np.uint8)
    bank = FlowBank(frames)
    mid = interpolate_midframe(bank.rgb[0], bank.rgb[2], bank.flow(0, 2), bank.flow(2, 0))
    truth = frames[1].astype(np.float32)
    blend = 0.5 * (frames[0].astype(np.float32) + frames[2].astype(np.float32))
    inner = (slice(6, -6), slice(6, -6))
    err = np.abs(mid - truth)[inner].mean()
    assert err < 1.0
    assert np.abs(blend - truth)[inner].mean() > 5 * err


def test_bank_memoises_and_identity_pairs_are_free() -> None:
    bank = FlowBank(square_video(2, 0))
    a = bank.flow(0, 1)
    b = bank.flow(0, 1)
    assert a is b and bank.calls == 1
    assert not bank.flow(1, 1).any() and bank.calls == 1
    with pytest.raises(IndexError):
        bank.flow(0, 2)
    with pytest.raises(ValueError, match="preset"):
        FlowBank(square_video(2, 0), preset="slow")


def test_video_flow_is_shared_through_the_sample_context() -> None:
    from sora_bench.metrics.base import SampleContext
    from sora_bench.types import Video

    v = Video(square_video(2, 1), fps=8)
    ctx = SampleContext("s")
    assert video_flow(v, ctx) is video_flow(v, ctx)
    assert video_flow(v, ctx, preset="fast") is not video_flow(v, ctx)
    assert video_flow(v, None) is not video_flow(v, None)
    assert any(k.startswith("flow:dis-medium") for k in ctx.memo)
