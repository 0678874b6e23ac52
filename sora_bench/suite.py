"""Prompt suites: YAML files loaded safely and validated into frozen dataclasses.

A suite file (``prompts/<name>.yaml``)::

    name: smoke                       # required, slug
    version: "1"                      # required, string or number
    description: ...                  # optional
    video: {num_frames: 16, fps: 8, height: 64, width: 64}   # optional, VideoSpec defaults
    seeds: [0]                        # optional default seeds of every prompt
    metrics: [temporal_flicker, {clip_alignment: {sampler: "uniform:8"}}]   # optional
    prompts:                          # required, non-empty
      - id: ball-bounces              # required slug, unique
        text: "A red ball bounces"    # required, non-empty
        seeds: [0, 1]                 # optional, list of int
        tags: [physics.bounce]        # optional, list of str
        scene: {...}                  # optional, checked by the reference generator's schema
        expect: [{object: ball, event: bounces}]   # optional, see sora_bench.expectations
        meta: {...}                   # optional, free-form

Safety: ``yaml.safe_load`` semantics, anchors/aliases refused (billion-laughs), a size cap
before parsing. Unknown keys are errors. Every error names the file and the key path:
``prompts/x.yaml: prompts[3].seeds: expected a list of int``.

Suite names resolve along: an explicit path; ``$SORA_BENCH_PROMPTS`` (os.pathsep-separated
folders); the suites shipped in the wheel (``sora_bench/_prompts``); a source checkout's
``prompts/``.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import SuiteError
from .expectations import validate_expectation
from .types import Prompt, VideoSpec, freeze, thaw

__all__ = ["Suite", "load_suite", "load_suite_text", "list_suites", "suite_search_path",
           "safe_yaml_load", "MAX_SUITE_BYTES"]

MAX_SUITE_BYTES = 8 * 1024 * 1024
_SLUG = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
_TOP_KEYS = {"name", "version", "description", "video", "seeds", "metrics", "prompts"}
_PROMPT_KEYS = {"id", "text", "seeds", "tags", "scene", "expect", "meta"}
_VIDEO_KEYS = {"num_frames": int, "fps": float, "height": int, "width": int}
_MAX_PROMPT_CHARS = 20_000


def safe_yaml_load(text: str, source: str = "<yaml>", *, reject_duplicate_keys: bool = False) -> Any:
    """``yaml.safe_load`` that refuses anchors and aliases (no billion-laughs expansion).

    With ``reject_duplicate_keys``, a mapping that repeats a key is an error (PyYAML would
    silently keep the last value).
    """
    import yaml

    class _NoAliasLoader(yaml.SafeLoader):
        def construct_mapping(self, node: Any, deep: bool = False) -> Any:  # type: ignore[override]
            if reject_duplicate_keys and isinstance(node, yaml.MappingNode):
                seen: set[Any] = set()
                for key_node, _ in node.value:
                    key = self.construct_object(key_node, deep=True)
                    if key in seen:
                        raise SuiteError(source, str(key), f"duplicate key (line "
                                         f"{key_node.start_mark.line + 1}); keys must be unique")
                    seen.add(key)
            return super().construct_mapping(node, deep=deep)

        def compose_node(self, parent: Any, index: Any) -> Any:  # type: ignore[override]
            if self.check_event(yaml.AliasEvent):
                event = self.peek_event()
                raise SuiteError(source, "", f"YAML aliases are not allowed (line "
                                 f"{event.start_mark.line + 1}); write the value out")
            event = self.peek_event()
            if getattr(event, "anchor", None):
                raise SuiteError(source, "", f"YAML anchors are not allowed (line "
                                 f"{event.start_mark.line + 1}); write the value out")
            return super().compose_node(parent, index)

    try:
        return yaml.load(text, Loader=_NoAliasLoader)  # noqa: S506 - SafeLoader subclass
    except yaml.YAMLError as exc:
        raise SuiteError(source, "", f"not valid YAML: {exc}") from None


@dataclass(frozen=True)
class Suite:
    """A validated suite. ``sha256`` is over the canonical JSON of the validated content, so
    formatting and comments do not change it, any value does."""

    name: str
    version: str
    description: str
    spec: VideoSpec
    prompts: tuple[Prompt, ...]
    metrics: tuple[tuple[str, Mapping[str, Any]], ...]
    source: str
    sha256: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "version": self.version,
            "description": self.description,
            "video": {"num_frames": self.spec.num_frames, "fps": self.spec.fps,
                      "height": self.spec.height, "width": self.spec.width},
            "metrics": [{n: thaw(p)} for n, p in self.metrics],
            "prompts": [p.to_dict() for p in self.prompts],
        }

    def describe(self) -> dict[str, Any]:
        """What results record about the suite."""
        return {"name": self.name, "version": self.version, "sha256": self.sha256,
                "source": self.source, "num_prompts": len(self.prompts)}


class _Checker:
    """Collects the first error with its key path; small helpers keep the walk readable."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, key: str, problem: str) -> None:
        raise SuiteError(self.source, key, problem)

    def mapping(self, value: Any, key: str, allowed: set[str] | None) -> Mapping[str, Any]:
        if not isinstance(value, Mapping):
            self.fail(key, f"expected a mapping, got {type(value).__name__}")
        for k in value:
            if not isinstance(k, str):
                self.fail(key, f"keys must be strings, got {k!r}")
            if allowed is not None and k not in allowed:
                self.fail(f"{key}.{k}" if key else k,
                          f"unknown key (allowed: {', '.join(sorted(allowed))})")
        return value

    def string(self, value: Any, key: str, *, slug: bool = False, allow_empty: bool = False) -> str:
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            self.fail(key, f"expected a string, got {type(value).__name__}")
        s = str(value)
        if not allow_empty and not s.strip():
            self.fail(key, "must not be empty")
        if slug and not _SLUG.match(s):
            self.fail(key, f"{s!r} is not a slug (letters, digits, '.', '_', '-'; max 128)")
        return s

    def int_list(self, value: Any, key: str) -> tuple[int, ...]:
        if not isinstance(value, list) or not value or not all(
                isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in value):
            self.fail(key, "expected a list of int")
        if len(set(value)) != len(value):
            self.fail(key, "seeds repeat")
        return tuple(value)

    def str_list(self, value: Any, key: str) -> tuple[str, ...]:
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            self.fail(key, "expected a list of str")
        return tuple(value)


def _video_spec(c: _Checker, raw: Any) -> VideoSpec:
    m = c.mapping(raw, "video", set(_VIDEO_KEYS))
    values: dict[str, Any] = {}
    for k, typ in _VIDEO_KEYS.items():
        if k not in m:
            continue
        v = m[k]
        if isinstance(v, bool) or not isinstance(v, int | float) or v <= 0:
            c.fail(f"video.{k}", "expected a positive number")
        if typ is int and (not isinstance(v, int) or v > 8192):
            c.fail(f"video.{k}", "expected a positive int (at most 8192)")
        values[k] = typ(v)
    return VideoSpec(**values)


def _scene_problems(scene: Any) -> list[tuple[str, str]]:
    """Ask the reference generator's schema, when it is installed, about a scene mapping."""
    try:
        from .generator.reference.scene import validate_scene
    except ImportError:
        return [] if isinstance(scene, Mapping) else [("", "expected a mapping")]
    return list(validate_scene(scene))


def _scene_object_ids(scene: Any) -> set[str] | None:
    if not isinstance(scene, Mapping):
        return None
    objs = scene.get("objects")
    if not isinstance(objs, list):
        return None
    ids: set[str] = set()
    for o in objs:
        if not (isinstance(o, Mapping) and isinstance(o.get("id"), str)):
            continue
        n = o.get("count", 1)
        # ``count: N`` replicates an object as <id>_1 .. <id>_N (the Truth ids).
        if isinstance(n, int) and not isinstance(n, bool) and n > 1:
            ids.update(f"{o['id']}_{i}" for i in range(1, n + 1))
        else:
            ids.add(o["id"])
    return ids


def _prompt(c: _Checker, raw: Any, i: int, default_seeds: tuple[int, ...]) -> Prompt:
    key = f"prompts[{i}]"
    m = c.mapping(raw, key, _PROMPT_KEYS)
    for req in ("id", "text"):
        if req not in m:
            c.fail(f"{key}.{req}", "missing")
    pid = c.string(m["id"], f"{key}.id", slug=True)
    text = c.string(m["text"], f"{key}.text")
    if len(text) > _MAX_PROMPT_CHARS:
        c.fail(f"{key}.text", f"longer than {_MAX_PROMPT_CHARS} characters")
    seeds = c.int_list(m["seeds"], f"{key}.seeds") if "seeds" in m else default_seeds
    tags = c.str_list(m["tags"], f"{key}.tags") if "tags" in m else ()
    scene = m.get("scene")
    if scene is not None:
        problems = _scene_problems(scene)
        if problems:
            path, problem = problems[0]
            if not path.startswith("scene"):
                path = f"scene.{path}" if path else "scene"
            c.fail(f"{key}.{path}", problem)
    expect_raw = m.get("expect", [])
    if not isinstance(expect_raw, list):
        c.fail(f"{key}.expect", "expected a list")
    ids = _scene_object_ids(scene)
    for j, entry in enumerate(expect_raw):
        problems = validate_expectation(entry, ids)
        if problems:
            sub, problem = problems[0]
            c.fail(f"{key}.expect[{j}]{'.' + sub if sub else ''}", problem)
    meta = m.get("meta", {})
    c.mapping(meta, f"{key}.meta", None)
    return Prompt(id=pid, text=text, seeds=seeds, tags=tags, scene=scene,
                  expect=tuple(expect_raw), meta=meta)


def _metrics(c: _Checker, raw: Any) -> tuple[tuple[str, Mapping[str, Any]], ...]:
    if not isinstance(raw, list):
        c.fail("metrics", "expected a list of metric names or {name: {options}}")
    out = []
    for i, item in enumerate(raw):
        if isinstance(item, str):
            out.append((item, freeze({})))
        elif isinstance(item, Mapping) and len(item) == 1:
            (name, params), = item.items()
            c.mapping(params if params is not None else {}, f"metrics[{i}].{name}", None)
            out.append((str(name), freeze(dict(params or {}))))
        else:
            c.fail(f"metrics[{i}]", "expected a metric name or {name: {options}}")
    return tuple(out)


def load_suite_text(text: str, source: str = "<suite>") -> Suite:
    """Validate suite YAML ``text``; errors name ``source``."""
    c = _Checker(source)
    if len(text.encode("utf-8", "surrogatepass")) > MAX_SUITE_BYTES:
        c.fail("", f"file larger than {MAX_SUITE_BYTES} bytes")
    data = safe_yaml_load(text, source)
    top = c.mapping(data, "", _TOP_KEYS)
    for req in ("name", "version", "prompts"):
        if req not in top:
            c.fail(req, "missing")
    name = c.string(top["name"], "name", slug=True)
    version = c.string(top["version"], "version")
    description = c.string(top.get("description", ""), "description", allow_empty=True)
    spec = _video_spec(c, top["video"]) if "video" in top else VideoSpec()
    default_seeds = c.int_list(top["seeds"], "seeds") if "seeds" in top else (0,)
    metrics = _metrics(c, top["metrics"]) if "metrics" in top else ()
    raw_prompts = top["prompts"]
    if not isinstance(raw_prompts, list) or not raw_prompts:
        c.fail("prompts", "expected a non-empty list")
    prompts = []
    seen: dict[str, int] = {}
    for i, raw in enumerate(raw_prompts):
        p = _prompt(c, raw, i, default_seeds)
        if p.id in seen:
            c.fail(f"prompts[{i}].id", f"duplicate id {p.id!r} (also prompts[{seen[p.id]}])")
        seen[p.id] = i
        prompts.append(p)
    suite = Suite(name, version, description, spec, tuple(prompts), metrics, source, "")
    canonical = json.dumps(suite.to_dict(), sort_keys=True, ensure_ascii=False,
                           separators=(",", ":"))
    digest = hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    return Suite(name, version, description, spec, tuple(prompts), metrics, source, digest)


def suite_search_path() -> list[Path]:
    """Folders searched for ``<name>.yaml``, in order."""
    dirs = [Path(d) for d in os.environ.get("SORA_BENCH_PROMPTS", "").split(os.pathsep) if d]
    here = Path(__file__).resolve().parent
    dirs += [here / "_prompts", here.parent / "prompts"]
    return [d for d in dirs if d.is_dir()]


def list_suites() -> dict[str, Path]:
    """Suite name -> file, first match along :func:`suite_search_path` wins."""
    out: dict[str, Path] = {}
    for d in suite_search_path():
        for f in sorted(d.glob("*.yaml")):
            out.setdefault(f.stem, f)
    return out


def load_suite(name_or_path: str | os.PathLike[str]) -> Suite:
    """Load a suite by name (see :func:`suite_search_path`) or by file path."""
    s = str(name_or_path)
    p = Path(s)
    if not (p.suffix in (".yaml", ".yml") or os.sep in s or p.is_file()):
        suites = list_suites()
        if s not in suites:
            import difflib

            close = difflib.get_close_matches(s, suites, n=2)
            hint = f"; did you mean {' or '.join(close)}?" if close else ""
            raise SuiteError(s, "", f"no such suite{hint} (known: {', '.join(suites) or 'none'})")
        p = suites[s]
    try:
        size = p.stat().st_size
    except OSError as exc:
        raise SuiteError(str(p), "", f"cannot read ({exc.strerror or exc})") from None
    if size > MAX_SUITE_BYTES:
        raise SuiteError(str(p), "", f"file larger than {MAX_SUITE_BYTES} bytes")
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SuiteError(str(p), "", f"cannot read as UTF-8 text ({exc})") from None
    return load_suite_text(text, _display_path(p))


def _display_path(p: Path) -> str:
    try:
        rel = os.path.relpath(p)
    except ValueError:
        return str(p)
    return str(p) if rel.startswith("..") else rel
