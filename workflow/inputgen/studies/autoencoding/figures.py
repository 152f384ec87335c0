"""The layer autoencoding study's figures: m_g and m_i per layer, and the inputs recovered from
each layer of every model."""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.pyplot as plt
import pandas as pd
import torch

from inputgen.figures.images import image_grid, legend_label, shades


def autoencoding_curves(metrics: pd.DataFrame, *, title: str) -> plt.Figure:
    """m_g (with each layer's m_r as a dashed line) and m_i per iteration, one colour per layer
    from shallow to deep (EfficientNet's ``_blocks.N`` appear as ``blocks.N``: see legend_label)."""
    layers = list(dict.fromkeys(metrics["layer"]))
    figure, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    for layer, colour in zip(layers, shades(len(layers)), strict=True):
        rows = metrics[metrics["layer"] == layer]
        label = legend_label(layer)
        left.plot(rows["iteration"], rows["m_g"], color=colour, label=label)
        left.axhline(float(rows["m_r"].iloc[0]), color=colour, linestyle="--", linewidth=1)
        right.plot(rows["iteration"], rows["m_i"], color=colour, label=label)
    left.set_yscale("log")
    left.set_ylabel("m_g = |O(a) - O(a_g)|  (dashed: m_r = |O(a) - O(a')|)")
    right.set_ylabel("m_i = |a - a_g|")
    for ax in (left, right):
        ax.set_xlabel("iteration")
    right.legend(title="layer", fontsize=8)
    figure.suptitle(title, fontsize=11)
    figure.tight_layout()
    return figure


def autoencoding_grid(summary: pd.DataFrame, images: Mapping[str, Mapping]) -> plt.Figure:
    """One row per model (``images``' order: {model: {"target", "images"}}): the target, then
    the input recovered from each layer, shallow to deep, captioned with ``summary``'s
    (:func:`.science.summary_table`) m_g / m_r and m_i; shorter rows padded with white."""
    rows = {name: summary[summary["model"] == name] for name in images}
    width = max(len(last) for last in rows.values())
    cells, captions = [], []
    for name, tensors in images.items():
        last = rows[name]
        kind = "trained" if bool(last["trained"].iloc[0]) else "untrained"
        cells += [tensors["target"], *tensors["images"]]
        captions += [f"{name} ({kind})\ntarget"] + [
            f"{row.layer}\nm_g/m_r {row.m_g / row.m_r:.2f}, m_i {row.m_i:.1f}"
            for row in last.itertuples()
        ]
        for _ in range(width - len(last)):  # keep one model per row
            cells.append(torch.ones_like(tensors["target"]))
            captions.append("")
    return image_grid(
        torch.stack(cells),
        captions,
        columns=width + 1,
        title="Layer autoencoding: the target and what each layer's output determines "
        "(shallow -> deep)",
    )
