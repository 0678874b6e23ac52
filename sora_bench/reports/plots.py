"""Charts for the report: matplotlib (Agg, imported lazily) -> SVG -> ``data:`` URI.

SVGs are embedded as ``<img>`` data URIs, never inline: an image context cannot run script,
and ids in one SVG cannot clash with another's. Output is deterministic: a fixed
``svg.hashsalt``, no date metadata, text kept as ``<text>`` (``svg.fonttype: none``, also
smaller), mathtext parsing off (user-supplied tags and metric names are drawn literally).
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from .media import data_uri

__all__ = ["dimension_chart", "curves_chart", "xy_curve_chart", "forest_chart"]

INK = "#1f2933"
MUTED = "#7b8794"
GRID = "#e4e7eb"
ACCENT = "#3b5bdb"
BETTER = "#2f9e44"
WORSE = "#e03131"

_RC = {
    "svg.hashsalt": "sora-bench",
    "svg.fonttype": "none",
    "text.parse_math": False,
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans", "Liberation Sans", "Arial"],
    "font.size": 8.5,
    "axes.edgecolor": GRID,
    "axes.labelcolor": INK,
    "axes.titlesize": 9,
    "axes.titleweight": "bold",
    "axes.titlecolor": INK,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "xtick.color": MUTED,
    "ytick.color": INK,
    "xtick.labelsize": 7.5,
    "ytick.labelsize": 7.5,
    "path.simplify": True,
    "svg.image_inline": True,
}


@contextmanager
def _figure(width: float, height: float) -> Iterator[Any]:
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure

    with matplotlib.rc_context(_RC):
        fig = Figure(figsize=(width, height), dpi=72)
        yield fig


def _svg(fig: Any) -> str:
    import matplotlib

    buf = io.StringIO()
    with matplotlib.rc_context(_RC):
        fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None},
                    bbox_inches="tight", pad_inches=0.06, transparent=True)
    text = buf.getvalue()
    # Drop the DOCTYPE and the RDF metadata block: no use in an <img>, and ~1 kB each.
    text = re.sub(r"<!DOCTYPE[^>]*>\s*", "", text, count=1)
    text = re.sub(r"<metadata>.*?</metadata>\s*", "", text, count=1, flags=re.S)
    return data_uri("image/svg+xml", text.encode("utf-8"))


def _short(label: str, n: int = 28) -> str:
    return label if len(label) <= n else label[: n - 1] + "…"


def dimension_chart(tags: Sequence[str], panels: Sequence[dict[str, Any]]) -> str | None:
    """Small multiples, one panel per metric: per-tag mean (bar) with 95 % CI (whisker).

    ``panels``: ``{"metric", "arrow", "means": {tag: float}, "ci": {tag: (lo, hi)},
    "overall": float | None}``. Bars are coloured by the tag's side of the overall mean in
    the metric's own direction (green better, red worse).
    """
    panels = [p for p in panels if p["means"]][:12]
    if not tags or not panels:
        return None
    cols = min(3, len(panels))
    rows = math.ceil(len(panels) / cols)
    bar_h = 0.22
    panel_h = 0.55 + bar_h * len(tags)
    with _figure(3.9 * cols + 0.8, panel_h * rows) as fig:
        axes = fig.subplots(rows, cols, squeeze=False)
        for i, ax in enumerate(axes.flat):
            if i >= len(panels):
                ax.set_visible(False)
                continue
            p = panels[i]
            ys, vals, errs, colours = [], [], [], []
            for j, tag in enumerate(tags):
                v = p["means"].get(tag)
                if v is None:
                    continue
                ys.append(j)
                vals.append(v)
                lo, hi = p["ci"].get(tag) or (v, v)
                errs.append((max(v - lo, 0.0), max(hi - v, 0.0)))
                ov = p.get("overall")
                better = None if ov is None else (v > ov if p["hib"] else v < ov)
                colours.append(MUTED if better is None or abs(v - (ov or 0)) < 1e-12
                               else (BETTER if better else WORSE))
            ax.barh(ys, vals, height=0.62, color=colours, alpha=0.75)
            if errs:
                ax.errorbar(vals, ys, xerr=list(zip(*errs)), fmt="none", ecolor=INK,
                            elinewidth=0.8, capsize=1.8)
            if p.get("overall") is not None:
                ax.axvline(p["overall"], color=ACCENT, lw=0.9, ls="--")
            ax.set_yticks(range(len(tags)))
            ax.set_yticklabels([_short(t, 22) for t in tags] if i % cols == 0 else [])
            ax.set_ylim(len(tags) - 0.5, -0.5)
            ax.set_title(f"{_short(p['metric'], 30)} {p['arrow']}", loc="left")
            ax.grid(axis="x", color=GRID, lw=0.6)
            ax.set_axisbelow(True)
            ax.tick_params(axis="y", length=0)
        fig.subplots_adjust(wspace=0.08, hspace=0.55)
        return _svg(fig)


def curves_chart(curves: Sequence[tuple[str, Sequence[float | None]]],
                 marks: Sequence[int] = (), num_frames: int = 0) -> str | None:
    """Stacked per-frame line charts (x = index); dotted verticals at event frames, drawn
    only on curves with one point per frame or per frame pair (``num_frames`` or one less),
    where an index is a frame; subsampled curves get no marks rather than wrong ones."""
    curves = list(curves)[:8]
    if not curves:
        return None
    with _figure(5.4, 0.95 * len(curves) + 0.25) as fig:
        axes = fig.subplots(len(curves), 1, squeeze=False, sharex=False)
        for ax, (label, values) in zip(axes[:, 0], curves):
            xs = [i for i, v in enumerate(values) if v is not None]
            ys = [v for v in values if v is not None]
            ax.plot(xs, ys, color=ACCENT, lw=1.2)
            ax.fill_between(xs, ys, min(ys), color=ACCENT, alpha=0.08, lw=0)
            per_frame = num_frames - 2 <= len(values) <= num_frames
            for m in marks if per_frame else ():
                if 0 <= m < len(values):
                    ax.axvline(m, color=WORSE, lw=0.8, ls=":")
            ax.set_title(_short(label, 60), loc="left", fontsize=8, fontweight="normal")
            ax.grid(axis="y", color=GRID, lw=0.6)
            ax.set_axisbelow(True)
            ax.set_xlim(0, max(len(values) - 1, 1))
            ax.locator_params(axis="y", nbins=3)
            ax.tick_params(length=2)
        axes[-1, 0].set_xlabel("index (frame, frame pair or sample)", color=MUTED, fontsize=7.5)
        fig.subplots_adjust(hspace=0.9)
        return _svg(fig)


def xy_curve_chart(xs: Sequence[float], ys: Sequence[float],
                   cis: Sequence[tuple[float, float]], *, xlabel: str, ylabel: str) -> str:
    """One line with optional CI band (e.g. FVD versus number of videos)."""
    with _figure(4.6, 2.3) as fig:
        ax = fig.subplots()
        ax.plot(xs, ys, color=ACCENT, lw=1.5, marker="o", ms=3)
        if cis:
            ax.fill_between(xs, [c[0] for c in cis], [c[1] for c in cis], color=ACCENT,
                            alpha=0.15, lw=0)
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        ax.grid(color=GRID, lw=0.6)
        ax.set_axisbelow(True)
        return _svg(fig)


def forest_chart(rows: Sequence[tuple[str, float, float | None, float | None, str]]) -> str | None:
    """Oriented relative change per metric (% of baseline, right = better) with 95 % CI.

    ``rows``: ``(label, gain_pct, lo_pct, hi_pct, verdict)``.
    """
    rows = [r for r in rows if r[1] is not None and math.isfinite(r[1])]
    if not rows:
        return None
    with _figure(5.4, 0.3 * len(rows) + 0.7) as fig:
        ax = fig.subplots()
        for i, (_label, g, lo, hi, verdict) in enumerate(rows):
            c = WORSE if verdict == "regressed" else BETTER if verdict == "improved" else MUTED
            if lo is not None and hi is not None:
                ax.plot([lo, hi], [i, i], color=c, lw=2.2, solid_capstyle="round", alpha=0.8)
            ax.plot([g], [i], "o", color=c, ms=5)
        ax.axvline(0, color=INK, lw=0.8)
        ax.set_yticks(range(len(rows)))
        ax.set_yticklabels([_short(r[0], 26) for r in rows])
        ax.set_ylim(len(rows) - 0.5, -0.5)
        ax.set_xlabel("change vs baseline, % of baseline mean (right = better)", color=MUTED)
        ax.grid(axis="x", color=GRID, lw=0.6)
        ax.set_axisbelow(True)
        ax.tick_params(axis="y", length=0)
        return _svg(fig)
