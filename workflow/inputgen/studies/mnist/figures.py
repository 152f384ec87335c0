"""The MNIST training study's figures: accuracy and m_i per checkpoint and layer, and the digits
recovered."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import torch

from inputgen.figures.images import image_grid, legend_label, shades


def training_figure(table: pd.DataFrame) -> plt.Figure:
    """Per layer, m_g / m_r and m_i (means over digits) against training steps, with the test
    accuracy: does training make a layer's representation of the input more accurate?"""
    mean = table.groupby(["layer", "step"], sort=False)[["m_g", "m_r", "m_i"]].mean()
    mean = mean.reset_index()
    layers = list(dict.fromkeys(table["layer"]))
    figure, axes = plt.subplots(1, 3, figsize=(14, 4))
    for layer, colour in zip(layers, shades(len(layers)), strict=True):
        rows, label = mean[mean["layer"] == layer], legend_label(layer)
        axes[0].plot(rows["step"], rows["m_g"] / rows["m_r"], marker="o", color=colour, label=label)
        axes[1].plot(rows["step"], rows["m_i"], marker="o", color=colour, label=label)
    axes[0].axhline(1, color="grey", linestyle="--", linewidth=1)
    axes[0].set_yscale("log")
    axes[0].set_ylabel("m_g / m_r (below 1: as close as the shift a')")
    axes[1].set_ylabel("m_i = |a - a_g|")
    accuracy = table.drop_duplicates("step")
    axes[2].plot(accuracy["step"], accuracy["test_accuracy"], marker="o", color="black")
    axes[2].set_ylabel("test accuracy")
    for ax in axes:
        ax.set_xlabel("training step")
    axes[1].legend(title="layer", fontsize=8)
    figure.suptitle("Layer autoencoding of MNIST test digits during training", fontsize=11)
    figure.tight_layout()
    return figure


def training_grid(table: pd.DataFrame, images: torch.Tensor, layers: Sequence[str]) -> plt.Figure:
    """Test digit 0 and the input recovered from each layer (columns) at each checkpoint (rows):
    ``images`` (checkpoints, 1 + layers, 3, H, W) and the table's (:mod:`.science`) accuracy and
    m_g / m_r (of digit 0)."""
    first = table[table["digit"] == 0]
    captions = []
    for step, rows in first.groupby("step", sort=False):
        captions.append(f"step {step}\ntest acc. {rows['test_accuracy'].iloc[0]:.3f}")
        for layer in layers:
            row = rows[rows["layer"] == layer].iloc[0]
            # float32, as the descent's own m_g and m_r
            ratio = np.float32(row["m_g"]) / np.float32(row["m_r"])
            captions.append(f"{layer}\nm_g/m_r {ratio:.2f}")
    return image_grid(
        images.flatten(0, 1),
        captions,
        columns=len(layers) + 1,
        title="Test digit 0 recovered from each layer (columns) at each checkpoint (rows)",
        cell_inches=1.6,
    )
