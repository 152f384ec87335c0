"""The ``inputgen`` command line: one subcommand per workflow stage.

Snakemake rules call these with every knob as an explicit argument; this is the only layer
that touches paths and turns arguments into the plain values the study modules take.
"""

from __future__ import annotations

import argparse
import sys
from importlib import metadata

from inputgen import provenance
from inputgen.cli import (
    arithmetic,
    audit,
    data,
    depth,
    findings,
    generation,
    output_space,
    run_summary,
    similarity,
    vectorisation,
)


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
    stages = (
        data,
        generation,
        arithmetic,
        output_space,
        vectorisation,
        similarity,
        depth,
        audit,
        findings,
        run_summary,
    )
    for module in stages:
        module.register(commands)
    return parser


def _user_error(error: Exception) -> bool:
    """Errors that a message explains (bad input, config or weights), not bugs to trace."""
    known = (ValueError, KeyError, FileNotFoundError)
    # Only stages that load models import inputgen.models (and torchvision, seconds per job).
    models = sys.modules.get("inputgen.models")
    return isinstance(error, known + ((models.WeightsError,) if models else ()))


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    arguments = {key: value for key, value in vars(args).items() if key != "func"}
    provenance.set_invocation(arguments, args.func.__module__)
    try:
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
