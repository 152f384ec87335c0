"""Stages that report on the run: its resolved config, the articles' claims and the provenance
page (the findings page, which reads every study's section, is :mod:`inputgen.stages.findings`).
None of them imports a study, so editing a study reruns none of them."""

from __future__ import annotations

from dataclasses import dataclass

from inputgen.platform.stage import File, Job, knob, stage


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
    from inputgen.platform import run_summary
    from inputgen.platform.pages import to_html

    summary = run_summary.summarise(job.paths("artifacts"), job.settings.follow_inputs)
    text = run_summary.to_markdown(summary)
    job.write_text("out", text)
    job.write_text("html", to_html(text, title="Provenance"))
