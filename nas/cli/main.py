"""The ``nas`` command: one module per subcommand, each with ``add_parser`` and ``run``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import NoReturn

from nas.errors import NasError
from nas.interrupts import stop_on_interrupt

# Imported lazily (by name) so `nas --help` and `nas presets` start fast.
SUBCOMMANDS = ("presets", "profile", "space", "search", "report", "export", "train", "finalize", "status")


class OneLineParser(argparse.ArgumentParser):
    """An argument parser that reports a malformed command line (an unknown option, a value of
    the wrong type, a missing argument) as one line, without the usage block, exit code 2.

    Subcommand parsers are made of the same class (``add_subparsers`` uses the parent's type).
    """

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(
        prog="nas",
        description=(
            "Neural architecture search for lightweight image classifiers: search a space of "
            "HetConv / Ghost / ECA / deformable / factorized-kernel networks for the most accurate "
            "architecture under a hard FLOPs budget."
        ),
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    import importlib

    for name in SUBCOMMANDS:
        try:
            module = importlib.import_module(f"nas.cli.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"nas.cli.{name}":
                continue
            raise
        module.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra:  # named by the subcommand's parser: "nas search: error: unrecognized arguments: ..."
        sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        sub.choices[args.command].error(f"unrecognized arguments: {' '.join(extra)}")
    # SIGTERM (a scheduler, `timeout`, `kill`) stops as cleanly as Ctrl-C: nothing finished is
    # lost. SIGINT is handled even when inherited as ignored (a background job of a script).
    stop_on_interrupt()
    try:
        return int(args.run(args) or 0)
    except NasError as exc:
        print(f"nas {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"nas {args.command}: interrupted; finished work is kept (re-run the same command to resume)",
              file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
