"""Figures shared by the studies: functions return matplotlib figures for write_figure to save."""

from __future__ import annotations

import math
from collections.abc import Sequence

import matplotlib

matplotlib.use("Agg")  # jobs run headless

import matplotlib.pyplot as plt  # noqa: E402
import torch  # noqa: E402


def legend_label(name: object) -> str:
    """A name as a legend entry. matplotlib silently leaves out labels that begin with "_"
    (EfficientNet's layers are ``_blocks.N``), so the leading underscores are dropped."""
    text = str(name)
    return text.lstrip("_") or "(unnamed)"


def stretch_contrast(images: torch.Tensor, spread: float = 3.0) -> torch.Tensor:
    """For display only (never for analysis): per image, map mean +- ``spread`` standard
    deviations (over all pixels and channels, so colours keep their balance) to [0, 1]."""
    flat = images.flatten(1)
    mean = flat.mean(dim=1).view(-1, 1, 1, 1)
    std = flat.std(dim=1).clamp_min(1e-8).view(-1, 1, 1, 1)
    return ((images - mean) / (2 * spread * std) + 0.5).clamp(0, 1)


def image_grid(
    images: torch.Tensor,
    captions: Sequence[str],
    *,
    columns: int = 6,
    title: str | None = None,
    stretch: bool = False,
    cell_inches: float = 2.2,
) -> plt.Figure:
    """A grid of (N,3,H,W) [0,1] images, each with a caption underneath."""
    if len(captions) != len(images):
        raise ValueError(f"{len(captions)} captions for {len(images)} images")
    shown = stretch_contrast(images) if stretch else images.clamp(0, 1)
    columns = max(1, min(columns, len(images)))
    rows = max(1, math.ceil(len(images) / columns))
    lines = max((caption.count("\n") + 1 for caption in captions), default=1)
    figure, axes = plt.subplots(
        rows,
        columns,
        figsize=(columns * cell_inches, rows * (cell_inches + 0.18 * lines)),
        squeeze=False,
    )
    for ax in axes.flat:
        ax.axis("off")
    for ax, image, caption in zip(axes.flat, shown, captions, strict=False):
        ax.imshow(image.permute(1, 2, 0).numpy())
        ax.text(0.5, -0.02, caption, transform=ax.transAxes, ha="center", va="top", fontsize=8)
    if title:
        figure.suptitle(title, fontsize=11)
    figure.tight_layout()
    return figure


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
