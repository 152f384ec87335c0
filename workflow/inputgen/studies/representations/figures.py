"""The class representations' figure: the images as saved (never contrast-stretched), one row
per coarse group, captioned with what the model sees."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import torch

from inputgen.figures import images as plots


# ------------------------------------------------------------------ image grids, as saved
def grid_rows(groups: Sequence[str | None]) -> list[str | None]:
    """Groups with one member share the "other" row rather than each taking a row."""
    groups = list(groups)
    return [g if groups.count(g) > 1 else None for g in groups]


def representations_grid(images: torch.Tensor, summary, groups, *, name: str) -> plt.Figure:
    """Class representations, one row per coarse group (``groups``, one per image); caption:
    the class, then "ok" or what the model sees, and its probability (``summary``)."""
    captions = [
        f"{row.name[:22]}\n{'ok' if row.self_top1 else row.top1_name[:18]} {row.top1_prob:.0%}"
        for row in summary.itertuples()
    ]
    return plots.grouped_grid(
        images,
        captions,
        grid_rows(groups),
        title=f"{name}: class representations, one row per coarse group, as saved\n"
        "(caption: class, then 'ok' or what the model sees, and its probability)",
    )
