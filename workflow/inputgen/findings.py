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

import html
import re
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


def to_html(markdown: str, title: str = "Findings") -> str:
    """The Markdown this module writes (headings, paragraphs, lists, tables, `code`) as an HTML
    page, so the Snakemake report can show it (it offers other text files for download)."""

    def inline(text: str) -> str:
        text = html.escape(text.replace("\\|", "|"), quote=False)
        return re.sub(r"`([^`]+)`", r"<code>\1</code>", text)

    out, paragraph, items, table = [], [], [], []

    def flush() -> None:
        if paragraph:
            out.append(f"<p>{inline(' '.join(paragraph))}</p>")
        if items:
            out.append("<ul>" + "".join(f"<li>{inline(i)}</li>" for i in items) + "</ul>")
        if table:
            cells = [re.split(r"(?<!\\)\|", row.strip())[1:-1] for row in table]
            head = "".join(f"<th>{inline(c.strip())}</th>" for c in cells[0])
            body = "".join(
                "<tr>" + "".join(f"<td>{inline(c.strip())}</td>" for c in row) + "</tr>"
                for row in cells[2:]
            )
            # A wide table scrolls inside its panel instead of widening the page.
            out.append(
                f"<div class='wide'><table><thead><tr>{head}</tr></thead>"
                f"<tbody>{body}</tbody></table></div>"
            )
        paragraph.clear(), items.clear(), table.clear()

    for line in markdown.splitlines():
        heading = re.match(r"(#+) (.*)", line)
        if heading or not line.strip():
            flush()
            if heading:
                level = len(heading.group(1))
                out.append(f"<h{level}>{inline(heading.group(2))}</h{level}>")
        elif line.startswith("|"):
            table.append(line)
        elif line.startswith("- "):
            items.append(line[2:])
        else:
            paragraph.append(line)
    flush()
    style = (
        "body{font-family:sans-serif;max-width:70em;margin:1em auto;padding:0 1em}"
        "table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;"
        "padding:.2em .5em;text-align:left}code{background:#f4f4f4}"
        ".wide{max-width:100%;overflow-x:auto}"
    )
    return (
        f"<!DOCTYPE html>\n<html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
        f"<style>{style}</style></head><body>\n" + "\n".join(out) + "\n</body></html>\n"
    )
