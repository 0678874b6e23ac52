"""Finding videos in a folder by id."""

from __future__ import annotations

import os
from pathlib import Path

from ..errors import InputError
from .common import ARRAY_EXTENSIONS, IMAGE_EXTENSIONS, VIDEO_EXTENSIONS, natural_key

__all__ = ["discover_videos"]


def discover_videos(folder: str | os.PathLike[str]) -> dict[str, Path]:
    """Videos in ``folder``: ``<id>.<ext>`` files and ``<id>/`` frame folders, by id.

    Hidden entries, symlinks and sidecars (``.json``) are ignored. Two entries with the
    same id (``a.mp4`` and ``a.webm``) are an error naming both.
    """
    root = Path(folder)
    if not root.is_dir():
        raise InputError(root, "not a folder", "pass the folder that holds the videos",
                         reason="not_found")
    found: dict[str, Path] = {}
    for entry in sorted(root.iterdir(), key=lambda e: natural_key(e.name)):
        if entry.name.startswith(".") or entry.is_symlink():
            continue
        if entry.is_dir():
            if any(f.suffix.lower() in IMAGE_EXTENSIONS for f in entry.iterdir()):
                vid = entry.name
            else:
                continue
        elif entry.suffix.lower() in VIDEO_EXTENSIONS + ARRAY_EXTENSIONS:
            vid = entry.stem
        else:
            continue
        if vid in found:
            raise InputError(root, f"duplicate video id {vid!r}: {found[vid].name} and {entry.name}",
                             "keep one file per id", reason="duplicate_id")
        found[vid] = entry
    return found
