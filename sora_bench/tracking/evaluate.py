"""Tracker quality against ground truth: CLEAR-MOT MOTA and IDF1.

Both compare per-frame boxes of ground-truth tracks (visible frames only) with hypothesis
tracks (visible frames only); a pair may match in a frame when IoU >= ``iou_threshold``
(0.5 by default).

- **MOTA** (Bernardin & Stiefelhagen 2008): per frame, matches of the previous frame are kept
  while their IoU still passes, the rest are assigned by the Hungarian method on 1 - IoU.
  ``MOTA = 1 - (FN + FP + IDSW) / GT`` where GT is the number of ground-truth boxes, FN the
  unmatched ones, FP the unmatched hypothesis boxes and IDSW the number of times a
  ground-truth object is matched to a different hypothesis id than at its last match.
  Range (-inf, 1], higher is better.
- **IDF1** (Ristani et al. 2016): one global one-to-one assignment of ground-truth
  trajectories to hypothesis trajectories maximising IDTP, the number of frames where the
  pair matches (Hungarian on the pair counts). ``IDF1 = 2 IDTP / (2 IDTP + IDFP + IDFN)``
  with IDFN = GT boxes - IDTP and IDFP = hypothesis boxes - IDTP. Range [0, 1].
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..types import Tracks

__all__ = ["MotScores", "iou_matrix", "evaluate_tracks", "moving_only"]


@dataclass(frozen=True)
class MotScores:
    mota: float
    idf1: float
    gt: int
    fp: int
    fn: int
    idsw: int
    idtp: int
    num_hyp: int

    def to_dict(self) -> dict[str, float | int]:
        return dict(self.__dict__)


def iou_matrix(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """IoU of boxes ``a (N, 4)`` and ``b (M, 4)`` (xyxy) -> ``(N, M)``; 0 for empty unions."""
    a = np.asarray(a, np.float64).reshape(-1, 4)
    b = np.asarray(b, np.float64).reshape(-1, 4)
    ix0 = np.maximum(a[:, None, 0], b[None, :, 0])
    iy0 = np.maximum(a[:, None, 1], b[None, :, 1])
    ix1 = np.minimum(a[:, None, 2], b[None, :, 2])
    iy1 = np.minimum(a[:, None, 3], b[None, :, 3])
    inter = np.clip(ix1 - ix0, 0, None) * np.clip(iy1 - iy0, 0, None)
    area_a = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])
    area_b = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    union = area_a[:, None] + area_b[None, :] - inter
    return np.where(union > 0, inter / np.where(union > 0, union, 1.0), 0.0)


def _stack(tracks: Tracks) -> tuple[list[str], np.ndarray, np.ndarray]:
    ids = sorted(tracks.tracks)
    n = tracks.num_frames
    boxes = np.full((len(ids), n, 4), np.nan)
    vis = np.zeros((len(ids), n), bool)
    for k, i in enumerate(ids):
        tr = tracks.tracks[i]
        v = np.asarray(tr.visible, bool) & np.isfinite(tr.box).all(axis=1)
        vis[k] = v
        boxes[k][v] = tr.box[v]
    return ids, boxes, vis


def evaluate_tracks(gt: Tracks, hyp: Tracks, *, iou_threshold: float = 0.5) -> MotScores:
    """MOTA and IDF1 of ``hyp`` against ``gt`` (see module docstring)."""
    from scipy.optimize import linear_sum_assignment

    if gt.num_frames != hyp.num_frames:
        raise ValueError(f"frame counts differ: gt {gt.num_frames}, hyp {hyp.num_frames}")
    _, gb, gv = _stack(gt)
    _, hb, hv = _stack(hyp)
    ng, nh, n = gb.shape[0], hb.shape[0], gt.num_frames
    pair_tp = np.zeros((ng, nh), np.int64)  # frames where g and h overlap enough (IDF1)
    fp = fn = idsw = 0
    last: dict[int, int] = {}  # gt index -> hypothesis index of its last match
    prev: dict[int, int] = {}  # matches in the previous frame
    for t in range(n):
        gi = np.flatnonzero(gv[:, t])
        hi = np.flatnonzero(hv[:, t])
        iou = iou_matrix(gb[gi, t], hb[hi, t]) if gi.size and hi.size else np.zeros((gi.size, hi.size))
        ok = iou >= iou_threshold
        if ok.size:
            pair_tp[np.ix_(gi, hi)] += ok
        matched: dict[int, int] = {}
        gpos = {g: k for k, g in enumerate(gi)}
        hpos = {h: k for k, h in enumerate(hi)}
        for g, h in prev.items():  # CLEAR-MOT: keep last frame's pairs while still valid
            if g in gpos and h in hpos and ok[gpos[g], hpos[h]]:
                matched[g] = h
        rest_g = [g for g in gi if g not in matched]
        used_h = set(matched.values())
        rest_h = [h for h in hi if h not in used_h]
        if rest_g and rest_h:
            sub = iou[np.ix_([gpos[g] for g in rest_g], [hpos[h] for h in rest_h])]
            cost = np.where(sub >= iou_threshold, 1.0 - sub, 1e6)
            r, c = linear_sum_assignment(cost)
            for a, b in zip(r, c):
                if cost[a, b] < 1e5:
                    matched[rest_g[a]] = rest_h[b]
        for g, h in matched.items():
            if g in last and last[g] != h:
                idsw += 1
            last[g] = h
        fn += gi.size - len(matched)
        fp += hi.size - len(matched)
        prev = matched
    total_gt = int(gv.sum())
    total_hyp = int(hv.sum())
    if ng and nh:
        r, c = linear_sum_assignment(-pair_tp)
        idtp = int(pair_tp[r, c].sum())
    else:
        idtp = 0
    mota = 1.0 - (fn + fp + idsw) / total_gt if total_gt else (1.0 if total_hyp == 0 else 0.0)
    denom = total_gt + total_hyp
    idf1 = 2.0 * idtp / denom if denom else 1.0
    return MotScores(mota=float(mota), idf1=float(idf1), gt=total_gt, fp=int(fp), fn=int(fn),
                     idsw=int(idsw), idtp=idtp, num_hyp=total_hyp)


def moving_only(gt: Tracks, min_travel: float = 1.0) -> Tracks:
    """Ground-truth tracks that move: with Truth world positions, at least 0.25 m; else the
    visible centroid travels at least ``min_travel`` box sizes.

    The pixel tracker models never-moving objects as background, so MOTA/IDF1 are reported
    both over all objects and over moving ones (this filter)."""
    keep = {}
    world = gt.meta.get("world", {}) if isinstance(gt.meta, dict) else {}
    for tid, tr in gt.tracks.items():
        v = np.asarray(tr.visible, bool)
        if v.sum() < 2:
            continue
        if tid in world:  # Truth: judge motion in the world, not on a moving camera's image
            x = np.asarray(world[tid])[v]
            if float(np.max(np.linalg.norm(x - x[0], axis=1))) >= 0.25:
                keep[tid] = tr
            continue
        c = tr.centroid[v]
        b = tr.box[v]
        size = float(np.median(np.sqrt((b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1]))))
        travel = float(np.max(np.linalg.norm(c - c[0], axis=1)))
        if travel >= min_travel * max(size, 1.0):
            keep[tid] = tr
    return Tracks(keep, gt.num_frames, gt.width, gt.height, gt.source, gt.camera, gt.meta)
