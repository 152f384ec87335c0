"""Layer autoencoding (source article 3): how well each layer's output of a trained or untrained
model determines its input (the science in :mod:`.science`, the figures in :mod:`.figures`):
its settings, stages and section of the findings page. Importing this imports no torch (the
Snakefile registers every stage)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from inputgen.engine.depth_descent import DepthDescent
from inputgen.platform.stage import File, Job, knob, stage

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class Autoencode(DepthDescent):
    name: str = knob("the model's name in the config")
    model: dict = knob("the model's resolved spec")
    photo: str = knob("the target photo's name in the photos file")
    size: int = knob("side of the optimised image")
    layers: list[str] = knob("module names, shallow to deep")
    priors: dict = knob('priors as in generation.priors, e.g. {"blur": {}}')
    reference_std: float = knob("a' = a + N(0, std^2), the shift behind m_r")
    seed: int = knob("master seed (start image, shift)", schema="seed")


@stage(
    "autoencoding",
    Autoencode,
    schema="autoencoding",
    inputs={"photos": File("photos .safetensors")},
    outputs={
        "metrics": File("metrics .tsv"),
        "images": File("a_g per layer .safetensors"),
        "figure": File("m_g / m_i curves .png"),
    },
    models=True,
)
def autoencode(job: Job) -> None:
    """Invert one photo from each layer of a model."""
    from inputgen.engine import photos
    from inputgen.studies.autoencoding import figures
    from inputgen.studies.autoencoding import science as autoencoding

    s = job.settings
    zoo = job.load_model(autoencoding.spec_at_size(s.model, s.size))
    target = photos.resize(photos.select_photos(job.path("photos"), [s.photo]), s.size)
    study = autoencoding.autoencode_layers(
        zoo, target, s.layers, s.descent, reference_std=s.reference_std, seed=s.seed,
        progress=s.name,
    )  # fmt: skip
    job.write_table("metrics", study.metrics)
    job.save_tensors(
        "images",
        {"images": study.images, "target": target[0]},
        {"model": s.name, "layers": s.layers, "shift_distance": study.shift},
    )
    title = f"{s.name}: autoencoding {s.photo} ({s.size} px) from each layer"
    job.write_figure("figure", figures.autoencoding_curves(study.metrics, title=title))


@dataclass(frozen=True)
class AutoencodingSummary:
    models: list[str] = knob("the models' names, in grid order (and the files' order)")
    untrained: list[str] = knob("the names of the untrained (random weights) models")


@stage(
    "autoencoding-summary",
    AutoencodingSummary,
    inputs={
        "metrics": File("each model's metrics .tsv, in the order of models", many=True),
        "images": File("each model's a_g per layer .safetensors, same order", many=True),
    },
    outputs={
        "summary": File("per model and layer .tsv"),
        "claims": File("the source's claims as numbers .tsv"),
        "grid": File("inputs recovered from each layer, every model .png"),
    },
)
def autoencoding_summary(job: Job) -> None:
    """All models' layers side by side."""
    from inputgen.platform import artifacts
    from inputgen.studies.autoencoding import figures
    from inputgen.studies.autoencoding import science as autoencoding

    s = job.settings
    metrics_paths, images_paths = job.paths("metrics"), job.paths("images")
    if not len(s.models) == len(metrics_paths) == len(images_paths):
        raise ValueError(
            f"{len(s.models)} models, {len(metrics_paths)} metrics and "
            f"{len(images_paths)} images files: one of each per model"
        )
    metrics = {
        name: artifacts.read_table(path) for name, path in zip(s.models, metrics_paths, strict=True)
    }
    loaded = {
        name: artifacts.load_tensors(path)
        for name, path in zip(s.models, images_paths, strict=True)
    }
    shifts = {name: metadata["shift_distance"] for name, (_, metadata) in loaded.items()}
    summary = autoencoding.summary_table(metrics, shifts, s.untrained)
    job.write_table("summary", summary)
    job.write_table("claims", autoencoding.claims_table(summary))
    images = {name: tensors for name, (tensors, _) in loaded.items()}
    job.write_figure("grid", figures.autoencoding_grid(summary, images))


# The findings page's tables of this study: kind (the findings stage's file argument) -> what.
FINDINGS_TABLES = {"claims": "results/autoencoding/claims.tsv"}


def findings_section(tables: Mapping[str, Mapping[str, pd.DataFrame]]) -> str:
    """The source's claims as numbers, one row per claim and model, or the line that the study
    is off."""
    from inputgen.platform.findings_tables import off_line, rows_table, section

    claims = tables.get("claims") or {}
    return section(
        "Layer autoencoding",
        "The source's claims as numbers, one row per claim and model; `holds` says whether the "
        "claim holds in this run.",
        rows_table(claims, ["model", "trained", "claim", "value", "measure", "holds"]),
        off=None if claims else off_line("autoencoding"),
    )
