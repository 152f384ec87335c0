"""The transfiguration study's figures: the photos' frames toward each target, and each
element's trajectory under every model."""

from __future__ import annotations

import math
from collections.abc import Sequence

import matplotlib.pyplot as plt
import torch

from inputgen.figures.images import image_grid


def trajectories(table, columns: int = 4) -> plt.Figure:
    """One panel per element of a long table (``element, step, target_logit, start_logit``):
    the target class's logit rising and the start class's logit over the steps."""
    elements = list(dict.fromkeys(table["element"]))
    columns = max(1, min(columns, len(elements)))
    rows = math.ceil(len(elements) / columns)
    figure, axes = plt.subplots(
        rows, columns, figsize=(3.6 * columns, 2.8 * rows), squeeze=False, sharex=True
    )
    for ax in axes.flat[len(elements) :]:
        ax.axis("off")
    for ax, element in zip(axes.flat, elements, strict=False):
        rows_of = table[table["element"] == element]
        start = rows_of["start_class"].iloc[0]
        ax.plot(rows_of["step"], rows_of["target_logit"], color="tab:red", label="target")
        ax.plot(rows_of["step"], rows_of["start_logit"], color="tab:blue", label=f"start: {start}")
        ax.set_title(element, fontsize=8)
        ax.set_xlabel("step")
        ax.set_ylabel("logit")
        ax.legend(fontsize=7)
    figure.suptitle("logits of the model's view at every step", fontsize=10)
    figure.tight_layout()
    return figure


def transfiguration_frames(
    starts: torch.Tensor, frames: torch.Tensor, labels: Sequence[str], generator: str
) -> plt.Figure:
    """One row per element: where it starts (``starts``, (E,3,H,W)), then its kept frames
    (``frames``, (F,E,3,H,W)); ``labels`` name the elements."""
    count = frames.shape[0]
    rows, captions = [], []
    for i, label in enumerate(labels):
        rows += [starts[i], *frames[:, i]]
        captions += [label] + [f"frame {k + 1}" for k in range(count)]
    return image_grid(
        torch.stack(rows),
        captions,
        columns=count + 1,
        title=f"{generator}: transfiguration of photos (left) over the steps",
    )
