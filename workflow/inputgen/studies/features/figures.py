"""The feature maps' figure: one image per channel."""

from __future__ import annotations

import matplotlib.pyplot as plt
import torch

from inputgen.figures import images as plots


def features_grid(images: torch.Tensor, table, *, name: str, layer: str) -> plt.Figure:
    captions = [f"channel {row.channel}\n{row.top1_name[:20]}" for row in table.itertuples()]
    title = (
        f"{name}: inputs that maximise channels of {layer} (caption: channel, the model's top-1)"
    )
    return plots.image_grid(images, captions, columns=8, title=title)
