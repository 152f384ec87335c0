"""The prior ablation (source article 1's priors one by one, and our parameterisations): the
class images of each prior configuration rated by the generator and the other models, with
bootstrap intervals over classes (the science in :mod:`.science`, the figure in
:mod:`.figures`): its settings, stage and section of the findings page. Importing this imports
no torch (the Snakefile registers every stage)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from inputgen.platform.stage import File, Job, knob, stage

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class Ablation:
    name: str = knob("the generator's name in the config")
    model: dict = knob("the generator's spec")
    evaluators: dict = knob("the other models that rate the images: name -> spec")
    configs: list[str] = knob("the prior configurations' names, one per file of runs, in order")
    seed: int = knob("seed of the bootstrap over classes", schema="seed")


@stage(
    "ablation",
    Ablation,
    schema="ablation",
    inputs={
        "runs": File(
            "each configuration's represent .safetensors, in the order of configs",
            many=True,
            temporary=True,
        )
    },
    outputs={
        "table": File("one row per configuration, with 95 percent intervals .tsv"),
        "figure": File("one class per configuration and the intervals .png"),
    },
    models=True,
)
def ablation(job: Job) -> None:
    """Quality of class representations per prior configuration (which prior buys what).

    One row per configuration, with bootstrap intervals over classes."""
    import torch

    from inputgen.platform.generated import load_generated
    from inputgen.studies.ablation import figures
    from inputgen.studies.ablation import science as study

    s = job.settings
    paths = job.paths("runs")
    if len(paths) != len(s.configs):
        raise ValueError(f"{len(paths)} runs for {len(s.configs)} configurations {s.configs}")
    runs = {}
    for config, path in zip(s.configs, paths, strict=True):
        images, classes = load_generated([path])
        runs[config] = (images, classes.tolist())
    generator = job.load_model(s.model)
    evaluators = {name: job.load_model(spec) for name, spec in s.evaluators.items()}
    scores = study.ablation_scores(generator, evaluators, runs, job.batch_size)
    table = study.ablation_table(scores, s.seed)
    job.write_table("table", table)
    images, classes = list(runs.values())[-1]
    figure = figures.ablation_figure(
        table,
        torch.stack([images[0] for images, _ in runs.values()]),
        generator.class_names[classes[0]],
        title=f"{s.name}: prior ablation over {len(classes)} classes",
    )
    job.write_figure("figure", figure)


# The findings page's table of this study: kind (the findings stage's file argument) -> what.
FINDINGS_TABLES = {"ablation": "prior ablation's ablation.tsv"}


def findings_section(tables: Mapping[str, Mapping[str, pd.DataFrame]]) -> str:
    """Self and transfer recognition per prior configuration, with the confidence limits
    (``<metric>_low``, ``<metric>_high``) where the table has them, and any other metric that
    has limits (such as image statistics)."""
    from inputgen.platform.findings_tables import off_line, rows_table, section

    tables = tables.get("ablation") or {}
    metrics = ["self_top1", "transfer_top1", "transfer_top5"]
    metrics += [
        c
        for frame in tables.values()
        for c in frame.columns
        if f"{c}_low" in frame.columns and c not in metrics
    ]
    columns = ["config", "classes"] + [
        f"{m}{end}" for m in metrics for end in ("", "_low", "_high")
    ]
    return section(
        "Prior ablation",
        "Self and transfer recognition of the same classes generated under each prior "
        "configuration (transfer: the mean over the other pretrained models). Columns ending "
        "in `_low` and `_high` are the confidence limits of the column they extend (bootstrap "
        "over classes), where the table has them.",
        rows_table(tables, list(dict.fromkeys(columns))),
        off=None if tables else off_line("ablation"),
    )
