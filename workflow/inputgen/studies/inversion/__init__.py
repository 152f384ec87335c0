"""Representation inversion (source article 4, after Ilyas et al. 2019): per model, a dataset of
natural images inverted toward other images' penultimate representations (the science in
:mod:`.science`, the figure in :mod:`.figures`): its settings, stage and section of the
findings page. Importing this imports no torch (the Snakefile registers every stage)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from inputgen.platform.stage import File, Job, knob, stage

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class Invert:
    name: str = knob("the model's name in the config")
    model: dict = knob("the model's spec")
    pairs: int = knob("(seed, target) pairs to invert")
    steps: int = knob("iterations (the paper: 2000)")
    lr: float = knob("step size: the L2 length of one step (the paper: 1/8)", schema="inversion.lr")
    momentum: float = knob("momentum of the L2-normalised steps", schema="inversion.momentum")
    seed: int = knob("seed of the pairs and of the descent", schema="seed")
    show: int = knob("pairs in the figure", 8)


@stage(
    "inversion",
    Invert,
    schema="inversion",
    inputs={"natural": File("natural images .safetensors")},
    outputs={
        "images": File("inverted .safetensors"),
        "summary": File("per-model summary .tsv"),
        "figure": File("seed | target | inverted .png"),
    },
    models=True,
)
def invert(job: Job) -> None:
    """A representation-inversion dataset of one model."""
    from inputgen.engine.optimize import Descent
    from inputgen.engine.photos import resize
    from inputgen.platform import artifacts
    from inputgen.studies.inversion import figures
    from inputgen.studies.inversion import science as inversion

    s = job.settings
    # Ilyas et al.'s descent: L2-normalised steps with momentum, the best iterate kept
    descent = Descent(steps=s.steps, lr=s.lr, rule="l2", momentum=s.momentum)
    tensors, metadata = artifacts.load_tensors(job.path("natural"))
    if "source" not in tensors:
        raise ValueError(
            f"{job.path('natural')} does not record each image's source photo (`source`); "
            "rerun the photos stage"
        )
    zoo = job.load_model(s.model)
    natural = resize(tensors["images"], zoo.spec["input_size"])
    predicted = zoo.batched_logits(natural, job.batch_size, desc="labelling").argmax(dim=1)
    label_source, labels, label_names = inversion.pair_labels(
        tensors.get("labels"),
        metadata.get("label_space"),
        metadata.get("class_names"),
        predicted,
        zoo.class_names,
    )
    dataset = inversion.inversion_dataset(
        zoo,
        natural,
        labels,
        tensors["source"],
        s.pairs,
        descent,
        batch_size=job.batch_size,
        seed=s.seed,
    )
    seen = zoo.batched_logits(dataset["images"], job.batch_size).argmax(dim=1)
    job.save_tensors("images", dataset, {"model": s.name, "label_source": label_source})
    table = inversion.summary_table(s.name, s.steps, label_source, dataset, predicted, seen)
    job.write_table("summary", table)
    figure = figures.inversion_grid(
        natural,
        dataset,
        seen,
        label_names,
        zoo.class_names,
        name=s.name,
        label_source=label_source,
        show=s.show,
    )
    job.write_figure("figure", figure)


# The findings page's table of this study: kind (the findings stage's file argument) -> what.
FINDINGS_TABLES = {"inversion": "inversion summary.tsv, one per model"}


def findings_section(tables: Mapping[str, Mapping[str, pd.DataFrame]]) -> str:
    """How far each model's inversions got and how often it labels them as the target, or the
    line that the study is off."""
    from inputgen.platform.findings_tables import off_line, rows_table, section

    inversion = tables.get("inversion") or {}
    columns = ["model", "pairs", "steps", "label_source", "median_start_distance"]
    return section(
        "Representation inversion",
        "How far each model's inversions got (the relative distance of their penultimate "
        "representations to the targets', at the start and at the end) and how often the "
        "model labels them as the target.",
        rows_table(inversion, [*columns, "median_distance", "labelled_as_target"]),
        off=None if inversion else off_line("inversion"),
    )
