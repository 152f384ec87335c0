"""Figures of the depth studies: autoencoding curves and grids, fully connected nets,
exact inversion and random neighbours, MNIST training."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import torch

from inputgen.figures.images import image_grid, legend_label

COLOURS = plt.get_cmap("viridis")


def _colours(count: int):
    return [COLOURS(x) for x in np.linspace(0, 0.9, max(count, 1))]


def autoencoding_curves(metrics: pd.DataFrame, *, title: str) -> plt.Figure:
    """m_g (with each layer's m_r as a dashed line) and m_i per iteration, one colour per layer
    from shallow to deep (EfficientNet's ``_blocks.N`` appear as ``blocks.N``: see legend_label)."""
    layers = list(dict.fromkeys(metrics["layer"]))
    figure, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    for layer, colour in zip(layers, _colours(len(layers)), strict=True):
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
    (inputgen.autoencoding.summary_table) m_g / m_r and m_i; shorter rows padded with white."""
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


def fully_connected_figure(table: pd.DataFrame, *, title: str, reference: float) -> plt.Figure:
    """m_i (mean over photos) against iterations per net, log-log; and m_i at the last
    iteration per net; the dashed line is |a' - a| of the reference shift."""
    mean = table.groupby(["net", "iteration"], sort=False)["m_i"].mean().reset_index()
    nets = list(dict.fromkeys(table["net"]))
    figure, (left, right) = plt.subplots(
        1, 2, figsize=(12, 4.5), gridspec_kw={"width_ratios": [3, 2]}
    )
    colours = _colours(len(nets))
    for net, colour in zip(nets, colours, strict=True):
        rows = mean[(mean["net"] == net) & (mean["iteration"] > 0)]
        left.plot(rows["iteration"], rows["m_i"], marker=".", color=colour, label=legend_label(net))
    left.set_xscale("log")
    left.set_yscale("log")
    left.set_xlabel("iterations")
    left.set_ylabel("m_i = |a - a_g| (mean over photos)")
    left.axhline(reference, color="grey", linestyle="--", linewidth=1, label="|a' - a| (shift)")
    left.legend(title="layer widths", fontsize=8)
    last = mean[mean["iteration"] == mean["iteration"].max()]
    right.barh(range(len(nets)), last.set_index("net").loc[nets, "m_i"], color=colours)
    right.set_yticks(range(len(nets)), nets, fontsize=8)
    right.invert_yaxis()
    right.set_ylabel("layer widths")
    right.axvline(reference, color="grey", linestyle="--", linewidth=1)
    right.set_xlabel(f"m_i after {int(mean['iteration'].max())} iterations")
    figure.suptitle(title, fontsize=11)
    figure.tight_layout()
    return figure


def neighbours_figure(
    distances: np.ndarray, *, shifted: float, descent: float, errors: pd.DataFrame, note: str
) -> plt.Figure:
    """Histogram of |a'' - a| with |a' - a| and |a_g - a| marked; exact-inversion errors per
    precision."""
    figure, (left, right) = plt.subplots(
        1, 2, figsize=(12, 4.2), gridspec_kw={"width_ratios": [3, 1.3]}
    )
    low = min(distances.min(), shifted, descent)
    high = max(distances.max(), shifted, descent)
    bins = np.geomspace(low * 0.8, high * 1.25, 60)
    left.hist(distances, bins=bins, color="tab:blue", alpha=0.8, label="|a'' - a| (random)")
    left.axvline(shifted, color="tab:green", linewidth=2, label=f"|a' - a| = {shifted:.3g}")
    left.axvline(descent, color="tab:red", linewidth=2, label=f"|a_g - a| = {descent:.3g}")
    left.axvline(
        np.median(distances),
        color="black",
        linestyle="--",
        linewidth=1,
        label=f"median |a'' - a| = {np.median(distances):.3g}",
    )
    left.set_xscale("log")
    left.set_xlabel("input distance to a")
    left.set_ylabel("random neighbours")
    left.set_title(note, fontsize=9)
    left.legend(fontsize=8)
    right.bar(errors["dtype"], errors["median_relative_error"], color=["tab:orange", "tab:blue"])
    right.set_yscale("log")
    right.set_xlabel("precision")
    right.set_ylabel("median |x_rec - x| / |x|")
    right.set_title("exact inversion", fontsize=10)
    figure.tight_layout()
    return figure


def invertible_figure(
    invertible: pd.DataFrame,
    neighbours: pd.DataFrame,
    summary: pd.DataFrame,
    *,
    depth: int,
    width: int,
    output_std: float,
    reference_std: float,
    steps: int,
) -> plt.Figure:
    """:func:`neighbours_figure` of the first photo of the invertible-net study's tables
    (inputgen.dense.invertible_study), with the median inversion error per precision."""
    first = summary["photo"].iloc[0]
    errors = (
        invertible.groupby("dtype")["relative_error"].median().rename("median_relative_error")
    ).reset_index()
    random = neighbours[(neighbours["photo"] == first) & (neighbours["kind"] == "random")]
    return neighbours_figure(
        np.asarray(random["input_distance"]),
        shifted=float(summary["shifted"].iloc[0]),
        descent=float(summary["descent"].iloc[0]),
        errors=errors,
        note=f"{first}: {depth} square linear layers of {width}; O(a'') = O(a) + "
        f"N(0, {output_std:g}^2), a' = a + N(0, {reference_std:g}^2), a_g after "
        f"{steps} steps ({summary['descent_percentile'].iloc[0]:.1f}th percentile)",
    )


def training_figure(table: pd.DataFrame) -> plt.Figure:
    """Per layer, m_g / m_r and m_i (means over digits) against training steps, with the test
    accuracy: does training make a layer's representation of the input more accurate?"""
    mean = table.groupby(["layer", "step"], sort=False)[["m_g", "m_r", "m_i"]].mean()
    mean = mean.reset_index()
    layers = list(dict.fromkeys(table["layer"]))
    figure, axes = plt.subplots(1, 3, figsize=(14, 4))
    for layer, colour in zip(layers, _colours(len(layers)), strict=True):
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
    ``images`` (checkpoints, 1 + layers, 3, H, W) and the table's (inputgen.mnist) accuracy and
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
