"""Adapters that put any text-to-video model behind the :class:`Generator` protocol.

Every adapter ends in the same place: a :class:`GeneratedSample` holding either frames in
memory (a :class:`~sora_bench.types.Video`) or the path of a file the runner decodes with
:mod:`sora_bench.video_io`, so every model is scored by the same code.

``--generator`` forms (DESIGN.md §4):

- ``folder:DIR``: videos made beforehand. For a request it looks, in order, for
  ``DIR/<sample_id>.<ext>``, ``DIR/<prompt_id>__s<seed>.<ext>``, ``DIR/<prompt_id>/<seed>.<ext>``
  and ``DIR/<prompt_id>.<ext>`` (ext in :data:`VIDEO_EXTS`), each also as a folder of frame
  images. The seed-less ``<prompt_id>.<ext>`` serves every seed of that prompt.
- ``pkg.module:function``: a Python callable, called as
  ``fn(prompt=, seed=, num_frames=, fps=, height=, width=)`` (only the keywords it accepts are
  passed; ``prompt_id`` too if it asks). It may return a Video, a path, a uint8 array
  ``(T,H,W,3)``, or ``(array, {"value_range": (lo, hi), "fps": ...})``. **Range rule**: float or
  wide-integer arrays are refused unless the range is declared, because ``[0,1]``,
  ``[-1,1]`` and ``[0,255]`` floats all occur in the wild and guessing would silently change
  every score.
- ``cmd:TEMPLATE``: a shell-free command line, e.g.
  ``cmd:my_model --prompt {prompt} --seed {seed} --out {out}``. Placeholders: ``prompt``,
  ``seed``, ``out``, ``num_frames``, ``fps``, ``height``, ``width``, ``prompt_id``,
  ``sample_id``. The template is split with :func:`shlex.split` *first* and the values are
  substituted into the resulting argv items, so each value stays inside the one argument it
  was written in, whatever quotes, ``;`` or ``$(...)`` it holds; no shell is ever run. The
  command line shown in messages is :func:`shlex.join` (``shlex.quote`` per item).
- ``diffusers:MODEL_DIR_OR_ID``: a diffusers text-to-video pipeline (optional extra
  ``diffusers``), loaded with ``local_files_only=True``.
"""

from __future__ import annotations

import importlib
import inspect
import os
import shlex
import signal
import string
import subprocess
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import ConfigError, GeneratorError, InputError, MissingExtraError, WeightsError
from ..types import GenerationRequest, Video
from ..video_io import ARRAY_EXTENSIONS, IMAGE_EXTENSIONS, VIDEO_EXTENSIONS
from .base import GeneratedSample, Generator

__all__ = [
    "VIDEO_EXTS",
    "IMAGE_EXTS",
    "FolderGenerator",
    "CallableGenerator",
    "CommandGenerator",
    "DiffusersGenerator",
    "frames_to_video",
    "PIPELINE_FACTORY",
]

#: Extensions the folder and command adapters look for: what :mod:`sora_bench.video_io` reads.
VIDEO_EXTS: tuple[str, ...] = tuple(e.lstrip(".") for e in VIDEO_EXTENSIONS + ARRAY_EXTENSIONS)
IMAGE_EXTS: tuple[str, ...] = tuple(e.lstrip(".") for e in IMAGE_EXTENSIONS)


# ------------------------------------------------------------------------------ conversion
def _to_numpy(x: Any) -> np.ndarray:
    """numpy array from an array, a torch tensor or a PIL image (no torch import needed)."""
    if hasattr(x, "detach") and hasattr(x, "cpu"):  # torch tensor
        x = x.detach().cpu()
        if str(getattr(x, "dtype", "")) in ("torch.bfloat16", "torch.float16"):
            x = x.float()
        return x.numpy()
    if hasattr(x, "convert") and hasattr(x, "size"):  # PIL image
        return np.asarray(x.convert("RGB"))
    return np.asarray(x)


def frames_to_video(
    frames: Any,
    fps: float,
    *,
    value_range: tuple[float, float] | None = None,
    source: str = "",
    meta: Mapping[str, Any] | None = None,
) -> Video:
    """Turn common model outputs into a :class:`Video`.

    Accepts a list of PIL images / arrays / tensors (one per frame), or one array/tensor
    ``(T,H,W,C)`` or ``(T,C,H,W)``, with an optional leading batch axis of size 1 (a list of
    lists is read as a batch: its first item is used). Channels-first is detected by
    ``C in (1, 3, 4)`` on axis 1 while the last axis is not. Range: see
    :meth:`Video.from_array` (uint8 as is; anything else needs ``value_range``).
    """
    if isinstance(frames, (list, tuple)):
        if not frames:
            raise InputError(source or "<output>", "no frames", "return at least one frame")
        if isinstance(frames[0], (list, tuple)):
            frames = frames[0]  # batch of videos: take the first
        arr = np.stack([_to_numpy(f) for f in frames])
    else:
        arr = _to_numpy(frames)
    if arr.ndim == 5:
        if arr.shape[0] != 1:
            raise InputError(source or "<output>", f"batch of {arr.shape[0]} videos",
                             "return one video per call")
        arr = arr[0]
    if arr.ndim == 4 and arr.shape[-1] not in (1, 3, 4) and arr.shape[1] in (1, 3, 4):
        arr = np.moveaxis(arr, 1, -1)
    return Video.from_array(arr, fps, value_range=value_range, source=source, meta=meta)


def _spec_notes(video: Video, request: GenerationRequest) -> dict[str, Any]:
    """Record (not fix) a mismatch between what was asked and what the model made."""
    s = request.spec
    got = (video.num_frames, video.height, video.width)
    want = (s.num_frames, s.height, s.width)
    return {} if got == want else {"spec_mismatch": {"asked": list(want), "got": list(got)}}


# ---------------------------------------------------------------------------------- folder
def _frame_folder(path: Path) -> bool:
    return path.is_dir() and any(
        p.suffix.lower().lstrip(".") in IMAGE_EXTS for p in path.iterdir() if p.is_file()
    )


class FolderGenerator(Generator):
    """Serve pre-made videos from a folder (see the module docstring for the lookup order)."""

    name = "folder"

    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory).expanduser().resolve()

    @classmethod
    def from_spec(cls, arg: str | None) -> FolderGenerator:
        if not arg:
            raise ValueError("folder needs a directory: --generator folder:DIR")
        gen = cls(arg)
        if not gen.directory.is_dir():
            raise ValueError(f"{gen.directory} is not a directory")
        return gen

    def describe(self) -> dict[str, Any]:
        return {"name": self.name, "version": 1, "dir": str(self.directory)}

    def candidates(self, request: GenerationRequest) -> list[Path]:
        """Stems tried, in order (without extension)."""
        pid, seed = request.prompt.id, request.seed
        stems = [request.sample_id, f"{pid}__s{seed}", f"{pid}/{seed}", pid]
        return [self.directory / s for s in dict.fromkeys(stems)]

    def find(self, request: GenerationRequest) -> tuple[Path | None, list[Path]]:
        tried: list[Path] = []
        for stem in self.candidates(request):
            # A prompt id is data from a suite file: never let it climb out of the folder.
            if not stem.resolve().is_relative_to(self.directory):
                continue
            for ext in VIDEO_EXTS:
                for e in (ext, ext.upper()):
                    p = stem.with_name(f"{stem.name}.{e}")
                    tried.append(p)
                    if p.is_file():
                        return p, tried
            tried.append(stem)
            if _frame_folder(stem):
                return stem, tried
        return None, tried

    def generate(self, request: GenerationRequest, workdir: Path) -> GeneratedSample:
        path, tried = self.find(request)
        if path is None:
            shown = sorted({str(p.with_suffix("")) if p.suffix else str(p) for p in tried})
            raise GeneratorError(
                f"no video for {request.sample_id} in {self.directory}; tried "
                f"{', '.join(shown)} with extensions {'/'.join(VIDEO_EXTS)} or as frame folders"
            )
        return GeneratedSample(path=path, meta={"found": str(path)})


# -------------------------------------------------------------------------------- callable
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


# --------------------------------------------------------------------------------- command
CMD_PLACEHOLDERS = ("prompt", "seed", "out", "num_frames", "fps", "height", "width",
                    "prompt_id", "sample_id")


class CommandGenerator(Generator):
    """Run a command per request; it must write the video to ``{out}``.

    Args:
        template: the command line with ``{placeholder}`` fields (``{{`` for a literal brace).
        timeout: seconds before the command (and its process group) is killed.
        out_ext: extension of ``{out}``; a file with the same stem and another video extension,
            or a frame folder at ``{out}`` without extension, is accepted too.
    """

    name = "cmd"

    def __init__(self, template: str, *, timeout: float = 3600.0, out_ext: str = "mp4") -> None:
        self.template = template
        self.timeout = float(timeout)
        self.out_ext = out_ext.lstrip(".")
        try:
            self.argv_template = shlex.split(template)
        except ValueError as exc:
            raise ValueError(f"cannot split the command template: {exc}") from exc
        if not self.argv_template:
            raise ValueError("the command template is empty")
        fields: set[str] = set()
        for item in self.argv_template:
            try:
                fields |= {f for _, f, _, _ in string.Formatter().parse(item) if f is not None}
            except ValueError as exc:
                raise ValueError(f"bad placeholder in {item!r}: {exc} (write {{{{ for a brace)") \
                    from exc
        unknown = sorted(f for f in fields if f not in CMD_PLACEHOLDERS)
        if unknown:
            raise ValueError(f"unknown placeholders {unknown}; "
                             f"known: {', '.join(CMD_PLACEHOLDERS)}")
        if "out" not in fields:
            raise ValueError("the command template must contain {out}, where the video is written")

    @classmethod
    def from_spec(cls, arg: str | None) -> CommandGenerator:
        if not arg:
            raise ValueError("cmd needs a template: --generator 'cmd:my_model --prompt {prompt} "
                             "--seed {seed} --out {out}'")
        return cls(arg)

    def describe(self) -> dict[str, Any]:
        return {"name": self.name, "version": 1, "template": self.template,
                "out_ext": self.out_ext}

    def argv(self, request: GenerationRequest, out: Path) -> list[str]:
        """The argv for one request: each template item formatted on its own."""
        s = request.spec
        values = {"prompt": request.prompt.text, "seed": request.seed, "out": str(out),
                  "num_frames": s.num_frames, "fps": f"{s.fps:g}", "height": s.height,
                  "width": s.width, "prompt_id": request.prompt.id, "sample_id": request.sample_id}
        return [item.format(**values) for item in self.argv_template]

    def generate(self, request: GenerationRequest, workdir: Path) -> GeneratedSample:
        workdir = Path(workdir)
        workdir.mkdir(parents=True, exist_ok=True)
        out = workdir / f"{request.sample_id}.{self.out_ext}"
        argv = self.argv(request, out)
        shown = shlex.join(argv)
        try:
            proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                    stdin=subprocess.DEVNULL, start_new_session=True)
        except OSError as exc:
            raise GeneratorError(f"cannot start {argv[0]!r}: {exc} (command: {shown})") from exc
        try:
            _stdout, stderr = proc.communicate(timeout=self.timeout)
        except subprocess.TimeoutExpired:
            _kill_group(proc)
            raise GeneratorError(f"command timed out after {self.timeout:g} s: {shown}") from None
        except BaseException:
            _kill_group(proc)
            raise
        if proc.returncode != 0:
            tail = stderr.decode("utf-8", "replace").strip().splitlines()[-15:]
            raise GeneratorError(f"command exited with status {proc.returncode}: {shown}"
                                 + ("\nstderr (last lines):\n" + "\n".join(tail) if tail else ""))
        found = _find_output(out)
        if found is None:
            raise GeneratorError(f"command succeeded but wrote no video at {out} "
                                 f"(also tried {out.with_suffix('')}.{{{','.join(VIDEO_EXTS)}}} "
                                 f"and a frame folder {out.with_suffix('')}): {shown}")
        return GeneratedSample(path=found, meta={"command": shown})


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    """Kill the command and anything it started (it runs in its own session)."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError, AttributeError):
        proc.kill()
    proc.communicate()


def _find_output(out: Path) -> Path | None:
    if out.is_file() and out.stat().st_size > 0:
        return out
    stem = out.with_suffix("")
    for ext in VIDEO_EXTS:
        p = stem.with_name(f"{stem.name}.{ext}")
        if p.is_file() and p.stat().st_size > 0:
            return p
    return stem if _frame_folder(stem) else None


# ------------------------------------------------------------------------------- diffusers
#: Hook for tests and custom loaders: ``factory(model, device, dtype) -> pipeline``. When set
#: (or passed as ``pipeline_factory=``), diffusers itself is never imported.
PIPELINE_FACTORY: Callable[[str, str, Any], Any] | None = None


class DiffusersGenerator(Generator):
    """A diffusers text-to-video pipeline, loaded once, from local files only.

    The pipeline is called as ``pipe(prompt=, num_frames=, height=, width=,
    generator=torch.Generator(device).manual_seed(seed), **call_kwargs)``. Its ``.frames``
    (a batch of lists of PIL images, a float array in ``[0, 1]`` — diffusers' documented
    ``np``/``pt`` output range — or a tensor) becomes a Video at the request's fps. Float
    output more than 1 % outside ``[0, 1]`` is an error, not silently clipped.
    """

    name = "diffusers"

    def __init__(self, model: str, *, device: str = "auto", dtype: str | None = None,
                 call_kwargs: Mapping[str, Any] | None = None,
                 pipeline_factory: Callable[[str, str, Any], Any] | None = None) -> None:
        self.model = model
        self.device_name = device
        self.dtype = dtype
        self.call_kwargs = dict(call_kwargs or {})
        self.pipeline_factory = pipeline_factory
        self._pipe: Any = None
        self._device: str | None = None

    @classmethod
    def from_spec(cls, arg: str | None) -> DiffusersGenerator:
        if not arg:
            raise ValueError("diffusers needs a model: --generator diffusers:MODEL_DIR_OR_ID")
        return cls(arg)

    def describe(self) -> dict[str, Any]:
        return {"name": self.name, "version": 1, "model": self.model, "dtype": self.dtype,
                "call_kwargs": {k: repr(v) for k, v in sorted(self.call_kwargs.items())}}

    def _torch(self) -> Any:
        try:
            import torch
        except ImportError as exc:
            raise MissingExtraError("torch", "diffusers") from exc
        return torch

    def pipeline(self) -> Any:
        """Load (once) and return the pipeline."""
        if self._pipe is not None:
            return self._pipe
        torch = self._torch()
        from ..device import resolve_device

        self._device = resolve_device(self.device_name)
        dtype = getattr(torch, self.dtype) if self.dtype else None
        factory = self.pipeline_factory or PIPELINE_FACTORY
        if factory is not None:
            self._pipe = factory(self.model, self._device, dtype)
            return self._pipe
        try:
            import diffusers
        except ImportError as exc:
            raise MissingExtraError("diffusers", "diffusers") from exc
        kwargs: dict[str, Any] = {"local_files_only": True}
        if dtype is not None:
            kwargs["torch_dtype"] = dtype
        try:
            pipe = diffusers.DiffusionPipeline.from_pretrained(self.model, **kwargs)
        except (OSError, ValueError) as exc:
            raise WeightsError(
                f"diffusers cannot load {self.model!r} from local files: {exc}. Fix: download it "
                f"first (huggingface-cli download {self.model}) or pass a local model folder"
            ) from exc
        self._pipe = pipe.to(self._device)
        return self._pipe

    def generate(self, request: GenerationRequest, workdir: Path) -> GeneratedSample:
        pipe = self.pipeline()
        torch = self._torch()
        s = request.spec
        gen_device = "cpu" if (self._device or "cpu") == "mps" else (self._device or "cpu")
        generator = torch.Generator(gen_device).manual_seed(int(request.seed))
        try:
            result = pipe(prompt=request.prompt.text, num_frames=s.num_frames, height=s.height,
                          width=s.width, generator=generator, **self.call_kwargs)
        except Exception as exc:
            raise GeneratorError(f"diffusers pipeline {self.model} failed on "
                                 f"{request.sample_id}: {type(exc).__name__}: {exc}") from exc
        frames = getattr(result, "frames", None)
        if frames is None and isinstance(result, Mapping):
            frames = result.get("frames")
        if frames is None and isinstance(result, tuple) and result:
            frames = result[0]
        if frames is None:
            raise GeneratorError(f"diffusers pipeline {self.model} returned no .frames")
        return GeneratedSample(video=self._video(frames, request),
                               meta={"model": self.model})

    def _video(self, frames: Any, request: GenerationRequest) -> Video:
        source = f"diffusers:{request.sample_id}"
        if isinstance(frames, (list, tuple)) and frames and isinstance(frames[0], (list, tuple)):
            frames = frames[0]  # batch of one video
        try:
            if isinstance(frames, (list, tuple)):
                if not frames:
                    raise GeneratorError(f"diffusers pipeline {self.model} returned no frames")
                arr = np.stack([_to_numpy(f) for f in frames])
            else:
                arr = _to_numpy(frames)
            value_range: tuple[float, float] | None = None
            if arr.dtype.kind == "f":
                if arr.size and (arr.min() < -0.01 or arr.max() > 1.01):
                    raise GeneratorError(
                        f"diffusers pipeline {self.model}: float frames span "
                        f"[{arr.min():.3g}, {arr.max():.3g}], expected [0, 1]")
                arr, value_range = np.clip(arr, 0.0, 1.0), (0.0, 1.0)
            return frames_to_video(arr, request.spec.fps, value_range=value_range, source=source)
        except InputError as exc:
            raise GeneratorError(f"diffusers pipeline {self.model}: {exc}") from exc
