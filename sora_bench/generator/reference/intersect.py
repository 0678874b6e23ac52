"""Ray-primitive intersections, vectorised over rays.

Every function takes ray origins ``orig`` (M, 3), unit directions ``D`` (M, 3) and the frame
index of each ray ``ff`` (M,) (primitives store per-frame parameters), and returns the
nearest hit distance ``t`` (M,) (``inf`` on a miss, only ``t > 1e-4``) and the unit world
normal (M, 3). Boxes and cylinders are intersected in their local frame (``R^T (x - c)``);
the capsule follows the closed form of a swept sphere (body quadratic, then the end caps).
"""

from __future__ import annotations

import numpy as np

from .shapes import BOX, CAPSULE, CYLINDER, SPHERE, Prim

__all__ = ["intersect", "any_hit", "nearest"]

TMIN = 1e-4


def _dot(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.einsum("mk,mk->m", a, b)


def _sphere(orig, D, c, r):
    oc = orig - c
    b = _dot(oc, D)
    cc = _dot(oc, oc) - r * r
    h = b * b - cc
    ok = h > 0
    sq = np.sqrt(np.where(ok, h, 0))
    t = -b - sq
    t = np.where(t > TMIN, t, -b + sq)
    t = np.where(ok & (t > TMIN), t, np.inf)
    n = (orig + D * np.where(np.isfinite(t), t, 0)[:, None] - c) / r[:, None]
    return t, n


def _box(orig, D, c, R, half):
    lo = np.einsum("mji,mj->mi", R, orig - c)
    ld = np.einsum("mji,mj->mi", R, D)
    ld = np.where(np.abs(ld) < 1e-12, 1e-12, ld)
    inv = 1.0 / ld
    t1, t2 = (-half - lo) * inv, (half - lo) * inv
    tn, tx = np.minimum(t1, t2), np.maximum(t1, t2)
    tmin, tmax = tn.max(1), tx.min(1)
    ok = (tmax >= tmin) & (tmax > TMIN)
    t = np.where(ok, np.where(tmin > TMIN, tmin, tmax), np.inf)
    ax = tn.argmax(1)
    ln = np.zeros_like(lo)
    rows = np.arange(len(lo))
    ln[rows, ax] = -np.sign(ld[rows, ax])
    inside = tmin <= TMIN
    if inside.any():
        ax2 = tx.argmin(1)
        ln[inside] = 0
        ln[np.flatnonzero(inside), ax2[inside]] = np.sign(ld[inside, ax2[inside]])
    n = np.einsum("mij,mj->mi", R, ln)
    return t, n


def _cylinder(orig, D, c, R, r, hh):
    lo = np.einsum("mji,mj->mi", R, orig - c)
    ld = np.einsum("mji,mj->mi", R, D)
    a = ld[:, 0] ** 2 + ld[:, 2] ** 2
    b = lo[:, 0] * ld[:, 0] + lo[:, 2] * ld[:, 2]
    cc = lo[:, 0] ** 2 + lo[:, 2] ** 2 - r * r
    h = b * b - a * cc
    ok = (h > 0) & (a > 1e-12)
    sq = np.sqrt(np.where(ok, h, 0))
    a_safe = np.where(a > 1e-12, a, 1.0)
    ts = (-b - sq) / a_safe
    ys = lo[:, 1] + ts * ld[:, 1]
    side = ok & (ts > TMIN) & (np.abs(ys) <= hh)
    ts = np.where(side, ts, np.inf)
    sgn = -np.sign(np.where(np.abs(ld[:, 1]) < 1e-12, 1e-12, ld[:, 1]))
    ldy = np.where(np.abs(ld[:, 1]) < 1e-12, 1e-12, ld[:, 1])
    tc = (sgn * hh - lo[:, 1]) / ldy
    xc, zc = lo[:, 0] + tc * ld[:, 0], lo[:, 2] + tc * ld[:, 2]
    cap = (tc > TMIN) & (xc * xc + zc * zc <= r * r)
    tc = np.where(cap, tc, np.inf)
    t = np.minimum(ts, tc)
    use_side = ts <= tc
    p = lo + ld * np.where(np.isfinite(t), t, 0)[:, None]
    ln = np.zeros_like(lo)
    ln[:, 0] = np.where(use_side, p[:, 0] / r, 0)
    ln[:, 2] = np.where(use_side, p[:, 2] / r, 0)
    ln[:, 1] = np.where(use_side, 0, sgn)
    n = np.einsum("mij,mj->mi", R, ln)
    return t, n


def _capsule(orig, D, pa, pb, r):
    ba = pb - pa
    oa = orig - pa
    baba = _dot(ba, ba)
    bard = _dot(ba, D)
    baoa = _dot(ba, oa)
    rdoa = _dot(D, oa)
    oaoa = _dot(oa, oa)
    a = baba - bard * bard
    b = baba * rdoa - baoa * bard
    c = baba * oaoa - baoa * baoa - r * r * baba
    h = b * b - a * c
    ok = (h >= 0) & (a > 1e-12)
    sq = np.sqrt(np.where(ok, h, 0))
    t = (-b - sq) / np.where(a > 1e-12, a, 1.0)
    y = baoa + t * bard
    body = ok & (y > 0) & (y < baba) & (t > TMIN)
    oc = np.where((y <= 0)[:, None], oa, orig - pb)
    b2 = _dot(D, oc)
    c2 = _dot(oc, oc) - r * r
    h2 = b2 * b2 - c2
    tcap = -b2 - np.sqrt(np.maximum(h2, 0))
    capok = (h2 > 0) & (tcap > TMIN)
    t = np.where(body, t, np.where(capok, tcap, np.inf))
    P = orig + D * np.where(np.isfinite(t), t, 0)[:, None]
    pa_ = P - pa
    hcl = np.clip(_dot(pa_, ba) / np.maximum(baba, 1e-12), 0, 1)
    n = (pa_ - hcl[:, None] * ba) / r[:, None]
    return t, n


def intersect(p: Prim, orig: np.ndarray, D: np.ndarray, ff: np.ndarray):
    """Nearest hit of rays with primitive ``p`` (frames ``ff``); hidden frames never hit."""
    if p.kind == SPHERE:
        t, n = _sphere(orig, D, p.centre[ff], p.dims[ff, 0])
    elif p.kind == BOX:
        t, n = _box(orig, D, p.centre[ff], p.rot[ff], p.dims[ff])
    elif p.kind == CYLINDER:
        t, n = _cylinder(orig, D, p.centre[ff], p.rot[ff], p.dims[ff, 0], p.dims[ff, 1])
    else:
        assert p.kind == CAPSULE and p.a is not None and p.b is not None
        t, n = _capsule(orig, D, p.a[ff], p.b[ff], p.dims[ff, 0])
    t = np.where(p.visible[ff], t, np.inf)
    return t, n


def _candidates(p: Prim, orig, D, ff) -> np.ndarray:
    oc = orig - p.centre[ff]
    rb = p.bound[ff]
    b = _dot(oc, D)
    c2 = _dot(oc, oc) - rb * rb
    return np.flatnonzero((b * b > c2) & ((b < 0) | (c2 < 0)) & p.visible[ff])


def any_hit(prims: list[Prim], orig: np.ndarray, D: np.ndarray, ff: np.ndarray) -> np.ndarray:
    """True where a ray hits any primitive (shadow rays)."""
    out = np.zeros(len(orig), bool)
    for p in prims:
        if p.emissive:
            continue  # light sources cast no shadow
        idx = _candidates(p, orig, D, ff)
        idx = idx[~out[idx]]
        if idx.size == 0:
            continue
        t, _ = intersect(p, orig[idx], D[idx], ff[idx])
        out[idx[np.isfinite(t)]] = True
    return out


def nearest(prims: list[Prim], orig: np.ndarray, D: np.ndarray, ff: np.ndarray):
    """Nearest hit distance, primitive index (-1 none) and normal over all primitives."""
    tb = np.full(len(orig), np.inf)
    kb = np.full(len(orig), -1)
    nb = np.zeros((len(orig), 3))
    for k, p in enumerate(prims):
        idx = _candidates(p, orig, D, ff)
        if idx.size == 0:
            continue
        t, n = intersect(p, orig[idx], D[idx], ff[idx])
        c = np.isfinite(t) & (t < tb[idx])
        j = idx[c]
        tb[j], kb[j], nb[j] = t[c], k, n[c]
    return tb, kb, nb
