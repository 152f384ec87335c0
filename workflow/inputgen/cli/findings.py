"""The findings page: reads the studies' tables and writes results/findings.md (and .html)."""

from __future__ import annotations

import argparse
import os
import platform
from datetime import UTC, datetime

from inputgen import artifacts, provenance

# Kinds of table: flag (and inputgen.findings' key) -> what the flag takes.
TABLES = {
    "quality": "class representations' quality.tsv, one per generator",
    "ablation": "prior ablation's ablation.tsv",
    "commutativity": "opposites' commutativity.tsv, one per model",
    "transfiguration": "transfiguration.tsv",
    "transfiguration_transfer": "transfiguration's transfer.tsv (how the other models see it)",
    "interpolation": "interpolation's transfer.tsv (which models the frames pass through)",
    "coherence": "results/graphs/coherence.tsv",
    "vectorisation": "vectorisation.tsv",
    "merging": "merging.tsv",
    "cka": "results/cka/summary.tsv",
    "inversion": "inversion summary.tsv, one per model",
    "claims": "results/autoencoding/claims.tsv",
    "fully_connected": "fully connected nets' {study}.tsv, one per study",
    "conditioning": "results/linear/conditioning.tsv",
    "invertible": "results/linear/invertible.tsv",
    "neighbours": "results/linear/neighbours_summary.tsv",
    "mnist": "results/mnist/metrics.tsv",
}


def made_on(paths: list[str]) -> str:
    """What the tables' provenance records say about where they were made: devices, torch
    versions, hosts and code (the records hold no CPU model, so the page adds this job's)."""
    seen: dict[str, set] = {"device": set(), "torch": set(), "host": set(), "code": set()}
    for path in paths:
        try:
            record = artifacts.read_provenance(path)
        except (FileNotFoundError, KeyError, ValueError):  # a table made by hand: no record
            continue
        git = record.get("git") or {}
        seen["device"].add(str(record.get("device")))
        seen["torch"].add(str((record.get("packages") or {}).get("torch")))
        seen["host"].add(str(record.get("host")))
        commit = (git.get("commit") or "no git")[:12]
        seen["code"].add(commit + (" (dirty)" if git.get("dirty") else ""))
    return "; ".join(f"{key} {', '.join(sorted(values))}" for key, values in seen.items() if values)


def cmd_findings(args: argparse.Namespace) -> None:
    import pandas as pd

    from inputgen import findings

    paths = {kind: getattr(args, kind) for kind in TABLES}
    run = provenance.Run("findings", {"config_files": args.config_files, "tables": paths})
    run.add_input(args.config)
    tables = {}
    for kind, kind_paths in paths.items():
        for path in kind_paths:
            run.add_input(path)
        tables[kind] = {path: pd.read_csv(path, sep="\t") for path in kind_paths}
    every = [path for kind_paths in paths.values() for path in kind_paths]
    machine = {
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "torch": provenance.package_versions()["torch"],
        "made_on": made_on(every),
    }
    text = findings.document(
        tables,
        config=args.config,
        config_files=args.config_files,
        date=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        machine=machine,
    )
    record = run.record()
    artifacts.write_text(args.out, text, record)
    if args.html:
        artifacts.write_text(args.html, findings.to_html(text), record)


def register(commands) -> None:
    p = commands.add_parser(
        "findings", help="write each study's headline numbers, drawn from its tables, as Markdown"
    )
    p.add_argument(
        "--config", required=True, help="the run's resolved config (results/config.yaml)"
    )
    p.add_argument(
        "--config-files",
        nargs="*",
        default=[],
        help="the config files the run was given, named in the page's header",
    )
    for kind, what in TABLES.items():
        p.add_argument(
            f"--{kind.replace('_', '-')}",
            nargs="*",
            default=[],
            metavar="TSV",
            help=f"{what} (none: the study is off)",
        )
    p.add_argument("--out", required=True, help="the findings page, .md")
    p.add_argument("--html", help="the same page as .html, for the Snakemake report (optional)")
    p.set_defaults(func=cmd_findings)
