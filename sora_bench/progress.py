"""A minimal progress line on stderr, shown only on a terminal (never in CI logs)."""

from __future__ import annotations

import sys
import time

__all__ = ["Progress"]


class Progress:
    """``[ 3/40] 7.5% sample-id  eta 1m02s`` redrawn in place; disabled when not a TTY."""

    def __init__(self, total: int, *, enabled: bool = True, initial: int = 0) -> None:
        self.total = total
        self.done = initial
        self.enabled = enabled and sys.stderr.isatty()
        self.start = time.monotonic()
        self.first = initial

    def update(self, label: str) -> None:
        if not self.enabled:
            return
        elapsed = time.monotonic() - self.start
        new = self.done - self.first
        eta = (elapsed / new) * (self.total - self.done) if new else 0.0
        width = len(str(self.total))
        pct = 100.0 * self.done / self.total if self.total else 100.0
        line = f"[{self.done:>{width}}/{self.total}] {pct:5.1f}% {label[:40]:<40} eta {eta:5.0f}s"
        sys.stderr.write("\r" + line)
        sys.stderr.flush()
        self.done += 1

    def close(self) -> None:
        if self.enabled:
            sys.stderr.write("\r" + " " * 80 + "\r")
            sys.stderr.flush()
