"""identity_swap from one clear teleport plus a partner that took the opposite way."""

from __future__ import annotations

import numpy as np

from sora_bench.metrics.permanence_events import _swaps
from sora_bench.types import Track, Tracks

T = 12


def _track(tid: str, xy: np.ndarray) -> Track:
    box = np.concatenate([xy - 4, xy + 4], axis=1)
    return Track(tid, box, xy.copy(), np.full(T, 50.0), np.ones(T, bool),
                 ("visible",) * T, np.full((T, 6), 0.3, np.float32))


def _setup(j: float):
    # a falls fast at x=30 until frame 5, b rolls at y=50; at 5 -> 6 they exchange places
    a = np.stack([np.full(T, 30.0), np.r_[np.linspace(10, 42, 6), np.full(6, 50.0)]], 1)
    b = np.stack([np.r_[np.linspace(60, 46, 6), np.linspace(30, 24, 6)],
                  np.r_[np.full(6, 50.0), np.linspace(46, 40, 6)]], 1)
    a[6:, 0] = np.linspace(46, 50, 6)
    tracks = Tracks({"a": _track("a", a), "b": _track("b", b)}, T, 80, 80, "tracker:blob",
                    meta={"stabilized": {"a": a, "b": b}})
    tele = [{"kind": "teleport", "object": "a", "frames": [5, 6], "from": list(a[5]),
             "position": list(a[6]), "jump_px": float(np.linalg.norm(a[6] - a[5])),
             "allowed_px": 12.0, "J": j}]
    return tele, tracks


def test_one_clear_teleport_and_a_partner_that_took_the_opposite_way_is_a_swap():
    tele, tracks = _setup(1.7)
    (ev,) = _swaps(tele, tracks)
    assert ev["kind"] == "identity_swap" and set(ev["objects"]) == {"a", "b"}


def test_a_marginal_jump_next_to_a_neighbour_is_not_a_swap():
    tele, tracks = _setup(1.2)  # two colliding objects nudge each other
    assert _swaps(tele, tracks) == []
