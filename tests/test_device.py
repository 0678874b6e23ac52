"""Device selection and the exact-float32 switch (CPU-testable: the flags exist without CUDA)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from sora_bench.device import exact_float32, resolve_device
from sora_bench.errors import ConfigError


def _conv_tf32() -> str:
    return torch.backends.cudnn.conv.fp32_precision


def test_auto_resolves_to_an_available_device():
    dev = resolve_device("auto")
    assert dev == "cpu" or dev.startswith("cuda:") or dev == "mps"
    assert resolve_device("CPU") == "cpu"


def test_unknown_or_missing_device_is_a_config_error():
    with pytest.raises(ConfigError, match="expected auto, cpu"):
        resolve_device("tpu")
    if not torch.cuda.is_available():
        with pytest.raises(ConfigError, match="use --device cpu"):
            resolve_device("cuda:0")


def test_exact_float32_switches_tf32_off_and_restores_it():
    before = (_conv_tf32(), torch.backends.cuda.matmul.fp32_precision)
    with exact_float32():
        assert _conv_tf32() == "ieee"
        assert torch.backends.cuda.matmul.fp32_precision == "ieee"
    assert (_conv_tf32(), torch.backends.cuda.matmul.fp32_precision) == before
    with pytest.raises(RuntimeError, match="boom"), exact_float32():
        raise RuntimeError("boom")
    assert (_conv_tf32(), torch.backends.cuda.matmul.fp32_precision) == before


@pytest.mark.parametrize(("precision", "want"), [("fp32", "ieee"), ("bf16", None)])
def test_i3d_forward_runs_the_exact_protocol_without_tf32(monkeypatch, precision, want):
    from sora_bench.metrics import fvd

    seen = []

    def fake_model(clip):
        seen.append(_conv_tf32())
        return torch.zeros(1, 400), torch.zeros(1, 1024)

    monkeypatch.setitem(fvd._MODELS, ("cpu", precision, False), fake_model)
    logits, pool = fvd.i3d_forward(torch.zeros(1, 3, 16, 8, 8), "cpu", precision)
    assert logits.shape == (400,) and pool.shape == (1024,) and np.all(logits == 0)
    assert seen == [want or _conv_tf32()]
