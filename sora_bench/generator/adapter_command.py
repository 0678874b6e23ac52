"""The ``cmd:TEMPLATE`` adapter: run a shell-free command per request that writes ``{out}``."""

from __future__ import annotations

import os
import shlex
import signal
import string
import subprocess
from pathlib import Path
from typing import Any

from ..errors import GeneratorError
from ..types import GenerationRequest
from .adapter_common import VIDEO_EXTS, _frame_folder
from .base import GeneratedSample, Generator

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
