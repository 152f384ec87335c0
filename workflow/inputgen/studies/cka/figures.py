"""The model-similarity study's figures: CKA heatmaps between models and between two models'
layers."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd


def _square(table: pd.DataFrame, rows: str, columns: str) -> pd.DataFrame:
    order_rows = list(dict.fromkeys(table[rows]))
    order_columns = list(dict.fromkeys(table[columns]))
    return table.pivot(index=rows, columns=columns, values="cka").loc[order_rows, order_columns]


def _lowest(*tables: pd.DataFrame) -> float:
    """The colour scale's floor: 0, or lower where a value is (the debiased estimator can be
    negative; a floor of 0 would paint it as 0)."""
    return min(0.0, *(float(table["cka"].min()) for table in tables))


def _heatmap(matrix: pd.DataFrame, ax, label: str, low: float = 0.0, **options) -> None:
    """CKA on one colour scale, ``low`` (0 unless a value is below it) to 1, every value
    annotated."""
    import seaborn as sns

    sns.heatmap(
        matrix,
        vmin=low,
        vmax=1,
        cmap="magma",
        annot=True,
        fmt=".2f",
        ax=ax,
        cbar_kws={"label": label},
        annot_kws={"fontsize": 8},
        **options,
    )


def cka_heatmaps(natural: pd.DataFrame, inverted: pd.DataFrame, *, note: str) -> plt.Figure:
    """Jones et al.'s figure: CKA between every pair of models on natural images (left) and on
    each row model's inverted dataset (right), one colour scale, values annotated."""
    panels = [
        (natural, "natural images", "model"),
        (inverted, "row model's inverted images", "model (its inverted images)"),
    ]
    low = _lowest(natural, inverted)  # one scale for both panels
    size = max(natural["model_a"].nunique(), 2)
    figure, axes = plt.subplots(1, 2, figsize=(2 * (1.2 * size + 2.5), 1.1 * size + 2.2))
    for ax, (table, title, rows) in zip(axes, panels, strict=True):
        matrix = _square(table, "model_a", "model_b")
        mean = table.loc[table["model_a"] != table["model_b"], "cka"].mean()
        _heatmap(matrix, ax, "linear CKA", low, square=True, cbar=ax is axes[-1])
        ax.set_title(f"{title}\n(mean off-diagonal {mean:.2f})", fontsize=11)
        ax.set_xlabel("model")
        ax.set_ylabel(rows)
        ax.tick_params(axis="x", labelrotation=35)
        ax.tick_params(axis="y", labelrotation=0)
    figure.suptitle(f"Linear CKA between models ({note})", fontsize=12)
    figure.tight_layout()
    return figure


def layer_heatmap(table: pd.DataFrame, first: str, second: str, *, batches: int) -> plt.Figure:
    """Kornblith et al.'s layer x layer CKA of two models."""
    matrix = _square(table, "layer_a", "layer_b")
    figure, ax = plt.subplots(figsize=(1.0 * matrix.shape[1] + 3.5, 0.8 * matrix.shape[0] + 2))
    _heatmap(matrix, ax, "minibatch CKA (debiased)", _lowest(table))
    ax.set_xlabel(second)
    ax.set_ylabel(first)
    ax.tick_params(axis="x", labelrotation=35)
    ax.set_title(f"Layer x layer CKA, {first} vs {second} ({batches} minibatches)", fontsize=11)
    figure.tight_layout()
    return figure
