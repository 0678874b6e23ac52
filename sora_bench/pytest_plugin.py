"""pytest plugin (entry point ``pytest11``): quality gates on sora-bench results in CI.

Cheap to import: nothing heavy at module level. It adds ``--sora-result PATH`` (a run
directory or result.json) and the ``sora_result`` fixture, which loads it::

    def test_release_quality(sora_result):
        assert sora_result.metrics["temporal_flicker"].value >= 0.95

Disable with ``-p no:sora_bench``.
"""

from __future__ import annotations

from typing import Any

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("sora-bench")
    group.addoption("--sora-result", metavar="PATH", default=None,
                    help="sora-bench run directory or result.json for the sora_result fixture")
    parser.addini("sora_result", "default for --sora-result", default="")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "sora_bench: a test that reads a sora-bench result")


@pytest.fixture(scope="session")
def sora_result(pytestconfig: pytest.Config) -> Any:
    """The RunResult named by ``--sora-result`` (or the ``sora_result`` ini key)."""
    path = pytestconfig.getoption("--sora-result") or pytestconfig.getini("sora_result")
    if not path:
        pytest.skip("no sora-bench result given (use --sora-result RUN_DIR)")
    from .results import RunResult

    return RunResult.load(path)
