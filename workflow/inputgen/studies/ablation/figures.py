"""The prior ablation's figure: one class under each configuration, and each configuration's
recognition with its bootstrap interval."""

from __future__ import annotations

import matplotlib.pyplot as plt
import torch


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
