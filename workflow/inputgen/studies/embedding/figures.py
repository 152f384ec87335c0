"""The embedding study's figure: each class image as a point of two feature maps' means."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import torch


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
