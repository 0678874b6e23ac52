"""Reference statistics for FVD/KVD: build, save, load, and the default reference.

A stats file is an ``.npz`` without objects (``np.load(allow_pickle=False)`` reads it) holding,
for both I3D features (``logits`` 400-d, ``pool`` 1024-d): the mean ``<f>_mu``, the covariance
``<f>_sigma`` (float64, unbiased) and the per-video features ``<f>_features`` (float32, needed
by KVD, the bootstrap and the FVD-vs-N curve), plus ``clip_protocol`` (frames/resize/range/
precision), ``weights_sha256``, ``ids`` and ``source_sha256``. A JSON sidecar
(``ref.npz`` -> ``ref.json``) repeats protocol, N and source hash for humans.

Without ``--reference``, a suite run uses **reference-generator renders of the same prompts
with held-out seeds** (seed + :data:`HELD_OUT_OFFSET`) at the run's video spec, and the
result's ``details.reference.source`` says so.
"""

from __future__ import annotations

import hashlib
import json
import logging
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import ConfigError, InputError, MetricSkip, SoraBenchError
from ..types import GenerationRequest, Video
from .frechet import GaussianAccumulator, GaussianStats
from .fvd import Protocol, i3d_outputs

log = logging.getLogger(__name__)

__all__ = ["Reference", "HELD_OUT_OFFSET", "FORMAT", "ReferenceBuilder", "save_reference",
           "load_reference", "resolve_reference", "generator_reference"]

FORMAT = "sora-bench.fvd-reference/1"
HELD_OUT_OFFSET = 100_000
FEATURES = ("logits", "pool")
MAX_KEPT_FEATURES = 50_000


@dataclass
class Reference:
    """Reference side of FVD/KVD for one feature: Gaussian stats, features (or None), facts."""

    stats: GaussianStats
    features: np.ndarray | None
    meta: dict[str, Any] = field(default_factory=dict)

    def describe(self) -> dict[str, Any]:
        return {"n": int(self.stats.n), **self.meta}


class ReferenceBuilder:
    """Streams videos into per-feature Gaussian sums (and keeps features up to a cap)."""

    def __init__(self, proto: Protocol, *, device: str = "cpu", cache: Any = None,
                 compile_: bool = False) -> None:
        self.proto, self.device, self.cache, self.compile_ = proto, device, cache, compile_
        self.acc = {f: GaussianAccumulator() for f in FEATURES}
        self.kept: dict[str, list[np.ndarray]] = {f: [] for f in FEATURES}
        self.ids: list[str] = []
        self.hashes: list[str] = []
        self.skipped: dict[str, str] = {}

    def add(self, sample_id: str, video: Video) -> bool:
        digest = video.content_hash()
        try:
            outs = i3d_outputs(video, self.proto, device=self.device, cache=self.cache,
                               compile_=self.compile_, video_hash=digest)
        except MetricSkip as skip:
            self.skipped[sample_id] = f"skipped:{skip.reason}"
            return False
        for f in FEATURES:
            self.acc[f].update(outs[f])
            if len(self.kept[f]) < MAX_KEPT_FEATURES:
                self.kept[f].append(np.asarray(outs[f], np.float32))
        self.ids.append(sample_id)
        self.hashes.append(digest)
        return True

    @property
    def n(self) -> int:
        return len(self.ids)

    def source_sha256(self) -> str:
        lines = sorted(f"{i}:{h}" for i, h in zip(self.ids, self.hashes))
        return hashlib.sha256("\n".join(lines).encode()).hexdigest()

    def arrays(self) -> dict[str, np.ndarray]:
        from .i3d_weights import SHA256

        if self.n < 2:
            raise ConfigError(f"reference statistics need at least 2 usable videos, got {self.n}"
                              + (f" ({len(self.skipped)} skipped)" if self.skipped else ""))
        out: dict[str, np.ndarray] = {
            "format": np.array(FORMAT), "clip_protocol": np.array(self.proto.clip_string()),
            "weights_sha256": np.array(SHA256), "n": np.array(self.n, dtype=np.int64),
            "ids": np.array(self.ids), "source_sha256": np.array(self.source_sha256()),
        }
        for f in FEATURES:
            st = self.acc[f].stats()
            out[f"{f}_mu"], out[f"{f}_sigma"] = st.mu, st.sigma
            if len(self.kept[f]) == self.n:
                out[f"{f}_features"] = np.stack(self.kept[f])
        return out


def sidecar_path(path: Path) -> Path:
    return path.with_suffix(".json")


def save_reference(path: str | Path, arrays: Mapping[str, np.ndarray],
                   source: Mapping[str, Any]) -> Path:
    """Write ``path`` (npz) and its JSON sidecar; returns the npz path."""
    from ..results import atomic_write_text

    p = Path(path)
    if p.suffix != ".npz":
        p = p.with_suffix(".npz")
    p.parent.mkdir(parents=True, exist_ok=True)
    tmp = p.with_name(f".{p.name}.tmp.npz")
    np.savez(tmp, **dict(arrays))
    tmp.replace(p)
    digest = hashlib.sha256(p.read_bytes()).hexdigest()
    side = {
        "format": FORMAT,
        "protocols": [Protocol.from_clip(f, str(arrays["clip_protocol"])).string(m)
                      for m in ("fvd", "kvd") for f in FEATURES],
        "clip_protocol": str(arrays["clip_protocol"]),
        "n": int(arrays["n"]),
        "source_sha256": str(arrays["source_sha256"]),
        "weights_sha256": str(arrays["weights_sha256"]),
        "npz_sha256": digest,
        "source": dict(source),
    }
    atomic_write_text(sidecar_path(p), json.dumps(side, indent=2, sort_keys=True) + "\n")
    return p


def load_reference(path: str | Path, proto: Protocol) -> Reference:
    """Load the ``proto.feature`` side of a stats file, refusing a different clip protocol."""
    from .i3d_weights import SHA256

    p = Path(path)
    fix = "build one with: sora-bench stats build --videos DIR -o ref.npz"
    try:
        with np.load(p, allow_pickle=False) as npz:
            data = {k: npz[k] for k in npz.files}
    except FileNotFoundError:
        raise InputError(p, "reference statistics file not found", fix, "not_found") from None
    except (OSError, ValueError) as exc:
        raise InputError(p, f"not a readable npz without objects ({exc})", fix,
                         "bad_reference") from None
    if str(data.get("format", "")) != FORMAT:
        raise InputError(p, f"not a {FORMAT} file", fix, "bad_reference")
    clip = str(data["clip_protocol"])
    if clip != proto.clip_string():
        raise ConfigError(f"{p}: reference statistics were built with protocol {clip!r}, the "
                          f"metric uses {proto.clip_string()!r}; rebuild with "
                          f"--protocol {proto.string('fvd')!r}")
    if str(data["weights_sha256"]) != SHA256:
        raise ConfigError(f"{p}: built with I3D weights {data['weights_sha256']}, not {SHA256}")
    f = proto.feature
    stats = GaussianStats(mu=data[f"{f}_mu"], sigma=data[f"{f}_sigma"], n=int(data["n"]))
    feats = data.get(f"{f}_features")
    meta = {"source": "stats file", "path": str(p), "clip_protocol": clip,
            "source_sha256": str(data["source_sha256"])}
    return Reference(stats, None if feats is None else feats.astype(np.float64), meta)


# ------------------------------------------------------------------ default: reference generator
_MEMO: dict[str, tuple[dict[str, np.ndarray], dict[str, Any]]] = {}
_STORED: set[str] = set()


def generator_reference(run: Any, proto: Protocol, *, compile_: bool = False) -> Reference:
    """Reference-generator renders of ``run.prompts`` at ``run.spec`` with held-out seeds."""
    from ..cache import make_key
    from ..generator.reference import GENERATOR_VERSION
    from .i3d_weights import SHA256

    if not run.prompts:
        raise MetricSkip("no-reference", "no reference statistics: pass --reference STATS "
                                         "(sora-bench stats build) or run a suite")
    jobs = [(p, s + HELD_OUT_OFFSET) for p in run.prompts for s in p.seeds]
    spec = run.spec
    key = make_key("fvd-reference-generator", "archive-roundtrip", GENERATOR_VERSION,
                   proto.clip_string(), SHA256,
                   [p.to_dict() for p in run.prompts], HELD_OUT_OFFSET,
                   [spec.num_frames, spec.fps, spec.height, spec.width])
    meta = {"source": "reference-generator held-out seeds",
            "generator": f"reference v{GENERATOR_VERSION}", "seed_offset": HELD_OUT_OFFSET,
            "processing": "lossless H.264 archive round trip, as the run's own videos",
            "spec": [spec.num_frames, spec.fps, spec.height, spec.width],
            "clip_protocol": proto.clip_string()}
    if key not in _MEMO and run.cache is not None:
        hit = run.cache.get_arrays(key)
        if hit is not None and "logits_mu" in hit:
            _MEMO[key] = (hit, {"cached": True})
    if key not in _MEMO:
        _MEMO[key] = _render_reference(run, proto, jobs, compile_)
    arrays, extra = _MEMO[key]
    if run.cache is not None and not extra.get("cached") and key not in _STORED:
        run.cache.put_arrays(key, arrays)
        _STORED.add(key)
    return _from_arrays(arrays, proto, {**meta, **extra})


def _render_reference(run: Any, proto: Protocol, jobs: list[tuple[Any, int]],
                      compile_: bool) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    from ..generator.reference import ReferenceGenerator
    from ..video_io import read_video, write_video

    builder = ReferenceBuilder(proto, device=run.device, cache=run.cache, compile_=compile_)
    gen = ReferenceGenerator()
    errors = 0
    with tempfile.TemporaryDirectory(prefix="sora-bench-ref-") as tmp:
        for prompt, seed in jobs:
            req = GenerationRequest(prompt=prompt, seed=seed, spec=run.spec)
            try:
                sample = gen.generate(req, Path(tmp))
                path = sample.path
                if sample.video is not None:
                    # Same path as the run's own videos (archive encode, then decode), so the
                    # reference differs from a run only by content, not by chroma handling.
                    path = write_video(sample.video, Path(tmp) / f"{req.sample_id}.mp4")
                video = read_video(path)  # type: ignore[arg-type]
            except (SoraBenchError, ValueError, OSError) as exc:
                log.warning("reference render %s failed: %s", req.sample_id, exc)
                errors += 1
                continue
            builder.add(req.sample_id, video)
    if builder.n < 2:
        raise MetricSkip("no-reference", f"the reference generator gave {builder.n} usable "
                                         f"videos ({errors} failed, {len(builder.skipped)} "
                                         "skipped); pass --reference STATS")
    return builder.arrays(), {"failed": errors, "skipped": len(builder.skipped)}


def _from_arrays(arrays: Mapping[str, np.ndarray], proto: Protocol,
                 meta: dict[str, Any]) -> Reference:
    f = proto.feature
    stats = GaussianStats(mu=arrays[f"{f}_mu"], sigma=arrays[f"{f}_sigma"], n=int(arrays["n"]))
    feats = arrays.get(f"{f}_features")
    m = {**meta, "source_sha256": str(arrays["source_sha256"])}
    return Reference(stats, None if feats is None else np.asarray(feats, np.float64), m)


def resolve_reference(run: Any, proto: Protocol, *, compile_: bool = False) -> Reference:
    """``run.settings['reference']`` (a stats file) if given, else the generator reference."""
    path = (run.settings or {}).get("reference")
    if path:
        return load_reference(path, proto)
    return generator_reference(run, proto, compile_=compile_)


def build_from_videos(items: Iterable[tuple[str, Video]], proto: Protocol, **kw: Any
                      ) -> ReferenceBuilder:
    builder = ReferenceBuilder(proto, **kw)
    for sid, video in items:
        builder.add(sid, video)
    return builder
