"""MOTA / IDF1 on hand-made cases with answers worked out by hand."""

from __future__ import annotations

import numpy as np
import pytest

from sora_bench.tracking.evaluate import evaluate_tracks, iou_matrix
from sora_bench.types import Track, Tracks


def mk(boxes: dict[str, list]) -> Tracks:
    n = len(next(iter(boxes.values())))
    tr = {}
    for k, bs in boxes.items():
        b = np.array([[np.nan] * 4 if x is None else x for x in bs], float)
        vis = np.isfinite(b).all(1)
        tr[k] = Track(k, b, np.zeros((n, 2)), np.zeros(n), vis, ("visible",) * n,
                      np.zeros((n, 6), np.float32))
    return Tracks(tr, n, 100, 100, "test")


A = [0, 0, 10, 10]
B = [50, 50, 60, 60]


def test_iou():
    assert iou_matrix(np.array([A]), np.array([[5, 0, 15, 10]]))[0, 0] == pytest.approx(50 / 150)
    assert iou_matrix(np.array([A]), np.array([B]))[0, 0] == 0


def test_perfect():
    gt = mk({"a": [A] * 4, "b": [B] * 4})
    s = evaluate_tracks(gt, mk({"x": [A] * 4, "y": [B] * 4}))
    assert (s.mota, s.idf1, s.idsw) == (1.0, 1.0, 0)


def test_identity_switch_costs_one():
    # hypothesis "x" follows a for 2 frames, then "y" takes over: 1 IDSW over 4 GT boxes
    gt = mk({"a": [A] * 4})
    hyp = mk({"x": [A, A, None, None], "y": [None, None, A, A]})
    s = evaluate_tracks(gt, hyp)
    assert s.idsw == 1 and s.fp == 0 and s.fn == 0
    assert s.mota == pytest.approx(1 - 1 / 4)
    # IDF1: best single pairing covers 2 of 4 frames: 2*2 / (4 + 4)
    assert s.idf1 == pytest.approx(0.5)


def test_misses_and_false_positives():
    gt = mk({"a": [A, A, A, None]})
    hyp = mk({"x": [A, None, A, None], "z": [B, B, None, None]})
    s = evaluate_tracks(gt, hyp)
    assert (s.fn, s.fp, s.idsw, s.gt) == (1, 2, 0, 3)
    assert s.mota == pytest.approx(1 - 3 / 3)
    assert s.idf1 == pytest.approx(2 * 2 / (3 + 4))


def test_low_iou_is_no_match():
    gt = mk({"a": [A]})
    s = evaluate_tracks(gt, mk({"x": [[6, 0, 16, 10]]}))  # IoU 4/16 = 0.25
    assert (s.fn, s.fp) == (1, 1) and s.idf1 == 0.0
