"""Merging by parameters (source article 3): theta1's parameters trained toward theta2's outputs
on theta2's pictures, then theta1 generating its classes again (the science in
:mod:`.science`, the figures in :mod:`.figures`): its settings, stage and section of the
findings page. Importing this imports no torch (the Snakefile registers every stage)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from inputgen.engine.generation_settings import GenerationSettings, check_classes
from inputgen.platform.stage import PAIR_INPUTS, SPECTRUM, File, Job, knob, stage

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class Merge:
    name: str = knob("theta1's name in the config")
    model: dict = knob("theta1's resolved model spec")
    toward_name: str = knob("theta2's name in the config")
    toward: dict = knob("theta2's resolved model spec")
    classes: list[int] = knob("ImageNet classes whose theta2 pictures theta1 is trained on")
    steps: int = knob("SGD steps on theta1's parameters (per group of batch images)")
    lr: float = knob("SGD learning rate")
    settings: GenerationSettings = knob("generation settings (config/README.md, generation)")
    batch: int | None = knob(
        "images per SGD step, each group trained steps steps in turn (source article 3: 1); "
        "null: every image in each step",
        None,
    )
    seed: int = knob("master seed", schema="seed")

    def __post_init__(self):
        check_classes(self.classes, self.model)


@stage(
    "merging",
    Merge,
    schema="merging",
    inputs={**PAIR_INPUTS, **SPECTRUM},
    outputs={
        "out": File("regenerated images .safetensors"),
        "table": File("per-class merging results .tsv"),
        "figure": File("before | theirs | after .png"),
        "loss_figure": File("RSS curve .png"),
    },
    models=True,
)
def merge(job: Job) -> None:
    """Train theta1's parameters toward theta2's outputs."""
    import torch

    from inputgen.platform.generated import select_classes
    from inputgen.studies.merging import figures
    from inputgen.studies.merging.science import merge_toward

    s = job.settings
    zoo = job.load_model(s.model)
    toward = job.load_model(s.toward)
    theirs = select_classes(job.path("target_images"), s.classes)
    before = select_classes(job.path("own"), s.classes)
    result = merge_toward(
        zoo,
        toward,
        before,
        theirs,
        s.classes,
        job.generation(s.settings),
        s.seed,
        steps=s.steps,
        lr=s.lr,
        batch=s.batch,
        batch_size=job.batch_size,
    )
    job.save_tensors(
        "out",
        {"images": result.images, "classes": torch.tensor(s.classes), "loss": result.history},
        {"model": s.name, "toward": s.toward_name},
    )
    job.write_table("table", result.table)
    figure = figures.merging_figure(
        before,
        theirs,
        result.images,
        result.table,
        name=s.name,
        toward=s.toward_name,
        size=zoo.spec["input_size"],
    )
    job.write_figure("figure", figure)
    figure = figures.merging_loss_figure(
        result.history.tolist(), name=s.name, toward=s.toward_name, steps=s.steps, batch=s.batch
    )
    job.write_figure("loss_figure", figure)


# The findings page's table of this study: kind (the findings stage's file argument) -> what.
FINDINGS_TABLES = {"merging": "merging.tsv"}


def findings_section(tables: Mapping[str, Mapping[str, pd.DataFrame]]) -> str:
    from inputgen.platform.findings_tables import (
        ROWS,
        aggregate_table,
        off_line,
        rows_table,
        section,
    )

    tables = tables.get("merging") or {}
    columns = ["class", "name", "rss_before", "own_reduction", "rss_after", "rss_reduction"]
    return section(
        "Merging by parameters",
        "A model trained by SGD toward another model's outputs, then made to generate its "
        "classes again: the drop of the residual sum of squares (right after a class's own "
        "steps, the article's first case, and after the whole descent), and whether the other "
        "model recognises the regenerated images or sees them move toward its own pictures.",
        aggregate_table(
            tables,
            [],
            [
                "count(*)",
                "mean(rss_reduction)",
                "min(rss_reduction)",
                "max(rss_reduction)",
                "sum(toward_recognises_after)",
                "sum(moved_toward)",
            ],
        ),
        rows_table(tables, [*columns, "toward_top1_after", "moved_toward"], limit=ROWS),
        off=None if tables else off_line("merging"),
    )
