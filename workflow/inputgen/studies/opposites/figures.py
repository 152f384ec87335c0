"""The opposites study's figures: each class's opposite, captioned, and the naive (unregularised)
opposites."""

from __future__ import annotations

import matplotlib.pyplot as plt
import torch

from inputgen.figures import images as plots


def opposites_grid(images: torch.Tensor, table, *, name: str) -> plt.Figure:
    captions = [f"{row.name[:20]}\n-> {row.opposite_name[:20]}" for row in table.itertuples()]
    return plots.image_grid(
        images,
        captions,
        columns=8,
        title=f"{name}: opposites (class -> what the model sees after minimising it)",
    )


def naive_opposites_grid(
    representations: torch.Tensor, images: torch.Tensor, table, *, name: str
) -> plt.Figure:
    """Each class's image with its naive opposite (left) next to its minimised image with the
    opposite it has (right)."""
    shown = torch.stack([im for two in zip(representations, images, strict=True) for im in two])
    captions = [
        text
        for row in table.itertuples()
        for text in (
            f"{row.name[:20]}\nnaive: {row.naive_opposite_name[:18]}",
            f"minimised\nours: {row.opposite_name[:18]}",
        )
    ]
    title = (
        f"{name}: naive opposite (argmin of the output on the class image, left) next "
        "to ours (the image that minimises the class, right)"
    )
    return plots.image_grid(shown, captions, columns=8, title=title)
