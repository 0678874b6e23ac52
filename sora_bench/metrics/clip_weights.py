"""Which CLIP and where its weights come from: ClipSpec, the offline lookup, fetch, the weights row.

Weights, in order (never random weights for a score): an explicit local file/folder
(``clip_weights`` setting from ``--clip-weights``, or ``$SORA_BENCH_CLIP_WEIGHTS``), the local
open_clip / Hugging Face caches (looked up without network), a download when online. If none
works, :func:`~sora_bench.metrics.clip_backends.load_backend` raises
``MetricSkip("weights-missing", <fix>)``. open_clip is imported inside functions only.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ConfigError, MetricSkip, WeightsError
from ..weights import (
    CLIP_WEIGHTS_ENV,
    hf_cached_file,
    hf_repo_cache_dir,
    host_reachable,
    offline_reason,
    sha256_file,
)

BACKENDS = ("open_clip", "transformers")
DEFAULTS = {"open_clip": ("ViT-B-32", "openai"), "transformers": ("openai/clip-vit-base-patch32", "hf")}
_HF_WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin")
#: open_clip's file names on the Hub (its HF_SAFE_WEIGHTS_NAME / HF_WEIGHTS_NAME).
_OC_HF_FILES = ("open_clip_model.safetensors", "open_clip_pytorch_model.bin")


@dataclass(frozen=True)
class ClipSpec:
    """Which CLIP: backend, model (open_clip architecture or HF repo id), pretrained tag,
    explicit weights path (or None), compute precision (``fp32`` or ``bf16``)."""

    backend: str = "open_clip"
    model: str = "ViT-B-32"
    pretrained: str = "openai"
    weights: str | None = None
    precision: str = "fp32"

    @classmethod
    def from_options(cls, options: dict[str, Any], settings: Any = None) -> ClipSpec:
        """Metric options win over run settings (``clip_backend``, ``clip_model``,
        ``clip_pretrained``, ``clip_weights``), then ``$SORA_BENCH_CLIP_WEIGHTS``, then defaults."""
        s = dict(settings or {})
        backend = str(options.get("backend") or s.get("clip_backend") or "open_clip")
        if backend not in BACKENDS:
            raise ConfigError(f"CLIP backend {backend!r}: expected one of {', '.join(BACKENDS)}")
        model, tag = DEFAULTS[backend]
        weights = options.get("weights") or s.get("clip_weights") or os.environ.get(CLIP_WEIGHTS_ENV)
        precision = str(options.get("precision") or "fp32")
        if precision not in ("fp32", "bf16"):
            raise ConfigError(f"CLIP precision {precision!r}: expected fp32 or bf16")
        return cls(backend, str(options.get("model") or s.get("clip_model") or model),
                   str(options.get("pretrained") or s.get("clip_pretrained") or tag),
                   str(Path(weights).expanduser()) if weights else None, precision)


@dataclass
class Located:
    """Result of a weights lookup: ``path`` is None when nothing usable was found."""

    path: str | None
    source: str  # explicit | cache | download | missing
    looked_in: list[str] = field(default_factory=list)
    fix: str = ""
    download: Any = None  # a zero-argument callable that downloads, when a source is known

# ------------------------------------------------------------------------------ weights lookup
def _open_clip():
    from .._torchvision_compat import ensure_torchvision_importable

    ensure_torchvision_importable()
    import open_clip

    return open_clip


def _fix_text(spec: ClipSpec, looked: list[str]) -> str:
    fetch = "sora-bench weights --fetch clip"
    if spec.backend != "open_clip" or spec.model != "ViT-B-32" or spec.pretrained != "openai":
        fetch += (f" --clip-backend {spec.backend} --clip-model {spec.model}"
                  f" --clip-pretrained {spec.pretrained}")
    kind = "file (.safetensors/.pt/.bin)" if spec.backend == "open_clip" else "folder"
    return (f"run `{fetch}` on a machine with internet (it fills the cache looked in: "
            f"{'; '.join(looked) or '-'}), or pass --clip-weights PATH / set "
            f"{CLIP_WEIGHTS_ENV}=PATH to a local {kind} of {spec.model} {spec.pretrained} weights")


def locate_weights(spec: ClipSpec) -> Located:
    """Find the weights without network. Raises ConfigError for unknown models/tags."""
    looked: list[str] = []
    if spec.weights:
        looked.append(spec.weights)
        p = Path(spec.weights)
        if spec.backend == "transformers" and p.is_file():
            p = p.parent
        if p.exists():
            return Located(str(p), "explicit", looked)
        return Located(None, "missing", looked,
                       f"the CLIP weights path {spec.weights} does not exist: fix --clip-weights "
                       f"or {CLIP_WEIGHTS_ENV}")
    if spec.backend == "transformers":
        repo = spec.model
        looked.append(str(hf_repo_cache_dir(repo)))
        cfg = hf_cached_file(repo, ("config.json",))
        if cfg and hf_cached_file(repo, _HF_WEIGHT_FILES):
            return Located(str(Path(cfg).parent), "cache", looked)

        def download() -> str:
            from huggingface_hub import snapshot_download

            return snapshot_download(repo, allow_patterns=["*.json", "*.txt", "model.safetensors"])

        return Located(None, "missing", looked, _fix_text(spec, looked), download)
    if spec.model.startswith("local-dir:"):  # open_clip's own folder layout: config + weights
        folder = spec.model.partition(":")[2]
        looked.append(folder)
        if (Path(folder) / "open_clip_config.json").is_file():
            return Located(folder, "explicit", looked)
        return Located(None, "missing", looked,
                       f"{folder} has no open_clip_config.json: fix --clip-model local-dir:PATH")
    oc = _open_clip()
    if spec.model not in oc.list_models():
        raise ConfigError(f"unknown open_clip model {spec.model!r}; see open_clip.list_models()")
    cfg = oc.get_pretrained_cfg(spec.model, spec.pretrained)
    if not cfg:
        tags = ", ".join(oc.list_pretrained_tags_by_model(spec.model)) or "none"
        raise ConfigError(f"open_clip {spec.model} has no pretrained tag {spec.pretrained!r} "
                          f"(known: {tags}); or pass a local file with --clip-weights")
    hub = cfg.get("hf_hub", "")
    if hub:
        repo, name = os.path.split(hub)
        names = (*_OC_HF_FILES,) if not name else (name[:-4] + ".safetensors", name)
        looked.append(f"{hf_repo_cache_dir(repo)} ({', '.join(names)})")
        found = hf_cached_file(repo, names)
        if found:
            return Located(found, "cache", looked)
    if cfg.get("url"):
        url_file = Path.home() / ".cache" / "clip" / os.path.basename(cfg["url"])
        looked.append(str(url_file))
        if url_file.is_file():
            return Located(str(url_file), "cache", looked)
    return Located(None, "missing", looked, _fix_text(spec, looked),
                   lambda: oc.pretrained.download_pretrained(cfg))


#: Both backends download from the Hugging Face Hub (open_clip prefers it for every tag that
#: has an ``hf_hub`` entry, which includes ViT-B-32/openai).
_DOWNLOAD_HOST = "huggingface.co"


def fetch_weights(spec: ClipSpec) -> Located:
    """Locate, downloading when online. Raises WeightsError with the fix when offline."""
    loc = locate_weights(spec)
    if loc.path is not None or loc.download is None:
        return loc
    why = offline_reason()
    if why is None and not host_reachable(_DOWNLOAD_HOST):
        why = f"{_DOWNLOAD_HOST} is not reachable"
    if why is not None:
        raise WeightsError(f"offline ({why}): cannot download CLIP weights. Fix: {loc.fix}")
    path = loc.download()
    return Located(str(path), "download", loc.looked_in)


def _weights_sha(path: str) -> str:
    p = Path(path)
    if p.is_dir():
        files = [p / n for n in _HF_WEIGHT_FILES if (p / n).is_file()]
        if not files:
            files = sorted(p.glob("*.safetensors")) + sorted(p.glob("*.bin")) + sorted(p.glob("*.pt"))
        if not files:
            raise MetricSkip("weights-missing", f"no weight file in folder {path}")
        p = files[0]
    return sha256_file(p)


def weights_report(settings: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """The CLIP row of ``sora-bench weights`` (no network, no model load)."""
    spec = ClipSpec.from_options({}, settings)
    try:
        loc = locate_weights(spec)
    except ConfigError as exc:
        loc = Located(None, "missing", [], str(exc))
    sha = _weights_sha(loc.path) if loc.path else None
    return [{
        "metric": "clip_alignment, clip_consistency",
        "name": f"clip:{spec.backend}:{spec.model}:{spec.pretrained}",
        "purpose": "CLIP image and text encoders (frame-prompt cosine, frame-frame cosine)",
        "looked_in": loc.looked_in,
        "found_path": loc.path,
        "sha256": sha,
        "ok": loc.path is not None,
        "fix": "" if loc.path else loc.fix,
    }]
