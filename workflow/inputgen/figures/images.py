"""Figures shared by the studies: functions return matplotlib figures for write_figure to save."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

import matplotlib.pyplot as plt

if TYPE_CHECKING:  # a job that draws only tables and curves does not pay torch's import
    import torch


def legend_label(name: object) -> str:
    """A name as a legend entry. matplotlib silently leaves out labels that begin with "_"
    (EfficientNet's layers are ``_blocks.N``), so the leading underscores are dropped."""
    text = str(name)
    return text.lstrip("_") or "(unnamed)"


def image_grid(
    images: torch.Tensor,
    captions: Sequence[str],
    *,
    columns: int = 6,
    title: str | None = None,
    cell_inches: float = 2.2,
) -> plt.Figure:
    """A grid of (N,3,H,W) [0,1] images as they are (never contrast-stretched), each with a
    caption underneath."""
    if len(captions) != len(images):
        raise ValueError(f"{len(captions)} captions for {len(images)} images")
    shown = images.clamp(0, 1)
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


def grouped_grid(
    images: torch.Tensor,
    captions: Sequence[str],
    groups: Sequence[str | None],
    *,
    title: str | None = None,
    cell_inches: float = 1.9,
) -> plt.Figure:
    """One row per group (in order of first appearance; None: "other"), its name on the left,
    images as they are (never contrast-stretched)."""
    if not len(captions) == len(groups) == len(images):
        raise ValueError(f"{len(images)} images, {len(captions)} captions, {len(groups)} groups")
    rows: dict[str, list[int]] = {}
    for index, group in enumerate(groups):
        rows.setdefault(group or "other", []).append(index)
    columns = max(len(members) for members in rows.values())
    lines = max((caption.count("\n") + 1 for caption in captions), default=1)
    figure, axes = plt.subplots(
        len(rows),
        columns,
        figsize=(columns * cell_inches + 0.8, len(rows) * (cell_inches + 0.16 * lines)),
        squeeze=False,
    )
    for ax in axes.flat:
        ax.axis("off")
    for row, (group, members) in enumerate(rows.items()):
        axes[row, 0].text(
            -0.08, 0.5, group, transform=axes[row, 0].transAxes, rotation=90,
            ha="right", va="center", fontsize=10, fontweight="bold",
        )  # fmt: skip
        for ax, index in zip(axes[row], members, strict=False):
            ax.imshow(images[index].clamp(0, 1).permute(1, 2, 0).numpy())
            ax.text(
                0.5, -0.02, captions[index], transform=ax.transAxes, ha="center", va="top",
                fontsize=7,
            )  # fmt: skip
    if title:
        figure.suptitle(title, fontsize=11)
    figure.tight_layout()
    return figure


def side_by_side(columns: Sequence, captions: Sequence[str], title: str, size: int) -> plt.Figure:
    """One row per target, one column per image set (each resized to ``size`` for display)."""
    import torch

    from inputgen.engine.photos import resize

    rows = torch.stack([resize(images, size) for images in columns], dim=1)
    return image_grid(
        rows.flatten(0, 1),
        captions,
        columns=len(columns),
        title=title,
        cell_inches=3 if len(columns) == 2 else 2.2,
    )


def shades(count: int) -> list:
    """``count`` colours of viridis, dark to light (the depth studies' layers and nets, shallow
    to deep)."""
    import numpy as np

    return [plt.get_cmap("viridis")(x) for x in np.linspace(0, 0.9, max(count, 1))]
