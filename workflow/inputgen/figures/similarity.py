"""Figures of the model-similarity study: inverted pairs, CKA heatmaps."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import pandas as pd
import torch

from inputgen.figures.images import image_grid


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


def inversion_grid(
    natural: torch.Tensor,
    dataset: Mapping[str, torch.Tensor],
    seen: torch.Tensor,
    label_names: Sequence[str],
    class_names: Sequence[str],
    *,
    name: str,
    label_source: str,
    show: int = 8,
) -> plt.Figure:
    """The first ``show`` pairs of an inversion dataset, one row each: the seed, the target
    (captioned with their labels, ``label_names``) and the inverted image (captioned with the
    model's top-1 ``seen``, among ``class_names``, and its relative distance)."""
    shown = min(len(dataset["seed_index"]), show)
    seeds, targets = dataset["seed_index"][:shown], dataset["target_index"][:shown]
    rows = torch.stack([natural[seeds], natural[targets], dataset["images"][:shown]], dim=1)
    captions = [
        caption
        for i in range(shown)
        for caption in (
            f"seed: {label_names[int(dataset['seed_label'][i])][:20]}",
            f"target: {label_names[int(dataset['target_label'][i])][:20]}",
            f"inverted: {class_names[int(seen[i])][:18]}\n"
            f"rel. distance {float(dataset['rep_distance'][i]):.2f}",
        )
    ]
    kind = "true (folder) labels" if label_source == "folder" else f"{name}'s top-1"
    return image_grid(
        rows.flatten(0, 1),
        captions,
        columns=3,
        title=f"{name}: seed | target | inverted (seed, target: {kind}; inverted: {name}'s top-1)",
    )
