"""Video I/O: the Video contract, round trips, and the bad-input catalogue
(research/reliability.md (b)). Every bad input must give an InputError naming the file,
with a reason slug for the sample status and a fix."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from sora_bench.errors import InputError
from sora_bench.types import Video
from sora_bench.video_io import (
    Limits,
    discover_videos,
    encode_preview,
    natural_key,
    read_video,
    write_preview,
    write_video,
)
from tests.helpers.media import encode, frames


def _err(path: Path, **kw) -> InputError:
    with pytest.raises(InputError) as info:
        read_video(path, **kw)
    assert str(path) in str(info.value) or path.name in str(info.value)
    return info.value


# ------------------------------------------------------------------------------- round trips
def test_mp4_round_trip_keeps_shape_fps_and_content(tmp_path: Path) -> None:
    src = frames(12, 48, 64)
    p = write_video(Video(src, 12.0), tmp_path / "a.mp4")
    v = read_video(p)
    assert v.frames.shape == (12, 48, 64, 3) and v.frames.dtype == np.uint8
    assert v.fps == pytest.approx(12.0)
    assert v.meta["pix_fmt"] == "yuv420p" and v.meta["vfr"] is False
    assert np.abs(v.frames.astype(int) - src).mean() < 3.0  # crf 12: visually lossless
    assert v.meta["timestamps"][:3] == pytest.approx([0.0, 1 / 12, 2 / 12], abs=1e-4)


def test_write_is_deterministic(tmp_path: Path) -> None:
    v = Video(frames(8), 8)
    a = write_video(v, tmp_path / "a.mp4").read_bytes()
    b = write_video(v, tmp_path / "b.mp4").read_bytes()
    assert a == b


def test_odd_size_writes_and_reads_without_padding(tmp_path: Path) -> None:
    src = frames(6, 47, 63)
    v = read_video(write_video(Video(src, 8), tmp_path / "odd.mp4"))
    assert v.frames.shape == (6, 47, 63, 3)
    assert v.meta["pix_fmt"] == "yuv444p"
    assert np.abs(v.frames.astype(int) - src).mean() < 3.0


@pytest.mark.parametrize("fmt", ["webp", "gif"])
def test_previews_are_small_animations(tmp_path: Path, fmt: str) -> None:
    from PIL import Image

    v = Video(frames(30, 120, 200), 24)
    data = encode_preview(v, max_side=80, fps=8, fmt=fmt)
    p = write_preview(v, tmp_path / f"p.{fmt}", max_side=80, fps=8)
    assert p.read_bytes() == data
    with Image.open(p) as im:
        assert max(im.size) == 80
        assert getattr(im, "n_frames", 1) == 10  # 30 frames at 24 fps -> every 3rd


def test_video_contract_refuses_bad_arrays() -> None:
    with pytest.raises(InputError, match="dtype float32"):
        Video(np.zeros((2, 4, 4, 3), np.float32), 8)
    with pytest.raises(InputError, match="shape"):
        Video(np.zeros((2, 4, 4), np.uint8), 8)
    with pytest.raises(InputError, match="fps"):
        Video(np.zeros((2, 4, 4, 3), np.uint8), 0)
    with pytest.raises(InputError, match="NaN"):
        Video.from_array(np.full((2, 4, 4, 3), np.nan, np.float32), 8, value_range=(0, 1))
    with pytest.raises(InputError, match="outside the declared range"):
        Video.from_array(np.full((2, 4, 4, 3), 2.0), 8, value_range=(0, 1))
    v = Video.from_array(np.full((2, 4, 4, 3), -1.0), 8, value_range=(-1, 1))
    assert int(v.frames.max()) == 0
    assert not v.frames.flags.writeable


# ------------------------------------------------------------------------- bad-input catalogue
def test_missing_file(tmp_path: Path) -> None:
    assert _err(tmp_path / "nope.mp4").reason == "not_found"


def test_zero_byte_file(tmp_path: Path) -> None:
    p = tmp_path / "empty.mp4"
    p.write_bytes(b"")
    e = _err(p)
    assert e.reason == "empty_file" and "0 bytes" in str(e)


def test_truncated_mp4(tmp_path: Path) -> None:
    full = write_video(Video(frames(24), 8), tmp_path / "ok.mp4").read_bytes()
    p = tmp_path / "cut.mp4"
    p.write_bytes(full[: len(full) // 2])
    e = _err(p)
    assert e.reason == "corrupt_container" and "moov" in e.fix


def test_truncated_webm_is_flagged_not_silent(tmp_path: Path) -> None:
    ok = encode(tmp_path / "ok.webm", frames(48), codec="libvpx-vp9", pix_fmt="yuv420p", fps=8)
    data = ok.read_bytes()
    p = tmp_path / "cut.webm"
    p.write_bytes(data[: int(len(data) * 0.6)])
    v = read_video(p)
    assert 0 < v.num_frames < 48
    assert any("truncated_suspect" in w for w in v.warnings), v.warnings


def test_random_bytes_named_mp4(tmp_path: Path) -> None:
    p = tmp_path / "noise.mp4"
    p.write_bytes(np.random.default_rng(0).bytes(4096))
    assert _err(p).reason == "not_a_video"


def test_single_frame_video(tmp_path: Path) -> None:
    v = read_video(write_video(Video(frames(1), 8), tmp_path / "one.mp4"))
    assert v.num_frames == 1


def test_variable_frame_rate_keeps_real_frames(tmp_path: Path) -> None:
    pts = [0, 7, 19, 20, 410, 700]
    p = encode(tmp_path / "vfr.mkv", frames(6), codec="ffv1", pix_fmt="yuv420p", pts_ms=pts)
    v = read_video(p)
    assert v.num_frames == 6
    assert v.meta["vfr"] is True
    assert v.meta["timestamps"] == pytest.approx([t / 1000 for t in pts], abs=1e-3)
    assert any("variable frame rate" in w for w in v.warnings)


def test_alpha_channel_is_recorded(tmp_path: Path) -> None:
    rgba = np.concatenate([frames(6), np.full((6, 48, 64, 1), 128, np.uint8)], axis=-1)
    p = encode(tmp_path / "alpha.webm", rgba, codec="libvpx-vp9", pix_fmt="yuva420p",
               in_format="rgba")
    v = read_video(p)
    assert v.frames.shape[-1] == 3
    assert v.meta["had_alpha"] is True


def test_grayscale_becomes_rgb(tmp_path: Path) -> None:
    gray = frames(4)[..., 0]
    p = encode(tmp_path / "gray.mkv", gray, codec="ffv1", pix_fmt="gray", in_format="gray")
    v = read_video(p)
    assert v.frames.shape == (4, 48, 64, 3)
    assert np.array_equal(v.frames[..., 0], v.frames[..., 1])
    assert np.abs(v.frames[..., 0].astype(int) - gray).max() <= 1


def test_ten_bit_video(tmp_path: Path) -> None:
    p = encode(tmp_path / "ten.mkv", frames(4), codec="ffv1", pix_fmt="yuv420p10le")
    v = read_video(p)
    assert v.frames.dtype == np.uint8 and v.meta["pix_fmt"] == "yuv420p10le"


def test_decompression_bomb_gif_header_refused(tmp_path: Path) -> None:
    from PIL import Image

    p = tmp_path / "bomb.gif"
    ims = [Image.fromarray(f) for f in frames(3, 16, 16)]
    ims[0].save(p, save_all=True, append_images=ims[1:], duration=100)
    data = bytearray(p.read_bytes())
    data[6:10] = (60000).to_bytes(2, "little") * 2  # logical screen 60000x60000
    p.write_bytes(bytes(data))
    e = _err(p, limits=Limits(max_pixels=4096 * 4096))
    assert e.reason == "too_large" and "60000x60000" in str(e)


def test_frame_limit_checked(tmp_path: Path) -> None:
    p = write_video(Video(frames(10), 8), tmp_path / "long.mp4")
    assert _err(p, limits=Limits(max_frames=5)).reason == "too_many_frames"


def test_file_size_limit_checked_before_decoding(tmp_path: Path) -> None:
    p = write_video(Video(frames(10), 8), tmp_path / "big.mp4")
    assert _err(p, limits=Limits(max_file_bytes=100)).reason == "too_large"


def test_npy_object_array_refused_without_unpickling(tmp_path: Path) -> None:
    p = tmp_path / "obj.npy"
    np.save(p, np.array([{"a": 1}, None], dtype=object), allow_pickle=True)
    e = _err(p)
    assert e.reason == "bad_array" and "pickle" in str(e)


def test_npy_with_nan_refused(tmp_path: Path) -> None:
    p = tmp_path / "nan.npy"
    np.save(p, np.full((3, 8, 8, 3), np.nan, np.float32))
    assert "NaN" in str(_err(p, value_range=(0, 1)))


def test_npy_float_without_range_names_the_fix(tmp_path: Path) -> None:
    p = tmp_path / "float.npy"
    np.save(p, np.random.default_rng(0).random((3, 8, 8, 3)).astype(np.float32))
    e = _err(p)
    assert e.reason == "bad_range" and "value_range" in str(e) and "float.json" in str(e)
    (tmp_path / "float.json").write_text(json.dumps({"value_range": [0, 1], "fps": 10}))
    v = read_video(p)
    assert v.fps == 10 and v.meta["fps_source"] == "declared"


def test_npy_uint8_loads(tmp_path: Path) -> None:
    p = tmp_path / "ok.npy"
    np.save(p, frames(5))
    v = read_video(p, fps=5)
    assert v.num_frames == 5 and np.array_equal(v.frames, frames(5))


def test_frame_folder_natural_sort(tmp_path: Path) -> None:
    from PIL import Image

    d = tmp_path / "clip"
    d.mkdir()
    src = frames(12, 16, 16)
    for i in range(12):
        Image.fromarray(src[i]).save(d / f"f{i}.png")
    v = read_video(d, fps=6)
    assert np.array_equal(v.frames, src)  # f2 before f10
    assert natural_key("f2.png") < natural_key("f10.png")


def test_frame_folder_mixed_sizes(tmp_path: Path) -> None:
    from PIL import Image

    d = tmp_path / "mixed"
    d.mkdir()
    Image.new("RGB", (16, 16)).save(d / "0.png")
    Image.new("RGB", (20, 16)).save(d / "1.png")
    e = _err(d)
    assert e.reason == "mixed_sizes" and "1.png" in str(e)


def test_discover_videos_and_duplicate_ids(tmp_path: Path) -> None:
    write_video(Video(frames(2), 8), tmp_path / "a.mp4")
    np.save(tmp_path / "b.npy", frames(2))
    (tmp_path / "c").mkdir()
    from PIL import Image

    Image.new("RGB", (8, 8)).save(tmp_path / "c" / "0.png")
    (tmp_path / "notes.txt").write_text("x")
    assert sorted(discover_videos(tmp_path)) == ["a", "b", "c"]
    write_video(Video(frames(2), 8), tmp_path / "a.webm".replace("webm", "mkv"))
    with pytest.raises(InputError, match="duplicate video id 'a'"):
        discover_videos(tmp_path)
