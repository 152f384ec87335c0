"""The merging study's figures: theta1's pictures before and after merging beside theta2's, and
the RSS over the SGD steps."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import pandas as pd

from inputgen.figures.images import side_by_side

MERGING_FIGURE_ROWS = 16  # 1000 classes would make an unreadable figure


def merging_figure(
    before, theirs, after, table: pd.DataFrame, *, name: str, toward: str, size: int
) -> plt.Figure:
    """The first classes: theta1's picture before | theta2's | theta1's after merging,
    captioned with what theta2 sees (``table``: the merging table, in the images' order)."""
    shown = slice(0, MERGING_FIGURE_ROWS)
    captions = [
        caption
        for row in table.iloc[shown].itertuples()
        for caption in (
            f"{name} before: {row.toward_top1_before[:16]}",
            f"{toward}'s {row.name[:20]}",
            f"{name} merged: {row.toward_top1_after[:16]}",
        )
    ]
    return side_by_side(
        [before[shown], theirs[shown], after[shown]],
        captions,
        f"{name} trained toward {toward}'s outputs, then generating again"
        f"\n(caption: what {toward} sees)",
        size,
    )


def merging_loss_figure(
    history: Sequence[float], *, name: str, toward: str, steps: int, batch: int | None
) -> plt.Figure:
    """The mean RSS per image over the SGD steps of merging ``name`` toward ``toward``."""
    return loss_curve(
        list(history),
        title=f"{name} -> {toward}: RSS fell {history[0] / history[-1]:.1f}x "
        f"in {len(history) - 1} SGD steps"
        + (f" ({steps} per group of {batch} images)" if batch else ""),
        ylabel="mean RSS per image",
    )


def loss_curve(history: Sequence[float], *, title: str, ylabel: str) -> plt.Figure:
    figure, ax = plt.subplots(figsize=(6, 4))
    ax.plot(range(len(history)), history, color="tab:blue")
    ax.set_yscale("log")
    ax.set_xlabel("SGD step")
    ax.set_ylabel(ylabel)
    ax.set_title(title, fontsize=10)
    figure.tight_layout()
    return figure
