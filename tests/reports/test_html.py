"""The rendered HTML without a browser: escaping, self-containment, CSP, content, determinism."""

from __future__ import annotations

import base64
import hashlib
import html as htmlmod
import re
from html.parser import HTMLParser
from pathlib import Path

from sora_bench.reports import render_report
from sora_bench.reports.html import content_security_policy, script_text
from tests.reports.conftest import DEFECTS, Rendered
from tests.reports.synth import XSS_PROMPT, make_run


class _Collect(HTMLParser):
    """Tags, attributes and script bodies as a browser's tokenizer would see them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[str] = []
        self.text: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.scripts.append(data)
        else:
            self.text.append(data)


def _parse(html: str) -> _Collect:
    p = _Collect()
    p.feed(html)
    return p


def test_user_text_is_escaped(rendered: Rendered) -> None:
    html = rendered.html
    assert "<script>alert(1)" not in html and "<img src=x" not in html.lower()
    assert "onerror=alert" not in html.replace("onerror=alert(1)&gt;", "")
    p = _parse(html)
    assert [t for t, _ in p.tags].count("script") == 1  # ours only
    assert not any(t == "img" and a.get("src") == "x" for t, a in p.tags)
    assert not any(k.startswith("on") for _, a in p.tags for k in a)  # no event handlers
    assert XSS_PROMPT in "".join(p.text)  # shown as text, verbatim
    assert "café 🎈" in "".join(p.text) and "caf&#233; &#127880;" in html  # ASCII-safe output
    # Attribute values carry the prompt escaped too (title=, data-search=).
    assert any(a.get("title") == XSS_PROMPT for t, a in p.tags if t == "td")


def test_self_contained(rendered: Rendered) -> None:
    html = rendered.html
    assert not re.search(r"https?://", html), "no http(s) URL anywhere in the page"
    assert html.isascii()
    for tag, attrs in _parse(html).tags:
        for key in ("src", "href", "action", "data", "poster", "srcset"):
            v = attrs.get(key)
            if v is None:
                continue
            assert v.startswith(("data:", "#")), f"<{tag} {key}={v[:60]!r}> is external"
        if tag == "link":
            assert attrs.get("href") == "data:,"


def test_csp_allows_exactly_our_script(rendered: Rendered) -> None:
    p = _parse(rendered.html)
    metas = [a for t, a in p.tags if t == "meta" and a.get("http-equiv") == "Content-Security-Policy"]
    assert len(metas) == 1
    csp = metas[0]["content"]
    assert "default-src 'none'" in csp and "script-src 'sha256-" in csp
    assert "unsafe-inline" not in csp.split("script-src", 1)[1]
    digest = base64.b64encode(hashlib.sha256(p.scripts[0].encode()).digest()).decode()
    assert f"'sha256-{digest}'" in csp
    assert p.scripts[0] == script_text() and csp == content_security_policy(script_text())


def test_skipped_and_failed_samples_are_shown_with_reasons(rendered: Rendered) -> None:
    text = htmlmod.unescape(rendered.html)
    problems = text.split('id="problems"', 1)[1].split("</section>", 1)[0]
    assert "walker__s1" in problems and "error:decode_failed" in problems
    assert "moov atom not found (fix: re-export the file)" in problems
    assert "pan_city__s0" in problems and "skipped:too-short" in problems
    assert "metrics need at least 8" in problems
    assert "CLIP weights not found; run: sora-bench weights fetch clip" in problems
    summary = text.split('id="summary"', 1)[1].split("</section>", 1)[0]
    assert "skipped:weights-missing" in summary and "Skipped for the whole run." in summary
    # The failed sample still has its card, first in the worst-first order.
    cards = re.findall(r'<article class="card (\w+)" id="v\d+">\s*<div class="media">', text)
    assert cards[:2] == ["error", "skip"]


def test_comparison_puts_defect_prompts_first(rendered: Rendered) -> None:
    text = rendered.html
    comp = text.split('id="comparison"', 1)[1].split("</section>", 1)[0]
    per_prompt = comp.split("Per prompt, worst first", 1)[1]
    rows = re.findall(r'<tr><td><span class="mono">([^<]+)</span>', per_prompt)
    assert set(rows[:2]) == set(DEFECTS) and len(rows) == 6
    sbs = comp.split("Prompts that got worse", 1)[1].split("Per prompt", 1)[0]
    assert sbs.count("baseline preview") == 2 and sbs.count("candidate preview") == 2
    assert "regressed" in comp and "Significant regressions" in comp


def test_sections_and_media(rendered: Rendered) -> None:
    text = rendered.html
    for anchor in ("summary", "dimensions", "worst", "videos", "provenance", "comparison"):
        assert f'id="{anchor}"' in text
    assert text.count("data:image/webp;base64,") >= 12  # one animated preview per video
    assert "FVD versus number of videos" in text
    assert "vanished · frame 5–10 · ball" in htmlmod.unescape(text)  # event drawn on a frame
    assert "FAILED" in text.upper() and "ball missing in frames 5-10" in text
    assert "hf_secret_value_123" not in text and "redacted" in text
    assert "ab" * 32 in text  # weights hash from the protocol string, in provenance


def test_deterministic_bytes(rendered: Rendered, tmp_path: Path) -> None:
    again = render_report(rendered.cand_dir, tmp_path / "again.html", baseline=rendered.base_dir)
    assert again.read_bytes() == rendered.path.read_bytes()


def test_size_and_runresult_object(rendered: Rendered, tmp_path: Path) -> None:
    assert rendered.path.stat().st_size < 5_000_000
    run = make_run(tmp_path, seeds=(0,), prompts=[("only", "one prompt", ["t"])], failures=False)
    out = render_report(run, tmp_path / "r.html")  # videos resolved next to the output file
    text = out.read_text(encoding="ascii")
    assert text.count("data:image/webp;base64,") == 1 and "one prompt" in text


def test_empty_run_renders(tmp_path: Path) -> None:
    run = make_run(videos=False, failures=False)
    run.samples, run.metrics, run.status_counts, run.suite, run.generator = [], {}, {}, None, None
    text = render_report(run, tmp_path / "empty.html").read_text(encoding="ascii")
    assert "No metrics were computed in this run." in text and "0 samples" in text


def test_cards_show_change_against_the_baseline(rendered: Rendered) -> None:
    text = htmlmod.unescape(rendered.html)
    card = text.split('<h3>occluder__s0 ', 1)[1].split("</article>", 1)[0]
    # temporal_flicker went up by 4 (worse, lower is better); clip_alignment down by 6 (worse).
    assert re.search(r'temporal_flicker</span><span class="dir">↓</span></td><td class="num big">'
                     r'[^<]+</td><td class="num worse"[^>]*>\+4</td>', card)
    assert re.search(r'clip_alignment</span>.*?<td class="num worse"[^>]*>-6</td>', card)
    calm = text.split('<h3>cup_falls__s0 ', 1)[1].split("</article>", 1)[0]
    assert "±0" in calm and "num worse" not in calm
