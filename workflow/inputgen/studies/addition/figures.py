"""The vector-addition study's figure: the images of each class pair, captioned."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
import torch

from inputgen.figures.images import image_grid


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
