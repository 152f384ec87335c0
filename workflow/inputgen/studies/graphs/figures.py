"""The class-graph study's figures: graph drawings, PCA of the class points, coherence."""

from __future__ import annotations

import contextlib
import math
from collections.abc import Sequence

import matplotlib.pyplot as plt
import networkx as nx
import numpy as np
import pandas as pd
from matplotlib.lines import Line2D
from matplotlib.transforms import offset_copy

from inputgen.engine.imagenet_groups import ANIMALS, GROUPS
from inputgen.figures.images import legend_label
from inputgen.platform.config import schema_default

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


def _shelf_pack(boxes: Sequence[tuple[float, float]], width: float) -> list[tuple[float, float]]:
    """Lower-left corners for (width, height) boxes, in rows of at most ``width`` (largest
    first, as given). Hand-written: networkx lays out one component at a time and its layouts
    of disconnected graphs scatter small components over the big ones."""
    corners, x, y, row_height = [], 0.0, 0.0, 0.0
    for w, h in boxes:
        if x > 0 and x + w > width:
            x, y, row_height = 0.0, y - row_height, 0.0
        row_height = max(row_height, h)
        corners.append((x, y - h))
        x += w
    return corners


# The drawing is laid out in inches (data unit = 1 inch, equal aspect), so that the room
# around a node, and so for its name, is the same for 40 classes as for 1000.
_FIGURE_WIDTH = 14.0
_LEGEND_WIDTH = 2.9
_PANEL_WIDTH = _FIGURE_WIDTH - _LEGEND_WIDTH - 0.4
_NODE_SIZE = 55  # points^2
_LABEL_SIZE = 6.5
_LABEL_WIDTH = 18  # characters
# Node shapes and what they mean (the drawing's legend says it).
MARKERS = {
    True: ("o", "generated class (an arrow\nleaves it, to its neighbour)"),
    False: ("s", "not generated: only some\nclass's neighbour"),
}


def _component_box(size: int) -> tuple[float, float]:
    """Inches for a component of ``size`` nodes: wider than tall, as names are."""
    height = 0.5 * (0.8 + math.sqrt(size))
    return min(1.6 * height, _PANEL_WIDTH), height


def _component_layout(graph: nx.DiGraph, members: list[int]) -> np.ndarray:
    """Positions in the unit square (each axis stretched to fill it)."""
    undirected = graph.subgraph(members).to_undirected()
    layout = nx.spring_layout(undirected, seed=0, iterations=200)
    if len(members) <= 200:  # more evenly spread, at a cost that grows fast with the size
        layout = nx.kamada_kawai_layout(undirected, pos=layout)
    points = np.array([layout[m] for m in members], dtype=float)
    low, span = points.min(axis=0), np.ptp(points, axis=0)
    flat = span < 1e-9 * max(span.max(), 1e-9)
    return np.where(flat, 0.5, (points - low) / np.where(flat, 1.0, span))


def _one_thread():
    try:
        from threadpoolctl import threadpool_limits  # installed with scikit-learn
    except ImportError:
        return contextlib.nullcontext()
    return threadpool_limits(1)


def _half_layout(graph: nx.DiGraph, components: list[list[int]]) -> tuple[dict, float]:
    """Node positions in inches, components packed in rows; and the height they take."""
    boxes = [_component_box(len(members)) for members in components]
    positions = {}
    corners = _shelf_pack(boxes, _PANEL_WIDTH)
    # Kamada-Kawai's L-BFGS-B runs ten times slower with threaded BLAS on these small problems.
    with _one_thread():
        for members, (w, h), (x, y) in zip(components, boxes, corners, strict=True):
            margin = np.array([min(0.55, 0.3 * w), min(0.22, 0.25 * h)])  # room for the names
            inner = _component_layout(graph, members) * (np.array([w, h]) - 2 * margin) + margin
            positions.update(
                {m: (x + px, y + py) for m, (px, py) in zip(members, inner, strict=True)}
            )
    height = -min(y for _, y in corners)
    return positions, height


def _draw_half(ax, graph: nx.DiGraph, components: list[list[int]], positions: dict) -> None:
    nodes = [n for members in components for n in members]
    sub = graph.subgraph(nodes)
    for generated, (shape, _) in MARKERS.items():
        chosen = [n for n in nodes if bool(sub.nodes[n]["generated"]) == generated]
        nx.draw_networkx_nodes(
            sub,
            positions,
            nodelist=chosen,
            node_shape=shape,
            node_size=_NODE_SIZE,
            ax=ax,
            node_color=[_colour(sub.nodes[n]["group"]) for n in chosen],
            edgecolors="0.25",
            linewidths=0.4,
        )
    nx.draw_networkx_edges(
        sub,
        positions,
        ax=ax,
        arrows=True,
        arrowsize=8,
        width=0.7,
        node_size=_NODE_SIZE,
        edge_color="0.45",
    )


# Candidate spots for a name around its node, in order of preference: (x, y) direction and
# the alignment that keeps the text on that side.
_SPOTS = [
    ((0, -1), "center", "top"),
    ((0, 1), "center", "bottom"),
    ((1, 0), "left", "center"),
    ((-1, 0), "right", "center"),
    ((0.75, -0.75), "left", "top"),
    ((-0.75, -0.75), "right", "top"),
    ((0.75, 0.75), "left", "bottom"),
    ((-0.75, 0.75), "right", "bottom"),
]


def _box(anchor, width, height, ha, va) -> np.ndarray:
    x = anchor[0] - {"left": 0.0, "center": 0.5, "right": 1.0}[ha] * width
    y = anchor[1] - {"bottom": 0.0, "center": 0.5, "top": 1.0}[va] * height
    return np.array([x, y, x + width, y + height])


def _overlaps(box: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    return (
        (boxes[:, 0] < box[2])
        & (box[0] < boxes[:, 2])
        & (boxes[:, 1] < box[3])
        & (box[1] < boxes[:, 3])
    )


def _crossings(box: np.ndarray, segments: np.ndarray) -> int:
    """How many segments (rows x1, y1, x2, y2) pass through the box (Liang-Barsky clipping)."""
    if not len(segments):
        return 0
    start, delta = segments[:, :2], segments[:, 2:] - segments[:, :2]
    p = np.stack([-delta[:, 0], delta[:, 0], -delta[:, 1], delta[:, 1]], axis=1)
    q = np.stack(
        [start[:, 0] - box[0], box[2] - start[:, 0], start[:, 1] - box[1], box[3] - start[:, 1]],
        axis=1,
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = q / p
    enter = np.where(p < 0, ratio, -np.inf).max(axis=1).clip(min=0)
    leave = np.where(p > 0, ratio, np.inf).min(axis=1).clip(max=1)
    outside = ((p == 0) & (q < 0)).any(axis=1)
    return int(((enter <= leave) & ~outside).sum())


def _place_names(ax, graph: nx.DiGraph, positions: dict) -> int:
    """Write each node's (shortened) name beside it where it overlaps no other name and no
    node, preferring spots that no edge crosses; hubs first. Returns how many names found no
    such spot and were left out. Works in display space, so the axes must be laid out."""
    figure = ax.figure
    renderer = figure.canvas.get_renderer()
    ax.apply_aspect()
    pixels = figure.dpi / 72
    nodes = list(positions)
    xy = ax.transData.transform(np.array([positions[n] for n in nodes]))
    where = dict(zip(nodes, xy, strict=True))
    radius = math.sqrt(_NODE_SIZE) / 2 * pixels
    obstacles = np.hstack([xy - radius + 0.5, xy + radius - 0.5])
    edges = [(u, v) for u, v in graph.edges if u in where and v in where]
    segments = np.array([[*where[u], *where[v]] for u, v in edges]).reshape(-1, 4)
    frame = ax.bbox.extents
    gap = radius + 1.5 * pixels
    probe = ax.text(0, 0, "", fontsize=_LABEL_SIZE)
    placed = np.empty((0, 4))
    order = sorted(nodes, key=lambda n: (-graph.degree(n), not graph.nodes[n]["generated"], n))
    left_out = 0
    for node in order:
        name = _short(graph.nodes[node]["name"], _LABEL_WIDTH)
        probe.set_text(name)
        extent = probe.get_window_extent(renderer)
        best = None
        for (dx, dy), ha, va in _SPOTS:
            anchor = where[node] + gap * np.array([dx, dy])
            box = _box(anchor, extent.width + 2, extent.height, ha, va)
            if (
                box[0] < frame[0]
                or box[2] > frame[2]
                or box[1] < frame[1]
                or box[3] > frame[3]
                or _overlaps(box, placed).any()
                or _overlaps(box, obstacles).any()
            ):
                continue
            crossed = _crossings(box, segments)
            if best is None or crossed < best[0]:
                best = (crossed, box, (dx, dy), ha, va)
            if crossed == 0:
                break
        if best is None:
            left_out += 1
            continue
        _, box, (dx, dy), ha, va = best
        placed = np.vstack([placed, box])
        ax.annotate(
            name,
            positions[node],
            xytext=(gap / pixels * dx, gap / pixels * dy),
            textcoords="offset points",
            ha=ha,
            va=va,
            fontsize=_LABEL_SIZE,
            bbox={"boxstyle": "square,pad=0.05", "facecolor": "white", "alpha": 0.7, "lw": 0},
        )
    probe.remove()
    return left_out


def _legends(ax, graph: nx.DiGraph, drawn: set) -> None:
    """The marker shapes, the arrows and the colours, stacked in the (empty) legend axes."""
    shapes = [
        Line2D([], [], marker=shape, linestyle="", color="0.6", markeredgecolor="0.25", label=text)
        for generated, (shape, text) in MARKERS.items()
        if any(bool(graph.nodes[n]["generated"]) == generated for n in drawn)
    ]
    arrow = Line2D(
        [], [], marker=r"$\rightarrow$", markersize=12, linestyle="", color="0.45",
        label="class -> its neighbour",
    )  # fmt: skip
    marker = ax.legend(
        handles=[*shapes, arrow],
        title="marker",
        fontsize=7,
        title_fontsize=8,
        loc="upper left",
        bbox_to_anchor=(0.0, 1.0),
        frameon=False,
        alignment="left",
    )
    ax.add_artist(marker)
    figure = ax.figure
    below = marker.get_window_extent(figure.canvas.get_renderer()).height * 72 / figure.dpi + 8
    _group_legend(
        ax,
        {graph.nodes[n]["group"] for n in drawn},
        loc="upper left",
        bbox_to_anchor=(0.0, 1.0),
        bbox_transform=offset_copy(ax.transAxes, fig=figure, y=-below, units="points"),
        frameon=False,
        alignment="left",
        title_fontsize=8,
    )


def component_drawing(
    graph: nx.DiGraph,
    *,
    title: str,
    max_components: int = schema_default("graphs.max_components"),
) -> plt.Figure:
    """The graph split into ImageNet's animal half (edges from generated classes 0-397) and the
    rest, as source article 2 draws it; per half its largest components with class names
    (at most ``max_components``, so that a 1000-class graph stays readable; all of them are in
    components.tsv). Colours are coarse groups; an arrow points from a generated class (circle)
    to its neighbour; squares are neighbours that were not generated themselves. A name goes
    beside its node only where it overlaps no other name and no node (hubs first): in crowded
    drawings the rest are left out, and the panel's title counts them."""
    halves = []
    splits = (("animal half (classes 0-397)", True), ("the rest (398-999)", False))
    if not graph.graph.get("imagenet", True):  # other labels: no halves
        splits = (("every class", None),)
    for label, keep in splits:
        kept = [(u, v) for u, v in graph.edges if keep is None or (u in ANIMALS) == keep]
        half = graph.edge_subgraph(kept)
        components = sorted(
            (sorted(c) for c in nx.weakly_connected_components(half)), key=lambda c: (-len(c), c)
        )
        if components:
            shown = components[:max_components]
            positions, height = _half_layout(half, shown)
            halves.append((label, half, components, shown, positions, height))
    heights = [height + 0.1 for *_, height in halves] or [1.0]
    figure, axes = plt.subplots(
        len(heights),
        2,
        figsize=(_FIGURE_WIDTH, 0.75 + 0.3 * len(heights) + sum(heights)),  # + titles
        squeeze=False,
        height_ratios=heights,
        width_ratios=(_FIGURE_WIDTH - _LEGEND_WIDTH, _LEGEND_WIDTH),
        layout="constrained",
    )
    gridspec = axes[0, 1].get_subplotspec().get_gridspec()
    for ax in axes[:, 1]:
        ax.remove()
    key = figure.add_subplot(gridspec[:, 1])
    for ax in (*axes[:, 0], key):
        ax.axis("off")
    if not halves:
        axes[0, 0].text(0.5, 0.5, "no edges", ha="center", va="center")
    drawn = set()
    for ax, (label, half, components, shown, positions, height) in zip(
        axes[:, 0], halves, strict=False
    ):
        _draw_half(ax, half, shown, positions)
        ax.set_xlim(-0.05, _PANEL_WIDTH + 0.05)
        ax.set_ylim(-height - 0.05, 0.05)
        ax.set_aspect("equal", anchor="NW")
        more = f"the {len(shown)} largest of " if len(shown) < len(components) else ""
        ax.set_title(f"{label}: {more}{len(components)} components", fontsize=10, loc="left")
        drawn |= set(positions)
    _legends(key, graph, drawn or set(graph))
    figure.suptitle(title, fontsize=12)
    figure.draw_without_rendering()  # lay the figure out: names are placed in display space
    figure.set_layout_engine("none")
    for ax, (_, half, _, _, positions, _) in zip(axes[:, 0], halves, strict=False):
        left_out = _place_names(ax, half, positions)
        if left_out:
            ax.set_title(
                f"{ax.get_title(loc='left')}; {left_out} of {len(positions)} names left out "
                "where they would overlap (all are in components.tsv)",
                fontsize=10,
                loc="left",
            )
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
        ax.plot(rows["observed"], y, "o", color=colours[relation], label=legend_label(relation))
    ax.set_yticks(range(len(pairs)), pairs)
    ax.set_ylabel("generator -> evaluator")
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.set_xlabel("fraction of graph edges joining two classes of one coarse group")
    ax.legend(title="relation (grey: random baseline, 95%)", fontsize=8, loc="lower right")
    ax.set_title(title, fontsize=11)
    figure.tight_layout()
    return figure


# ------------------------------------------------------------------ the stages' figures
RELATION_DESCRIPTIONS = {
    "nearest": "class -> its most activated other output",
    "metric": "class -> nearest other class point ({metric})",
}


def relation_drawing(
    graph: nx.DiGraph,
    relation: str,
    *,
    generator: str,
    evaluator: str,
    metric: str,
    max_components: int = schema_default("graphs.max_components"),
) -> plt.Figure:
    """:func:`component_drawing` of one relation's graph of ``evaluator``'s outputs on
    ``generator``'s images, titled with what its edges mean."""
    description = RELATION_DESCRIPTIONS[relation].format(metric=metric)
    return component_drawing(
        graph,
        title=f"{generator} images as {evaluator} sees them: {description}",
        max_components=max_components,
    )


def output_pca_figure(
    coordinates: np.ndarray,
    ratios: np.ndarray,
    classes: Sequence[int],
    class_names: Sequence[str],
    *,
    generator: str,
    evaluator: str,
    imagenet: bool = True,
) -> plt.Figure:
    """:func:`pca_figure` of ``evaluator``'s outputs on ``generator``'s images of ``classes``
    (points named, and coloured by coarse group where the classes are ImageNet's)."""
    from inputgen.engine.imagenet_groups import groups_of

    groups = groups_of(classes) if imagenet else [None] * len(classes)
    return pca_figure(
        coordinates,
        ratios,
        [class_names[c] for c in classes],
        [g or "" for g in groups],
        title=f"PCA of the output space: {generator} images, {evaluator} outputs",
    )
