"""Run results: a versioned JSON document plus an append-only per-sample JSONL log.

Layout of a run directory::

    run.json        the run's configuration (written first; a resumed run must match it)
    samples.jsonl   one SampleResult per line, appended and flushed as each sample finishes
    result.json     RunResult, written atomically at the end (samples sorted by sample id)
    videos/         generated videos (+ ``<id>.truth.json`` for the reference generator)
    report.html     when asked

No pickle anywhere: JSON, JSONL, npz without objects. Floats are written with ``repr``
precision, keys sorted, so two identical runs give identical bytes apart from the
``created_at`` / ``finished_at`` timestamps.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .errors import ConfigError

__all__ = [
    "SCHEMA_VERSION",
    "MetricSample",
    "SampleResult",
    "MetricResult",
    "GateOutcome",
    "RunResult",
    "atomic_write_text",
    "append_jsonl",
    "read_jsonl",
    "dumps",
    "status_kind",
]

SCHEMA_VERSION = 1
RESULT_KIND = "sora-bench.run"


def _clean(value: Any) -> Any:
    """JSON-safe: NaN/Inf become None, numpy scalars/arrays become Python, tuples lists."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Mapping):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if hasattr(value, "tolist"):  # numpy scalar or array, without importing numpy here
        return _clean(value.tolist())
    return value


def dumps(obj: Any, *, indent: int | None = 1) -> str:
    """Canonical JSON: sorted keys, no NaN, UTF-8 kept readable."""
    return json.dumps(_clean(obj), sort_keys=True, indent=indent, ensure_ascii=False,
                      allow_nan=False)


def atomic_write_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` via a temporary file in the same folder, fsync and rename."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def append_jsonl(path: Path, record: Mapping[str, Any]) -> None:
    """Append one record as one line, flushed and fsynced before returning."""
    line = dumps(record, indent=None) + "\n"
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(line)
        fh.flush()
        os.fsync(fh.fileno())


def read_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    """Records of a JSONL file; a torn last line (killed mid-write) is ignored."""
    path = Path(path)
    if not path.exists():
        return
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            line = line.strip()
            if not line:
                continue
            try:
                rec = json.loads(line)
            except json.JSONDecodeError:
                continue  # a line cut by a kill: the sample is simply redone
            if isinstance(rec, dict):
                yield rec


def status_kind(status: str) -> str:
    """``ok``, ``ok_with_warnings``, ``skipped`` or ``error`` from a full status string."""
    return status.split(":", 1)[0]


@dataclass
class MetricSample:
    """One metric on one sample: value (None unless status is ok), status, details."""

    value: float | None
    status: str = "ok"
    message: str | None = None
    details: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


@dataclass
class SampleResult:
    """One (prompt, seed) job.

    ``status``: ``ok``, ``ok_with_warnings``, ``skipped:<why>`` or ``error:<why>``; the
    ``message`` then names the file and the fix. ``metrics`` maps metric names to
    :class:`MetricSample`.
    """

    sample_id: str
    prompt_id: str
    seed: int | None
    prompt: str | None
    status: str
    tags: list[str] = field(default_factory=list)
    message: str | None = None
    video: str | None = None
    truth: str | None = None
    video_sha256: str | None = None
    video_meta: dict[str, Any] = field(default_factory=dict)
    defect: list[Any] | None = None
    warnings: list[str] = field(default_factory=list)
    metrics: dict[str, MetricSample] = field(default_factory=dict)
    expect: list[Any] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return _clean(asdict(self))  # type: ignore[no-any-return]

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> SampleResult:
        known = {k: d[k] for k in cls.__dataclass_fields__ if k in d}
        known["metrics"] = {
            name: MetricSample(**{k: v for k, v in m.items()
                                  if k in MetricSample.__dataclass_fields__})
            for name, m in d.get("metrics", {}).items()
        }
        return cls(**known)



@dataclass
class MetricResult:
    """A metric over the whole run.

    For video metrics ``value`` is the mean over samples whose status is ``ok``, ``ci95`` a
    bootstrap 95 % interval and ``n`` their number; ``status_counts`` counts every status
    (``skipped:weights-missing`` ...). ``skip_message`` says how to fix a metric that was
    skipped for the whole run.
    """

    name: str
    version: int
    protocol: str
    higher_is_better: bool
    kind: str
    value: float | None
    n: int
    ci95: list[float] | None = None
    unit: str = ""
    status_counts: dict[str, int] = field(default_factory=dict)
    skip_message: str | None = None
    details: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


@dataclass
class GateOutcome:
    """A quality gate as written, the value it saw and whether it passed."""

    gate: str
    metric: str
    observed: float | None
    passed: bool
    message: str
    baseline: float | None = None


@dataclass
class RunResult:
    """The whole run. ``samples`` are sorted by ``sample_id``."""

    run_id: str
    command: str
    created_at: str
    finished_at: str
    suite: dict[str, Any] | None
    generator: dict[str, Any] | None
    spec: dict[str, Any] | None
    metrics: dict[str, MetricResult]
    samples: list[SampleResult]
    status_counts: dict[str, int]
    environment: dict[str, Any]
    settings: dict[str, Any] = field(default_factory=dict)
    gates: list[GateOutcome] = field(default_factory=list)
    schema_version: int = SCHEMA_VERSION

    @property
    def passed(self) -> bool:
        return all(g.passed for g in self.gates)

    def sample(self, sample_id: str) -> SampleResult:
        for s in self.samples:
            if s.sample_id == sample_id:
                return s
        raise KeyError(sample_id)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["kind"] = RESULT_KIND
        return _clean(d)  # type: ignore[no-any-return]

    def to_json(self) -> str:
        return dumps(self.to_dict()) + "\n"

    def write(self, path: Path) -> None:
        atomic_write_text(Path(path), self.to_json())

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> RunResult:
        if d.get("kind") != RESULT_KIND:
            raise ConfigError(f"not a sora-bench result (kind={d.get('kind')!r})")
        version = d.get("schema_version")
        if version != SCHEMA_VERSION:
            raise ConfigError(
                f"result schema_version {version} is not supported by this sora-bench "
                f"(reads {SCHEMA_VERSION}); rescore with this version"
            )
        return cls(
            run_id=d["run_id"],
            command=d.get("command", "run"),
            created_at=d.get("created_at", ""),
            finished_at=d.get("finished_at", ""),
            suite=d.get("suite"),
            generator=d.get("generator"),
            spec=d.get("spec"),
            metrics={k: MetricResult(**{f: v for f, v in m.items()
                                        if f in MetricResult.__dataclass_fields__})
                     for k, m in d.get("metrics", {}).items()},
            samples=[SampleResult.from_dict(s) for s in d.get("samples", [])],
            status_counts=dict(d.get("status_counts", {})),
            environment=dict(d.get("environment", {})),
            settings=dict(d.get("settings", {})),
            gates=[GateOutcome(**g) for g in d.get("gates", [])],
            schema_version=int(version),
        )

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> RunResult:
        """Read ``result.json`` (or a run directory containing one)."""
        p = Path(path)
        if p.is_dir():
            p = p / "result.json"
        try:
            text = p.read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"{p}: cannot read result ({exc.strerror or exc})") from exc
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ConfigError(f"{p}: not valid JSON ({exc})") from exc
        return cls.from_dict(data)


def count_statuses(statuses: Iterable[str]) -> dict[str, int]:
    """``{status: count}`` sorted by status."""
    counts: dict[str, int] = {}
    for s in statuses:
        counts[s] = counts.get(s, 0) + 1
    return dict(sorted(counts.items()))
