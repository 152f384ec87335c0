"""The interpolation study's figures: each model's view of the frames, and the frames."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import pandas as pd
import torch

from inputgen.figures.images import image_grid, legend_label
from inputgen.studies.interpolation.science import interpolation_prefix


def interpolation_figure(
    table: pd.DataFrame,
    generator: str,
    evaluators: Sequence[str],
    start: int,
    end: int,
    names: Sequence[str],
):
    """One line per model and class over the frames, the mean over the paths: the start class's
    probability solid, the end class's dashed, one colour per model (the generator's line
    thicker)."""
    paths = table["path"].nunique()
    mean = table.groupby("fraction", as_index=False).mean(numeric_only=True)
    figure, ax = plt.subplots(figsize=(7.5, 4.2))
    colours = plt.get_cmap("tab10")
    for i, model in enumerate([generator, *evaluators]):
        prefix, _ = interpolation_prefix(model, generator)
        width = 2.4 if model == generator else 1.3
        label = legend_label(model) + (" (generator)" if model == generator else "")
        for cls, style in ((start, "-"), (end, "--")):
            ax.plot(
                mean["fraction"],
                mean[f"{prefix}prob_{cls}"],
                style,
                color=colours(i % 10),
                linewidth=width,
                marker="o",
                markersize=3,
                label=f"{label}: {names[cls]}",
            )
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel(f"frame: fraction of the steps ({names[start]} -> {names[end]})")
    ax.set_ylabel("probability" if paths == 1 else f"probability, mean of {paths} paths")
    ax.set_title(
        f"{legend_label(generator)}'s interpolation seen by every model "
        f"({names[start]} solid, {names[end]} dashed)",
        fontsize=9,
    )
    ax.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.01, 0.5))
    figure.tight_layout()
    return figure


def interpolation_frames(
    frames: torch.Tensor,
    seen_names: Sequence[str],
    generator: str,
    start: str,
    end: str,
    photo: str | None,
    paths: int,
) -> plt.Figure:
    """The frames in order, path by path (a row each up to 8 frames), each captioned with what
    the generator sees (``seen_names``) after its path and frame number."""
    count = len(frames) // paths
    captions = [
        (f"{k % count + 1}/{count}: " if paths == 1 else f"{k // count + 1}.{k % count + 1}: ")
        + name[:18]
        for k, name in enumerate(seen_names)
    ]
    origin = f"from the photo {photo!r}" if photo else "from noise"
    several = "" if paths == 1 else f"; {paths} paths, path.frame"
    title = f"{generator}: {start} -> {end} {origin} (caption: what it sees{several})"
    return image_grid(frames, captions, columns=min(count, 8), title=title)
