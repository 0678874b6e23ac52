"""Generator registry and the ``--generator`` spec parser.

Spec forms (DESIGN.md §4): ``reference``, ``folder:DIR``, ``cmd:TEMPLATE``,
``diffusers:MODEL_DIR``, a registered third-party name, or ``package.module:function``
(a Python callable, wrapped by the ``callable`` adapter).
"""

from __future__ import annotations

from ..errors import ConfigError
from ..registry import Registry
from .base import GeneratedSample, Generator

BUILTIN_GENERATORS: dict[str, str] = {
    "reference": "sora_bench.generator.reference:ReferenceGenerator",
    "folder": "sora_bench.generator.adapters:FolderGenerator",
    "cmd": "sora_bench.generator.adapters:CommandGenerator",
    "callable": "sora_bench.generator.adapters:CallableGenerator",
    "diffusers": "sora_bench.generator.adapters:DiffusersGenerator",
}

GENERATORS: Registry[type[Generator]] = Registry(
    "generator", BUILTIN_GENERATORS, "sora_bench.generators"
)


def load_generator(spec: str) -> Generator:
    """Build a generator from a ``--generator`` value."""
    spec = spec.strip()
    if not spec:
        raise ConfigError("--generator is empty; use e.g. 'reference' or 'folder:DIR'")
    name, sep, arg = spec.partition(":")
    if name in GENERATORS:
        cls = GENERATORS.get(name)
        try:
            return cls.from_spec(arg if sep else None)
        except (ValueError, TypeError) as exc:
            raise ConfigError(f"--generator {spec!r}: {exc}") from exc
    if sep and "." in name or (sep and arg and name.isidentifier()):
        cls = GENERATORS.get("callable")
        return cls.from_spec(spec)
    GENERATORS.get(name)  # raises with did-you-mean
    raise AssertionError("unreachable")


__all__ = ["BUILTIN_GENERATORS", "GENERATORS", "GeneratedSample", "Generator", "load_generator"]
