"""Render a :class:`~sora_bench.reports.model.ReportModel` into one self-contained HTML file.

Security model (research/reliability.md (c)):

- Jinja2 with ``autoescape=True`` for every template; the only ``|safe`` values are our own
  CSS and script files, never data from a run.
- Images (previews, strips, SVG charts) are ``data:`` URIs in ``<img src>``; nothing is
  fetched from anywhere.
- A Content-Security-Policy meta tag allows exactly one script: ours, by its sha256 hash, so
  even an escaping bug could not run injected script. Inline event handlers are not used.
- Output is ASCII (non-ASCII text as character references, as coverage.py does), so no
  encoding mix-up can corrupt the page.
"""

from __future__ import annotations

import base64
import hashlib
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from jinja2 import Environment

    from .model import ReportModel

__all__ = ["TEMPLATES", "environment", "script_text", "content_security_policy", "render_html",
           "write_html"]

TEMPLATES = Path(__file__).parent / "templates"


@lru_cache(maxsize=1)
def environment() -> Environment:
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    return Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=True,  # every template, whatever its extension
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _asset(name: str) -> str:
    text = (TEMPLATES / name).read_text(encoding="utf-8")
    # Both go in verbatim (|safe): they must be ASCII (the page is written as ASCII and
    # entities are not decoded inside <style>/<script>) and must not close their element.
    if not text.isascii() or "</s" in text.lower():
        raise RuntimeError(f"{name} must be ASCII and must not contain '</s'")
    return text


def script_text() -> str:
    """The page's one script, exactly as it is placed between ``<script>`` tags."""
    return _asset("report.js")


def content_security_policy(script: str) -> str:
    """CSP allowing data: images/media, inline styles and only ``script`` (by sha256)."""
    digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")
    return ("default-src 'none'; img-src data:; media-src data:; style-src 'unsafe-inline'; "
            f"script-src 'sha256-{digest}'")


def render_html(model: ReportModel) -> str:
    """The page as a str (ASCII only)."""
    script = script_text()
    html = environment().get_template("report.html.j2").render(
        m=model, css=_asset("report.css"), script=script, csp=content_security_policy(script),
    )
    return html.encode("ascii", "xmlcharrefreplace").decode("ascii")


def write_html(model: ReportModel, out_path: str | Path) -> Path:
    """Render and write atomically; returns the path."""
    from ..results import atomic_write_text

    out = Path(out_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(out, render_html(model))
    return out
