"""Figures of vector arithmetic: transfiguration trajectories, interpolation, embeddings."""

from __future__ import annotations

import math
from collections.abc import Sequence

import matplotlib.pyplot as plt
import pandas as pd
import torch

from inputgen.arithmetic import interpolation_prefix
from inputgen.figures.images import image_grid, legend_label


def labelled_scatter(
    x, y, labels: Sequence[str], *, xlabel: str, ylabel: str, title: str
) -> plt.Figure:
    """A scatter plot with every point labelled (class names)."""
    figure, ax = plt.subplots(figsize=(9, 8))
    ax.scatter(x, y, s=18, color="tab:blue")
    for xi, yi, label in zip(x, y, labels, strict=True):
        ax.annotate(label, (xi, yi), fontsize=7, xytext=(3, 3), textcoords="offset points")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    figure.tight_layout()
    return figure


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


def interpolation_figure(
    table: pd.DataFrame,
    generator: str,
    evaluators: Sequence[str],
    start: int,
    end: int,
    names: Sequence[str],
):
    """One line per model and class over the frames: the start class's probability solid, the
    end class's dashed, one colour per model (the generator's line thicker)."""
    figure, ax = plt.subplots(figsize=(7.5, 4.2))
    colours = plt.get_cmap("tab10")
    for i, model in enumerate([generator, *evaluators]):
        prefix, _ = interpolation_prefix(model, generator)
        width = 2.4 if model == generator else 1.3
        label = legend_label(model) + (" (generator)" if model == generator else "")
        for cls, style in ((start, "-"), (end, "--")):
            ax.plot(
                table["fraction"],
                table[f"{prefix}prob_{cls}"],
                style,
                color=colours(i % 10),
                linewidth=width,
                marker="o",
                markersize=3,
                label=f"{label}: {names[cls]}",
            )
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel(f"frame: fraction of the way from {names[start]} to {names[end]}")
    ax.set_ylabel("probability")
    ax.set_title(
        f"{legend_label(generator)}'s interpolation seen by every model "
        f"({names[start]} solid, {names[end]} dashed)",
        fontsize=9,
    )
    ax.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.01, 0.5))
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


def interpolation_frames(
    frames: torch.Tensor,
    seen_names: Sequence[str],
    generator: str,
    start: str,
    end: str,
    photo: str | None,
) -> plt.Figure:
    """The frames in order, each captioned with what the generator sees (``seen_names``)."""
    count = len(frames)
    captions = [f"{k}/{count}: {name[:18]}" for k, name in enumerate(seen_names, start=1)]
    origin = f"from the photo {photo!r}" if photo else "from noise"
    title = f"{generator}: {start} -> {end} {origin} (caption: what it sees)"
    return image_grid(frames, captions, columns=min(count, 8), title=title)


def addition_grid(images: torch.Tensor, table: pd.DataFrame, generator: str) -> plt.Figure:
    """The added images, each captioned with its two classes and their probabilities."""
    captions = [
        f"{a[:16]} + {b[:16]}\n{p:.0%} / {q:.0%}"
        for a, b, p, q in zip(
            table["first_name"],
            table["second_name"],
            table["first_prob"],
            table["second_prob"],
            strict=True,
        )
    ]
    return image_grid(
        images,
        captions,
        columns=6,
        title=f"{generator}: vector addition (caption: the two classes' probabilities)",
    )


def embedding_figure(
    means: torch.Tensor, labels: Sequence[str], layer: str, features: Sequence[int], generator: str
) -> plt.Figure:
    """The class images placed by two feature maps' mean activations (``means``: (N, 2), one
    row per image, ``labels`` its class name)."""
    return labelled_scatter(
        means[:, 0].numpy(),
        means[:, 1].numpy(),
        list(labels),
        xlabel=f"{layer} feature {features[0]} (mean activation)",
        ylabel=f"{layer} feature {features[1]} (mean activation)",
        title=f"{generator}: class representations embedded by two feature maps",
    )
