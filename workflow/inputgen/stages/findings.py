"""The findings page's stage: every study's headline numbers from the run's tables. It reads each
study's section (inputgen.studies), so editing any study reruns it; the run's other report
stages (inputgen.stages.reports) import no study."""

from __future__ import annotations

from dataclasses import dataclass

from inputgen import studies
from inputgen.platform.stage import File, Job, knob, stage
from inputgen.stages.reports import optional_tables, read_tables

# The findings page's tables: kind (inputgen.findings' key, and the file argument) -> what; the
# study modules' own (inputgen.studies) are added below.
FINDINGS_TABLES = {
    "article_claims": "results/claims.tsv (the articles' claims as numbers)",
}
if clash := FINDINGS_TABLES.keys() & studies.findings_tables().keys():
    raise ValueError(f"findings tables {sorted(clash)} are declared by a study module and here")
FINDINGS_TABLES.update(studies.findings_tables())


@dataclass(frozen=True)
class Findings:
    config_files: list[str] = knob("the config files the run was given (the page's header)", [])


@stage(
    "findings",
    Findings,
    inputs={
        "config": File("the run's resolved config (results/config.yaml)"),
        **optional_tables(FINDINGS_TABLES),
    },
    outputs={"out": File("the findings page, .md"), "html": File("the same page as .html")},
)
def findings_page(job: Job) -> None:
    """Write each study's headline numbers, drawn from its tables, as Markdown and HTML."""
    import os
    import platform
    from datetime import UTC, datetime

    from inputgen import findings
    from inputgen.platform import provenance

    tables = read_tables(job, FINDINGS_TABLES)
    every = [path for kind in FINDINGS_TABLES for path in job.paths(kind)]
    machine = {
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "torch": provenance.package_versions()["torch"],
        "made_on": provenance.made_on(every),
    }
    text = findings.document(
        tables,
        config=job.path("config"),
        config_files=job.settings.config_files,
        date=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        machine=machine,
    )
    job.write_text("out", text)
    job.write_text("html", findings.to_html(text))
