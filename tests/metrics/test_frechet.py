"""Fréchet distance and KVD maths against independent references (scipy sqrtm, pytorch-fid's
formula, torchmetrics' KID polynomial MMD)."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg

from sora_bench.metrics.frechet import (
    GaussianAccumulator,
    GaussianStats,
    bootstrap_frechet,
    frechet_curve,
    frechet_distance,
    frechet_distance_to_samples,
    kernel_distance,
    polynomial_mmd2_unbiased,
    trace_sqrt_product,
)


def _sqrtm_reference(mu1, s1, mu2, s2):
    """Float64 FD with scipy's matrix square root (the definition, no shortcuts)."""
    covmean = scipy.linalg.sqrtm(s1 @ s2)
    diff = mu1 - mu2
    return float(diff @ diff + np.trace(s1) + np.trace(s2) - 2 * np.trace(covmean).real)


def _pytorch_fid_formula(mu1, s1, mu2, s2, eps=1e-6):
    """pytorch-fid's calculate_frechet_distance (eps retry, imaginary-part check, real part)."""
    diff = mu1 - mu2
    covmean = scipy.linalg.sqrtm(s1.dot(s2))
    if not np.isfinite(covmean).all():
        offset = np.eye(s1.shape[0]) * eps
        covmean = scipy.linalg.sqrtm((s1 + offset).dot(s2 + offset))
    if np.iscomplexobj(covmean):
        assert np.allclose(np.diagonal(covmean).imag, 0, atol=1e-3)
        covmean = covmean.real
    return float(diff.dot(diff) + np.trace(s1) + np.trace(s2) - 2 * np.trace(covmean))


def _sets(kind: str, d: int, n: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    scale = np.arange(1, d + 1) ** -0.75
    x = rng.normal(size=(n, d)) * scale
    q, _ = np.linalg.qr(rng.normal(size=(d, d)))
    y = (rng.normal(size=(n, d)) * scale * 1.3) @ q + 0.3
    if kind == "steep":
        steep = np.exp(-np.arange(d) / 4.0)
        x = rng.normal(size=(n, d)) * steep
        y = rng.normal(size=(n, d)) * steep + 0.1
    return x, y


@pytest.mark.parametrize("kind,d,n", [("random", 48, 400), ("rankdef", 48, 20),
                                      ("steep", 32, 300), ("rankdef", 64, 10)])
def test_eigenvalue_form_matches_sqrtm_and_pytorch_fid(kind, d, n):
    x, y = _sets(kind, d, n)
    a, b = GaussianStats.from_features(x), GaussianStats.from_features(y)
    ours = frechet_distance(a.mu, a.sigma, b.mu, b.sigma)
    ref = _sqrtm_reference(a.mu, a.sigma, b.mu, b.sigma)
    fid = _pytorch_fid_formula(a.mu, a.sigma, b.mu, b.sigma)
    assert ours == pytest.approx(ref, rel=1e-6, abs=1e-8)
    assert ours == pytest.approx(fid, rel=1e-6, abs=1e-8)
    # the low-rank route (reference stats vs generated samples) gives the same number
    assert frechet_distance_to_samples(a, y) == pytest.approx(ref, rel=1e-6, abs=1e-8)


def test_trace_sqrt_of_commuting_diagonals():
    s1, s2 = np.diag([4.0, 9.0, 0.0]), np.diag([1.0, 4.0, 5.0])
    assert trace_sqrt_product(s1, s2) == pytest.approx(2 + 6 + 0)
    assert frechet_distance(np.zeros(3), s1, np.ones(3), s2) == pytest.approx(3 + 13 + 10 - 16)


@pytest.mark.parametrize("n", [256, 600])
def test_identical_sets_give_zero(n):
    x, _ = _sets("random", 400, n, seed=3)
    x = x * 10  # logits-like magnitude
    s = GaussianStats.from_features(x)
    assert abs(frechet_distance(s.mu, s.sigma, s.mu, s.sigma)) < 1e-6
    assert abs(frechet_distance_to_samples(s, x)) < 1e-6


def test_streaming_chunks_equal_one_shot():
    x, _ = _sets("random", 40, 257, seed=5)
    x = x + 50.0  # a large offset: the shifted sums must stay accurate
    one = GaussianAccumulator()
    one.update(x)
    chunked = GaussianAccumulator()
    for part in np.array_split(x, [1, 2, 50, 51, 200]):
        chunked.update(part)
    a, b = one.stats(), chunked.stats()
    assert a.n == b.n == 257
    np.testing.assert_allclose(b.mu, a.mu, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(b.sigma, a.sigma, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(a.sigma, np.cov(x, rowvar=False), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(a.mu, x.mean(axis=0), rtol=1e-12)


def test_fewer_than_two_samples_refused():
    acc = GaussianAccumulator()
    acc.update(np.ones((1, 4)))
    with pytest.raises(ValueError, match="at least 2"):
        acc.stats()
    with pytest.raises(ValueError, match="at least 2"):
        frechet_distance_to_samples(GaussianStats(np.zeros(4), np.eye(4), 10), np.ones((1, 4)))
    with pytest.raises(ValueError, match="NaN"):
        acc.update(np.full((2, 4), np.nan))


def test_bootstrap_ci_and_curve():
    x, y = _sets("random", 16, 60, seed=7)
    ref = GaussianStats.from_features(x)
    value = frechet_distance_to_samples(ref, y)
    (lo, hi), extra = bootstrap_frechet(ref, y, resamples=100)
    assert lo < value < hi and extra["bootstrap_sd"] > 0
    assert extra["bootstrap_bias"] > 0  # resamples with repeats: fewer distinct videos
    assert bootstrap_frechet(ref, y, resamples=100)[0] == (lo, hi)  # deterministic
    curve = frechet_curve(ref, y)
    assert [c["n"] for c in curve] == [2, 4, 8, 16, 32, 60]
    assert curve[-1]["fvd"] == pytest.approx(value)
    assert curve[0]["fvd"] > curve[-1]["fvd"]  # small-N bias is upwards here


def _torchmetrics_poly_mmd(x, y):
    try:
        from sora_bench._torchvision_compat import ensure_torchvision_importable

        ensure_torchvision_importable()
        import torch
        from torchmetrics.image.kid import poly_mmd
    except Exception:  # pragma: no cover - fall back to an explicit double loop
        return None
    return float(poly_mmd(torch.from_numpy(x), torch.from_numpy(y), degree=3, gamma=None, coef=1.0))


def _loop_mmd(x, y):
    d = x.shape[1]

    def k(a, b):
        return (a @ b / d + 1.0) ** 3

    m, n = len(x), len(y)
    sxx = sum(k(x[i], x[j]) for i in range(m) for j in range(m) if i != j) / (m * (m - 1))
    syy = sum(k(y[i], y[j]) for i in range(n) for j in range(n) if i != j) / (n * (n - 1))
    sxy = sum(k(x[i], y[j]) for i in range(m) for j in range(n)) / (m * n)
    return sxx + syy - 2 * sxy


def test_polynomial_mmd_matches_references():
    x, y = _sets("random", 12, 30, seed=9)
    ours = polynomial_mmd2_unbiased(x, y)
    assert ours == pytest.approx(_loop_mmd(x, y), rel=1e-10)
    tm = _torchmetrics_poly_mmd(x, y)
    if tm is not None:
        assert ours == pytest.approx(tm, rel=1e-6)


def test_kernel_distance_subsets():
    rng = np.random.default_rng(11)
    x = rng.normal(size=(80, 16))
    same = rng.normal(size=(80, 16))
    shifted = rng.normal(size=(80, 16)) + 1.0
    k_same, std_same, size = kernel_distance(x, same, subsets=20, subset_size=50)
    k_shift, _, _ = kernel_distance(x, shifted, subsets=20, subset_size=50)
    assert size == 50 and std_same > 0
    assert abs(k_same) < 0.1 * k_shift
    assert kernel_distance(x, same, subsets=20, subset_size=50)[0] == k_same
