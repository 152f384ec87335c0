"""The output-space study's figure: how differently the models see each class image."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd


def comparison_heatmap(table: pd.DataFrame, *, title: str, extremes: int = 20) -> plt.Figure:
    """Correlation distance per class (rows) and model pair (columns). With many classes only
    the ``extremes`` that agree most and the ``extremes`` that differ most are shown."""
    import seaborn as sns

    table = table.assign(
        pair=table["model_a"] + " vs " + table["model_b"],
        label=table["class"].astype(str) + " " + table["name"],
    )
    matrix = table.pivot(index="label", columns="pair", values="correlation_distance")
    matrix = matrix.loc[matrix.mean(axis=1).sort_values().index]
    if len(matrix) > 2 * extremes:
        matrix = pd.concat([matrix.head(extremes), matrix.tail(extremes)])
        title += f"\n(the {extremes} classes that agree most, then the {extremes} that differ most)"
    height = 1.5 + 0.28 * len(matrix)
    figure, ax = plt.subplots(figsize=(2.2 + 1.1 * matrix.shape[1] + 3, height))
    sns.heatmap(
        matrix,
        annot=matrix.shape[1] <= 12,
        fmt=".2f",
        cmap="viridis",
        vmin=0,
        cbar_kws={"label": "1 - correlation of the two output vectors"},
        ax=ax,
        annot_kws={"fontsize": 7},
    )
    ax.set_xlabel("model pair")
    ax.set_ylabel("class (rows sorted by mean distance: agree at the top)")
    ax.tick_params(axis="x", labelrotation=30)
    ax.set_title(title, fontsize=11)
    figure.tight_layout()
    return figure
