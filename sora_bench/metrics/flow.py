"""Dense optical flow for the temporal metrics: OpenCV DIS, computed once per video.

Conventions (used by every function here):

- A flow field is float32 ``(h, w, 2)`` in pixels of the *working resolution*; channel 0 is
  x (right), channel 1 is y (down).
- ``flow(i, j)`` maps frame i onto frame j: ``f_i(x) ~ f_j(x + F_ij(x))``. Sampling ``f_j`` at
  ``x + F_ij(x)`` (backward warping, :func:`warp`) therefore gives ``f_j`` aligned to ``f_i``.
- Working resolution: frames whose short side exceeds ``max_side`` (default 256) are shrunk
  with ``cv2.INTER_AREA`` so the short side is ``max_side``; smaller frames are used as is.
  Frames whose short side is under ``MIN_SIDE`` (32) are enlarged (INTER_LINEAR) to that
  size, because DIS refuses images under 12 px. Resolution-scaled thresholds (VBench's
  ``thres * min(H, W) / 256``) are applied to the working size, which is equivalent
  because flow magnitudes shrink by the same factor.
- DIS runs on BT.601 grey (``cv2.COLOR_RGB2GRAY``), default preset ``medium``.

:class:`FlowBank` memoises every pair it computes, so the five temporal metrics of one
sample share the work: get it through :func:`video_flow`, which stores the bank under
``ctx.shared("flow:<protocol>", ...)``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from ..types import Video
    from .base import SampleContext

__all__ = [
    "PRESETS",
    "FlowBank",
    "video_flow",
    "flow_protocol",
    "working_size",
    "warp",
    "fb_consistency",
    "flow_magnitude",
    "top_fraction_mean",
    "interpolate_midframe",
]

#: DIS presets by name (values resolved lazily from cv2).
PRESETS = ("ultrafast", "fast", "medium")

#: Short side below which frames are enlarged for DIS (it needs >= 12 px).
MIN_SIDE = 32

#: Forward-backward consistency test (Sundaram, Brox & Keutzer 2010; the form used by
#: EvalCrafter's occlusion mask): a pixel is occluded when
#: ``|F + B(x+F)|^2 > FB_ALPHA * (|F|^2 + |B(x+F)|^2) + FB_BETA``.
FB_ALPHA = 0.01
FB_BETA = 0.5


def _cv2() -> Any:
    import cv2  # lazy: keep `import sora_bench.metrics` cheap

    return cv2


def flow_protocol(preset: str = "medium", max_side: int = 256) -> str:
    """The protocol fragment naming the flow: ``dis-medium@short32..256-area-gray601``."""
    return f"dis-{preset}@short{MIN_SIDE}..{max_side}-area-gray601"


def working_size(height: int, width: int, max_side: int = 256) -> tuple[int, int]:
    """``(h, w)`` of the working resolution: the short side capped at ``max_side`` (and
    raised to ``MIN_SIDE``)."""
    short = min(height, width)
    if MIN_SIDE <= short <= max_side:
        return height, width
    s = (max_side if short > max_side else MIN_SIDE) / short
    return max(1, round(height * s)), max(1, round(width * s))


def flow_magnitude(flow: np.ndarray) -> np.ndarray:
    """Per-pixel Euclidean length of a flow field, float32 ``(h, w)``."""
    return np.sqrt(flow[..., 0] ** 2 + flow[..., 1] ** 2)


def top_fraction_mean(values: np.ndarray, fraction: float) -> float:
    """Mean of the largest ``int(N * fraction)`` values (at least one), as VBench does.

    VBench sorts the magnitudes and averages the first ``int(h*w*fraction)``; a partition
    gives the same set in O(N).
    """
    flat = np.asarray(values, dtype=np.float64).ravel()
    k = max(1, int(flat.size * fraction))
    if k >= flat.size:
        return float(flat.mean())
    top = np.partition(flat, flat.size - k)[flat.size - k :]
    return float(top.mean())


def _grid(h: int, w: int) -> tuple[np.ndarray, np.ndarray]:
    gx, gy = np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))
    return gx, gy


def warp(image: np.ndarray, flow: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Backward-warp ``image`` by ``flow``: ``out(x) = image(x + flow(x))``, bilinear.

    Returns ``(out, inside)``: ``out`` has ``image``'s dtype and shape (float32 when the
    input is float), ``inside`` is a bool ``(h, w)`` mask of samples that fell inside the
    image (outside ones are border-replicated and must be treated as unmatched).
    """
    cv2 = _cv2()
    h, w = flow.shape[:2]
    gx, gy = _grid(h, w)
    mx = gx + flow[..., 0]
    my = gy + flow[..., 1]
    out = cv2.remap(image, mx, my, interpolation=cv2.INTER_LINEAR,
                    borderMode=cv2.BORDER_REPLICATE)
    inside = (mx >= 0) & (mx <= w - 1) & (my >= 0) & (my <= h - 1)
    return out, inside


def fb_consistency(fwd: np.ndarray, bwd: np.ndarray) -> np.ndarray:
    """Non-occlusion mask of ``fwd`` (i -> j) given ``bwd`` (j -> i): True = matched.

    A pixel is kept when its forward vector lands inside frame j and the backward flow at
    the landing point brings it back (see ``FB_ALPHA``/``FB_BETA``).
    """
    bwd_at, inside = warp(np.ascontiguousarray(bwd, dtype=np.float32), fwd)
    s = fwd + bwd_at
    lhs = (s**2).sum(-1)
    rhs = FB_ALPHA * ((fwd**2).sum(-1) + (bwd_at**2).sum(-1)) + FB_BETA
    return (lhs <= rhs) & inside


def _splat(image: np.ndarray, flow: np.ndarray, weight: np.ndarray
           ) -> tuple[np.ndarray, np.ndarray]:
    """Average-splat ``image`` forward along ``flow`` with bilinear kernels.

    Returns ``(sum of weight*value per target pixel (h, w, C), sum of weights (h, w))``.
    """
    h, w, c = image.shape
    gx, gy = _grid(h, w)
    tx = (gx + flow[..., 0]).ravel().astype(np.float64)
    ty = (gy + flow[..., 1]).ravel().astype(np.float64)
    x0 = np.floor(tx)
    y0 = np.floor(ty)
    fx = tx - x0
    fy = ty - y0
    x0 = x0.astype(np.int64)
    y0 = y0.astype(np.int64)
    # the 4 bilinear corners at once: (4, N) indices and kernel weights
    xi = np.stack([x0, x0 + 1, x0, x0 + 1])
    yi = np.stack([y0, y0, y0 + 1, y0 + 1])
    k = np.stack([(1 - fx) * (1 - fy), fx * (1 - fy), (1 - fx) * fy, fx * fy])
    k *= weight.ravel()[None, :]
    k[(xi < 0) | (xi >= w) | (yi < 0) | (yi >= h)] = 0.0  # off-image corners drop out
    idx = (np.clip(yi, 0, h - 1) * w + np.clip(xi, 0, w - 1)).ravel()
    kw = k.ravel()
    vals = image.reshape(-1, c)
    wsum = np.bincount(idx, weights=kw, minlength=h * w)
    acc = np.empty((h * w, c))
    for ch in range(c):
        v = np.tile(vals[:, ch].astype(np.float64), 4)
        acc[:, ch] = np.bincount(idx, weights=kw * v, minlength=h * w)
    return acc.reshape(h, w, c), wsum.reshape(h, w)


def interpolate_midframe(f0: np.ndarray, f1: np.ndarray, f01: np.ndarray, f10: np.ndarray,
                         m0: np.ndarray | None = None, m1: np.ndarray | None = None,
                         occluded_weight: float = 0.1) -> np.ndarray:
    """Synthesise the frame halfway between ``f0`` and ``f1`` (float32 ``(h, w, 3)``, 0..255).

    Bidirectional average splatting: every pixel of ``f0`` is pushed to ``x + F01/2`` and
    every pixel of ``f1`` to ``x + F10/2`` with bilinear kernels; pixels that fail the
    forward-backward test weigh ``occluded_weight`` (they may still be the only witness of
    background that is uncovered at mid time). Target pixels nobody reaches take the plain
    average ``(f0 + f1) / 2``. ``m0``/``m1`` are the forward-backward masks of ``f01``/``f10``
    (computed here when not given).
    """
    if m0 is None:
        m0 = fb_consistency(f01, f10)
    if m1 is None:
        m1 = fb_consistency(f10, f01)
    w0 = np.where(m0, 1.0, occluded_weight)
    w1 = np.where(m1, 1.0, occluded_weight)
    a0, s0 = _splat(f0, 0.5 * f01, w0)
    a1, s1 = _splat(f1, 0.5 * f10, w1)
    acc = a0 + a1
    wsum = s0 + s1
    blend = 0.5 * (f0.astype(np.float64) + f1.astype(np.float64))
    filled = wsum > 1e-3
    out = np.where(filled[..., None], acc / np.maximum(wsum, 1e-12)[..., None], blend)
    return out.astype(np.float32)


class FlowBank:
    """Per-video store of working-resolution frames and memoised DIS flow between pairs.

    ``flow(i, j)`` is computed on first request and kept; ``calls`` counts DIS runs (the
    sharing test counts them). ``consecutive()`` fills every ``(t, t+1)`` forward and
    backward pair at once. Frames are kept as uint8 RGB and grey at working resolution.
    """

    def __init__(self, frames: np.ndarray, *, preset: str = "medium", max_side: int = 256
                 ) -> None:
        if preset not in PRESETS:
            raise ValueError(f"unknown DIS preset {preset!r}; use one of {PRESETS}")
        cv2 = _cv2()
        t, h, w = frames.shape[:3]
        self.preset = preset
        self.max_side = int(max_side)
        self.native_size = (h, w)
        self.size = working_size(h, w, self.max_side)
        if self.size != (h, w):
            wh = (self.size[1], self.size[0])
            interp = cv2.INTER_AREA if min(self.size) < min(h, w) else cv2.INTER_LINEAR
            rgb = np.stack([cv2.resize(f, wh, interpolation=interp) for f in frames])
        else:
            rgb = np.ascontiguousarray(frames)
        self.rgb = rgb
        self.gray = np.stack([cv2.cvtColor(f, cv2.COLOR_RGB2GRAY) for f in rgb])
        self.num_frames = t
        self.calls = 0
        self._flows: dict[tuple[int, int], np.ndarray] = {}
        self._masks: dict[tuple[int, int], np.ndarray] = {}
        self._warped: dict[tuple[int, int], tuple[np.ndarray, np.ndarray]] = {}
        self._dis: Any = None

    @property
    def protocol(self) -> str:
        return flow_protocol(self.preset, self.max_side)

    @property
    def min_side(self) -> int:
        """Short side of the working resolution (for resolution-scaled thresholds)."""
        return min(self.size)

    def _engine(self) -> Any:
        if self._dis is None:
            cv2 = _cv2()
            code = {"ultrafast": cv2.DISOPTICAL_FLOW_PRESET_ULTRAFAST,
                    "fast": cv2.DISOPTICAL_FLOW_PRESET_FAST,
                    "medium": cv2.DISOPTICAL_FLOW_PRESET_MEDIUM}[self.preset]
            self._dis = cv2.DISOpticalFlow_create(code)
        return self._dis

    def _compute(self, i: int, j: int) -> np.ndarray:
        self.calls += 1
        f = self._engine().calc(self.gray[i], self.gray[j], None)
        return np.ascontiguousarray(f, dtype=np.float32)

    def flow(self, i: int, j: int) -> np.ndarray:
        """Flow from frame ``i`` to frame ``j`` (see the module conventions)."""
        key = (int(i), int(j))
        if not (0 <= key[0] < self.num_frames and 0 <= key[1] < self.num_frames):
            raise IndexError(f"frame pair {key} outside 0..{self.num_frames - 1}")
        got = self._flows.get(key)
        if got is None:
            if key[0] == key[1]:
                got = np.zeros((*self.size, 2), np.float32)
            else:
                got = self._compute(*key)
            self._flows[key] = got
        return got

    def matched(self, i: int, j: int) -> np.ndarray:
        """Forward-backward non-occlusion mask of ``flow(i, j)`` (bool ``(h, w)``)."""
        key = (int(i), int(j))
        got = self._masks.get(key)
        if got is None:
            got = fb_consistency(self.flow(i, j), self.flow(j, i))
            self._masks[key] = got
        return got

    def warped(self, i: int, j: int) -> tuple[np.ndarray, np.ndarray]:
        """Frame ``j`` warped onto frame ``i`` with ``flow(i, j)``: ``(float32 (h, w, 3),
        inside mask)`` (see :func:`warp`)."""
        key = (int(i), int(j))
        got = self._warped.get(key)
        if got is None:
            got = warp(self.rgb[key[1]].astype(np.float32), self.flow(*key))
            self._warped[key] = got
        return got

    def consecutive(self) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """Forward ``F(t, t+1)`` and backward ``F(t+1, t)`` flows for every consecutive pair."""
        n = self.num_frames - 1
        fwd = [self.flow(t, t + 1) for t in range(n)]
        bwd = [self.flow(t + 1, t) for t in range(n)]
        return fwd, bwd


def video_flow(video: Video, ctx: SampleContext | None, *, preset: str = "medium",
               max_side: int = 256) -> FlowBank:
    """The sample's shared :class:`FlowBank` (made once per sample and protocol).

    With ``ctx=None`` a private bank is returned (nothing is shared).
    """
    def make() -> FlowBank:
        return FlowBank(video.frames, preset=preset, max_side=max_side)

    if ctx is None:
        return make()
    return ctx.shared(f"flow:{flow_protocol(preset, max_side)}", make)
