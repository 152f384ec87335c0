"""Figures of the generation studies: the image grids (as saved, never contrast-stretched) of
class representations, opposites, random starts, auxiliary heads,
feature maps and two-model objectives."""

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


def features_grid(images: torch.Tensor, table, *, name: str, layer: str) -> plt.Figure:
    captions = [f"channel {row.channel}\n{row.top1_name[:20]}" for row in table.itertuples()]
    title = (
        f"{name}: inputs that maximise channels of {layer} (caption: channel, the model's top-1)"
    )
    return plots.image_grid(images, captions, columns=8, title=title)
