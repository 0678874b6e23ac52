"""The ``diffusers:MODEL`` adapter: a diffusers text-to-video pipeline from local files only."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import GeneratorError, InputError, MissingExtraError, WeightsError
from ..types import GenerationRequest, Video
from .adapter_common import _to_numpy, frames_to_video
from .base import GeneratedSample, Generator


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
        from . import adapters  # the hook lives on the public module (tests set it there)

        factory = self.pipeline_factory or adapters.PIPELINE_FACTORY
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
