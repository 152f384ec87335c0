"""Model similarity (source article 4): linear CKA between models on natural images and on the
inversion study's inverted images, and a layer x layer CKA of two models (the CKA itself in
:mod:`inputgen.engine.cka`, the figures in :mod:`.figures`): its settings, stages and section
of the findings page. Importing this imports no torch (the Snakefile registers every stage)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from inputgen.platform.stage import File, Job, knob, stage

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class Cka:
    models: dict[str, dict] = knob("name -> spec of every model compared")
    inverted: list[str] = knob("the models whose inverted datasets --inverted gives, in order")
    layers: dict[str, str] = knob(
        "name -> layer compared (default: the penultimate)", schema="cka.layers"
    )
    debiased: bool = knob("the debiased (unbiased HSIC) CKA", schema="cka.debiased")
    images: int | None = knob("compare the first N natural images (null: all)", schema="cka.images")


@stage(
    "cka",
    Cka,
    schema="cka",
    inputs={
        "natural": File("natural images .safetensors"),
        "inverted": File("each model's inverted .safetensors", many=True),
    },
    outputs={
        "natural_table": File("CKA on the natural images .tsv"),
        "inverted_table": File("CKA on each model's inverted images .tsv"),
        "summary": File("mean off-diagonal CKA .tsv"),
        "figure": File("heatmaps .png"),
    },
    models=True,
)
def cka(job: Job) -> None:
    """CKA between models on natural and inverted data."""
    from inputgen.engine import cka as study
    from inputgen.platform import artifacts
    from inputgen.studies.cka import figures

    s = job.settings
    paths = job.paths("inverted")
    if len(paths) != len(s.inverted):
        raise ValueError(f"{len(paths)} inverted datasets for the models {s.inverted}")
    missing = sorted(set(s.inverted) - set(s.models))
    if missing:
        raise KeyError(f"inverted datasets of {missing}, which are not among the models")
    zoos = {name: job.load_model(spec) for name, spec in s.models.items()}
    natural = artifacts.load_tensors(job.path("natural"))[0]["images"]
    natural = study.first_images(natural, s.images, job.path("natural"))
    inverted = {}
    for name, path in zip(s.inverted, paths, strict=True):
        tensors, metadata = artifacts.load_tensors(path)
        if metadata.get("model", name) != name:
            raise ValueError(f"{path} holds {metadata['model']}'s inverted images, not {name}'s")
        inverted[name] = tensors["images"]
    tables = study.model_tables(zoos, s.layers, natural, inverted, job.batch_size, s.debiased)
    natural_table, inverted_table, summary = tables
    job.write_table("natural_table", natural_table)
    job.write_table("inverted_table", inverted_table)
    job.write_table("summary", summary)
    note = (
        f"{'configured layers' if s.layers else 'penultimate layer'}, "
        f"{'debiased' if s.debiased else 'standard'} estimator"
    )
    job.write_figure("figure", figures.cka_heatmaps(natural_table, inverted_table, note=note))


@dataclass(frozen=True)
class CkaLayers:
    models: dict[str, dict] = knob("name -> spec of the two models compared")
    layers: dict[str, list[str]] = knob("name -> its layers (module names, or penultimate)")
    images: int | None = knob("compare the first N natural images (null: all)", schema="cka.images")


@stage(
    "cka-layers",
    CkaLayers,
    schema="cka",
    inputs={"natural": File("natural images .safetensors")},
    outputs={"table": File("layer x layer CKA .tsv"), "figure": File("heatmap .png")},
    models=True,
)
def cka_layers(job: Job) -> None:
    """Layer x layer CKA of two models (Kornblith et al.'s figure), minibatch-streamed."""
    from inputgen.engine import cka as study
    from inputgen.platform import artifacts
    from inputgen.studies.cka import figures

    s = job.settings
    if len(s.models) != 2:
        raise ValueError(f"cka-layers compares two models, got {list(s.models)}")
    zoos = {name: job.load_model(spec) for name, spec in s.models.items()}
    natural = artifacts.load_tensors(job.path("natural"))[0]["images"]
    natural = study.first_images(natural, s.images, job.path("natural"))
    table, batches = study.layer_table(zoos, s.layers, natural, job.batch_size)
    job.write_table("table", table)
    first, second = list(zoos)
    job.write_figure("figure", figures.layer_heatmap(table, first, second, batches=batches))


# The findings page's table of this study: kind (the findings stage's file argument) -> what.
FINDINGS_TABLES = {"cka": "results/cka/summary.tsv"}


def findings_section(tables: Mapping[str, Mapping[str, pd.DataFrame]]) -> str:
    """Mean off-diagonal CKA on natural and on inverted images, or the line that no CKA table
    was made."""
    from inputgen.platform.findings_tables import rows_table, section

    cka = tables.get("cka") or {}
    return section(
        "Model similarity",
        "Mean off-diagonal linear CKA between the models on natural images and on the "
        "inverted images (the source reports high similarity on the first, low on the "
        "second).",
        rows_table(cka, ["data", "mean_off_diagonal_cka", "samples"]),
        off=None if cka else "no CKA table was made.",
    )
