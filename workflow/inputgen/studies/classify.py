"""Classification of the photos (source article 1's check that the models see them as
people would): each model's top-k classes and probabilities per photo, and the photos captioned
with their first three. Importing this imports no torch (the Snakefile registers every stage)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from inputgen.platform.stage import File, Job, knob, stage

if TYPE_CHECKING:
    import pandas as pd
    import torch

    from inputgen.engine.models import ZooModel


def top_k(
    zoo: ZooModel, images: torch.Tensor, names: Sequence[str], k: int, batch_size: int
) -> pd.DataFrame:
    """One row per image: ``photo``, then ``top{i}``, ``top{i}_name``, ``top{i}_prob``."""
    import pandas as pd

    if len(names) != len(images):
        raise ValueError(f"{len(names)} names for {len(images)} images")
    probabilities = zoo.batched_logits(images, batch_size).softmax(dim=1)
    values, indices = probabilities.topk(k, dim=1)
    rows = []
    for name, probs, classes in zip(names, values.tolist(), indices.tolist(), strict=True):
        row: dict[str, object] = {"photo": name}
        for rank, (prob, cls) in enumerate(zip(probs, classes, strict=True), start=1):
            row[f"top{rank}"] = cls
            row[f"top{rank}_name"] = zoo.class_names[cls]
            row[f"top{rank}_prob"] = round(prob, 6)
        rows.append(row)
    return pd.DataFrame(rows)


def captions(table: pd.DataFrame, shown: int) -> list[str]:
    """Per photo of a :func:`top_k` table: its name, then its first ``shown`` classes with
    their probabilities, one a line."""
    return [
        row.photo
        + "".join(
            f"\n{k}. {getattr(row, f'top{k}_name')[:22]} {getattr(row, f'top{k}_prob'):.0%}"
            for k in range(1, shown + 1)
        )
        for row in table.itertuples()
    ]


@dataclass(frozen=True)
class Classify:
    name: str = knob("the model's name in the config")
    model: dict = knob("the model's spec")
    topk: int = knob("classes listed per photo", schema="classify.topk")


@stage(
    "classify",
    Classify,
    schema="classify",
    inputs={"photos": File("photos .safetensors")},
    outputs={"table": File("top-k table .tsv"), "figure": File("top-3 per photo .png")},
    models=True,
)
def classify(job: Job) -> None:
    """Top-k classes of every photo under one model."""
    from inputgen.figures import images as plots
    from inputgen.platform import artifacts

    s = job.settings
    zoo = job.load_model(s.model)
    tensors, metadata = artifacts.load_tensors(job.path("photos"))
    table = top_k(zoo, tensors["images"], metadata["names"], s.topk, job.batch_size)
    job.write_table("table", table)
    shown = min(3, s.topk)
    figure = plots.image_grid(
        tensors["images"], captions(table, shown), title=f"{s.name}: top-{shown}"
    )
    job.write_figure("figure", figure)
