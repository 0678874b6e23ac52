"""Vectorised ray caster: primitives + floor + sky -> frames, id buffer, unoccluded coverage.

Several frames are traced at once (rays of a chunk of frames form one flat array). Each
primitive is first tested against its bounding sphere (a few multiply-adds per ray), and the
exact intersection runs only on the rays that pass. Shading: Lambert key light with cast
shadows (shadow rays against every primitive), hemispherical ambient, Blinn-Phong highlights,
one-bounce reflections for mirror/glossy floors and mirror/glass/metal objects, emissive
materials with a small bloom, distance haze, then mood grading and display gamma.

``antialias = s`` traces ``s x s`` rays per pixel (box filter); the id buffer is kept at the
supersampled resolution so Truth boxes and visible fractions have sub-pixel precision.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import intersect as ix
from .scene import Scene
from .shading import FLOOR_REFLECT, Lighting, floor_albedo, grade, sky
from .shapes import PATTERN_BALL, PATTERN_LABEL, PATTERN_WINDOWS, Prim

__all__ = ["RenderOut", "render_frames"]

EPS = 1e-3
CHUNK_RAYS = 1 << 17
FLOOR_ID, SKY_ID = -2, -1


@dataclass
class RenderOut:
    frames: np.ndarray      # (T, H, W, 3) uint8
    ids: np.ndarray         # (T, H*s, W*s) int16 object index, -1 sky/floor
    unoccluded: np.ndarray  # (T, n_objects) pixels (supersampled) each object covers alone
    ss: int


def _pixel_dirs(K: np.ndarray, R: np.ndarray, w: int, h: int, s: int) -> np.ndarray:
    """Unit world-space ray directions (F, h*s*w*s, 3) through supersampled pixel centres.

    Camera-frame direction ``((u - cx) / f, (v - cy) / f, 1)``, normalised, then
    ``x r0 + y r1 + z r2`` with ``r0..r2`` the rows of R (elementwise: tiny matmuls through
    a threaded BLAS were the slowest step on a loaded machine).
    """
    u = (np.arange(w * s) + 0.5) / s
    v = (np.arange(h * s) + 0.5) / s
    out = np.empty((len(K), u.size * v.size, 3))
    for i, (Kf, Rf) in enumerate(zip(K, R)):
        x = (u - Kf[0, 2]) / Kf[0, 0]
        y = (v - Kf[1, 2]) / Kf[1, 1]
        xx = np.broadcast_to(x[None, :], (v.size, u.size)).ravel()
        yy = np.broadcast_to(y[:, None], (v.size, u.size)).ravel()
        inv = 1.0 / np.sqrt(xx * xx + yy * yy + 1.0)
        for k in range(3):
            out[i, :, k] = (xx * Rf[0, k] + yy * Rf[1, k] + Rf[2, k]) * inv
    return out


def render_frames(scene: Scene, prims: list[Prim], n_objects: int, K: np.ndarray,
                  R: np.ndarray, centres: np.ndarray, light: Lighting, width: int, height: int,
                  antialias: int = 1) -> RenderOut:
    """Render all frames. ``antialias = s > 1`` is adaptive supersampling: one ray per pixel
    first, then ``s x s`` rays for the pixels on an object or shading edge (their 4-neighbour
    differs in object id, or in brightness by more than 0.12), which costs a fraction of full
    supersampling and gives the same id-buffer precision on silhouettes."""
    T = K.shape[0]
    s = max(1, int(antialias))
    N = width * height
    F = max(1, min(T, CHUNK_RAYS // N))
    frames = np.zeros((T, height, width, 3), np.uint8)
    ids = np.full((T, height * s, width * s), SKY_ID, np.int16)
    unocc = np.zeros((T, n_objects), np.int64)
    emissive_any = any(p.emissive for p in prims)
    for f0 in range(0, T, F):
        fr = np.arange(f0, min(T, f0 + F))
        Fn = len(fr)
        D = _pixel_dirs(K[fr], R[fr], width, height, 1).reshape(-1, 3)
        fi = np.repeat(np.arange(Fn), N)
        col, oid, masks = _trace(scene, prims, K[fr], centres[fr], light, fr, D, fi, N, 1)
        img = col.reshape(Fn, height, width, 3)
        id1 = oid.reshape(Fn, height, width)
        if s > 1:
            edge = _edges(id1, img)
            ef, ey, ex = np.nonzero(edge)
            sub = (np.arange(s) + 0.5) / s
            su = np.tile(sub, s)
            sv = np.repeat(sub, s)
            u = (ex[:, None] + su[None]).ravel()
            v = (ey[:, None] + sv[None]).ravel()
            fi2 = np.repeat(ef, s * s)
            D2 = _dirs_at(K[fr], R[fr], u, v, fi2)
            col2, oid2, masks2 = _trace(scene, prims, K[fr], centres[fr], light, fr, D2, fi2,
                                        None, s)
            img[ef, ey, ex] = col2.reshape(-1, s * s, 3).mean(1)
            big = np.repeat(np.repeat(id1, s, 1), s, 2)
            yy = (ey[:, None] * s + (np.repeat(np.arange(s), s))[None]).ravel()
            xx = (ex[:, None] * s + (np.tile(np.arange(s), s))[None]).ravel()
            big[fi2, yy, xx] = oid2
            ids[fr] = big
            flat_edge = edge.reshape(-1)
            for o, m in masks.items():
                unocc[fr, o] += np.bincount(fi[m & ~flat_edge], minlength=Fn) * (s * s)
            for o, m in masks2.items():
                unocc[fr, o] += np.bincount(fi2[m], minlength=Fn)
        else:
            ids[fr] = id1
            for o, m in masks.items():
                unocc[fr, o] += np.bincount(fi[m], minlength=Fn)
        if emissive_any:
            img = _bloom(img, id1, prims)
        frames[fr] = np.rint(grade(img, scene.mood) * 255).astype(np.uint8)
    return RenderOut(frames, ids, unocc, s)


def _edges(ids: np.ndarray, img: np.ndarray) -> np.ndarray:
    """Pixels whose right/lower neighbour differs in object id or brightness (F, H, W)."""
    lum = np.sqrt(np.clip(img @ np.array([0.3, 0.59, 0.11]), 0, None))
    e = np.zeros(ids.shape, bool)
    dx = (ids[:, :, 1:] != ids[:, :, :-1]) | (np.abs(lum[:, :, 1:] - lum[:, :, :-1]) > 0.12)
    dy = (ids[:, 1:, :] != ids[:, :-1, :]) | (np.abs(lum[:, 1:, :] - lum[:, :-1, :]) > 0.12)
    e[:, :, 1:] |= dx
    e[:, :, :-1] |= dx
    e[:, 1:, :] |= dy
    e[:, :-1, :] |= dy
    return e


def _dirs_at(K: np.ndarray, R: np.ndarray, u: np.ndarray, v: np.ndarray,
             fi: np.ndarray) -> np.ndarray:
    """Unit world directions through image points (u, v) of frames ``fi`` (chunk-local)."""
    x = (u - K[fi, 0, 2]) / K[fi, 0, 0]
    y = (v - K[fi, 1, 2]) / K[fi, 1, 1]
    inv = 1.0 / np.sqrt(x * x + y * y + 1.0)
    Rf = R[fi]
    return (x[:, None] * Rf[:, 0] + y[:, None] * Rf[:, 1] + Rf[:, 2]) * inv[:, None]


def _bloom(img: np.ndarray, ids: np.ndarray, prims: list[Prim]) -> np.ndarray:
    """Glow around emissive objects: blur of their own colour, added back."""
    em_objs = sorted({p.obj for p in prims if p.emissive})
    mask = np.isin(ids, em_objs)[..., None]
    glow = img * mask
    for _ in range(3):
        for ax in (1, 2):
            glow = (np.roll(glow, 2, ax) + np.roll(glow, -2, ax) + glow * 2) / 4
    return img + 0.6 * glow


def _trace(scene, prims, K, C, light: Lighting, fr, D, fi, grid_n: int | None, s: int):
    """Trace rays ``D`` (M, 3) from the camera of chunk frame ``fi``; ``grid_n`` = rays per
    frame when the rays are a full regular grid (enables a broadcast bounding test).
    Returns linear colour (M, 3), object id (M,) and per object the rays it covers alone."""
    M = D.shape[0]
    Fn = len(fr)
    tbest = np.full(M, np.inf)
    pid = np.full(M, SKY_ID, np.int32)
    nrm = np.zeros((M, 3))
    if scene.floor.kind != "none":
        dy = D[:, 1]
        oy = C[fi, 1]
        tf = np.where(dy < -1e-9, -oy / np.where(dy < -1e-9, dy, -1.0), np.inf)
        tf[oy <= 0] = np.inf
        tbest, pid = tf, np.where(np.isfinite(tf), FLOOR_ID, SKY_ID).astype(np.int32)
        nrm[:, 1] = 1.0
    D3 = D.reshape(Fn, grid_n, 3) if grid_n is not None else None
    Of = C[fi]
    masks: dict[int, np.ndarray] = {}
    for k, p in enumerate(prims):
        vis = p.visible[fr]
        if not vis.any():
            continue
        c = p.centre[fr]
        rb = p.bound[fr]
        oc = C - c
        c2 = np.einsum("fk,fk->f", oc, oc) - rb * rb
        if D3 is not None:
            b = np.einsum("fnk,fk->fn", D3, oc)
            cand = (b * b > c2[:, None]) & ((b < 0) | (c2[:, None] < 0)) & vis[:, None]
        else:
            b = np.einsum("mk,mk->m", D, oc[fi])
            cand = (b * b > c2[fi]) & ((b < 0) | (c2[fi] < 0)) & vis[fi]
        idx = np.flatnonzero(cand)
        if idx.size == 0:
            continue
        t, n = ix.intersect(p, Of[idx], D[idx], fr[fi[idx]])
        hit = np.isfinite(t)
        m = masks.setdefault(p.obj, np.zeros(M, bool))
        m[idx[hit]] = True
        closer = hit & (t < tbest[idx])
        j = idx[closer]
        tbest[j], pid[j], nrm[j] = t[closer], k, n[closer]
    obj_of = np.array([p.obj for p in prims] + [SKY_ID, SKY_ID], np.int16)
    pid_obj = obj_of[pid]  # -1 and -2 index the two trailing SKY_ID entries
    col = _shade(scene, prims, C, D, fi, fr, tbest, pid, nrm, light, K, s, 0)
    return col, pid_obj, masks


def _shade(scene, prims, C, D, fi, fr, t, pid, nrm, light: Lighting, K, s, h):
    M = D.shape[0]
    L = light.directions[fr][fi]
    col = np.zeros((M, 3))
    miss = pid == SKY_ID
    col[miss] = sky(D[miss], light, L[miss])
    hit = np.flatnonzero(~miss)
    if hit.size == 0:
        return col
    P = C[fi[hit]] + D[hit] * t[hit, None]
    n = nrm[hit]
    ph = pid[hit]
    albedo = np.zeros((hit.size, 3))
    shin = np.zeros(hit.size)
    refl = np.zeros(hit.size)
    emis = np.zeros(hit.size, bool)
    fl = ph == FLOOR_ID
    if fl.any():
        pix_angle = 1.0 / (K[0, 0, 0] * s)
        foot = t[hit][fl] * pix_angle / np.maximum(np.abs(D[hit][fl, 1]), 0.05)
        albedo[fl] = floor_albedo(scene.floor.kind, scene.floor.color, P[fl, 0], P[fl, 2], foot)
        refl[fl] = FLOOR_REFLECT.get(scene.floor.kind, 0.0)
        shin[fl] = 0.1 + refl[fl]
    for k in np.unique(ph[~fl]):
        p = prims[k]
        sel = ph == k
        ff = fr[fi[hit[sel]]]
        a = p.color[ff].copy()
        if p.pattern == PATTERN_BALL:
            loc = np.einsum("mji,mj->mi", p.rot[ff], P[sel] - p.centre[ff])
            band = np.abs(loc[:, 1]) < 0.3 * p.dims[ff, 0]
            a[band] = a[band] * 0.35 + 0.6
        elif p.pattern == PATTERN_LABEL:  # a paper label on one side: rotation shows
            loc = np.einsum("mji,mj->mi", p.rot[ff], P[sel] - p.centre[ff])
            ang = np.arctan2(loc[:, 0], loc[:, 2])
            lab = (np.abs(ang) < 0.8) & (np.abs(loc[:, 1]) < 0.45 * p.dims[ff, 1])
            a[lab] = np.array([0.85, 0.82, 0.72])
            a[lab & (np.abs(loc[:, 1]) < 0.08 * p.dims[ff, 1])] = 0.05  # printed band
        elif p.pattern == PATTERN_WINDOWS:
            a = _windows(p, ff, P[sel], n[sel], a, light.night, emis, sel)
        albedo[sel] = a
        shin[sel] = p.shininess
        refl[sel] = 0.9 if p.mirror else (0.45 if p.glass else (0.3 if p.shininess > 0.8 else 0))
        if p.glass:  # darker towards the silhouette, so clear glass reads against any background
            facing = np.abs(np.sum(n[sel] * D[hit[sel]], 1))
            albedo[sel] *= (0.35 + 0.65 * facing)[:, None]
        if p.emissive and p.pattern != PATTERN_WINDOWS:
            emis[sel] = True
    Lh = L[hit]
    ndl = np.clip(np.sum(n * Lh, 1), 0, 1)
    lit = ndl > 0
    shadow = np.zeros(hit.size, bool)
    li = np.flatnonzero(lit)
    if li.size:
        shadow[li] = ix.any_hit(prims, P[li] + n[li] * EPS, Lh[li], fr[fi[hit[li]]])
    direct = (ndl * ~shadow)[:, None] * light.sun_color
    amb = light.ambient * (0.7 + 0.3 * n[:, 1:2])  # sky above, floor bounce below
    out = albedo * (amb + direct)
    hv = Lh - D[hit]
    hv /= np.linalg.norm(hv, axis=1, keepdims=True)
    spec_exp = 8 + 120 * shin
    spec = (np.clip(np.sum(n * hv, 1), 0, 1) ** spec_exp) * shin * (~shadow) * (ndl > 0)
    out += spec[:, None] * light.sun_color * 0.8
    rr = np.flatnonzero(refl > 0)
    if rr.size:
        d = D[hit[rr]]
        r = d - 2 * np.sum(d * n[rr], 1, keepdims=True) * n[rr]
        rc = _reflect(scene, prims, P[rr] + n[rr] * EPS, r, fr[fi[hit[rr]]], light, L[hit[rr]])
        f = refl[rr, None]
        out[rr] = out[rr] * (1 - f) + rc * f
    if emis.any():
        out[emis] = albedo[emis] * 2.2
    dist = t[hit]
    fog = 1 - np.exp(-np.maximum(dist - 8.0, 0.0) / 80.0)  # aerial haze beyond 8 m
    out = out * (1 - fog[:, None]) + light.horizon * fog[:, None]
    col[hit] = out
    return col


def _windows(p: Prim, ff, P, n, a, night: bool, emis: np.ndarray, sel) -> np.ndarray:
    """Building facades: a 2 m x 3 m window grid on the walls (fixed to the building, so it
    never flickers). Night: a fixed hashed subset of windows glows warm. Neon buildings have a
    dark facade whose windows and corner strips glow in the building's colour."""
    from .shading import hash2

    loc = np.einsum("mji,mj->mi", p.rot[ff], P - p.centre[ff])
    ln = np.einsum("mji,mj->mi", p.rot[ff], n)
    side = np.abs(ln[:, 1]) < 0.5
    across = np.where(np.abs(ln[:, 0]) > 0.5, loc[:, 2], loc[:, 0])
    fy, fx = np.mod(loc[:, 1] / 3.0, 1), np.mod(across / 2.0, 1)
    win = side & (fy > 0.3) & (fy < 0.78) & (fx > 0.22) & (fx < 0.78)
    a = a.copy()
    idx = np.flatnonzero(sel)
    if p.emissive:
        half = np.where(np.abs(ln[:, 0]) > 0.5, p.dims[ff, 2], p.dims[ff, 0])
        edge = side & (np.abs(np.abs(across) - half) < 0.12)
        glow = win | edge
        a[~glow] = a[~glow] * 0.08
        emis[idx[glow]] = True
    elif night:
        on = win & (hash2(np.floor(loc[:, 1] / 3.0), np.floor(across / 2.0)) > 0.35)
        a[win] = 0.02
        a[on] = np.array([1.0, 0.75, 0.35])
        emis[idx[on]] = True
    else:
        a[win] = np.array([0.06, 0.09, 0.14])
    return a


def _reflect(scene, prims, orig, Dr, ff, light: Lighting, L) -> np.ndarray:
    """Colour seen along reflected rays: nearest primitive (lit, no shadows), floor, or sky."""
    t, k, n = ix.nearest(prims, orig, Dr, ff)
    out = sky(Dr, light, L)
    if scene.floor.kind != "none":
        tf = np.where(Dr[:, 1] < -1e-9, -orig[:, 1] / np.where(Dr[:, 1] < -1e-9, Dr[:, 1], -1), np.inf)
        fl = np.isfinite(tf) & (tf < t) & (orig[:, 1] > -1e-6)
        if fl.any():
            Pf = orig[fl] + Dr[fl] * tf[fl, None]
            alb = floor_albedo(scene.floor.kind, scene.floor.color, Pf[:, 0], Pf[:, 2],
                               np.full(int(fl.sum()), 0.05))
            out[fl] = alb * (light.ambient + light.sun_color * np.clip(L[fl, 1:2], 0, 1))
    for kk in np.unique(k[k >= 0]):
        sel = k == kk
        p = prims[kk]
        ndl = np.clip(np.sum(n[sel] * L[sel], 1, keepdims=True), 0, 1)
        c = p.color[ff[sel]]
        out[sel] = c * 2.2 if p.emissive else c * (light.ambient + light.sun_color * ndl)
    return out
