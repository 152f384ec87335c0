"""The inputgen command line: one sub-command per workflow stage, and the audit commands.

A stage's sub-command is generated from its declaration (:mod:`inputgen.platform.stage`); this layer
only parses and dispatches."""

from __future__ import annotations

import argparse
import sys
from importlib import metadata

from inputgen import stages  # noqa: F401 (registers every stage)
from inputgen.platform import provenance
from inputgen.platform.cli import audit
from inputgen.platform.stage import STAGES, add_parser, execute


def version() -> str:
    """The installed package's version (pyproject.toml's, through the package metadata)."""
    try:
        return metadata.version("inputgen")
    except metadata.PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="inputgen", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--version", action="version", version=f"inputgen {version()}", help="print the version"
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="STAGE")
    audit.register(commands)
    for stage in STAGES.values():
        add_parser(commands, stage)
    return parser


def _user_error(error: Exception) -> bool:
    """Errors that a message explains (bad input, config or weights), not bugs to trace."""
    known = (ValueError, KeyError, FileNotFoundError)
    # Only stages that load models import inputgen.engine.models (and torchvision, seconds per job).
    models = sys.modules.get("inputgen.engine.models")
    return isinstance(error, known + ((models.WeightsError,) if models else ()))


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if hasattr(args, "stage"):
            execute(STAGES[args.stage], args)
        else:
            arguments = {key: value for key, value in vars(args).items() if key != "func"}
            provenance.set_invocation(arguments, args.func.__module__)
            args.func(args)
    except Exception as error:
        if not _user_error(error):
            raise
        message = error.args[0] if isinstance(error, KeyError) and error.args else error
        print(f"inputgen {args.command}: error: {message}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
