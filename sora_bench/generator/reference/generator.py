"""ReferenceGenerator (placeholder until the renderer lands)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ...errors import GeneratorError
from ...types import GenerationRequest
from ..base import GeneratedSample, Generator

GENERATOR_VERSION = 1


def render_scene(scene_mapping: Any, **kwargs: Any) -> Any:
    raise GeneratorError("the reference renderer is not written yet")


class ReferenceGenerator(Generator):
    name = "reference"

    def describe(self) -> dict[str, Any]:
        return {"name": self.name, "version": GENERATOR_VERSION}

    def generate(self, request: GenerationRequest, workdir: Path) -> GeneratedSample:
        raise GeneratorError("the reference renderer is not written yet")
