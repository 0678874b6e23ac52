"""Named frame samplers: which frame indices of a ``T``-frame video a metric looks at.

A sampler is written as a short string that also appears, in canonical form, in protocol
strings and cache keys (so a change of sampler never reuses a stale number):

- ``uniform:N`` (default ``N = 8``; ``uniform`` alone means ``uniform:8``; canonical
  ``uniformN``): ``N`` indices spread evenly over the whole clip **including the first and the
  last frame**, ``i_k = floor(k * (T - 1) / (N - 1) + 1/2)`` for ``k = 0 .. N-1``
  (``N = 1`` picks frame 0). Frames are never repeated: when ``T <= N`` every frame is used
  once, so a 1-frame video gives ``[0]`` and a 5-frame video under ``uniform:8`` gives 5 indices.
- ``middle:N`` (canonical ``middleN``): the middle frame of each of ``N`` equal segments,
  ``i_k = floor((k + 1/2) * T / N)`` — VBench's ``sample='middle'`` (research/anchors.md §2.1).
  Same rule when ``T <= N``: every frame once.
- ``all``: every frame, ``0 .. T-1``.

Indices are sorted, unique, int64, and computed in O(N) whatever ``T`` is, so a
million-frame video under ``uniform:8`` costs the same as a short one. Pure numpy.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from ..errors import ConfigError

__all__ = ["FrameSampler", "parse_sampler", "DEFAULT_SAMPLER"]

DEFAULT_SAMPLER = "uniform:8"
_FORMS = "expected 'uniform:N', 'middle:N' (N >= 1 integer) or 'all'"
_PATTERN = re.compile(r"^(uniform|middle)(?::?(\d+))?$")


@dataclass(frozen=True)
class FrameSampler:
    """A parsed sampler. ``kind`` is ``uniform``, ``middle`` or ``all``; ``n`` is None for all."""

    kind: str
    n: int | None = None

    @property
    def canonical(self) -> str:
        """The form used in protocol strings and cache keys (``uniform8``, ``middle8``, ``all``)."""
        return self.kind if self.n is None else f"{self.kind}{self.n}"

    @property
    def spec(self) -> str:
        """The form a user writes (``uniform:8``)."""
        return self.kind if self.n is None else f"{self.kind}:{self.n}"

    def indices(self, num_frames: int) -> np.ndarray:
        """Frame indices for a video of ``num_frames`` frames (sorted, unique, int64).

        Raises ValueError for ``num_frames < 1`` (a Video always has at least one frame).
        """
        t = int(num_frames)
        if t < 1:
            raise ValueError(f"a video has at least one frame, got num_frames={num_frames}")
        if self.kind == "all" or self.n is None or t <= self.n:
            return np.arange(t, dtype=np.int64)
        n = self.n
        k = np.arange(n, dtype=np.float64)
        if self.kind == "uniform":
            if n == 1:
                return np.zeros(1, dtype=np.int64)
            pos = k * (t - 1) / (n - 1)
        else:  # middle
            pos = (k + 0.5) * t / n - 0.5
        idx = np.floor(pos + 0.5).astype(np.int64)
        # t > n, so the rounded positions are already strictly increasing; clip guards rounding
        # at the ends only.
        return np.clip(idx, 0, t - 1)

    def __str__(self) -> str:
        return self.spec


def parse_sampler(spec: str | FrameSampler | None) -> FrameSampler:
    """Parse ``uniform:N`` / ``uniformN`` / ``uniform`` / ``middle:N`` / ``all`` (case-insensitive).

    Raises ConfigError with the accepted forms on anything else (``uniform:0``, ``random`` ...).
    """
    if isinstance(spec, FrameSampler):
        return spec
    text = (spec if spec is not None else DEFAULT_SAMPLER)
    if not isinstance(text, str):
        raise ConfigError(f"frame sampler {spec!r}: {_FORMS}")
    text = text.strip().lower()
    if text == "all":
        return FrameSampler("all")
    m = _PATTERN.match(text)
    if not m:
        raise ConfigError(f"frame sampler {spec!r}: {_FORMS}")
    n = int(m.group(2)) if m.group(2) is not None else 8
    if n < 1:
        raise ConfigError(f"frame sampler {spec!r}: N must be at least 1")
    return FrameSampler(m.group(1), n)
