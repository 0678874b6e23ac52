"""The ``pkg.module:function`` adapter: call a Python function per request (rules: :mod:`.adapters`)."""

from __future__ import annotations

import importlib
import inspect
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from ..errors import ConfigError, GeneratorError, InputError
from ..types import GenerationRequest, Video
from .adapter_common import _spec_notes, frames_to_video
from .base import GeneratedSample, Generator

_CALL_KEYS = ("prompt", "seed", "num_frames", "fps", "height", "width", "prompt_id")


def _resolve_target(target: str) -> Callable[..., Any]:
    module_name, sep, attr = target.partition(":")
    if not sep or not module_name or not attr:
        raise ConfigError(f"--generator {target!r}: expected 'package.module:function'")
    try:
        obj: Any = importlib.import_module(module_name)
    except Exception as exc:  # ImportError, or anything the module raises while importing
        raise ConfigError(f"--generator {target!r}: cannot import {module_name!r}: "
                          f"{type(exc).__name__}: {exc}") from exc
    for part in attr.split("."):
        if not hasattr(obj, part):
            raise ConfigError(f"--generator {target!r}: {module_name!r} has no attribute {attr!r}")
        obj = getattr(obj, part)
    if not callable(obj):
        raise ConfigError(f"--generator {target!r}: {attr!r} is not callable")
    return obj


class CallableGenerator(Generator):
    """Call a Python function per request (see the module docstring for the return rules)."""

    name = "callable"

    def __init__(self, fn: Callable[..., Any], target: str = "") -> None:
        self.fn = fn
        self.target = target or f"{fn.__module__}:{getattr(fn, '__qualname__', fn)}"
        try:
            params = inspect.signature(fn).parameters
        except (TypeError, ValueError):  # builtins without a signature: pass everything
            params = {}
        takes_any = not params or any(p.kind is p.VAR_KEYWORD for p in params.values())
        self._keys = _CALL_KEYS if takes_any else tuple(k for k in _CALL_KEYS if k in params)
        if "prompt" not in self._keys:
            raise ConfigError(f"generator {self.target}: the callable must take a 'prompt' keyword")

    @classmethod
    def from_spec(cls, arg: str | None) -> CallableGenerator:
        if not arg:
            raise ConfigError("callable needs a target: --generator package.module:function")
        return cls(_resolve_target(arg), arg)

    def describe(self) -> dict[str, Any]:
        return {"name": self.name, "version": 1, "target": self.target}

    def generate(self, request: GenerationRequest, workdir: Path) -> GeneratedSample:
        s = request.spec
        values = {"prompt": request.prompt.text, "seed": request.seed, "fps": s.fps,
                  "num_frames": s.num_frames, "height": s.height, "width": s.width,
                  "prompt_id": request.prompt.id}
        try:
            out = self.fn(**{k: values[k] for k in self._keys})
        except GeneratorError:
            raise
        except Exception as exc:
            raise GeneratorError(f"{self.target} raised {type(exc).__name__}: {exc}") from exc
        return self._sample(out, request, workdir)

    def _sample(self, out: Any, request: GenerationRequest, workdir: Path) -> GeneratedSample:
        where = f"{self.target} ({request.sample_id})"
        if isinstance(out, Video):
            return GeneratedSample(video=out, meta=_spec_notes(out, request))
        if isinstance(out, (str, os.PathLike)):
            path = Path(out)
            if not path.is_absolute():
                path = Path(workdir) / path if (Path(workdir) / path).exists() else path.resolve()
            if not path.exists():
                raise GeneratorError(f"{where} returned {str(out)!r}, which does not exist")
            return GeneratedSample(path=path)
        options: Mapping[str, Any] = {}
        if isinstance(out, tuple) and len(out) == 2 and isinstance(out[1], Mapping):
            out, options = out
        unknown = set(options) - {"value_range", "fps"}
        if unknown:
            raise GeneratorError(f"{where}: unknown output options {sorted(unknown)}; "
                                 "use value_range and fps")
        fps = float(options.get("fps", request.spec.fps))
        vr = options.get("value_range")
        try:
            video = frames_to_video(out, fps, value_range=None if vr is None else tuple(vr),
                                    source=f"callable:{request.sample_id}")
        except InputError as exc:
            raise GeneratorError(f"{where}: {exc.problem}"
                                 + (f" (fix: {exc.fix})" if exc.fix else "")) from exc
        return GeneratedSample(video=video, meta=_spec_notes(video, request))
