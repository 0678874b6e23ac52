"""Tokenising and phrase matching of the free-text scene grammar (words -> classed phrases)."""

from __future__ import annotations

import html
import re
import unicodedata
from typing import Any

from .parse_vocab import (
    _COLOR,
    _GLUE,
    _MATERIAL,
    _NOUN,
    _NUM,
    _PHRASES,
    _PREPS,
    _SIZE,
    _WORD_RE,
    MAX_UNUSED,
)
from .scene import canonical_kind


def _plural(word: str) -> str | None:
    for suffix, repl in (("ies", "y"), ("xes", "x"), ("es", ""), ("s", "")):
        if word.endswith(suffix) and len(word) > len(suffix) + 1:
            base = word[: -len(suffix)] + repl
            if base in _NOUN or canonical_kind(base):
                return base
    return None


def _noun(phrase: str) -> tuple[str, dict[str, Any]] | None:
    if phrase in _NOUN:
        return _NOUN[phrase]
    if " " in phrase:  # "flying cars", "tennis balls"
        head, _, last = phrase.rpartition(" ")
        single = _plural(last)
        return _NOUN.get(f"{head} {single}") if single else None
    kind = canonical_kind(phrase)
    return (kind, {}) if kind else None


def _singular(phrase: str) -> str:
    """``flying cars`` -> ``flying car``; ``boxes`` -> ``box`` (for object ids)."""
    head, sep, last = phrase.rpartition(" ")
    return f"{head}{sep}{_plural(last) or last}"


def _words(text: str) -> list[str]:
    text = unicodedata.normalize("NFKC", str(text))
    text = html.unescape(re.sub(r"<[^<>]{0,500}>", " ", text))
    return _WORD_RE.findall(text.lower())


def _after_prep(words: list[str], i: int) -> bool:
    """The noun at ``i`` follows a preposition (articles and adjectives may sit between)."""
    for k in range(i - 1, max(i - 5, -1), -1):
        w = words[k]
        if w in _PREPS:
            return True
        if not (w in ("a", "an", "the", "its", "his", "her", "their") or w in _COLOR
                or w in _SIZE or w in _MATERIAL):
            return False
    return False


def _noun_at(words: list[str], i: int) -> bool:
    """A noun phrase starts at ``i`` (adjectives allowed before it)."""
    for k in range(i, min(i + 4, len(words))):
        w = words[k]
        if _noun(w) is not None or _plural(w) is not None or (
                k + 1 < len(words) and _noun(f"{w} {words[k + 1]}") is not None):
            return True
        if not (w in _COLOR or w in _SIZE or w in _MATERIAL or w in _NUM or w.isdigit()):
            return False
    return False


def _match(words: list[str], i: int) -> tuple[int, str | None, Any]:
    names = ("num", "size", "material", "color", "noun", "verb", "camera", "time", "mood",
             "floor", "setting", "light")
    for n in (3, 2, 1):
        if i + n > len(words):
            continue
        phrase = " ".join(words[i:i + n])
        for name, table in zip(names, _PHRASES):
            if name == "noun":
                found = _noun(phrase)
                if found is not None:
                    return n, name, found
            elif phrase in table:
                if name in ("material", "color") and _noun(phrase) is not None \
                        and not (i + n < len(words) and _noun_at(words, i + n)):
                    return n, "noun", _noun(phrase)  # "a glass falls": the noun, not the material
                return n, name, table[phrase]
    return 1, None, None


def _camera_dir(words: list[str], i: int, n: int, used: list[bool], move: str) -> str:
    """The move's direction: the word after it ("pan left") or just before ("downward tilt")."""
    want = {"pan": ("left", "right"), "tilt": ("up", "down"), "dolly": ("in", "out"),
            "zoom": ("in", "out")}[move]
    default = {"pan": "pan_right", "tilt": "tilt_up", "dolly": "dolly_in", "zoom": "zoom_in"}
    before = {"upward": "up", "up": "up", "downward": "down", "down": "down",
              "leftward": "left", "rightward": "right"}.get(words[i - 1] if i > 0 else "")
    if before in want:
        return f"{move}_{before}"
    j = i + n
    for k in range(j, min(j + 3, len(words))):
        w = {"forward": "in", "closer": "in", "back": "out", "backward": "out"}.get(words[k],
                                                                                   words[k])
        if w in want:
            used[k] = True
            return f"{move}_{w}"
        if words[k] not in _GLUE:
            break
    return default[move]


def _unused(words: list[str], used: list[bool], tail: list[str]) -> list[str]:
    out: list[str] = []
    seen: set[str] = set()
    for w in [w for w, u in zip(words, used) if not u] + tail:
        if w not in seen:
            seen.add(w)
            out.append(w)
    if len(out) > MAX_UNUSED:
        out = out[:MAX_UNUSED] + [f"... (+{len(out) - MAX_UNUSED} more)"]
    return out
