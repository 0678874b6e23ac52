"""The Generator protocol: one :class:`~sora_bench.types.GenerationRequest` in, one
:class:`GeneratedSample` out.

A generator either returns frames in memory (``video``) or writes a file and returns its
``path``; the runner then writes/decodes through :mod:`sora_bench.video_io` so every video
is scored the same way. ``describe()`` goes into results and cache keys.
"""

from __future__ import annotations

import abc
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from ..types import GenerationRequest, Truth, Video

__all__ = ["GeneratedSample", "Generator"]


@dataclass(frozen=True)
class GeneratedSample:
    """What a generator produced for one request: a Video or a file path (exactly one),
    optional ground truth (reference generator), and metadata (e.g. unparsed prompt words)."""

    video: Video | None = None
    path: Path | None = None
    truth: Truth | None = None
    meta: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if (self.video is None) == (self.path is None):
            raise ValueError("GeneratedSample needs exactly one of video or path")


class Generator(abc.ABC):
    """Base class of generators.

    ``name`` is the registry name. ``from_spec(arg)`` builds one from the part of the
    ``--generator`` value after ``name:`` (None when absent).
    """

    name: ClassVar[str]

    @classmethod
    def from_spec(cls, arg: str | None) -> Generator:
        if arg:
            raise ValueError(f"generator {cls.name!r} takes no argument, got {arg!r}")
        return cls()

    @abc.abstractmethod
    def describe(self) -> dict[str, Any]:
        """Name, version and parameters: everything that changes the output."""

    @abc.abstractmethod
    def generate(self, request: GenerationRequest, workdir: Path) -> GeneratedSample:
        """Produce one video. ``workdir`` is a scratch folder the generator may write into.
        Raise :class:`~sora_bench.errors.GeneratorError` (or any exception) on failure: the
        runner records ``error:generation`` and goes on."""
