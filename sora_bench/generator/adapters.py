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

from collections.abc import Callable
from typing import Any

from .adapter_callable import CallableGenerator
from .adapter_command import CMD_PLACEHOLDERS as CMD_PLACEHOLDERS
from .adapter_command import CommandGenerator
from .adapter_common import IMAGE_EXTS, VIDEO_EXTS, frames_to_video
from .adapter_diffusers import DiffusersGenerator
from .adapter_folder import FolderGenerator

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

#: Hook for tests and custom loaders: ``factory(model, device, dtype) -> pipeline``. When set
#: (or passed as ``pipeline_factory=``), diffusers itself is never imported.
PIPELINE_FACTORY: Callable[[str, str, Any], Any] | None = None
