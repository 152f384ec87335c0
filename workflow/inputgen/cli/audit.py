"""Audit commands: provenance lineage, and where torchvision weights are looked for."""

from __future__ import annotations

import argparse
import json

from inputgen import artifacts, provenance
from inputgen.cli.common import json_object


def cmd_provenance(args: argparse.Namespace) -> None:
    if args.json:
        print(json.dumps(artifacts.read_provenance(args.path), indent=2, sort_keys=True))
    else:
        print("\n".join(provenance.lineage(args.path)))


def cmd_weights(args: argparse.Namespace) -> None:
    from inputgen import models

    path = models.torchvision_cache_file(args.arch, args.weights)
    state = "present" if path.is_file() else "missing"
    print(f"{args.arch} {args.weights}: {path} ({state})")


def cmd_config(args: argparse.Namespace) -> None:
    import yaml

    run = provenance.Run("config", {"config": args.config})
    text = "# The config this run resolved (schema defaults filled in).\n" + yaml.safe_dump(
        args.config, sort_keys=False, default_flow_style=None, width=100
    )
    artifacts.write_text(args.out, text, run.record())


def register(commands) -> None:
    p = commands.add_parser("provenance", help="print an artifact's lineage back to the weights")
    p.add_argument("path")
    p.add_argument("--json", action="store_true", help="the raw record of this artifact only")
    p.set_defaults(func=cmd_provenance)

    p = commands.add_parser("config", help="write the run's resolved config as YAML")
    p.add_argument("--config", type=json_object, required=True, help="the config as JSON")
    p.add_argument("--out", required=True, help=".yaml file")
    p.set_defaults(func=cmd_config)

    p = commands.add_parser("weights", help="where the official torchvision weights are looked for")
    p.add_argument("arch")
    p.add_argument("--weights", default="IMAGENET1K_V1")
    p.set_defaults(func=cmd_weights)
