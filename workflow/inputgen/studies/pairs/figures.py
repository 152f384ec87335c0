"""The two-model objectives' figure: the images of each class, captioned with both models' views."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import torch

from inputgen.figures import images as plots


def pair_grid(
    images: torch.Tensor,
    table,
    *,
    first: str,
    second: str,
    operation: str,
    weights: Sequence[float],
) -> plt.Figure:
    d, e = weights
    captions = [
        f"{name[:22]}\n{first}: {seen_first[:16]}\n{second}: {seen_second[:16]}"
        for name, seen_first, seen_second in zip(
            table["name"], table[f"{first}_top1_name"], table[f"{second}_top1_name"], strict=True
        )
    ]
    title = f"{first} {operation} {second} (d={d}, e={e}): caption = class, then each model's top-1"
    return plots.image_grid(images, captions, columns=8, title=title)
