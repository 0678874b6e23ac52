"""The bundled reference generator: scene spec -> simulation -> rendering -> Truth."""

from __future__ import annotations

from .generator import GENERATOR_VERSION, ReferenceGenerator, render_scene

__all__ = ["GENERATOR_VERSION", "ReferenceGenerator", "render_scene"]
