"""The run's provenance page: every artifact's stage, code, device, host, wall time and weights,
read from the provenance records (results/provenance.md, and .html for the report)."""

from __future__ import annotations

import argparse

from inputgen import artifacts, provenance


def cmd_run_summary(args: argparse.Namespace) -> None:
    from inputgen import findings, run_summary

    run = provenance.Run("run_summary", {"follow_inputs": not args.targets_only})
    for path in args.artifacts:
        run.add_input(path)
    summary = run_summary.summarise(args.artifacts, follow_inputs=not args.targets_only)
    text = run_summary.to_markdown(summary)
    record = run.record()
    artifacts.write_text(args.out, text, record)
    if args.html:
        artifacts.write_text(args.html, findings.to_html(text, title="Provenance"), record)


def register(commands) -> None:
    p = commands.add_parser(
        "run-summary",
        help="write the run's provenance page: every artifact's stage, code, device, host, "
        "wall time and weights, from its record",
    )
    p.add_argument(
        "--artifacts",
        nargs="+",
        required=True,
        metavar="PATH",
        help="the run's artifacts (rule all's targets); the files they were made from are "
        "followed through their records",
    )
    p.add_argument(
        "--targets-only",
        action="store_true",
        help="list only the given artifacts, not the files their records name as inputs",
    )
    p.add_argument("--out", required=True, help="the page, .md")
    p.add_argument("--html", help="the same page as .html, for the Snakemake report (optional)")
    p.set_defaults(func=cmd_run_summary)
