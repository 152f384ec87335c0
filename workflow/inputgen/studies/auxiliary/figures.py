"""The auxiliary head's figure: the images, captioned with both heads' views."""

from __future__ import annotations

import matplotlib.pyplot as plt
import torch

from inputgen.figures import images as plots


def auxiliary_grid(images: torch.Tensor, table, *, name: str, head: str) -> plt.Figure:
    captions = [
        f"{row.name[:20]}\nmain output: {'ok' if row.main_self_top1 else row.main_top1_name[:14]}"
        for row in table.itertuples()
    ]
    title = (
        f"{name}: class images from the auxiliary head {head} (caption: class, then "
        "what the main output sees)"
    )
    return plots.image_grid(images, captions, columns=8, title=title)
