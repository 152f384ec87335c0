"""Opposites (source article 2): the opposite of every class (chunks of the
representations-chunk stage with the minimum objective), gathered into the class -> opposite
graph, with commutativity and how the other models see them (the science in :mod:`.science`,
the figures in :mod:`.figures`): its settings, stage and section of the findings page.
Importing this imports no torch (the Snakefile registers every stage)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from inputgen.engine.generation_settings import GenerationSettings
from inputgen.platform.stage import SPECTRUM, File, Job, knob, stage

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class Opposites:
    name: str = knob("the model's name in the config")
    model: dict = knob("the model's spec")
    settings: GenerationSettings = knob("generation settings (to find the opposites' opposites)")
    seed: int = knob("master seed (as the chunks were made with)", schema="seed")
    evaluators: dict = knob("the other models that rate the images: name -> spec", {})


@stage(
    "opposites",
    Opposites,
    schema="opposites",
    inputs={
        "chunks": File(
            "representations-chunk outputs of the objective minimum", many=True, temporary=True
        ),
        "representations": File(
            "the model's class representations: adds the naive opposite (argmin)", optional=True
        ),
        **SPECTRUM,
    },
    outputs={
        "images": File("gathered minimised images .safetensors"),
        "table": File("opposites .tsv"),
        "commutativity": File("commutativity .tsv"),
        "graph": File("opposite relation .graphml"),
        "grid": File("image grid .png"),
        "naive": File("naive vs minimised opposites .png (needs representations)", optional=True),
    },
    models=True,
)
def opposites(job: Job) -> None:
    """Label minimised-class images by the model; their commutativity."""
    import torch

    from inputgen.engine import generation
    from inputgen.platform import artifacts
    from inputgen.platform.generated import load_generated, select_classes
    from inputgen.studies.opposites import figures
    from inputgen.studies.opposites import science as study

    s = job.settings
    if job.path("naive") and not job.path("representations"):
        raise ValueError("the naive figure needs the representations (the class images)")
    images, classes = load_generated(job.paths("chunks"))
    zoo = job.load_model(s.model)
    representations = None
    if job.path("representations"):
        representations = select_classes(job.path("representations"), classes.tolist())
    table, commutes = study.opposites_study(
        zoo,
        images,
        classes.tolist(),
        job.generation(s.settings),
        s.seed,
        job.batch_size,
        representations,
    )
    others, _ = generation.seen_by_others(
        s.name, s.evaluators, images, classes.tolist(), job.batch_size, job.load_model
    )
    table = study.rated_opposites(table, others, zoo.class_names)
    opposite = torch.tensor(table["opposite"].values)
    job.save_tensors(
        "images", {"images": images, "classes": classes, "opposites": opposite}, {"model": s.name}
    )
    job.write_table("table", table)
    job.write_table("commutativity", commutes)
    artifacts.write_graph(job.path("graph"), study.opposite_graph(table), job.record())
    job.write_figure("grid", figures.opposites_grid(images, table, name=s.name))
    if job.path("naive"):
        naive = figures.naive_opposites_grid(representations, images, table, name=s.name)
        job.write_figure("naive", naive)


# The findings page's table of this study: kind (the findings stage's file argument) -> what.
FINDINGS_TABLES = {"commutativity": "opposites' commutativity.tsv, one per model"}


def findings_section(tables: Mapping[str, Mapping[str, pd.DataFrame]]) -> str:
    """The fraction of classes whose opposite's opposite is the class itself, or the line that
    the study is off."""
    from inputgen.platform.findings_tables import off_line, rows_table, section

    commutativity = tables.get("commutativity") or {}
    return section(
        "Opposites",
        "`rate`: the fraction of the `classes` whose opposite's opposite is the class itself "
        "(the source found the relation close to, but not quite, commutative).",
        rows_table(commutativity, ["rate", "classes"]),
        off=None if commutativity else off_line("opposites"),
    )
