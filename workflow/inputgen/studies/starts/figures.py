"""The random starts' figure: each class's starts side by side."""

from __future__ import annotations

import matplotlib.pyplot as plt
import torch

from inputgen.figures import images as plots


def starts_grid(images: torch.Tensor, table, *, name: str, starts: int) -> plt.Figure:
    captions = [
        f"{row.name[:18]} #{row.start}\n{'ok' if row.self_top1 else row.top1_name[:18]}"
        for row in table.itertuples()
    ]
    title = (
        f"{name}: {starts} random starts per class (one row per class; caption: 'ok' "
        "or what the model sees)"
    )
    return plots.image_grid(images, captions, columns=min(starts, 8), title=title)
