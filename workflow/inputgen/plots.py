"""Figures shared by the studies: functions return matplotlib figures for write_figure to save."""

from __future__ import annotations

import math
from collections.abc import Sequence

import matplotlib

matplotlib.use("Agg")  # jobs run headless

import matplotlib.pyplot as plt  # noqa: E402
import torch  # noqa: E402


def legend_label(name: object) -> str:
    """A name as a legend entry. matplotlib silently leaves out labels that begin with "_"
    (EfficientNet's layers are ``_blocks.N``), so the leading underscores are dropped."""
    text = str(name)
    return text.lstrip("_") or "(unnamed)"


def image_grid(
    images: torch.Tensor,
    captions: Sequence[str],
    *,
    columns: int = 6,
    title: str | None = None,
    cell_inches: float = 2.2,
) -> plt.Figure:
    """A grid of (N,3,H,W) [0,1] images as they are (never contrast-stretched), each with a
    caption underneath."""
    if len(captions) != len(images):
        raise ValueError(f"{len(captions)} captions for {len(images)} images")
    shown = images.clamp(0, 1)
    columns = max(1, min(columns, len(images)))
    rows = max(1, math.ceil(len(images) / columns))
    lines = max((caption.count("\n") + 1 for caption in captions), default=1)
    figure, axes = plt.subplots(
        rows,
        columns,
        figsize=(columns * cell_inches, rows * (cell_inches + 0.18 * lines)),
        squeeze=False,
    )
    for ax in axes.flat:
        ax.axis("off")
    for ax, image, caption in zip(axes.flat, shown, captions, strict=False):
        ax.imshow(image.permute(1, 2, 0).numpy())
        ax.text(0.5, -0.02, caption, transform=ax.transAxes, ha="center", va="top", fontsize=8)
    if title:
        figure.suptitle(title, fontsize=11)
    figure.tight_layout()
    return figure


def grouped_grid(
    images: torch.Tensor,
    captions: Sequence[str],
    groups: Sequence[str | None],
    *,
    title: str | None = None,
    cell_inches: float = 1.9,
) -> plt.Figure:
    """One row per group (in order of first appearance; None: "other"), its name on the left,
    images as they are (never contrast-stretched)."""
    if not len(captions) == len(groups) == len(images):
        raise ValueError(f"{len(images)} images, {len(captions)} captions, {len(groups)} groups")
    rows: dict[str, list[int]] = {}
    for index, group in enumerate(groups):
        rows.setdefault(group or "other", []).append(index)
    columns = max(len(members) for members in rows.values())
    lines = max((caption.count("\n") + 1 for caption in captions), default=1)
    figure, axes = plt.subplots(
        len(rows),
        columns,
        figsize=(columns * cell_inches + 0.8, len(rows) * (cell_inches + 0.16 * lines)),
        squeeze=False,
    )
    for ax in axes.flat:
        ax.axis("off")
    for row, (group, members) in enumerate(rows.items()):
        axes[row, 0].text(
            -0.08, 0.5, group, transform=axes[row, 0].transAxes, rotation=90,
            ha="right", va="center", fontsize=10, fontweight="bold",
        )  # fmt: skip
        for ax, index in zip(axes[row], members, strict=False):
            ax.imshow(images[index].clamp(0, 1).permute(1, 2, 0).numpy())
            ax.text(
                0.5, -0.02, captions[index], transform=ax.transAxes, ha="center", va="top",
                fontsize=7,
            )  # fmt: skip
    if title:
        figure.suptitle(title, fontsize=11)
    figure.tight_layout()
    return figure


def ablation_figure(table, images: torch.Tensor, class_name: str, *, title: str) -> plt.Figure:
    """Top: one class's image under each configuration (as saved); bottom: each
    configuration's recognition with its bootstrap interval (``table``: ``config`` and, per
    metric, ``<metric>``, ``<metric>_low``, ``<metric>_high``)."""
    configs = list(table["config"])
    if len(images) != len(configs):
        raise ValueError(f"{len(images)} images for {len(configs)} configurations")
    figure = plt.figure(figsize=(max(8.0, 1.6 * len(configs)), 6.4))
    grid = figure.add_gridspec(2, len(configs), height_ratios=[1, 1.5])
    for column, (config, image) in enumerate(zip(configs, images, strict=True)):
        ax = figure.add_subplot(grid[0, column])
        ax.imshow(image.clamp(0, 1).permute(1, 2, 0).numpy())
        ax.set_title(config, fontsize=8)
        ax.axis("off")
    ax = figure.add_subplot(grid[1, :])
    positions = range(len(configs))
    metrics = [("self_top1", "self top-1"), ("transfer_top5", "transfer top-5"),
               ("transfer_top1", "transfer top-1")]  # fmt: skip
    for offset, (metric, label) in zip((-0.2, 0.0, 0.2), metrics, strict=True):
        values = table[metric].to_numpy(float)
        errors = [values - table[f"{metric}_low"], table[f"{metric}_high"] - values]
        ax.errorbar([p + offset for p in positions], values, yerr=errors, fmt="o", capsize=3,
                    label=label)  # fmt: skip
    ax.set_xticks(list(positions), configs, rotation=20, fontsize=8)
    ax.set_ylim(-0.05, 1.05)
    ax.set_xlabel("configuration")
    ax.set_ylabel(f"fraction of {int(table['classes'].iloc[0])} classes (95% bootstrap CI)")
    ax.legend(fontsize=8)
    figure.suptitle(f"{title} (top: {class_name} under each configuration)", fontsize=10)
    figure.tight_layout()
    return figure


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


def trajectories(table, columns: int = 4) -> plt.Figure:
    """One panel per element of a long table (``element, step, target_logit, start_logit``):
    the target class's logit rising and the start class's logit over the steps."""
    elements = list(dict.fromkeys(table["element"]))
    columns = max(1, min(columns, len(elements)))
    rows = math.ceil(len(elements) / columns)
    figure, axes = plt.subplots(
        rows, columns, figsize=(3.6 * columns, 2.8 * rows), squeeze=False, sharex=True
    )
    for ax in axes.flat[len(elements) :]:
        ax.axis("off")
    for ax, element in zip(axes.flat, elements, strict=False):
        rows_of = table[table["element"] == element]
        start = rows_of["start_class"].iloc[0]
        ax.plot(rows_of["step"], rows_of["target_logit"], color="tab:red", label="target")
        ax.plot(rows_of["step"], rows_of["start_logit"], color="tab:blue", label=f"start: {start}")
        ax.set_title(element, fontsize=8)
        ax.set_xlabel("step")
        ax.set_ylabel("logit")
        ax.legend(fontsize=7)
    figure.suptitle("logits of the model's view at every step", fontsize=10)
    figure.tight_layout()
    return figure
