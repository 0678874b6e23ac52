"""The ``folder:DIR`` adapter: serve pre-made videos (lookup order: :mod:`sora_bench.generator.adapters`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..errors import GeneratorError
from ..types import GenerationRequest
from .adapter_common import VIDEO_EXTS, _frame_folder
from .base import GeneratedSample, Generator


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
