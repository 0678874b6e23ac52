"""Pure maths of FVD and KVD (numpy only, float64): Fréchet distance, streaming Gaussian sums,
polynomial-kernel MMD, bootstrap interval and the FVD-versus-N curve.

Fréchet distance between N(μ1, Σ1) and N(μ2, Σ2)::

    FD = ||μ1 − μ2||² + tr Σ1 + tr Σ2 − 2 tr (Σ1 Σ2)^½,   tr (Σ1 Σ2)^½ = Σ_i √max(Re λ_i(Σ1 Σ2), 0)

Lower is better; 0 for identical distributions; units are squared feature units (I3D logits).
The trace of the square root is taken from the eigenvalues of Σ1Σ2 (real parts clipped at 0)
instead of ``scipy.linalg.sqrtm``, whose results changed across SciPy versions (negative FVDs
with SciPy 1.9–1.11) and whose ``disp`` argument is going away. When one side has fewer
samples than dimensions its covariance is ``Yc^T Yc / (n − 1)`` with ``Yc`` the centred
samples, and the non-zero eigenvalues of Σ1Σ2 are those of the small symmetric matrix
``Yc Σ1 Yc^T / (n − 1)``: the same eigenvalues, computed without the d − n round-off
eigenvalues whose square roots would otherwise bias the trace.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

__all__ = [
    "GaussianStats",
    "GaussianAccumulator",
    "trace_sqrt_product",
    "frechet_distance",
    "frechet_distance_to_samples",
    "polynomial_mmd2_unbiased",
    "kernel_distance",
    "bootstrap_frechet",
    "frechet_curve",
]

#: |FD| below this fraction of (tr Σ1 + tr Σ2 + 1) is round-off and is reported as 0.
ROUNDOFF = 1e-9


@dataclass(frozen=True)
class GaussianStats:
    """Mean ``mu`` (d,), covariance ``sigma`` (d, d, unbiased, n − 1), sample count ``n``."""

    mu: np.ndarray
    sigma: np.ndarray
    n: int

    @classmethod
    def from_features(cls, x: np.ndarray) -> GaussianStats:
        acc = GaussianAccumulator()
        acc.update(x)
        return acc.stats()


@dataclass
class GaussianAccumulator:
    """Streaming sums for mean and covariance: ``n``, ``Σ(x − k)``, ``Σ(x − k)(x − k)ᵀ``.

    ``k`` is the first sample seen (a shift that keeps the float64 sums well conditioned;
    covariance does not depend on it). Memory is O(d²) whatever the number of samples, and
    any split of the samples into chunks gives the same result up to float64 round-off.
    """

    n: int = 0
    shift: np.ndarray | None = None
    sum_x: np.ndarray | None = None
    sum_xx: np.ndarray | None = None
    _dim: int = field(default=0, repr=False)

    def update(self, x: np.ndarray) -> None:
        """Add a chunk of samples ``(m, d)`` (or one sample ``(d,)``)."""
        a = np.asarray(x, dtype=np.float64)
        if a.ndim == 1:
            a = a[None, :]
        if a.ndim != 2:
            raise ValueError(f"features must be (n, d), got shape {a.shape}")
        if not np.isfinite(a).all():
            raise ValueError("features contain NaN or Inf")
        if a.shape[0] == 0:
            return
        if self.shift is None:
            self._dim = a.shape[1]
            self.shift = a[0].copy()
            self.sum_x = np.zeros(self._dim)
            self.sum_xx = np.zeros((self._dim, self._dim))
        elif a.shape[1] != self._dim:
            raise ValueError(f"feature width {a.shape[1]} != {self._dim} seen before")
        c = a - self.shift
        self.sum_x += c.sum(axis=0)  # type: ignore[operator]
        self.sum_xx += c.T @ c  # type: ignore[operator]
        self.n += a.shape[0]

    def stats(self) -> GaussianStats:
        """Mean and unbiased covariance; needs n >= 2."""
        if self.n < 2 or self.shift is None:
            raise ValueError(f"a covariance needs at least 2 samples, got {self.n}")
        mean_c = self.sum_x / self.n  # type: ignore[operator]
        cov = (self.sum_xx - self.n * np.outer(mean_c, mean_c)) / (self.n - 1)
        cov = (cov + cov.T) / 2.0
        return GaussianStats(mu=self.shift + mean_c, sigma=cov, n=self.n)


def trace_sqrt_product(sigma1: np.ndarray, sigma2: np.ndarray) -> float:
    """tr (Σ1 Σ2)^½ = Σ √max(Re λ(Σ1 Σ2), 0), float64 (eigenvalue form)."""
    s1 = np.asarray(sigma1, np.float64)
    s2 = np.asarray(sigma2, np.float64)
    lam = np.linalg.eigvals(s1 @ s2).real
    return float(np.sqrt(np.clip(lam, 0.0, None)).sum())


def _clean(fd: float, scale: float) -> float:
    if fd < 0 and -fd <= ROUNDOFF * scale + 1e-6:
        return 0.0
    return fd


def frechet_distance(mu1: np.ndarray, sigma1: np.ndarray, mu2: np.ndarray,
                     sigma2: np.ndarray) -> float:
    """Fréchet distance between two Gaussians (float64, eigenvalue form); see module doc."""
    mu1, mu2 = np.asarray(mu1, np.float64), np.asarray(mu2, np.float64)
    s1, s2 = np.asarray(sigma1, np.float64), np.asarray(sigma2, np.float64)
    if mu1.shape != mu2.shape or s1.shape != s2.shape or s1.shape != (mu1.size, mu1.size):
        raise ValueError(f"shape mismatch: mu {mu1.shape}/{mu2.shape}, sigma {s1.shape}/{s2.shape}")
    diff = mu1 - mu2
    tr1, tr2 = float(np.trace(s1)), float(np.trace(s2))
    fd = float(diff @ diff) + tr1 + tr2 - 2.0 * trace_sqrt_product(s1, s2)
    return _clean(fd, tr1 + tr2 + 1.0)


def frechet_distance_to_samples(stats: GaussianStats, y: np.ndarray) -> float:
    """Fréchet distance between ``stats`` and the Gaussian fitted to samples ``y`` (n, d).

    When n <= d the trace term uses the eigenvalues of ``Yc Σ1 Yc^T / (n − 1)`` (n × n,
    symmetric positive semi-definite): exactly the non-zero eigenvalues of Σ1 Σ_y.
    """
    y = np.asarray(y, np.float64)
    n, d = y.shape
    if n < 2:
        raise ValueError(f"a covariance needs at least 2 samples, got {n}")
    if n > d:
        other = GaussianStats.from_features(y)
        return frechet_distance(stats.mu, stats.sigma, other.mu, other.sigma)
    mu_y = y.mean(axis=0)
    yc = y - mu_y
    small = yc @ np.asarray(stats.sigma, np.float64) @ yc.T / (n - 1)
    lam = np.linalg.eigvalsh((small + small.T) / 2.0)
    tr_sqrt = float(np.sqrt(np.clip(lam, 0.0, None)).sum())
    diff = np.asarray(stats.mu, np.float64) - mu_y
    tr1 = float(np.trace(stats.sigma))
    tr2 = float(np.einsum("ij,ij->", yc, yc)) / (n - 1)
    fd = float(diff @ diff) + tr1 + tr2 - 2.0 * tr_sqrt
    return _clean(fd, tr1 + tr2 + 1.0)


# ----------------------------------------------------------------------------------------- KVD
def _poly_kernel(a: np.ndarray, b: np.ndarray, degree: int, gamma: float,
                 coef: float) -> np.ndarray:
    return (a @ b.T * gamma + coef) ** degree


def polynomial_mmd2_unbiased(x: np.ndarray, y: np.ndarray, *, degree: int = 3,
                             gamma: float | None = None, coef: float = 1.0) -> float:
    """Unbiased MMD² with the kernel k(a, b) = (γ a·b + c)^degree, γ = 1/d by default.

    MMD² = mean_{i≠j} k(x_i, x_j) + mean_{i≠j} k(y_i, y_j) − 2 mean_{i,j} k(x_i, y_j).
    """
    x = np.asarray(x, np.float64)
    y = np.asarray(y, np.float64)
    m, n = x.shape[0], y.shape[0]
    if m < 2 or n < 2:
        raise ValueError("unbiased MMD needs at least 2 samples per set")
    g = 1.0 / x.shape[1] if gamma is None else gamma
    kxx = _poly_kernel(x, x, degree, g, coef)
    kyy = _poly_kernel(y, y, degree, g, coef)
    kxy = _poly_kernel(x, y, degree, g, coef)
    sxx = (kxx.sum() - np.trace(kxx)) / (m * (m - 1))
    syy = (kyy.sum() - np.trace(kyy)) / (n * (n - 1))
    return float(sxx + syy - 2.0 * kxy.mean())


def kernel_distance(x: np.ndarray, y: np.ndarray, *, subsets: int = 100, subset_size: int = 1000,
                    seed: int = 0, degree: int = 3, coef: float = 1.0) -> tuple[float, float, int]:
    """KVD: mean unbiased polynomial MMD² over ``subsets`` random subsets (without replacement)
    of ``min(subset_size, len(x), len(y))`` samples from each set.

    Returns (mean, standard deviation over subsets, subset size). Deterministic for a seed.
    """
    x = np.asarray(x, np.float64)
    y = np.asarray(y, np.float64)
    size = int(min(subset_size, x.shape[0], y.shape[0]))
    if size < 2:
        raise ValueError("KVD needs at least 2 samples per set")
    rng = np.random.default_rng(seed)
    vals = np.empty(subsets)
    for i in range(subsets):
        xi = x[rng.choice(x.shape[0], size, replace=False)]
        yi = y[rng.choice(y.shape[0], size, replace=False)]
        vals[i] = polynomial_mmd2_unbiased(xi, yi, degree=degree, coef=coef)
    return float(vals.mean()), float(vals.std(ddof=1)) if subsets > 1 else 0.0, size


# -------------------------------------------------------------------------- CI and FVD-vs-N
def bootstrap_frechet(ref: GaussianStats, y: np.ndarray, *, resamples: int = 200,
                      seed: int = 20240229, level: float = 0.95
                      ) -> tuple[tuple[float, float], dict[str, float]] | None:
    """Bootstrap interval of FD(ref, y), resampling the generated videos ``y`` (reference fixed).

    FD is biased upwards at small N and a resample with repeats has fewer distinct videos, so
    the resampled values sit above the estimate and a percentile interval can miss it
    altogether. We therefore report the normal-approximation bootstrap interval
    ``FD ± z · sd(FD*)`` (clipped at 0) and return the bootstrap bias ``mean(FD*) − FD`` for
    the report. None for n < 3. Deterministic for a seed.
    """
    y = np.asarray(y, np.float64)
    if y.shape[0] < 3:
        return None
    from statistics import NormalDist

    rng = np.random.default_rng(seed)
    vals = np.empty(resamples)
    for i in range(resamples):
        sample = y[rng.integers(0, y.shape[0], y.shape[0])]
        if np.ptp(sample, axis=0).max() == 0.0:  # every draw the same video: no covariance
            sample = y
        vals[i] = frechet_distance_to_samples(ref, sample)
    value = frechet_distance_to_samples(ref, y)
    sd = float(vals.std(ddof=1))
    z = NormalDist().inv_cdf(0.5 + level / 2.0)
    ci = (max(value - z * sd, 0.0), value + z * sd)
    return ci, {"bootstrap_sd": sd, "bootstrap_bias": float(vals.mean() - value)}


def frechet_curve(ref: GaussianStats, y: np.ndarray,
                  sizes: Sequence[int] | None = None) -> list[dict[str, float]]:
    """FD(ref, first n generated videos) for growing n (powers of two and n = N).

    FD is biased upwards at small n; the curve shows how far from converged a value is.
    """
    y = np.asarray(y, np.float64)
    n = y.shape[0]
    if sizes is None:
        sizes = sorted({2 ** k for k in range(1, int(math.log2(max(n, 2))) + 1)} | {n})
    out = []
    for s in sizes:
        if 2 <= s <= n:
            out.append({"n": int(s), "fvd": frechet_distance_to_samples(ref, y[:s])})
    return out


def stack_features(items: Iterable[tuple[str, np.ndarray]]) -> tuple[list[str], np.ndarray]:
    """(ids, (n, d) float64) from ``(sample_id, features)`` pairs."""
    ids: list[str] = []
    rows: list[np.ndarray] = []
    for sid, f in items:
        ids.append(sid)
        rows.append(np.asarray(f, np.float64).reshape(-1))
    if not rows:
        return ids, np.zeros((0, 0))
    return ids, np.stack(rows)
