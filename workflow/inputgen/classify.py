"""Classify images with a zoo model: top-k classes and probabilities per image."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import torch

from inputgen.engine.models import ZooModel


def top_k(
    zoo: ZooModel, images: torch.Tensor, names: Sequence[str], k: int, batch_size: int
) -> pd.DataFrame:
    """One row per image: ``photo``, then ``top{i}``, ``top{i}_name``, ``top{i}_prob``."""
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
