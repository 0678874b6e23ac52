"""FVD/KVD metrics: protocol strings, clip policy, stats files, the TF golden value, CLI."""

from __future__ import annotations

import json

import numpy as np
import pytest

from sora_bench.cache import Cache
from sora_bench.errors import ConfigError, InputError, MetricSkip
from sora_bench.metrics import get_metric
from sora_bench.metrics.base import RunContext, SampleContext
from sora_bench.metrics.fvd import DEFAULT_PROTOCOL, FVD, KVD, Protocol, clip_indices
from sora_bench.metrics.fvd_reference import (
    FORMAT,
    ReferenceBuilder,
    load_reference,
    save_reference,
)
from sora_bench.metrics.i3d_weights import SHA256
from sora_bench.types import Video


# ----------------------------------------------------------------------------- protocols
def test_default_protocol_and_registry_names():
    assert get_metric("fvd") is FVD and get_metric("kvd") is KVD
    assert FVD().protocol == DEFAULT_PROTOCOL == "fvd/i3d-k400-logits/16f/224-bilinear-stretch/[-1,1]"
    assert KVD().protocol.startswith("kvd/i3d-k400-logits/16f/224-bilinear-stretch/[-1,1]/poly3")
    assert FVD().higher_is_better is False


@pytest.mark.parametrize("text", [
    "fvd/i3d-k400-pool/16f/224-bilinear-stretch/[-1,1]",
    "fvd/i3d-k400-logits/32f-center/224-bilinear-hp-stretch/[-1,1]",
    "fvd/i3d-k400-logits/16f-s8/224-bilinear-shortside-crop/[-1,1]",
    "fvd/i3d-k400-logits/16f+loop/224-bilinear-stretch/[-1,1]",
    "fvd/i3d-k400-logits-bf16/16f/224-bilinear-stretch/[-1,1]",
])
def test_protocol_round_trip(text):
    proto = Protocol.parse(text)
    assert proto.string("fvd") == text
    assert Protocol.from_clip(proto.feature, proto.clip_string()) == proto


def test_bf16_is_its_own_protocol():
    fast = Protocol.parse("fvd/i3d-k400-logits-bf16/16f/224-bilinear-stretch/[-1,1]")
    exact = Protocol.parse(DEFAULT_PROTOCOL)
    assert fast.precision == "bf16" and fast.clip_string() != exact.clip_string()


@pytest.mark.parametrize("text", ["fvd/i3d-k400-logits/8f/224-bilinear-stretch/[-1,1]",
                                  "fvd/i3d-k400-logits/16f/224-bicubic-stretch/[-1,1]",
                                  "fvd/i3d-k400-logits/16f/224-bilinear-stretch/[0,1]",
                                  "fvd/resnet/16f/224-bilinear-stretch/[-1,1]", "nonsense"])
def test_bad_protocols_refused(text):
    with pytest.raises(ConfigError):
        FVD(protocol=text)


def test_clip_sampling_and_short_video_policy():
    p = Protocol.parse(DEFAULT_PROTOCOL)
    assert clip_indices(40, p).tolist() == list(range(16))
    centre = Protocol.parse("fvd/i3d-k400-logits/16f-center/224-bilinear-stretch/[-1,1]")
    assert clip_indices(40, centre).tolist() == list(range(12, 28))
    sub = Protocol.parse("fvd/i3d-k400-logits/16f-s8/224-bilinear-stretch/[-1,1]")
    assert clip_indices(128, sub).tolist() == list(range(0, 128, 8))
    with pytest.raises(MetricSkip) as info:
        clip_indices(15, p)
    assert info.value.reason == "too-short"
    loop = Protocol.parse("fvd/i3d-k400-logits/16f+loop/224-bilinear-stretch/[-1,1]")
    assert clip_indices(10, loop).tolist() == [*range(10), *range(6)]
    short = Video(np.zeros((12, 8, 8, 3), np.uint8), fps=8)
    with pytest.raises(MetricSkip):
        FVD().check_video(short)


# ------------------------------------------------------------------------- stats files (no I3D)
def _arrays(x_logits: np.ndarray, clip: str = "16f/224-bilinear-stretch/[-1,1]") -> dict:
    from sora_bench.metrics.frechet import GaussianStats

    rng = np.random.default_rng(1)
    pool = rng.normal(size=(x_logits.shape[0], 1024))
    out = {"format": np.array(FORMAT), "clip_protocol": np.array(clip),
           "weights_sha256": np.array(SHA256), "n": np.array(x_logits.shape[0]),
           "ids": np.array([f"v{i}" for i in range(len(x_logits))]),
           "source_sha256": np.array("0" * 64)}
    for name, x in (("logits", x_logits), ("pool", pool)):
        st = GaussianStats.from_features(x)
        out[f"{name}_mu"], out[f"{name}_sigma"] = st.mu, st.sigma
        out[f"{name}_features"] = x.astype(np.float32)
    return out


def test_identical_sets_give_zero_and_details(tmp_path):
    rng = np.random.default_rng(0)
    x = (rng.normal(size=(60, 400)) * 3).astype(np.float32).astype(np.float64)
    path = save_reference(tmp_path / "ref.npz", _arrays(x), {"test": True})
    side = json.loads((tmp_path / "ref.json").read_text())
    assert side["n"] == 60 and side["weights_sha256"] == SHA256
    assert DEFAULT_PROTOCOL in side["protocols"]
    with np.load(path, allow_pickle=False) as npz:  # no objects anywhere
        assert all(npz[k].dtype != object for k in npz.files)
    run = RunContext(settings={"reference": str(path)})
    fvd = FVD(bootstrap=50)
    res = fvd.compute(((f"v{i}", x[i]) for i in range(60)), run)
    assert abs(res.value) < 1e-6 and res.n == 60
    d = res.details
    assert d["protocol"] == DEFAULT_PROTOCOL and d["weights_sha256"] == SHA256
    assert d["reference"]["source"] == "stats file" and d["reference"]["n"] == 60
    assert d["fvd_vs_n"][-1]["n"] == 60 and res.ci95 is not None
    assert any("below the feature dimension" in w for w in res.warnings)
    shifted = fvd.compute(((f"v{i}", x[i] + 1.0) for i in range(60)), run)
    assert shifted.value == pytest.approx(400.0, rel=1e-6)  # pure mean shift: ||1||^2
    # KVD's unbiased estimator assumes independent sets: compare a fresh draw with a shift
    fresh = rng.normal(size=(60, 400)) * 3
    kvd = KVD(subsets=10, subset_size=30).compute(((f"v{i}", fresh[i]) for i in range(60)), run)
    kvd_shift = KVD(subsets=10, subset_size=30).compute(
        ((f"v{i}", fresh[i] + 1.0) for i in range(60)), run)
    assert abs(kvd.value) < 0.2 * kvd_shift.value
    assert kvd.details["protocol"].startswith("kvd/")


def test_fewer_than_two_videos_refused(tmp_path):
    x = np.random.default_rng(0).normal(size=(10, 400))
    path = save_reference(tmp_path / "ref.npz", _arrays(x), {})
    with pytest.raises(MetricSkip) as info:
        FVD().compute([("a", x[0])], RunContext(settings={"reference": str(path)}))
    assert info.value.reason == "too-few-videos"


def test_stats_file_protocol_mismatch_and_garbage(tmp_path):
    x = np.random.default_rng(0).normal(size=(10, 400))
    path = save_reference(tmp_path / "ref.npz", _arrays(x, "32f/224-bilinear-stretch/[-1,1]"), {})
    with pytest.raises(ConfigError, match="rebuild with"):
        load_reference(path, Protocol.parse(DEFAULT_PROTOCOL))
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"not a zip")
    with pytest.raises(InputError):
        load_reference(bad, Protocol.parse(DEFAULT_PROTOCOL))
    with pytest.raises(InputError):
        load_reference(tmp_path / "missing.npz", Protocol.parse(DEFAULT_PROTOCOL))


# ------------------------------------------------------------------------- golden (real I3D)
def test_tf_golden_zeros_vs_ones(tmp_path):
    """google-research TF FVD on 8 videos x 30 frames x 64x64, all zeros vs all ones in [0, 1]
    (JunyaoHu/common_metrics_on_video_quality, calculate_fvd_tensorflow.py, only_final=True:
    all 30 frames, resize_bilinear to 224, x*2/255-1, logits) gives 151.39244."""
    proto = "fvd/i3d-k400-logits/30f/224-bilinear-stretch/[-1,1]"
    cache = Cache(tmp_path / "cache")  # identical videos: one I3D pass per set
    zeros = [Video.from_array(np.zeros((30, 64, 64, 3), np.float32), 8, value_range=(0, 1))
             for _ in range(8)]
    ones = [Video.from_array(np.ones((30, 64, 64, 3), np.float32), 8, value_range=(0, 1))
            for _ in range(8)]
    builder = ReferenceBuilder(Protocol.parse(proto), cache=cache)
    for i, v in enumerate(zeros):
        builder.add(f"z{i}", v)
    ref = save_reference(tmp_path / "zeros.npz", builder.arrays(), {"golden": "zeros"})
    run = RunContext(settings={"reference": str(ref)}, cache=cache)
    fvd = FVD(protocol=proto, compile=False)
    fvd.setup(run)
    feats = []
    for i, v in enumerate(ones):
        fvd.check_video(v)
        feats.append((f"o{i}", fvd.features(v, SampleContext(sample_id=f"o{i}", run=run))))
    res = fvd.compute(feats, run)
    assert res.value == pytest.approx(151.39244, rel=1e-3)
    assert res.details["protocol"] == proto


def _blob_video(seed: int, frames: int = 16, size: int = 32) -> np.ndarray:
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:size, 0:size] / size
    out = np.empty((frames, size, size, 3), np.uint8)
    cx, cy, vx, vy = rng.uniform(0.2, 0.8, 4) - [0, 0, 0.5, 0.5]
    colour = rng.uniform(60, 255, 3)
    for t in range(frames):
        blob = np.exp(-((xx - cx - 0.03 * vx * t) ** 2 + (yy - cy - 0.03 * vy * t) ** 2) / 0.02)
        out[t] = (20 + blob[..., None] * colour).clip(0, 255).astype(np.uint8)
    return out


def test_stats_build_cli_end_to_end(tmp_path, capsys):
    from sora_bench.cli import main

    videos = tmp_path / "videos"
    videos.mkdir()
    for i in range(3):
        np.save(videos / f"clip{i}.npy", _blob_video(i))
    np.save(videos / "short.npy", _blob_video(9, frames=10))
    out = tmp_path / "ref.npz"
    code = main(["stats", "build", "--videos", str(videos), "-o", str(out), "--device", "cpu",
                 "--cache-dir", str(tmp_path / "cache")])
    assert code == 0, capsys.readouterr().err
    err = capsys.readouterr().err
    assert "left out short: skipped:too-short" in err
    side = json.loads((tmp_path / "ref.json").read_text())
    assert side["n"] == 3 and side["clip_protocol"] == "16f/224-bilinear-stretch/[-1,1]"
    assert side["source"]["left_out"] == {"short": "skipped:too-short"}
    ref = load_reference(out, Protocol.parse(DEFAULT_PROTOCOL))
    assert ref.features.shape == (3, 400) and ref.describe()["n"] == 3
    # the same videos against their own statistics: FVD 0 (features come from the cache)
    run = RunContext(settings={"reference": str(out)}, cache=Cache(tmp_path / "cache"))
    fvd = FVD(compile=False)
    fvd.setup(run)
    from sora_bench.video_io import read_video

    feats = [(f"c{i}", fvd.features(read_video(videos / f"clip{i}.npy"),
                                     SampleContext(f"c{i}", run=run))) for i in range(3)]
    assert abs(fvd.compute(feats, run).value) < 1e-6
    assert main(["stats", "build", "--videos", str(tmp_path / "nope"), "-o", str(out)]) == 2
