"""CLIP image/text encoders behind one small interface (weights lookup: :mod:`.clip_weights`).

Two backends:

- ``open_clip`` (default): any architecture + pretrained tag open_clip knows (default
  ``ViT-B-32`` / ``openai``). Images go through the model's own validation transform
  (PIL: resize shortest side, bicubic, centre crop, CLIP mean/std for the OpenAI tags).
- ``transformers``: ``CLIPModel`` + ``CLIPProcessor`` (default
  ``openai/clip-vit-base-patch32``), the classes torchmetrics' ``clip_score`` uses, so numbers
  can be checked against it. Frames go to the processor as ``(3, H, W)`` uint8 tensors,
  exactly as torchmetrics passes them.

Interface (both): ``encode_images(frames uint8 (N,H,W,3)) -> float32 (N, D)`` L2-normalised
rows; ``encode_text(str) -> (float32 (D,) L2-normalised, truncated: bool)``;
``preprocess_description``; ``identity`` (``open_clip:ViT-B-32:openai:sha256=...``, used in
protocol strings and cache keys); ``describe()``.

Weights (never random weights for a score) are found by :mod:`.clip_weights`; if none are
found, :func:`load_backend` raises ``MetricSkip("weights-missing", <fix>)``.
torch, open_clip and transformers are imported inside functions only.
"""

from __future__ import annotations

import threading
import warnings
import zipfile
from contextlib import AbstractContextManager, nullcontext
from typing import Any

import numpy as np

from ..device import exact_float32
from ..errors import MetricSkip, WeightsError
from .clip_weights import (
    BACKENDS,
    ClipSpec,
    Located,
    _fix_text,
    _open_clip,
    _weights_sha,
    fetch_weights,
    locate_weights,
    weights_report,
)
from .clip_weights import DEFAULTS as DEFAULTS

__all__ = ["ClipSpec", "Located", "load_backend", "locate_weights", "fetch_weights",
           "weights_report", "BACKENDS"]

#: ``pretrained`` values meaning "no open_clip tag": a custom model with a local weight file.
_NO_TAG = ("", "none", "local")


# ----------------------------------------------------------------------------------- backends
class _Backend:
    name = ""

    def __init__(self, spec: ClipSpec, weights_path: str, sha: str, device: str) -> None:
        self.spec, self.weights_path, self.sha256, self.device = spec, weights_path, sha, device
        self.context_length = 77
        self.preprocess_description = "model-transform"
        self._text_memo: dict[str, tuple[np.ndarray, bool]] = {}

    @property
    def identity(self) -> str:
        tag = "" if self.spec.precision == "fp32" else f":{self.spec.precision}"
        return f"{self.name}:{self.spec.model}:{self.spec.pretrained}{tag}:sha256={self.sha256}"

    def describe(self) -> dict[str, Any]:
        return {"backend": self.name, "model": self.spec.model, "pretrained": self.spec.pretrained,
                "weights_path": self.weights_path, "weights_sha256": self.sha256,
                "precision": self.spec.precision, "device": self.device,
                "context_length": self.context_length,
                "preprocessing": self.preprocess_description}

    def _finish_model(self, model: Any) -> Any:
        """Move to the device; ``bf16`` casts the weights (benchmarks/bench_clip.py: about 3x
        faster than fp32 on a CPU with AMX, cosines within ~1e-3 of fp32)."""
        import torch

        self._dtype = torch.bfloat16 if self.spec.precision == "bf16" else torch.float32
        return model.to(device=self.device, dtype=self._dtype).eval()

    def _numerics(self) -> AbstractContextManager[None]:
        """fp32 runs in IEEE float32 on CUDA too (no TF32 convolutions); bf16 as cast."""
        return exact_float32() if self.spec.precision == "fp32" else nullcontext()

    def encode_images(self, frames: np.ndarray, batch_size: int = 32) -> np.ndarray:
        """L2-normalised float32 embeddings ``(N, D)`` of uint8 RGB frames ``(N, H, W, 3)``."""
        import torch

        frames = np.asarray(frames)
        if frames.dtype != np.uint8 or frames.ndim != 4 or frames.shape[-1] != 3:
            raise ValueError(f"expected uint8 (N,H,W,3) frames, got {frames.dtype} {frames.shape}")
        out = []
        with torch.inference_mode(), self._numerics():
            for start in range(0, len(frames), max(1, int(batch_size))):
                pixels = self._pixels(frames[start:start + batch_size])
                pixels = pixels.to(device=self.device, dtype=self._dtype)
                out.append(_unit(self._image_features(pixels)))
        return np.concatenate(out, axis=0) if out else np.zeros((0, 0), np.float32)

    def encode_text(self, text: str) -> tuple[np.ndarray, bool]:
        """L2-normalised float32 ``(D,)`` text embedding, and whether the text was truncated
        to the context length (tokens past it are dropped; the end-of-text token is kept)."""
        import torch

        if text not in self._text_memo:
            with torch.inference_mode(), self._numerics():
                emb, truncated = self._text_features(text)
            self._text_memo[text] = (_unit(emb)[0], truncated)
        return self._text_memo[text]


def _unit(t: Any) -> np.ndarray:
    if not hasattr(t, "float"):  # transformers 5 returns a model output; 4.x a tensor
        t = t.pooler_output
    a = t.float().cpu().numpy().astype(np.float32)
    return a / np.maximum(np.linalg.norm(a, axis=-1, keepdims=True), 1e-12)


def _is_torchscript(path: str) -> bool:
    """The OpenAI release files (``~/.cache/clip/ViT-B-32.pt``) are TorchScript archives,
    which ``torch.load(weights_only=True)`` refuses."""
    try:
        with zipfile.ZipFile(path) as zf:
            return any(n.endswith("/constants.pkl") for n in zf.namelist())
    except (zipfile.BadZipFile, OSError):
        return False


class OpenClipBackend(_Backend):
    name = "open_clip"

    def __init__(self, spec: ClipSpec, weights_path: str, sha: str, device: str) -> None:
        super().__init__(spec, weights_path, sha, device)
        import torch

        oc = _open_clip()
        has_tag = spec.pretrained.lower() not in _NO_TAG
        cfg = oc.get_pretrained_cfg(spec.model, spec.pretrained) if has_tag else {}
        # A local file stands in for the tag: take the tag's activation and preprocessing
        # (OpenAI weights need QuickGELU and the OpenAI mean/std), as open_clip would.
        kwargs: dict[str, Any] = {f"image_{k}": cfg[k] for k in
                                  ("mean", "std", "interpolation", "resize_mode") if k in cfg}
        kwargs.update(force_quick_gelu=bool(cfg.get("quick_gelu", False)), pretrained_text=False)
        if spec.model.startswith("local-dir:"):
            model, _, self._preprocess = oc.create_model_and_transforms(spec.model)
        elif _is_torchscript(weights_path):
            model, _, self._preprocess = oc.create_model_and_transforms(spec.model, **kwargs)
            with warnings.catch_warnings():  # torch 2.13 deprecates jit.load; still the
                warnings.simplefilter("ignore", DeprecationWarning)  # only reader of these
                state = torch.jit.load(weights_path, map_location="cpu").state_dict()
            # scripted archives also carry buffers/attributes that are not parameters
            # (input_resolution, attn_mask ...): ignore extras, refuse anything missing
            missing = model.load_state_dict(state, strict=False).missing_keys
            if missing:
                raise KeyError(f"TorchScript archive lacks {len(missing)} tensors, e.g. {missing[:3]}")
        else:  # safetensors, or a plain state dict read with torch.load(weights_only=True)
            model, _, self._preprocess = oc.create_model_and_transforms(
                spec.model, pretrained=weights_path, weights_only=True, **kwargs)
        self.model = self._finish_model(model)
        self.tokenizer = oc.get_tokenizer(spec.model)
        self.context_length = int(getattr(self.tokenizer, "context_length", 77) or 77)
        pp = dict(getattr(self.model.visual, "preprocess_cfg", None) or {})
        self.preprocess_description = "model-transform:" + ",".join(
            f"{k}={pp[k]}" for k in ("size", "resize_mode", "interpolation", "mean", "std") if k in pp)

    def _pixels(self, frames: np.ndarray) -> Any:
        import torch
        from PIL import Image

        return torch.stack([self._preprocess(Image.fromarray(f)) for f in frames])

    def _image_features(self, pixels: Any) -> Any:
        return self.model.encode_image(pixels)

    def _text_features(self, text: str) -> tuple[Any, bool]:
        tok = self.tokenizer
        if hasattr(tok, "encode"):
            n = len(tok.encode(text)) + 2  # + start/end tokens
        elif hasattr(tok, "tokenizer"):
            n = len(tok.tokenizer(text)["input_ids"])
        else:
            n = 0
        ids = tok([text]).to(self.device)
        return self.model.encode_text(ids), n > self.context_length


class TransformersBackend(_Backend):
    name = "transformers"

    def __init__(self, spec: ClipSpec, weights_path: str, sha: str, device: str) -> None:
        super().__init__(spec, weights_path, sha, device)
        from .._torchvision_compat import ensure_torchvision_importable

        ensure_torchvision_importable()  # transformers' fast image processors import torchvision
        from transformers import CLIPModel, CLIPProcessor

        self.model = self._finish_model(
            CLIPModel.from_pretrained(weights_path, local_files_only=True))
        self.processor = CLIPProcessor.from_pretrained(weights_path, local_files_only=True)
        self.context_length = int(self.model.config.text_config.max_position_embeddings)
        self.preprocess_description = f"model-transform:{type(self.processor.image_processor).__name__}"

    def _pixels(self, frames: np.ndarray) -> Any:
        import torch

        chw = [torch.from_numpy(np.ascontiguousarray(f)).permute(2, 0, 1) for f in frames]
        return self.processor(images=chw, return_tensors="pt")["pixel_values"]

    def _image_features(self, pixels: Any) -> Any:
        return self.model.get_image_features(pixel_values=pixels)

    def _text_features(self, text: str) -> tuple[Any, bool]:
        tok = self.processor.tokenizer
        n = len(tok(text, truncation=False, verbose=False)["input_ids"])
        enc = tok([text], truncation=True, max_length=self.context_length, return_tensors="pt")
        feats = self.model.get_text_features(input_ids=enc["input_ids"].to(self.device),
                                             attention_mask=enc["attention_mask"].to(self.device))
        return feats, n > self.context_length


_LOADED: dict[tuple, _Backend] = {}
_LOCK = threading.Lock()


def load_backend(spec: ClipSpec, device: str = "cpu", allow_download: bool = True) -> _Backend:
    """The encoder for ``spec`` on ``device``, loaded once per process and shared by
    clip_alignment and clip_consistency. Raises ``MetricSkip("weights-missing", fix)``."""
    loc = locate_weights(spec)
    if loc.path is None and allow_download and loc.download is not None:
        try:
            loc = fetch_weights(spec)
        except WeightsError as exc:
            raise MetricSkip("weights-missing", str(exc)) from None
        except Exception as exc:  # a failed download: say so, never score with random weights
            raise MetricSkip("weights-missing",
                             f"download failed ({type(exc).__name__}: {exc}). Fix: {loc.fix}") from None
    if loc.path is None:
        raise MetricSkip("weights-missing", f"no CLIP weights found. Fix: {loc.fix}")
    sha = _weights_sha(loc.path)
    key = (spec, loc.path, sha, device)
    with _LOCK:
        if key not in _LOADED:
            cls = OpenClipBackend if spec.backend == "open_clip" else TransformersBackend
            try:
                _LOADED[key] = cls(spec, loc.path, sha, device)
            except ImportError as exc:
                pip = ("'sora-bench[hf]'" if spec.backend == "transformers"
                       else "open-clip-torch -c constraints.txt")
                raise MetricSkip("missing-extra", f"{exc.name or exc} is not installed; install "
                                 f"it with: pip install {pip}") from None
            except Exception as exc:  # any unreadable/mismatched file: skip, never crash the run
                raise MetricSkip("weights-missing",
                                 f"CLIP weights at {loc.path} did not load into {spec.backend} "
                                 f"{spec.model} ({type(exc).__name__}: {str(exc)[:300]}). "
                                 f"Fix: {_fix_text(spec, loc.looked_in)}") from None
        return _LOADED[key]
