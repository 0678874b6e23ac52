"""Pixel tracker with no learned weights, behind a small pluggable protocol.

A :class:`Tracker` turns a :class:`~sora_bench.types.Video` into :class:`~sora_bench.types.Tracks`.
Register another one (a learned tracker, say) with :func:`register_tracker`; select it with the
run setting ``tracker: <name>``.

The built-in ``blob`` tracker (version :data:`BLOB_VERSION`):

1. **Camera motion** (:mod:`.camera_motion`): a per-frame translation to a keyframe by
   robust Lucas-Kanade on band-passed colour frames, ``frame_to_ref[t]`` (frame t px ->
   frame 0 px); run twice, the second time with the compact foreground regions of the
   first pass (the objects) left out. An axis of motion the background does not clearly
   support is dropped, so a static camera stays exactly static.
2. **Background**: for each frame, the per-pixel median of up to 12 other frames warped into
   its coordinates (a moving camera is compensated; objects that never move belong to the
   background and are not tracked). The ``blob-static`` variant (``background="static"``)
   replaces a static camera's median by :func:`.background.static_background`, which gives
   the floor back where an object sat for about half the clip (the median takes such an
   object in, or leaves a mixture of two): on the static-camera calibration clips MOTA
   0.11 -> 0.67 (BENCHMARKS.md). ``blob-static`` is the default tracker
   (:data:`DEFAULT_TRACKER`) since session 11: on calibration scenes no rule was chosen
   on, the physics metrics separate every defect with it and not with the median.
3. **Foreground**: Euclidean RGB distance (0..1 units) to that background above
   ``fg_threshold`` on 3x3-box-blurred frames, opened then closed with a 3x3 structuring
   element; connected components (``scipy.ndimage.label``, 8-connected) of at least
   ``min_area`` px are detections, except cast shadows: components where >= 60 % of the
   pixels are the background darkened (every channel ratio frame/background < 0.95, channel
   ratios within a factor 2 of each other, i.e. dimmer and at most tinted by sky light), or
   whose colour is, as a whole, the background's dimmed up to the sensor noise
   (:func:`.detect._shade_regions`: the per-pixel test fails under noise on dark floors),
   and background-model ghosts (regions up to 4 % of the image that look like their
   surroundings in the frame but stand out in the background: an object the median
   remembers on a spot it dwelt on). A region holding objects of clearly different hues
   (touching, or one passing in front of the other) is split into one region per colour
   (:func:`.detect.split_by_colour`). Appearance is read from the region's interior.
4. **Association**: Hungarian method (``scipy.optimize.linear_sum_assignment``) on
   ``cost = |p_pred - p| / size + |log(area ratio)| / 2 + 4 * |appearance difference|``
   (appearance: dominant colour, the mean RGB of the more saturated half of the region;
   a track's own: the median over its last 6 sightings of the usual size, not merged)
   where ``p_pred`` is a constant-velocity prediction in camera-stabilised coordinates, so a
   track keeps its identity through occlusions (it coasts for as long as the clip lasts,
   once seen in 3 frames; a younger one lost for more than 2 frames is over); pairs
   with cost above ``gate`` are not matched, nor are two saturated regions whose hues differ by
   more than 35 degrees (a red ball does not become a blue one). Unmatched detections start
   new tracks.
5. **Occlusion reasoning** for frames where a track is not seen: ``out_of_frame`` when its
   predicted box lies mostly outside the image, or before (after) it was found (lost)
   touching the image edge, unless it was going out through that edge when found (still
   coming in when lost: shrinking, or growing, as its centroid moved outward, or inward)
   or could not have crossed it there (a track of >= 5 sightings found, or lost, at
   >= 0.85 x its median area, whose box one frame before, or after, would still lie
   >= 90 % inside the image);
   ``occluded`` when it shrank before it was lost
   (or grew after it came back) — something in front was covering it gradually — or when
   its predicted box overlaps another visible track; ``at_rest`` after its last sighting
   (before its first) when it was still and the frame still shows its colour there (the
   background model took it in); also ``at_rest``, in any frame it is not seen, when the
   frame and the background model both show an object-sized region of its colour right
   next to where it was seen (:func:`.occlusion.in_background`: a box that slid in at the
   image edge and stopped there, whose crossed strip alone was foreground); otherwise
   ``absent`` (unexplained).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, Protocol, runtime_checkable

import numpy as np

from ..types import CameraTruth, Track, Tracks, Video
from .background import apply_affine as _apply
from .background import background as _background
from .background import compact_regions, rgb_distance
from .camera_motion import BANDS, estimate_camera_motion
from .detect import _Det, _detect
from .from_truth import APPEARANCE_DIM
from .occlusion import at_rest, in_background, track_states

__all__ = ["Tracker", "BlobTracker", "register_tracker", "get_tracker", "TRACKERS", "BLOB_VERSION",
           "DEFAULT_TRACKER", "BACKGROUNDS"]

#: 2: interior colours, ghost removal, median identity colour; 3: keyframe Lucas-Kanade
#: camera motion in two passes, regions split by colour, merged shares in meta["grouped"];
#: 4: found at the image edge while going out is not an entry; 5: ``at_rest`` state;
#: 6: shadows judged per region under sensor noise; 7: ``at_rest`` before the first
#: sighting too; 8: judged in the first sighting's box also for tracks of 3 sightings;
#: 9: lost (found) at the image edge at full size, not about to cross it: not an exit (entry);
#: 10: the per-region shadow test allows for the noise of its per-channel fit;
#: 11: ``at_rest`` where the background model holds the object next to its track;
#: 12: a track seen in fewer than 3 frames does not coast over more than 2 unseen frames
BLOB_VERSION = 12
#: the pixel tracker used when a run names none: ``blob-static`` separates the calibration
#: defects better on scenes no rule was chosen on (BENCHMARKS.md, session 11)
DEFAULT_TRACKER = "blob-static"
#: ``median``: the per-pixel median for a static camera (the ``blob`` tracker); ``static``:
#: :func:`.background.static_background`, which gives back objects seen on a spot for about
#: half the clip (the ``blob-static`` tracker, the default)
BACKGROUNDS = ("median", "static")


@runtime_checkable
class Tracker(Protocol):
    """Anything that turns a Video into Tracks. ``name`` names it in ``Tracks.source``."""

    name: str

    def track(self, video: Video, *, camera: CameraTruth | None = None) -> Tracks: ...


TRACKERS: dict[str, Callable[..., Tracker]] = {}


def register_tracker(name: str, factory: Callable[..., Tracker]) -> None:
    """Make ``factory(**options)`` available as tracker ``name``."""
    TRACKERS[name] = factory


def get_tracker(name: str = DEFAULT_TRACKER, **options: Any) -> Tracker:
    if name not in TRACKERS:
        from ..errors import ConfigError

        raise ConfigError(f"unknown tracker {name!r} (known: {', '.join(sorted(TRACKERS))})")
    return TRACKERS[name](**options)


# ------------------------------------------------------------------------------------ tracker
class BlobTracker:
    """Background subtraction + connected components + Hungarian association (see module doc)."""

    name = "blob"

    def __init__(self, fg_threshold: float = 0.12, min_area_frac: float = 0.0015,
                 gate: float = 3.0, background: str = "median") -> None:
        from ..errors import ConfigError

        if background not in BACKGROUNDS:
            raise ConfigError(f"blob tracker background={background!r} is not one of "
                              f"{', '.join(BACKGROUNDS)}")
        self.fg_threshold = float(fg_threshold)
        self.min_area_frac = float(min_area_frac)
        self.gate = float(gate)
        self.background = background
        if background == "static":
            self.name = "blob-static"

    @property
    def protocol(self) -> str:
        bg = "median12" if self.background == "median" else "median12+static0.45"
        return (f"blob/v{BLOB_VERSION}/lk-translation/{bg}/fg{self.fg_threshold:g}"
                f"/min{self.min_area_frac:g}/gate{self.gate:g}")

    def foreground(self, video: Video) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray,
                                                np.ndarray, list[str]]:
        """(frames float (T,H,W,3) 0..1, the same 3x3-box-blurred, foreground mask (T,H,W),
        background, frame_to_ref, warnings)."""
        import cv2

        frames = video.frames.astype(np.float32) / 255.0
        blurred = np.stack([cv2.blur(f, (3, 3)) for f in frames])
        # pass 1: camera motion with robust weights only; pass 2: again with the compact
        # foreground regions of pass 1 (the objects) left out. Wide regions are kept: they
        # are background that pass 1 mis-registered (a horizon under a tilt), the very
        # pixels the second pass needs.
        smooth = np.stack([cv2.GaussianBlur(f, (5, 5), 1.0) for f in blurred])
        f2r, _ = estimate_camera_motion(smooth, bands=BANDS[:1])
        # (pass 1 keeps the plain median: its regions only steer pass 2, and a clip pass 1
        # takes for static may not be)
        fg, _ = self._subtract(blurred, f2r, final=False)
        f2r, warnings = estimate_camera_motion(smooth, exclude=compact_regions(fg, dilate=3))
        fg, bg = self._subtract(blurred, f2r)
        return frames, blurred, fg, bg, f2r, warnings

    def _subtract(self, blurred: np.ndarray, f2r: np.ndarray, final: bool = True
                  ) -> tuple[np.ndarray, np.ndarray]:
        """Foreground mask and background for camera motion ``f2r``."""
        from scipy import ndimage

        moving = bool(np.abs(f2r - np.eye(3)).max() > 0.05)
        static = final and self.background == "static"
        bg = _background(blurred, f2r, moving, self.fg_threshold if static else None)
        dist = rgb_distance(blurred, bg)
        fg = dist > self.fg_threshold
        fg = ndimage.binary_opening(fg, structure=np.ones((1, 3, 3), bool))
        # close 1-px gaps so one object's parts (a person's shirt and trousers) stay one region
        fg = ndimage.binary_closing(fg, structure=np.ones((1, 3, 3), bool)) | fg
        return fg, bg

    def track(self, video: Video, *, camera: CameraTruth | None = None) -> Tracks:
        frames, blurred, fg, bg, f2r, warnings = self.foreground(video)
        t_n, h, w = fg.shape
        min_area = max(3, int(round(self.min_area_frac * h * w)))
        # colours from the 3x3-blurred frames: per-pixel noise would pick the saturated half
        dets = [_detect(frames[t], fg[t], min_area, bg[t], blurred[t]) for t in range(t_n)]
        obs = self._associate(dets, f2r)
        return self._build(obs, f2r, t_n, w, h, frames, blurred, bg, warnings)

    # -------------------------------------------------------------------------- association
    def _associate(self, dets: list[list[_Det]], f2r: np.ndarray) -> list[dict[int, _Det]]:
        """Per track: frame -> detection."""
        from scipy.optimize import linear_sum_assignment

        tracks: list[dict[int, _Det]] = []
        for t, frame_dets in enumerate(dets):
            if not frame_dets:
                continue
            preds, sizes, areas, apps = [], [], [], []
            for tr in tracks:
                p, s, a, ap = self._predict(tr, t, f2r)
                preds.append(p)
                sizes.append(s)
                areas.append(a)
                apps.append(ap)
            if tracks:
                pp = np.array(preds)
                dp = np.array([_apply(f2r[t], d.centroid[None])[0] for d in frame_dets])
                ds = np.array([np.sqrt(d.area) for d in frame_dets])
                da = np.array([d.area for d in frame_dets])
                dapp = np.array([d.app for d in frame_dets])
                dist = np.linalg.norm(pp[:, None] - dp[None], axis=-1)
                size = np.maximum(np.array(sizes)[:, None], ds[None]) + 1.0
                gap = np.array([t - max(tr) for tr in tracks], np.float64)[:, None]
                cost = (dist / (size * (1.0 + 0.25 * (gap - 1)))
                        + np.abs(np.log(da[None] / np.array(areas)[:, None])) / 2
                        + 4.0 * np.linalg.norm(np.array(apps)[:, None, :3] - dapp[None, :, :3],
                                               axis=-1))
                # a saturated object never turns into one of another hue: forbid such pairs
                cost = np.where(_hue_clash(np.array(apps), dapp), 1e6, cost)
                # a track seen in fewer than 3 frames has no velocity to coast on: lost
                # for more than 2 frames, it is over (else a ghost of frame 0 takes the
                # next object to appear anywhere within its widening gate)
                young = np.array([len(tr) < 3 for tr in tracks])[:, None]
                cost = np.where(young & (gap > 3), 1e6, cost)
                r, c = linear_sum_assignment(np.minimum(cost, 1e6))
                assigned = set()
                for a, b in zip(r, c):
                    if cost[a, b] <= self.gate:
                        tracks[a][t] = frame_dets[b]
                        assigned.add(b)
                owner = {b: a for a, b in zip(r, c) if cost[a, b] <= self.gate}
                self._groups(tracks, frame_dets, t, f2r, owner, areas, assigned)
            else:
                assigned = set()
            for b, d in enumerate(frame_dets):
                if b not in assigned:
                    tracks.append({t: d})
        return tracks

    def _groups(self, tracks: list[dict[int, _Det]], dets: list[_Det], t: int, f2r: np.ndarray,
                owner: dict[int, int], areas: list[float], assigned: set[int]) -> None:
        """Tracks lost this frame whose predicted box lies (>= 40 %) on a region too big for
        whoever holds it (>= 1.3 x its area) share that region: objects touching or passing
        in front of each other form one connected component."""
        inv = np.linalg.inv(f2r[t])
        for tr in tracks:
            last = max(tr)
            if t in tr or t - last > 2:
                continue
            p, _, area, app = self._predict(tr, t, f2r)
            c = _apply(inv, p[None])[0]
            lb = tr[last].box
            hw, hh = (lb[2] - lb[0]) / 2, (lb[3] - lb[1]) / 2
            pbox = np.array([c[0] - hw, c[1] - hh, c[0] + hw, c[1] + hh])
            for b, d in enumerate(dets):
                ix0, iy0 = max(pbox[0], d.box[0]), max(pbox[1], d.box[1])
                ix1, iy1 = min(pbox[2], d.box[2]), min(pbox[3], d.box[3])
                inter = max(0.0, ix1 - ix0) * max(0.0, iy1 - iy0)
                if inter < 0.4 * max(4 * hw * hh, 1.0):
                    continue
                held = areas[owner[b]] if b in owner else 0.0
                if d.area < 1.3 * max(held, 0.5 * area) or (b not in owner and d.area < 1.3 * area
                                                             and b in assigned):
                    continue
                box = np.array([ix0, iy0, ix1, iy1])
                tr[t] = _Det(box, np.array([(ix0 + ix1) / 2, (iy0 + iy1) / 2]), area, app,
                             group=True)
                assigned.add(b)
                break

    @staticmethod
    def _predict(tr: dict[int, _Det], t: int, f2r: np.ndarray
                 ) -> tuple[np.ndarray, float, float, np.ndarray]:
        """Constant-velocity prediction (stabilised px) of a track at frame t."""
        fr = sorted(tr)
        last = tr[fr[-1]]
        p1 = _apply(f2r[fr[-1]], last.centroid[None])[0]
        if len(fr) >= 2:
            p0 = _apply(f2r[fr[-2]], tr[fr[-2]].centroid[None])[0]
            v = (p1 - p0) / (fr[-1] - fr[-2])
        else:
            v = np.zeros(2)
        recent = [tr[f].area for f in fr[-3:]]
        area = float(max(recent))
        # identity colour: median over the last 6 sightings of the usual size (a frame where
        # the region merged with a neighbour mixes both colours and must not become the
        # reference the next frame is matched against)
        last6 = fr[-6:]
        med = float(np.median([tr[f].area for f in last6]))
        ok = [tr[f].app for f in last6 if 0.6 * med <= tr[f].area <= 1.6 * med and not tr[f].group]
        app = np.median(ok, axis=0).astype(np.float32) if ok else tr[fr[-1]].app
        return p1 + v * (t - fr[-1]), float(np.sqrt(area)), area, app

    # -------------------------------------------------------------------------------- output
    def _build(self, obs: list[dict[int, _Det]], f2r: np.ndarray, t_n: int, w: int, h: int,
               frames: np.ndarray, blurred: np.ndarray, bg: np.ndarray, warnings: list[str]
               ) -> Tracks:
        # drop one-frame specks: noise, not objects
        # shadows and background-model ghosts: mostly lighting-change pixels over their life
        obs = [o for o in obs if np.median([d.illum for d in o.values()]) < 0.4]
        obs = _merge_parts([o for o in obs if len(o) >= 2])
        boxes = np.full((len(obs), t_n, 4), np.nan)
        for k, o in enumerate(obs):
            for t, d in o.items():
                boxes[k, t] = d.box
        tracks: dict[str, Track] = {}
        stab: dict[str, np.ndarray] = {}
        for k, o in enumerate(obs):
            tid = f"t{k}"
            vis = np.zeros(t_n, bool)
            vis[list(o)] = True
            centroid = np.full((t_n, 2), np.nan)
            area = np.zeros(t_n)
            app = np.full((t_n, APPEARANCE_DIM), np.nan, np.float32)
            for t, d in o.items():
                # the box centre: steadier than the pixel mean, which moves as stripes,
                # highlights and shade drop in and out of the region
                centroid[t] = [(d.box[0] + d.box[2]) / 2, (d.box[1] + d.box[3]) / 2]
                area[t], app[t] = d.area, d.app
            state = at_rest(track_states(k, o, boxes, f2r, t_n, w, h), o, frames, f2r)
            state = in_background(state, o, blurred, bg, f2r)
            tracks[tid] = Track(id=tid, box=boxes[k].copy(), centroid=centroid, area=area,
                                visible=vis, state=state, appearance=app)
            s = np.full((t_n, 2), np.nan)
            for t in o:
                s[t] = _apply(f2r[t], centroid[t][None])[0]
            stab[tid] = s
        return Tracks(tracks=tracks, num_frames=t_n, width=w, height=h,
                      source=f"tracker:{self.name}",
                      meta={"stabilized": stab, "frame_to_ref": f2r, "protocol": self.protocol,
                            "warnings": warnings,
                            # frames where a track holds a share of a region it merged
                            # with (a predicted box, not an observation of its own)
                            "grouped": {f"t{k}": sorted(t for t, d in o.items() if d.group)
                                        for k, o in enumerate(obs)}})


def _hue_clash(a: np.ndarray, b: np.ndarray, max_deg: float = 35.0) -> np.ndarray:
    """(len(a), len(b)) bool: both appearances saturated (chroma offset from grey > 0.04)
    and their hues more than ``max_deg`` degrees apart."""
    def hue_sat(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        r, g, bl = x[:, 0], x[:, 1], x[:, 2]
        hue = np.degrees(np.arctan2(np.sqrt(3.0) * (g - bl), 2 * r - g - bl))
        return hue, np.linalg.norm(x[:, 3:6] - 1.0 / 3.0, axis=1)

    ha, sa = hue_sat(np.asarray(a, np.float64))
    hb, sb = hue_sat(np.asarray(b, np.float64))
    d = np.abs((ha[:, None] - hb[None] + 180.0) % 360.0 - 180.0)
    return (sa[:, None] > 0.04) & (sb[None] > 0.04) & (d > max_deg)


def _union(a: _Det, b: _Det) -> _Det:
    area = a.area + b.area
    box = np.array([min(a.box[0], b.box[0]), min(a.box[1], b.box[1]),
                    max(a.box[2], b.box[2]), max(a.box[3], b.box[3])])
    return _Det(box, (a.centroid * a.area + b.centroid * b.area) / area, area,
                ((a.app * a.area + b.app * b.area) / area).astype(np.float32))


def _merge_parts(obs: list[dict[int, _Det]]) -> list[dict[int, _Det]]:
    """Fold a smaller track into a bigger one when it is a part of the same object: seen
    together in >= 60 % of its frames, boxes touching (<= 2 px apart) in all of them, and a
    steady offset between the centroids (sd < 0.35 of the bigger one's size)."""
    obs = sorted(obs, key=lambda o: -sum(d.area for d in o.values()))
    out: list[dict[int, _Det]] = []
    for o in obs:
        host = None
        for big in out:
            both = [t for t in o if t in big]
            if len(both) < max(2, 0.6 * len(o)):
                continue
            gaps = [max(big[t].box[0] - o[t].box[2], o[t].box[0] - big[t].box[2],
                        big[t].box[1] - o[t].box[3], o[t].box[1] - big[t].box[3]) for t in both]
            if max(gaps) > 2.0:
                continue
            off = np.array([o[t].centroid - big[t].centroid for t in both])
            size = np.sqrt(np.median([big[t].area for t in both]))
            if np.linalg.norm(off.std(axis=0)) < 0.35 * size:
                host = big
                break
        if host is None:
            out.append(dict(o))
        else:
            for t, d in o.items():
                host[t] = _union(host[t], d) if t in host else d
    return out


register_tracker("blob", BlobTracker)
register_tracker("blob-static", functools.partial(BlobTracker, background="static"))
