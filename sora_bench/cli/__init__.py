"""``sora-bench`` command line: one module per subcommand, imported only when used.

Each subcommand module defines ``configure(parser)`` (add its arguments) and
``main(args) -> int`` (the exit code). Exit codes (DESIGN.md §4): 0 ok, 1 gate failed /
regression / rejected submission, 2 usage or config error, 3 missing weights or extra,
130 interrupted.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence

from ..errors import EXIT_INTERRUPTED, EXIT_USAGE, SoraBenchError

#: name -> (module, one-line help). Only commands that are implemented are listed.
COMMANDS: dict[str, tuple[str, str]] = {
    "run": ("sora_bench.cli.run", "generate a suite's videos and score them"),
    "score": ("sora_bench.cli.score", "score a folder of existing videos"),
    "generate": ("sora_bench.cli.generate", "render videos with the reference generator"),
    "report": ("sora_bench.cli.report", "write the self-contained HTML report of a run"),
    "compare": ("sora_bench.cli.compare", "paired comparison of two runs"),
    "stats": ("sora_bench.cli.stats", "build FVD/KVD reference statistics"),
    "weights": ("sora_bench.cli.weights", "list, check and fetch model weights"),
    "ls": ("sora_bench.cli.ls", "list suites, metrics or generators"),
    "validate": ("sora_bench.cli.validate", "validate suite files"),
}


def _available_commands() -> dict[str, tuple[str, str]]:
    import importlib.util

    return {name: entry for name, entry in COMMANDS.items()
            if importlib.util.find_spec(entry[0]) is not None}


def build_parser(command: str | None) -> argparse.ArgumentParser:
    """The root parser; only ``command``'s module is imported to add its arguments."""
    parser = argparse.ArgumentParser(
        prog="sora-bench",
        description="Evaluation and physics-consistency benchmark for text-to-video models.",
    )
    from .. import __version__

    parser.add_argument("--version", action="version", version=f"sora-bench {__version__}")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more logging")
    parser.add_argument("-q", "--quiet", action="store_true", help="errors only")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (module, help_text) in _available_commands().items():
        p = sub.add_parser(name, help=help_text, description=help_text)
        if name == command:
            importlib.import_module(module).configure(p)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns the exit code."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    command = next((a for a in args_list if not a.startswith("-")), None)
    parser = build_parser(command)
    try:
        args = parser.parse_args(args_list)
    except SystemExit as exc:  # argparse: --help gives 0, bad usage 2
        return int(exc.code or 0)
    if not args.command:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    level = logging.ERROR if args.quiet else (logging.DEBUG if args.verbose > 1 else
                                             logging.INFO if args.verbose else logging.WARNING)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    module = importlib.import_module(COMMANDS[args.command][0])
    try:
        return int(module.main(args))
    except SoraBenchError as exc:
        print(f"sora-bench {args.command}: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print(f"sora-bench {args.command}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return 0


def console_main() -> None:  # pragma: no cover - thin wrapper
    sys.exit(main())
