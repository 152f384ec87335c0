"""Nearest-neighbour class graphs of an output space (source article 2) and their coherence.

Rows of an output matrix are the outputs ``O(a_c, e)`` of one evaluator on the generated image
of class c. Two relations link each class to one other:

- ``nearest``: the source's relation, the most activated output other than the target itself
  (it may be a class that was not generated);
- ``metric``: the nearest other generated class point in output space (Euclidean or cosine).

Ties go to the smaller class index, so a graph is a function of the matrix alone. Graphs are
directed (c -> its neighbour); components, cliques and coherence read them undirected, as the
source's ``nx.Graph`` did. The PCA of an output space is here too (its figure draws the same
class points).
"""

from __future__ import annotations

from collections.abc import Sequence

import networkx as nx
import numpy as np
import pandas as pd
from scipy.spatial.distance import cdist

from inputgen.engine.imagenet_groups import ANIMALS, groups_of
from inputgen.platform.config import schema_default

METRICS = ("euclidean", "cosine")


def _check(outputs: np.ndarray, classes: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
    outputs = np.asarray(outputs, dtype=np.float64)
    classes = np.asarray(classes, dtype=np.int64)
    if outputs.ndim != 2 or len(outputs) != len(classes):
        raise ValueError(
            f"outputs must be (classes, outputs); got {outputs.shape} for {len(classes)} classes"
        )
    if len(set(classes.tolist())) != len(classes):
        raise ValueError(f"classes repeat: {classes.tolist()}")
    if not np.isfinite(outputs).all():
        raise ValueError("outputs hold NaN or infinite values")
    return outputs, classes


def _smallest_index_among(best: np.ndarray, values: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Per row, the smallest label among the columns where ``values`` equals the row's best."""
    tied = values == best[:, None]
    return np.where(tied, labels[None, :], np.iinfo(np.int64).max).min(axis=1)


def _graph(sources, targets, weights, weight_name, names, generated, imagenet) -> nx.DiGraph:
    # ImageNet's coarse groups (and halves) only where the classes are ImageNet's.
    graph = nx.DiGraph(imagenet=imagenet)
    nodes = sorted(set(map(int, sources)) | set(map(int, targets)))
    groups = groups_of(nodes) if imagenet else [None] * len(nodes)
    for node, group in zip(nodes, groups, strict=True):
        graph.add_node(
            node,
            name=names[node] if names is not None else str(node),
            group=group or "",  # GraphML has no null
            generated=node in generated,
        )
    for source, target, weight in zip(sources, targets, weights, strict=True):
        graph.add_edge(int(source), int(target), **{weight_name: float(weight)})
    return graph


def nearest_graph(
    outputs: np.ndarray,
    classes: Sequence[int],
    names: Sequence[str] | None = None,
    imagenet: bool = True,
) -> nx.DiGraph:
    """Class c -> the output most activated by c's image other than c (edge weight: its logit)."""
    outputs, classes = _check(outputs, classes)
    if classes.max(initial=-1) >= outputs.shape[1]:
        raise ValueError(f"class {classes.max()} >= {outputs.shape[1]} outputs")
    masked = outputs.copy()
    masked[np.arange(len(classes)), classes] = -np.inf
    best = masked.max(axis=1)
    neighbours = _smallest_index_among(best, masked, np.arange(outputs.shape[1]))
    return _graph(classes, neighbours, best, "logit", names, set(classes.tolist()), imagenet)


def metric_graph(
    outputs: np.ndarray,
    classes: Sequence[int],
    metric: str = schema_default("graphs.metric"),
    names: Sequence[str] | None = None,
    imagenet: bool = True,
) -> nx.DiGraph:
    """Class c -> the generated class whose output point is nearest to c's (edge: distance)."""
    if metric not in METRICS:
        raise ValueError(f"metric must be one of {METRICS}, got {metric!r}")
    outputs, classes = _check(outputs, classes)
    if len(classes) < 2:
        raise ValueError("a metric graph needs at least two classes")
    distances = cdist(outputs, outputs, metric=metric)
    np.fill_diagonal(distances, np.inf)
    best = distances.min(axis=1)
    neighbours = _smallest_index_among(best, distances, classes)
    return _graph(classes, neighbours, best, "distance", names, set(classes.tolist()), imagenet)


def _half(members: Sequence[int]) -> str:
    animals = sum(m in ANIMALS for m in members)
    return "animals" if animals == len(members) else "rest" if animals == 0 else "mixed"


def components_table(graph: nx.DiGraph) -> pd.DataFrame:
    """One row per (weakly) connected component, largest first: size, whether it is a clique
    (every pair linked), which half of ImageNet it lies in, and its members."""
    undirected = graph.to_undirected(as_view=True)
    components = sorted(
        (sorted(c) for c in nx.connected_components(undirected)), key=lambda c: (-len(c), c[0])
    )
    rows = []
    for number, members in enumerate(components):
        size = len(members)
        edges = undirected.subgraph(members).number_of_edges()
        rows.append(
            {
                "component": number,
                "size": size,
                "is_clique": size > 1 and edges == size * (size - 1) // 2,
                "half": _half(members) if graph.graph.get("imagenet", True) else "",
                "members": "; ".join(f"{m} {graph.nodes[m]['name']}" for m in members),
            }
        )
    return pd.DataFrame(rows, columns=["component", "size", "is_clique", "half", "members"]).astype(
        {"is_clique": bool}
    )


def same_group_fraction(graph: nx.DiGraph) -> float:
    """The fraction of (undirected, distinct) edges whose classes share a coarse group."""
    edges = _undirected_edges(graph)
    codes = _group_codes(graph)
    return float(_fractions(codes[None, :], edges).item()) if len(edges) else float("nan")


def _undirected_edges(graph: nx.DiGraph) -> np.ndarray:
    position = {node: i for i, node in enumerate(graph.nodes)}
    pairs = {tuple(sorted((position[u], position[v]))) for u, v in graph.edges if u != v}
    return np.array(sorted(pairs), dtype=np.int64).reshape(-1, 2)


def _group_codes(graph: nx.DiGraph) -> np.ndarray:
    """Each node's group as an integer, -1 for ungrouped (never counts as shared)."""
    groups = [graph.nodes[node]["group"] for node in graph.nodes]
    index = {group: i for i, group in enumerate(sorted(set(groups) - {""}))}
    return np.array([index.get(group, -1) for group in groups], dtype=np.int64)


def _fractions(codes: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Per row of ``codes`` (one labelling of the nodes), the fraction of same-group edges."""
    first, second = codes[:, edges[:, 0]], codes[:, edges[:, 1]]
    return ((first == second) & (first >= 0)).mean(axis=1)


def coherence(
    graph: nx.DiGraph,
    permutations: int = schema_default("graphs.permutations"),
    seed: int = 0,
    level: float = 0.95,
) -> dict[str, float]:
    """Observed same-group fraction against a permutation baseline.

    The baseline shuffles the group labels over the graph's nodes: a random graph with the same
    degree sequence (the same graph with its nodes relabelled), so the baseline keeps the graph's
    shape and its mix of groups and tests only which classes the edges join. ``ci_low`` and
    ``ci_high`` bound the middle ``level`` of the baseline distribution; ``p_value`` is the
    one-sided chance of a baseline fraction at least the observed one (with the +1 correction).
    """
    if permutations < 1:
        raise ValueError(f"permutations must be >= 1, got {permutations}")
    edges = _undirected_edges(graph)
    if not len(edges):
        raise ValueError("the graph has no edges")
    codes = _group_codes(graph)
    if not graph.graph.get("imagenet", True):  # no coarse groups to be coherent in
        keys = ("observed", "baseline_mean", "ci_low", "ci_high", "p_value")
        return {**dict.fromkeys(keys, float("nan")), "edges": len(edges)}
    observed = float(_fractions(codes[None, :], edges)[0])
    rng = np.random.default_rng(seed)
    shuffled = rng.permuted(np.broadcast_to(codes, (permutations, len(codes))), axis=1)
    baseline = _fractions(shuffled, edges)
    tail = (1 - level) / 2
    return {
        "observed": observed,
        "baseline_mean": float(baseline.mean()),
        "ci_low": float(np.quantile(baseline, tail)),
        "ci_high": float(np.quantile(baseline, 1 - tail)),
        "p_value": float((1 + (baseline >= observed).sum()) / (1 + permutations)),
        "edges": len(edges),
    }


def expected_same_group_fraction(graph: nx.DiGraph) -> float:
    """The exact mean of the permutation baseline: for any edge between two distinct nodes,
    P(both labels fall in one group) = sum_g n_g (n_g - 1) / (n (n - 1))."""
    codes = _group_codes(graph)
    n = len(codes)
    counts = np.bincount(codes[codes >= 0])
    return float((counts * (counts - 1)).sum() / (n * (n - 1)))


# ---------------------------------------------------------------------------- the study
RELATIONS = ("nearest", "metric")


def relation_graphs(
    outputs: np.ndarray,
    classes: Sequence[int],
    names: Sequence[str] | None = None,
    metric: str = schema_default("graphs.metric"),
    imagenet: bool = True,
) -> dict[str, nx.DiGraph]:
    """Both relations' graphs of one output matrix, by relation (in :data:`RELATIONS` order);
    ``imagenet``: whether the classes are ImageNet's (else no coarse groups, no coherence)."""
    return {
        "nearest": nearest_graph(outputs, classes, names, imagenet),
        "metric": metric_graph(outputs, classes, metric, names, imagenet),
    }


def components_of(graphs: dict[str, nx.DiGraph]) -> pd.DataFrame:
    """Every relation's components (:func:`components_table`), one table led by the relation."""
    tables = [
        components_table(graph).assign(relation=relation) for relation, graph in graphs.items()
    ]
    table = pd.concat(tables, ignore_index=True)
    return table[["relation", *table.columns[:-1]]]


def coherence_table(
    graphs: dict[str, nx.DiGraph],
    permutations: int,
    seed: int,
    generator: str,
    evaluator: str,
) -> pd.DataFrame:
    """One row per relation: its :func:`coherence` (each relation against the same seeded
    permutations), which generator's images and which evaluator's outputs (rounded to 6
    decimals)."""
    rows = [
        {
            "relation": relation,
            **coherence(graph, permutations, seed),
            "permutations": permutations,
            "generator": generator,
            "evaluator": evaluator,
        }
        for relation, graph in graphs.items()
    ]
    return pd.DataFrame(rows).round(6)


def gather_coherence(tables: Sequence[pd.DataFrame]) -> pd.DataFrame:
    """Coherence tables of several generator/evaluator pairs as one, led by the pair."""
    if not tables:
        raise ValueError("no coherence tables to gather")
    table = pd.concat(tables, ignore_index=True)
    columns = ["generator", "evaluator"]
    return table[columns + [c for c in table.columns if c not in columns]]


# ----------------------------------------------------------------------- PCA of the outputs
def pca(outputs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """2-D PCA coordinates of the class points and the explained-variance ratio of every
    component (it sums to 1: the source's point is how little the first two carry)."""
    from sklearn.decomposition import PCA

    outputs = np.asarray(outputs, dtype=np.float64)
    if outputs.ndim != 2 or len(outputs) < 2:
        raise ValueError(f"PCA needs a (classes >= 2, outputs) matrix, got {outputs.shape}")
    model = PCA(svd_solver="full").fit(outputs)
    coordinates = model.transform(outputs)
    if coordinates.shape[1] < 2:  # two classes span one component: pad the second axis
        coordinates = np.pad(coordinates, ((0, 0), (0, 2 - coordinates.shape[1])))
    return coordinates[:, :2], model.explained_variance_ratio_


def pca_table(ratios: np.ndarray) -> pd.DataFrame:
    """Each principal component's explained-variance ratio and the cumulative sum."""
    ratios = np.asarray(ratios)
    return pd.DataFrame(
        {
            "component": range(1, len(ratios) + 1),
            "explained_variance_ratio": ratios.round(8),
            "cumulative": ratios.cumsum().round(8),
        }
    )
