"""One small error hierarchy. Every message says which file and what to do.

Exit codes of the command line (DESIGN.md §4) hang off the classes: a CLI catches
:class:`SoraBenchError` and exits with ``err.exit_code``.
"""

from __future__ import annotations

__all__ = [
    "EXIT_OK",
    "EXIT_FAILED",
    "EXIT_USAGE",
    "EXIT_MISSING",
    "EXIT_INTERRUPTED",
    "SoraBenchError",
    "ConfigError",
    "SuiteError",
    "InputError",
    "MetricSkip",
    "WeightsError",
    "MissingExtraError",
    "GeneratorError",
]

EXIT_OK = 0
EXIT_FAILED = 1  # gate failed, regression found, submission rejected
EXIT_USAGE = 2  # usage or configuration error
EXIT_MISSING = 3  # missing weights or optional extra
EXIT_INTERRUPTED = 130


class SoraBenchError(Exception):
    """Base class. ``exit_code`` is what the command line returns for it."""

    exit_code = EXIT_USAGE


class ConfigError(SoraBenchError):
    """Bad command-line value, unknown name, unusable output directory."""


class SuiteError(ConfigError):
    """A suite file failed validation; the message is ``<file>: <key path>: <problem>``."""

    def __init__(self, file: str, key: str, problem: str) -> None:
        self.file, self.key, self.problem = file, key, problem
        where = f"{file}: {key}" if key else file
        super().__init__(f"{where}: {problem}")


class InputError(SoraBenchError):
    """A video or data file that cannot be used.

    ``reason`` is a short machine-readable slug for the sample status (``error:<reason>``).
    """

    def __init__(self, path: str, problem: str, fix: str = "", reason: str = "bad_input") -> None:
        self.path, self.problem, self.fix, self.reason = str(path), problem, fix, reason
        msg = f"{path}: {problem}"
        if fix:
            msg += f" (fix: {fix})"
        super().__init__(msg)


class MetricSkip(SoraBenchError):
    """Raised by a metric that does not apply to a sample; recorded as ``skipped:<reason>``."""

    def __init__(self, reason: str, message: str = "") -> None:
        self.reason = reason
        super().__init__(message or reason)


class WeightsError(SoraBenchError):
    """Weights missing, or present with the wrong sha256. The message names the fix."""

    exit_code = EXIT_MISSING


class MissingExtraError(SoraBenchError, ModuleNotFoundError):
    """An optional dependency is not installed; the message names the pip line."""

    exit_code = EXIT_MISSING

    def __init__(self, module: str, extra: str) -> None:
        super().__init__(
            f"{module} is not installed; install it with: pip install 'sora-bench[{extra}]'"
        )
        self.name = module


class GeneratorError(SoraBenchError):
    """A generator failed on one request; the runner records it and goes on."""
