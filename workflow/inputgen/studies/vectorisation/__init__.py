"""Vectorisation (source article 3): one model (theta1) draws another's (theta2) pictures, and
photos, by matching theta2's outputs on them (the science in :mod:`.science`, the figures in
:mod:`.figures`): its settings, stage and section of the findings page. Importing this imports
no torch (the Snakefile registers every stage)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from inputgen.engine.generation_settings import GenerationSettings, check_classes
from inputgen.platform.stage import PAIR_INPUTS, SPECTRUM, File, Job, knob, stage

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class Vectorise:
    name: str = knob("theta1's name in the config")
    model: dict = knob("theta1's resolved model spec")
    toward_name: str = knob("theta2's name in the config")
    toward: dict = knob("theta2's resolved model spec")
    classes: list[int] = knob("ImageNet classes whose theta2 pictures theta1 draws")
    photos: list[str] = knob("photos (names in the --photos file) whose outputs it also matches")
    settings: GenerationSettings = knob("generation settings (config/README.md, generation)")
    loss_scale: float = knob(
        "the factor of the L1 output distance (source article 3: 0.05)",
        schema="vectorisation.loss_scale",
    )
    start: str = knob(
        "uniform (the generation's start) or normal (article 3's N(0.7, 1/20))",
        schema="vectorisation.start",
    )
    seed: int = knob("master seed", schema="seed")

    def __post_init__(self):
        check_classes(self.classes, self.model)


@stage(
    "vectorisation",
    Vectorise,
    schema="vectorisation",
    inputs={**PAIR_INPUTS, "photos": File("photos .safetensors"), **SPECTRUM},
    outputs={
        "out": File("vectorised images .safetensors"),
        "table": File("distances and recognition .tsv"),
        "figure": File("own | theirs | vectorised .png"),
        "photo_figure": File("photo | vectorised .png"),
    },
    models=True,
)
def vectorise(job: Job) -> None:
    """theta1 draws theta2's pictures (and photos)."""
    import torch

    from inputgen.engine.photos import select_photos
    from inputgen.platform.generated import select_classes
    from inputgen.studies.vectorisation import figures
    from inputgen.studies.vectorisation.science import vectorise_toward

    s = job.settings
    zoo = job.load_model(s.model)
    toward = job.load_model(s.toward)
    theirs = select_classes(job.path("target_images"), s.classes)
    own = select_classes(job.path("own"), s.classes)
    photos = select_photos(job.path("photos"), s.photos)
    result = vectorise_toward(
        zoo,
        toward,
        own,
        theirs,
        photos,
        s.classes,
        s.photos,
        job.generation(s.settings),
        s.seed,
        job.batch_size,
        s.loss_scale,
        s.start,
    )
    images, table, n = result.images, result.table, len(s.classes)
    job.save_tensors(
        "out",
        {"images": images, "targets": result.targets, "classes": torch.tensor(s.classes)},
        {"model": s.name, "toward": s.toward_name, "photos": s.photos},
    )
    job.write_table("table", table)
    size = zoo.spec["input_size"]
    figure = figures.vectorisation_figure(
        own, theirs, images[:n], table.iloc[:n], name=s.name, toward=s.toward_name, size=size
    )
    job.write_figure("figure", figure)
    figure = figures.vectorisation_photo_figure(
        photos, images[n:], table.iloc[n:], name=s.name, size=size
    )
    job.write_figure("photo_figure", figure)


# The findings page's table of this study: kind (the findings stage's file argument) -> what.
FINDINGS_TABLES = {"vectorisation": "vectorisation.tsv"}


def findings_section(tables: Mapping[str, Mapping[str, pd.DataFrame]]) -> str:
    """How far the output distance fell, and whether the other model recognises the images
    and sees them move toward its own pictures (class targets; photo targets have no such
    picture)."""
    from inputgen.platform.findings_tables import (
        aggregate_table,
        off_line,
        rows_table,
        section,
    )

    tables = tables.get("vectorisation") or {}
    classes = {path: frame[frame["kind"] == "class"] for path, frame in tables.items()}
    columns = ["kind", "target", "name", "start_distance", "end_distance", "reduction"]
    return section(
        "Vectorisation",
        "A model's images driven toward another model's outputs on that model's class images "
        "(and on photos): the drop of the output distance, whether the other model recognises "
        "the class, and whether the image moved toward the other model's picture.",
        aggregate_table(
            classes,
            ["kind"],
            ["count(*)", "mean(reduction)", "sum(toward_recognises)", "sum(moved_toward)"],
        ),
        rows_table(tables, [*columns, "toward_top1", "toward_recognises", "moved_toward"]),
        off=None if tables else off_line("vectorisation"),
    )
