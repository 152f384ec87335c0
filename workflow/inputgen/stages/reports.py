"""Stages that report on the run: its resolved config, the findings page and the provenance
page."""

from __future__ import annotations

from dataclasses import dataclass

from inputgen import studies
from inputgen.platform.stage import File, Job, knob, stage

# The findings page's tables: kind (inputgen.findings' key, and the file argument) -> what; the
# study modules' own (inputgen.studies) are added below.
FINDINGS_TABLES = {
    "article_claims": "results/claims.tsv (the articles' claims as numbers)",
}
if clash := FINDINGS_TABLES.keys() & studies.findings_tables().keys():
    raise ValueError(f"findings tables {sorted(clash)} are declared by a study module and here")
FINDINGS_TABLES.update(studies.findings_tables())


@dataclass(frozen=True)
class RunConfig:
    config: dict = knob("the run's config, schema defaults filled (without runtime)")


@stage("config", RunConfig, outputs={"out": File(".yaml file")})
def run_config(job: Job) -> None:
    """Write the run's resolved config as YAML, a config file that reruns the same run."""
    import yaml

    from inputgen.platform.config import STUDIES

    # A study that is off is left out: written as null it would read as the study with its
    # defaults (inputgen.platform.config.switch_studies).
    config = {
        key: value
        for key, value in job.settings.config.items()
        if not (key in STUDIES and value is None)
    }
    text = (
        "# The config this run resolved (schema defaults filled in; studies that are off are "
        "left out).\n" + yaml.safe_dump(config, sort_keys=False, default_flow_style=None, width=100)
    )
    job.write_text("out", text)


# The claims table's inputs: kind (inputgen.claims' key, and the file argument) -> what.
CLAIM_TABLES = {
    "opposites": "opposites.tsv, one per model",
    "commutativity": "opposites' commutativity.tsv, one per model",
    "embedding": "embedding.tsv",
    "components": "components.tsv of each generator's graph under itself",
    "drift": "random starts' drift.tsv",
    "transfiguration": "transfiguration's transfer.tsv",
    "interpolation": "interpolation's transfer.tsv",
    "vectorisation": "vectorisation.tsv",
    "merging": "merging.tsv",
    "width": "the fully connected width study's width.tsv",
    "flowers_noise": "the flowers study's noise.tsv",
    "flowers_random": "the flowers study's random.tsv",
    "flowers_transfigured": "the flowers study's transfigured.tsv",
}


def optional_tables(kinds: dict[str, str]) -> dict[str, File]:
    """A stage's table inputs: each kind any number of TSVs, none where the study is off."""
    return {
        kind: File(f"{what} (none: the study is off)", many=True, optional=True)
        for kind, what in kinds.items()
    }


def read_tables(job: Job, kinds: dict[str, str]) -> dict:
    """Each kind's TSVs as ``{path: DataFrame}``, read through their records' checks."""
    from inputgen.platform import artifacts

    return {kind: {path: artifacts.read_table(path) for path in job.paths(kind)} for kind in kinds}


@dataclass(frozen=True)
class Claims:
    relu: bool = knob("the fully connected nets have ReLU layers (the width claim's)", False)


@stage(
    "claims",
    Claims,
    inputs=optional_tables(CLAIM_TABLES),
    outputs={"table": File("one row per claim: measure, baseline, verdict .tsv")},
)
def claims(job: Job) -> None:
    """Measure the source articles' claims on the run's tables, each against its baseline."""
    from inputgen.claims import claims_table

    job.write_table("table", claims_table(read_tables(job, CLAIM_TABLES), relu=job.settings.relu))


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


@dataclass(frozen=True)
class RunSummary:
    follow_inputs: bool = knob("also list the files the artifacts' records name as inputs", True)


@stage(
    "run-summary",
    RunSummary,
    inputs={"artifacts": File("the run's artifacts (rule all's targets)", many=True)},
    outputs={"out": File("the page, .md"), "html": File("the same page as .html")},
)
def run_summary_page(job: Job) -> None:
    """Write the run's provenance page: every artifact's stage, code, device, host, wall time
    and weights, from its record."""
    from inputgen import findings
    from inputgen.platform import run_summary

    summary = run_summary.summarise(job.paths("artifacts"), job.settings.follow_inputs)
    text = run_summary.to_markdown(summary)
    job.write_text("out", text)
    job.write_text("html", findings.to_html(text, title="Provenance"))
