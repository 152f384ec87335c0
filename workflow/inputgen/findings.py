"""What a run finds: each study's headline numbers as Markdown, drawn from the run's tables.

Every function takes the studies' tables as ``{path: DataFrame}`` (the TSV a table was read
from, and its rows) and returns Markdown text in which every number is a cell of a table that
names its TSV: either a row of the TSV (the columns keep the TSV's names) or, where a header
reads ``fn(column)``, that aggregate over the TSV's rows that match the row's other cells. So
anyone can trace a number, and ``tests/test_findings.py`` checks each against its TSV. The
prose holds no numbers. A study the config switched off (no tables) gets a line saying so.
A study that is one unit of :mod:`inputgen.studies` writes its own section, with the helpers
of :mod:`inputgen.platform.findings_tables`; the page puts every section in the schema's order
of the studies.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from inputgen import studies
from inputgen.platform.config import STUDIES
from inputgen.platform.findings_tables import (  # noqa: F401 - also read as findings.X
    AGGREGATES,
    ROWS,
    SIGNIFICANT,
    Tables,
    aggregate_table,
    fmt,
    numeric,
    off_line,
    rows_table,
    section,
)
from inputgen.platform.pages import to_html  # noqa: F401 - the page as HTML, also findings.to_html

VARIATION_NOTE = (
    "Numbers can differ in the last digits between machines (floating-point operations run in "
    "another order on other CPUs)."
)


# ---------------------------------------------------------------------------------- studies


def article_claims(tables: Tables) -> str:
    return section(
        "The articles' claims",
        "Each claim of the source articles that this run's tables can speak to: what it "
        "measures, how many classes, models or steps it had (`n`), the observed number against "
        'its baseline (and a p-value where the claim is "more than chance"), and whether the '
        "run supports it, contradicts it, or is too small to say (a claim whose classes the "
        "config lacks). `inputgen.claims` states each rule.",
        rows_table(
            tables,
            [
                "article",
                "claim",
                "measure",
                "n",
                "observed",
                "baseline",
                "p_value",
                "verdict",
                "source",
            ],
        ),  # fmt: skip
        off=None
        if any(len(frame) for frame in tables.values())
        else "no study of this run measures a claim of the articles.",
    )


# ---------------------------------------------------------------------------------- document


def header(config: str, config_files: Sequence[str], date: str, machine: Mapping) -> str:
    """Where the numbers come from: the config, the date and the machine. ``machine`` holds
    ``platform``, ``cpus``, ``torch`` (this job's) and ``made_on`` (what the tables'
    provenance records say: devices, torch versions, hosts, code)."""
    files = ", ".join(f"`{name}`" for name in config_files) or "the embedded default"
    return "\n".join(
        [
            "# Findings of this run",
            "",
            "Written by `inputgen findings` from the run's tables; nothing here is typed by "
            "hand. Each table names the TSV its numbers come from; a header `fn(column)` is "
            "that aggregate over the TSV's rows that match the row's other cells. Floats are "
            f"rounded to {SIGNIFICANT} significant digits. {VARIATION_NOTE}",
            "",
            f"- config: `{config}` (resolved from {files})",
            f"- date: {date}",
            f"- machine: {machine['platform']}, {machine['cpus']} CPUs, torch {machine['torch']}",
            f"- tables made on: {machine.get('made_on') or 'unknown (no provenance records)'}",
        ]
    )


def document(
    tables: Mapping[str, Tables],
    *,
    config: str,
    config_files: Sequence[str],
    date: str,
    machine: Mapping,
) -> str:
    """The whole findings page; ``tables`` maps each kind of table (the CLI's flag names, with
    underscores) to its ``{path: DataFrame}``; a kind that is absent counts as switched off."""

    def get(kind: str) -> Tables:
        return tables.get(kind) or {}

    # Each section under the study it belongs to (the depth section covers four), in the
    # schema's order of the studies, the report's reading order.
    by_study = {}
    # The studies that are one unit of inputgen.studies write their own sections.
    for module in studies.modules():
        if hasattr(module, "findings_section"):
            by_study[module.__name__.rsplit(".", 1)[-1]] = module.findings_section(tables)
    sections = [
        header(config, config_files, date, machine),
        article_claims(get("article_claims")),
        *(by_study[study] for study in STUDIES if study in by_study),
    ]
    return "\n\n".join(sections) + "\n"
