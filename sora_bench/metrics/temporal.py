"""Weight-free temporal metrics on OpenCV DIS optical flow (issue 6).

Five thin classes over the pure functions in :mod:`.flicker`, :mod:`.motion` and
:mod:`.flow`. All flow-based metrics of one sample share one :class:`~.flow.FlowBank`
(``ctx.shared("flow:<flow protocol>")``), so each frame pair is run through DIS once, whichever
metrics ask for it. Options common to the flow metrics: ``preset`` (DIS preset: ``ultrafast``,
``fast``, ``medium``; default ``medium``) and ``flow_side`` (short side of the working
resolution, default 256; larger frames are shrunk with INTER_AREA). Both are in the protocol.

===================  =====================================================  ==========  =====
metric               value                                                  better      min T
===================  =====================================================  ==========  =====
temporal_flicker     (255 - mean_t MAE(f_t+1, f_t)) / 255   (VBench)         higher      2
flicker_index        RMS high-pass of flow-matched Y/Cb/Cr change, levels   lower       3
warping_error        MSE of warp(f_t+1 -> t) vs f_t on matched px, [0,1]   lower       2
motion_smoothness    (255 - mean_k |interp(f_2k, f_2k+2) - f_2k+1|) / 255   higher      3
dynamic_degree       1 if VBench's moving-pair count is reached, else 0     higher      2
===================  =====================================================  ==========  =====

Defect-targeted metrics (calibrated on reference renders, see
``tests/calibration/test_temporal_calibration.py``): flicker -> ``flicker_index`` (flag above
2.0 levels); freeze -> ``frozen_frames`` (flag above 0); shuffle -> ``frame_order_violation``
(flag above 2.0). The VBench/EvalCrafter values stay as published; they also react to sensor
noise, which the targeted metrics ignore. The same statistics also appear in the details of
``dynamic_degree`` and ``motion_smoothness``.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from ..errors import MetricSkip
from ..types import Video
from .base import MetricValue, SampleContext, VideoMetric
from .flicker import (
    FLICKER_THRESHOLD,
    flicker_index_from_changes,
    frame_mae,
    matched_change,
    static_verdict,
    vbench_flicker_score,
)
from .flow import (
    PRESETS,
    FlowBank,
    flow_magnitude,
    flow_protocol,
    interpolate_midframe,
    video_flow,
)
from .flow import top_fraction_mean as _top
from .motion import (
    ORDER_VIOLATION_THRESHOLD,
    dynamic_sample_indices,
    dynamic_verdict,
    frozen_frames,
    order_violation,
    smoothness_score,
    warp_mse,
)

__all__ = ["TemporalFlicker", "FlickerIndex", "WarpingError", "MotionSmoothness",
           "DynamicDegree", "FrozenFrames", "FrameOrderViolation"]


def _floats(values: Any) -> list[float]:
    return [float(v) for v in np.asarray(values, dtype=np.float64).ravel()]


class _FlowMetric(VideoMetric):
    """Shared option handling: ``preset`` and ``flow_side`` select the flow protocol."""

    def __init__(self, *, preset: str = "medium", flow_side: int = 256, **options: Any) -> None:
        super().__init__(**options)
        if preset not in PRESETS:
            raise ValueError(f"{self.name}: preset must be one of {PRESETS}, got {preset!r}")
        if int(flow_side) < 16:
            raise ValueError(f"{self.name}: flow_side must be >= 16, got {flow_side!r}")
        self.preset = preset
        self.flow_side = int(flow_side)

    @property
    def flow(self) -> str:
        return flow_protocol(self.preset, self.flow_side)

    def bank(self, video: Video, ctx: SampleContext | None) -> FlowBank:
        return video_flow(video, ctx, preset=self.preset, max_side=self.flow_side)


class TemporalFlicker(_FlowMetric):
    """VBench temporal flickering, with VBench's static filter re-done on DIS flow.

    ``score = (255 - mean_{t=0..T-2} MAE_t) / 255`` with ``MAE_t = mean |f_{t+1} - f_t|`` over
    all pixels and channels of the native-resolution uint8 frames (every frame used).
    In [0, 1]; higher is better; 1.0 for a static video.

    The static filter (VBench ``static_filter.py``: mean of the top 2 % flow magnitudes per
    consecutive pair and for (f_0, f_{T-1}), (f_{T-1}, f_0); ``thres = 3.0 * min(h, w) / 256``
    at the working resolution; ``count_num = max(1, round(2T/16))``) is always run and its
    verdict is reported in ``details["static_filter"]``. Option ``variant``:

    - ``all`` (default): score every video (protocol ``.../all``).
    - ``static-filtered``: VBench's protocol: non-static videos are ``skipped:not-static``.

    Because the MAE drops with any motion, it measures "how still" as much as "how stable";
    ``flicker_index`` is the motion-compensated counterpart.
    """

    name: ClassVar[str] = "temporal_flicker"
    version: ClassVar[int] = 1
    higher_is_better: ClassVar[bool] = True
    min_frames: ClassVar[int] = 2
    unit: ClassVar[str] = "[0, 1]"
    VARIANTS: ClassVar[tuple[str, ...]] = ("all", "static-filtered")

    def __init__(self, *, variant: str = "all", **options: Any) -> None:
        super().__init__(**options)
        if variant not in self.VARIANTS:
            raise ValueError(f"temporal_flicker: variant must be one of {self.VARIANTS}")
        self.variant = variant

    @property
    def protocol(self) -> str:
        return (f"temporal_flicker/vbench-mae/every-frame/native-res-uint8/"
                f"static-filter:{self.flow}:top2%:thr3.0*s/256:count=round(2T/16)/"
                f"{self.variant}")

    def score(self, video: Video, ctx: SampleContext) -> MetricValue:
        mae = frame_mae(video.frames)
        value = vbench_flicker_score(mae)
        bank = self.bank(video, ctx)
        t = video.num_frames
        # forward flows only: the filter never needs the backward ones
        top2 = [_top(flow_magnitude(bank.flow(i, i + 1)), 0.02) for i in range(t - 1)]
        ends = (_top(flow_magnitude(bank.flow(0, t - 1)), 0.02),
                _top(flow_magnitude(bank.flow(t - 1, 0)), 0.02))
        verdict = static_verdict(np.asarray(top2), ends, t, bank.min_side)
        verdict["top2_flow_px"] = _floats(top2)
        if self.variant == "static-filtered" and not verdict["static"]:
            raise MetricSkip(
                "not-static",
                f"temporal_flicker[static-filtered] scores only static videos; "
                f"{verdict['pairs_over']} pairs move more than {verdict['thres_px']:.2f} px",
            )
        details = {"mae": _floats(mae), "static_filter": verdict, "variant": self.variant}
        return MetricValue(value, details)


class FlickerIndex(_FlowMetric):
    """Flow-compensated flicker: high-frequency brightness/colour change of tracked pixels.

    For each consecutive pair: warp f_{t+1} onto f_t with forward DIS flow, keep pixels
    that pass the forward-backward test, and take the per-channel median of the signed
    difference in BT.601 (Y, Cb, Cr) levels: ``d_t``. With the half second difference
    ``h_t = (d_t - d_{t-1}) / 2`` (the high-pass of the tracked signal ``b_t = sum d``):

        flicker_index = sqrt( mean_{t=1..T-2} ||h_t||^2 )    [8-bit levels]

    0 for a static or steadily moving/fading video; equals the peak-to-peak amplitude A of
    a brightness that alternates between two levels A apart. Lower is better.
    Legitimate motion leaves it near 0 because matched pixels keep their colour.
    ``details["flagged"]`` is ``value > FLICKER_THRESHOLD`` (2.0 levels, calibrated).
    """

    name: ClassVar[str] = "flicker_index"
    version: ClassVar[int] = 1
    higher_is_better: ClassVar[bool] = False
    min_frames: ClassVar[int] = 3
    unit: ClassVar[str] = "8-bit levels (RMS, >= 0)"

    @property
    def protocol(self) -> str:
        return (f"flicker_index/{self.flow}/warp-next-bilinear/fb-occ(0.01,0.5)/"
                f"median-ycbcr601/half-second-diff-rms")

    def score(self, video: Video, ctx: SampleContext) -> MetricValue:
        bank = self.bank(video, ctx)
        changes, fracs = [], []
        for t in range(video.num_frames - 1):
            warped, inside = bank.warped(t, t + 1)
            d, frac = matched_change(bank.rgb[t], warped, bank.matched(t, t + 1), inside)
            changes.append(d)
            fracs.append(frac)
        d = np.asarray(changes)
        value, h = flicker_index_from_changes(d)
        details = {
            "luma_change": _floats(d[:, 0]),
            "chroma_change": _floats(np.hypot(d[:, 1], d[:, 2])),
            "hf_luma": _floats(h[:, 0]),
            "hf_chroma": _floats(np.hypot(h[:, 1], h[:, 2])),
            "matched_fraction": _floats(fracs),
            "flagged": bool(value > FLICKER_THRESHOLD),
        }
        warnings = ()
        if fracs and min(fracs) < 0.05:
            warnings = ("some frame pairs had under 5 % flow-matched pixels "
                        "(cut or shuffled frames); all pixels were used for them",)
        return MetricValue(value, details, warnings)


class WarpingError(_FlowMetric):
    """EvalCrafter warping error on DIS flow.

    Per consecutive pair: warp f_{t+1} onto f_t with the forward flow (bilinear), mask
    occlusions with the forward-backward test (``|F + B(x+F)|^2 > 0.01(|F|^2 + |B(x+F)|^2)
    + 0.5``, plus samples leaving the frame), and take the mean squared error over matched
    pixels and the 3 channels, pixels scaled to [0, 1]. The value is the mean over pairs
    (pairs without a matched pixel are left out). Working resolution (short side <= 256;
    EvalCrafter uses half resolution). Lower is better; 0 for a static video.
    """

    name: ClassVar[str] = "warping_error"
    version: ClassVar[int] = 1
    higher_is_better: ClassVar[bool] = False
    min_frames: ClassVar[int] = 2
    unit: ClassVar[str] = "MSE, pixels in [0, 1]"

    @property
    def protocol(self) -> str:
        return f"warping_error/{self.flow}/warp-next-bilinear/fb-occ(0.01,0.5)/mse-[0,1]/mean-pairs"

    def score(self, video: Video, ctx: SampleContext) -> MetricValue:
        bank = self.bank(video, ctx)
        errs, fracs = [], []
        for t in range(video.num_frames - 1):
            warped, _ = bank.warped(t, t + 1)
            m = bank.matched(t, t + 1)
            errs.append(warp_mse(bank.rgb[t], warped, m))
            fracs.append(float(m.mean()))
        e = np.asarray(errs)
        ok = np.isfinite(e)
        if not ok.any():
            raise MetricSkip("no-flow-matches",
                             "warping_error: no pixel survived the occlusion test in any pair")
        details = {"pair_error": [float(v) if np.isfinite(v) else None for v in e],
                   "matched_fraction": _floats(fracs)}
        return MetricValue(float(e[ok].mean()), details)


class MotionSmoothness(_FlowMetric):
    """VBench's motion smoothness with DIS flow interpolation instead of AMT.

    Keep the even frames; synthesise each odd frame f_{2k+1} halfway between f_{2k} and
    f_{2k+2} by bidirectional flow splatting (:func:`~.flow.interpolate_midframe`), and take
    ``d_k = mean |f_hat - f_{2k+1}|`` over pixels and channels (8-bit levels, working res.):

        motion_smoothness = (255 - mean_k d_k) / 255     in [0, 1], higher is better

    Smooth, near-linear motion is reproduced; stutter, frozen-then-jumping frames and
    reordered frames are not. Needs 3 frames.

    Like VBench's, the value also falls with sensor noise (an odd frame's noise cannot be
    interpolated). ``details["order_violation"]`` is the noise-robust shuffle statistic
    (:func:`~.motion.order_violation`: soft count of frames whose neighbour is farther than
    the frame two steps away; 0 = none, lower is better) with its per-triple curve, and
    ``details["order_flagged"]`` is ``order_violation > ORDER_VIOLATION_THRESHOLD`` (2.0).
    """

    name: ClassVar[str] = "motion_smoothness"
    version: ClassVar[int] = 1
    higher_is_better: ClassVar[bool] = True
    min_frames: ClassVar[int] = 3
    unit: ClassVar[str] = "[0, 1]"

    @property
    def protocol(self) -> str:
        return (f"motion_smoothness/{self.flow}/even->odd/bidir-avg-splat(occ-w0.1)/"
                f"mae-8bit/(255-d)/255")

    def score(self, video: Video, ctx: SampleContext) -> MetricValue:
        bank = self.bank(video, ctx)
        errs = []
        for i in range(0, video.num_frames - 2, 2):
            j = i + 2
            mid = interpolate_midframe(bank.rgb[i], bank.rgb[j], bank.flow(i, j),
                                       bank.flow(j, i), bank.matched(i, j), bank.matched(j, i))
            errs.append(float(np.abs(mid - bank.rgb[i + 1].astype(np.float32)).mean()))
        ov, ov_curve = order_violation(bank.rgb)
        details = {"odd_frame_error": _floats(errs),
                   "odd_frames": list(range(1, 2 * len(errs), 2)),
                   "order_violation": ov, "order_violation_curve": _floats(ov_curve),
                   "order_flagged": bool(ov > ORDER_VIOLATION_THRESHOLD)}
        return MetricValue(smoothness_score(errs), details)


class DynamicDegree(_FlowMetric):
    """VBench dynamic degree on DIS flow: 1 when the video moves enough, else 0.

    Frames are resampled to about 8 fps (``interval = max(1, round(fps/8))``, nearest frame
    by timestamp when the decoder reports per-frame timestamps). Per sampled pair,
    ``m = mean of the top 5 % flow magnitudes`` (px, working resolution). The video is
    dynamic when at least ``count_num = max(1, round(4 T'/16))`` pairs have
    ``m > 6.0 * min(h, w) / 256``. The per-video value is 0 or 1, so the run mean is the
    fraction of dynamic videos (higher = more motion, VBench's direction). The magnitude curve
    and the verdict are in the details.

    ``details["frozen_frames"]`` is the freeze statistic (:func:`~.motion.frozen_frames`):
    frames that repeat their predecessor (no pixel changes by more than 2 levels, working
    resolution, every frame) while the clip moves before and after: a stall. 0 = none.
    """

    name: ClassVar[str] = "dynamic_degree"
    version: ClassVar[int] = 1
    higher_is_better: ClassVar[bool] = True
    min_frames: ClassVar[int] = 2
    unit: ClassVar[str] = "fraction of dynamic videos (0/1 per video)"

    @property
    def protocol(self) -> str:
        return (f"dynamic_degree/{self.flow}/8fps-interval=round(fps/8)/top5%/"
                f"thr6.0*s/256/count>=round(4T'/16)")

    def score(self, video: Video, ctx: SampleContext) -> MetricValue:
        stamps = video.meta.get("timestamps")
        idx = dynamic_sample_indices(video.num_frames, video.fps,
                                     list(stamps) if stamps is not None else None)
        if len(idx) < 2:
            raise MetricSkip("too-short", f"dynamic_degree: at 8 fps the {video.num_frames}-frame "
                             f"video leaves {len(idx)} frame(s); it needs 2")
        bank = self.bank(video, ctx)
        curve = [_top(flow_magnitude(bank.flow(a, b)), 0.05) for a, b in zip(idx[:-1], idx[1:])]
        verdict = dynamic_verdict(curve, len(idx), bank.min_side)
        n_frozen, runs = frozen_frames(bank.rgb)
        details = {**verdict, "top5_flow_px": _floats(curve), "sampled_frames": idx,
                   "frozen_frames": n_frozen, "frozen_runs": runs}
        return MetricValue(1.0 if verdict["dynamic"] else 0.0, details)


class FrozenFrames(_FlowMetric):
    """Stalls: the fraction of frames that repeat their predecessor inside motion.

    ``value = n_frozen / (T - 1)`` where ``n_frozen`` is :func:`~.motion.frozen_frames` on the
    working-resolution frames (a pair is still when no pixel changes by more than 2 levels;
    a still run counts only when the clip moves before and after it). In [0, 1], lower is
    better, 0 for a clean clip; a clip is flagged above 0. Calibrated against the reference
    generator's ``freeze`` defect (``tests/calibration/test_temporal_calibration.py``);
    sensor noise does not trigger it because noisy repeats are not still.
    """

    name: ClassVar[str] = "frozen_frames"
    version: ClassVar[int] = 1
    higher_is_better: ClassVar[bool] = False
    min_frames: ClassVar[int] = 3
    unit: ClassVar[str] = "fraction of frames [0, 1]"

    @property
    def protocol(self) -> str:
        return f"frozen_frames/{self.flow}/still<=2levels/inside-motion/per-(T-1)"

    def score(self, video: Video, ctx: SampleContext) -> MetricValue:
        n_frozen, runs = frozen_frames(self.bank(video, ctx).rgb)
        return MetricValue(n_frozen / (video.num_frames - 1),
                           {"frozen_frames": n_frozen, "frozen_runs": runs,
                            "flagged": bool(n_frozen > 0)})


class FrameOrderViolation(_FlowMetric):
    """Shuffled or back-and-forth frames: :func:`~.motion.order_violation`.

    ``value = sum_t [max(0, D1(t) - D2(t)) + max(0, D1(t+1) - D2(t))] / (D2(t) + 10)`` with
    ``D1``/``D2`` the MSE (8-bit levels^2) to the frame one / two steps ahead, on the
    working-resolution frames. >= 0, lower is better; flagged above
    ``ORDER_VIOLATION_THRESHOLD`` (2.0), calibrated against the reference generator's
    ``shuffle`` defect. Independent noise cancels in the numerators.
    """

    name: ClassVar[str] = "frame_order_violation"
    version: ClassVar[int] = 1
    higher_is_better: ClassVar[bool] = False
    min_frames: ClassVar[int] = 3
    unit: ClassVar[str] = "soft count of order violations (>= 0)"

    @property
    def protocol(self) -> str:
        return f"frame_order_violation/{self.flow}/mse-d1-vs-d2/c=10/sum"

    def score(self, video: Video, ctx: SampleContext) -> MetricValue:
        value, curve = order_violation(self.bank(video, ctx).rgb)
        return MetricValue(value, {"per_triple": _floats(curve),
                                   "flagged": bool(value > ORDER_VIOLATION_THRESHOLD)})
