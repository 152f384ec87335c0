"""The ``inputgen`` command line: one subcommand per workflow stage.

Snakemake rules call these with every knob as an explicit argument; this is the only layer
that touches paths and turns arguments into the plain values the study modules take.
"""

from __future__ import annotations

import argparse
import sys

from inputgen.cli import arithmetic, audit, data, generation
from inputgen.runtime import make_deterministic


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="inputgen", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True, metavar="STAGE")
    for stages in (data, generation, arithmetic, audit):
        stages.register(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    from inputgen.models import WeightsError

    args = build_parser().parse_args(argv)
    make_deterministic()
    try:
        args.func(args)
    except (WeightsError, ValueError, KeyError, FileNotFoundError) as error:
        message = error.args[0] if isinstance(error, KeyError) and error.args else error
        print(f"inputgen {args.command}: error: {message}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
