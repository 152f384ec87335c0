"""Figures of the output-space study: class graphs, PCA, cross-model comparison, coherence."""

from __future__ import annotations

import math
from collections.abc import Sequence

import matplotlib

matplotlib.use("Agg")  # jobs run headless

import matplotlib.pyplot as plt  # noqa: E402
import networkx as nx  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402

from inputgen.imagenet_groups import ANIMALS, GROUPS  # noqa: E402

# tab20 without its two greys, which read as "no group": 18 colours for the 18 groups
_PALETTE = [c for i, c in enumerate(plt.get_cmap("tab20").colors) if i not in (14, 15)]
GROUP_COLOURS = {group: _PALETTE[i % len(_PALETTE)] for i, group in enumerate(GROUPS)}
UNGROUPED = (0.75, 0.75, 0.75)


def _colour(group: str):
    return GROUP_COLOURS.get(group, UNGROUPED)


def _short(name: str, width: int = 16) -> str:
    return name if len(name) <= width else name[: width - 1] + "."


def _group_legend(ax, groups: set[str], **kwargs) -> None:
    handles = [
        Line2D([], [], marker="o", linestyle="", color=_colour(g), label=g or "no group")
        for g in sorted(groups, key=lambda g: (g == "", g))
    ]
    ax.legend(handles=handles, fontsize=7, title="coarse group", **kwargs)


def _shelf_pack(sizes: Sequence[float], width: float) -> list[tuple[float, float]]:
    """Lower-left corners for squares of the given sides, in rows of at most ``width``
    (largest first, as given). Hand-written: networkx lays out one component at a time and
    its layouts of disconnected graphs scatter small components over the big ones."""
    corners, x, y, row_height = [], 0.0, 0.0, 0.0
    for side in sizes:
        if x > 0 and x + side > width:
            x, y, row_height = 0.0, y - row_height, 0.0
        row_height = max(row_height, side)
        corners.append((x, y - side))
        x += side
    return corners


def _draw_half(ax, graph: nx.DiGraph, components: list[list[int]]) -> None:
    sides = [1.0 + math.sqrt(len(members)) for members in components]
    width = max(max(sides), math.sqrt(sum(side**2 for side in sides)) * 1.3)
    positions = {}
    for members, side, (x, y) in zip(components, sides, _shelf_pack(sides, width), strict=True):
        layout = nx.spring_layout(graph.subgraph(members), seed=0)
        points = np.array([layout[m] for m in members])
        low, span = points.min(axis=0), np.ptp(points, axis=0).clip(min=1e-9)
        inner = (points - low) / span * (side - 1.0) + 0.5  # keep half a unit of margin
        positions.update({m: (x + px, y + py) for m, (px, py) in zip(members, inner, strict=True)})
    nodes = [n for members in components for n in members]
    sub = graph.subgraph(nodes)
    for generated, shape in ((True, "o"), (False, "s")):
        chosen = [n for n in nodes if bool(sub.nodes[n]["generated"]) == generated]
        nx.draw_networkx_nodes(
            sub,
            positions,
            nodelist=chosen,
            node_shape=shape,
            node_size=70,
            ax=ax,
            node_color=[_colour(sub.nodes[n]["group"]) for n in chosen],
        )
    nx.draw_networkx_edges(
        sub,
        positions,
        ax=ax,
        arrows=True,
        arrowsize=9,
        width=0.8,
        node_size=70,
        edge_color="0.35",
    )
    nx.draw_networkx_labels(
        sub,
        {n: (x, y - 0.22) for n, (x, y) in positions.items()},
        labels={n: _short(sub.nodes[n]["name"]) for n in nodes},
        font_size=7,
        ax=ax,
    )
    ax.set_aspect("equal")
    ax.margins(0.04)


def component_drawing(graph: nx.DiGraph, *, title: str, max_components: int = 40) -> plt.Figure:
    """The graph split into ImageNet's animal half (edges from generated classes 0-397) and the
    rest, as source article 2 draws it; per half its largest components with class names
    (at most ``max_components``, so that a 1000-class graph stays readable; all of them are in
    components.tsv). Colours are coarse groups; an arrow points from a generated class to its
    neighbour; squares are neighbours that were not generated themselves."""
    halves = []
    for label, keep in (("animal half (classes 0-397)", True), ("the rest (398-999)", False)):
        half = graph.edge_subgraph([(u, v) for u, v in graph.edges if (u in ANIMALS) == keep])
        components = sorted(
            (sorted(c) for c in nx.weakly_connected_components(half)), key=lambda c: (-len(c), c)
        )
        if components:
            halves.append((label, half, components))
    heights = [
        max(3.0, 1.1 * math.sqrt(sum(len(c) for c in comps[:max_components])))
        for _, _, comps in halves
    ] or [3.0]
    figure, axes = plt.subplots(
        len(heights),
        1,
        figsize=(14, 1.0 + 1.3 * sum(heights)),
        squeeze=False,
        height_ratios=heights,
    )
    for ax in axes.flat:
        ax.axis("off")
    for ax, (label, half, components) in zip(axes.flat, halves, strict=False):
        shown = components[:max_components]
        _draw_half(ax, half, shown)
        more = f"the {len(shown)} largest of " if len(shown) < len(components) else ""
        ax.set_title(f"{label}: {more}{len(components)} components", fontsize=10, loc="left")
    _group_legend(
        axes.flat[0],
        {graph.nodes[n]["group"] for n in graph},
        loc="upper left",
        bbox_to_anchor=(1.0, 1.0),
        frameon=False,
    )
    figure.suptitle(title, fontsize=12)
    figure.tight_layout()
    return figure


def pca_figure(
    coordinates: np.ndarray,
    ratios: np.ndarray,
    names: Sequence[str],
    groups: Sequence[str],
    *,
    title: str,
) -> plt.Figure:
    """The class points on the first two principal components, and how much variance the
    components explain (cumulative)."""
    figure, (scatter, curve) = plt.subplots(1, 2, figsize=(15, 6.5), width_ratios=(3, 2))
    scatter.scatter(
        coordinates[:, 0],
        coordinates[:, 1],
        s=22,
        c=[_colour(g) for g in groups],
        edgecolors="0.3",
        linewidths=0.4,
    )
    if len(names) <= 120:  # beyond that labels only hide the points
        for (x, y), name in zip(coordinates, names, strict=True):
            scatter.annotate(
                _short(name, 18), (x, y), fontsize=7, xytext=(3, 3), textcoords="offset points"
            )
    scatter.set_xlabel(f"PC 1 ({ratios[0]:.1%} of the variance)")
    scatter.set_ylabel(f"PC 2 ({ratios[1]:.1%})" if len(ratios) > 1 else "PC 2")
    scatter.set_title("class points in output space, first two components")
    _group_legend(scatter, set(groups), loc="best", framealpha=0.7)
    components = np.arange(1, len(ratios) + 1)
    curve.bar(components, ratios, color="tab:blue", alpha=0.5, label="per component")
    curve.plot(components, np.cumsum(ratios), color="tab:red", marker=".", label="cumulative")
    curve.axhline(1.0, color="0.6", linewidth=0.8)
    curve.set_xlabel("principal component")
    curve.set_ylabel("fraction of variance explained")
    curve.set_ylim(0, 1.05)
    curve.set_title(f"first two components: {ratios[:2].sum():.1%}")
    curve.legend(loc="center right")
    figure.suptitle(title, fontsize=12)
    figure.tight_layout()
    return figure


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
    ax.set_xlabel("")
    ax.set_ylabel("class (rows sorted by mean distance: agree at the top)")
    ax.tick_params(axis="x", labelrotation=30)
    ax.set_title(title, fontsize=11)
    figure.tight_layout()
    return figure


def coherence_figure(table: pd.DataFrame, *, title: str) -> plt.Figure:
    """Observed same-group fraction (dots) against the permutation baseline (bar: its mean and
    the interval holding the middle 95% of it), per generator/evaluator and relation."""
    table = table.reset_index(drop=True)
    labels = table["generator"] + " -> " + table["evaluator"]
    relations = list(dict.fromkeys(table["relation"]))
    pairs = list(dict.fromkeys(labels))
    figure, ax = plt.subplots(figsize=(9, 1.2 + 0.45 * len(pairs) * len(relations)))
    colours = dict(zip(relations, ("tab:blue", "tab:orange", "tab:green"), strict=False))
    offsets = np.linspace(-0.2, 0.2, len(relations))
    for offset, relation in zip(offsets, relations, strict=True):
        rows = table[table["relation"] == relation]
        y = np.array([pairs.index(label) for label in labels[rows.index]]) + offset
        ax.hlines(y, rows["ci_low"], rows["ci_high"], color="0.6", linewidth=5, alpha=0.6)
        ax.plot(rows["baseline_mean"], y, "|", color="0.3", markersize=9)
        ax.plot(rows["observed"], y, "o", color=colours[relation], label=relation)
    ax.set_yticks(range(len(pairs)), pairs)
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.set_xlabel("fraction of graph edges joining two classes of one coarse group")
    ax.legend(title="relation (grey: random baseline, 95%)", fontsize=8, loc="lower right")
    ax.set_title(title, fontsize=11)
    figure.tight_layout()
    return figure


def loss_curve(history: Sequence[float], *, title: str, ylabel: str) -> plt.Figure:
    figure, ax = plt.subplots(figsize=(6, 4))
    ax.plot(range(len(history)), history, color="tab:blue")
    ax.set_yscale("log")
    ax.set_xlabel("SGD step")
    ax.set_ylabel(ylabel)
    ax.set_title(title, fontsize=10)
    figure.tight_layout()
    return figure
