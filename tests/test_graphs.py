"""Class graphs, coherence, the group table, PCA and the cross-model comparison."""

import networkx as nx
import numpy as np
import pandas as pd
import pytest
import torch
from inputgen.engine.imagenet_groups import GROUPS, group_of
from inputgen.engine.models import imagenet_class_names
from inputgen.engine.outputs import correlation_distance
from inputgen.studies.graphs import science as graphs
from inputgen.studies.graphs.science import pca, pca_table
from inputgen.studies.outputs.science import compare, compare_models


def edges(graph):
    return set(graph.edges)


def test_nearest_graph_takes_the_top_other_output_and_breaks_ties_low():
    outputs = np.array(
        [
            [9.0, 5.0, 5.0, 1.0, 0.0],  # class 0: 1 and 2 tie -> 1
            [2.0, 9.0, 3.0, 7.0, 0.0],  # class 1: -> 3 (not generated)
            [4.0, 4.0, 9.0, 0.0, 4.0],  # class 2: 0, 1 and 4 tie -> 0
        ]
    )
    graph = graphs.nearest_graph(outputs, [0, 1, 2])
    assert edges(graph) == {(0, 1), (1, 3), (2, 0)}
    assert graph.nodes[3]["generated"] is False and graph.nodes[0]["generated"] is True
    assert graph.edges[1, 3]["logit"] == 7.0
    # The target's own logit never counts, however large or small.
    for own in (1e6, -1e6):
        changed = outputs.copy()
        changed[[0, 1, 2], [0, 1, 2]] = own
        assert edges(graphs.nearest_graph(changed, [0, 1, 2])) == edges(graph)


def test_nearest_graph_rows_follow_their_class_not_their_position():
    outputs = np.array([[0.0, 3.0, 1.0], [5.0, 2.0, 1.0]])
    assert edges(graphs.nearest_graph(outputs, [2, 0])) == {(2, 1), (0, 1)}


def test_metric_graph_links_nearest_points_with_ties_to_the_smaller_class():
    outputs = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [5.0, 5.0]])
    graph = graphs.metric_graph(outputs, [10, 20, 30, 40])
    # 10: 20 and 30 both at 1 -> 20; 40: 20 and 30 both at sqrt(41) -> 20
    assert edges(graph) == {(10, 20), (20, 10), (30, 10), (40, 20)}
    assert graph.edges[40, 20]["distance"] == pytest.approx(np.sqrt(41))
    cosine = graphs.metric_graph(
        np.array([[1.0, 0.0], [2.0, 0.1], [0.0, 1.0]]), [1, 2, 3], metric="cosine"
    )
    assert edges(cosine) == {(1, 2), (2, 1), (3, 2)}


def test_graph_inputs_are_checked():
    with pytest.raises(ValueError, match="repeat"):
        graphs.metric_graph(np.zeros((2, 3)), [1, 1])
    with pytest.raises(ValueError, match="NaN"):
        graphs.nearest_graph(np.array([[np.nan, 1.0]]), [0])
    with pytest.raises(ValueError, match="metric must be"):
        graphs.metric_graph(np.zeros((2, 3)), [1, 2], metric="manhattan")
    with pytest.raises(ValueError, match="class 5 >= 2 outputs"):
        graphs.nearest_graph(np.zeros((1, 2)), [5])


def test_components_find_cliques_and_halves():
    outputs = np.full((5, 1000), -1.0)
    for row, neighbour in enumerate([1, 2, 0, 501, 500]):  # 0->1->2->0, 500<->501
        outputs[row, neighbour] = 5.0
    graph = graphs.nearest_graph(outputs, [0, 1, 2, 500, 501], imagenet_class_names())
    table = graphs.components_table(graph)
    assert table["size"].tolist() == [3, 2]
    assert table["is_clique"].tolist() == [True, True]  # a 3-cycle is a triangle
    assert table["half"].tolist() == ["animals", "rest"]
    assert table["members"].iloc[0] == "0 tench; 1 goldfish; 2 great white shark"
    graph.add_edge(2, 600)  # a tail: no longer complete, and now spans both halves
    graph.nodes[600].update(name="x", group="", generated=False)
    row = graphs.components_table(graph).iloc[0]
    assert (row["size"], row["is_clique"], row["half"]) == (4, False, "mixed")


def random_metric_graph(rng, n=120):
    classes = rng.choice(1000, size=n, replace=False)
    return graphs.metric_graph(rng.normal(size=(n, 50)), classes)


def test_coherence_baseline_mean_is_the_exact_permutation_expectation():
    graph = random_metric_graph(np.random.default_rng(0))
    result = graphs.coherence(graph, permutations=4000, seed=1)
    spread = (result["ci_high"] - result["ci_low"]) / 4  # ~ one standard deviation
    expected = graphs.expected_same_group_fraction(graph)
    assert abs(result["baseline_mean"] - expected) < 4 * spread / np.sqrt(4000)
    assert result["ci_low"] <= expected <= result["ci_high"]


def test_coherence_of_random_outputs_averages_to_its_baseline():
    """On random output matrices the graph ignores groups: observed ~ baseline on average."""
    rng = np.random.default_rng(2)
    observed, expected = [], []
    for _ in range(40):
        graph = random_metric_graph(rng)
        observed.append(graphs.same_group_fraction(graph))
        expected.append(graphs.expected_same_group_fraction(graph))
    assert abs(np.mean(observed) - np.mean(expected)) < 0.02


def test_coherence_detects_group_structure_and_is_seeded():
    # Three groups of points, each around its own centre: every edge stays within a group.
    classes = [*range(151, 161), *range(281, 291), *range(924, 934)]
    rng = np.random.default_rng(3)
    centres = np.repeat(np.eye(3) * 50, 10, axis=0)
    outputs = np.hstack([centres, np.zeros((30, 7))]) + rng.normal(size=(30, 10))
    graph = graphs.metric_graph(outputs, classes)
    result = graphs.coherence(graph, permutations=500, seed=0)
    assert result["observed"] == 1.0 and result["observed"] > result["ci_high"]
    assert result["p_value"] == pytest.approx(1 / 501)
    assert result == graphs.coherence(graph, permutations=500, seed=0)
    assert (
        result["baseline_mean"]
        != graphs.coherence(graph, permutations=500, seed=1)["baseline_mean"]
    )


def test_ungrouped_classes_never_count_as_sharing_a_group():
    graph = nx.DiGraph()
    for node in (400, 401, 151, 152):  # 400, 401: objects without a group
        graph.add_node(node, group=group_of(node) or "", name=str(node), generated=True)
    graph.add_edges_from([(400, 401), (151, 152)])
    assert graphs.same_group_fraction(graph) == 0.5


def test_group_table_ranges_start_and_end_where_the_class_names_say():
    names = imagenet_class_names()
    ends = {
        "fish": [("tench", "stingray"), ("barracouta", "puffer")],
        "birds": [("cock", "great grey owl"), ("black grouse", "black swan")],
        "reptiles": [("loggerhead", "sidewinder")],
        "dogs": [("Chihuahua", "Mexican hairless")],
        "cats": [("tabby", "cheetah")],
        "primates": [("orangutan", "indri")],
        "food": [("guacamole", "eggnog")],
    }
    for group, expected in ends.items():
        for (first, last), (start, end) in zip(expected, GROUPS[group], strict=False):
            assert (names[start], names[end]) == (first, last), group
    vehicles = {names[i] for first, _ in GROUPS["vehicles"] for i in [first]}
    assert {"school bus", "go-kart", "tractor", "airliner", "canoe"} <= vehicles
    # No class sits in two groups.
    sizes = sum(end - start + 1 for ranges in GROUPS.values() for start, end in ranges)
    assert sizes == sum(group_of(i) is not None for i in range(1000))
    with pytest.raises(ValueError, match="0..999"):
        group_of(1000)


def test_pca_explained_variance_sums_to_one_and_finds_a_dominant_axis():
    rng = np.random.default_rng(0)
    direction = rng.normal(size=1000)
    outputs = rng.normal(size=(30, 1)) * 10 * direction + rng.normal(size=(30, 1000)) * 0.01
    coordinates, ratios = pca(outputs)
    assert coordinates.shape == (30, 2)
    assert ratios.sum() == pytest.approx(1.0)
    assert ratios[0] > 0.99
    two, ratios = pca(outputs[:2])  # two classes span one component
    assert two.shape == (2, 2) and ratios.sum() == pytest.approx(1.0)


def test_comparison_is_blind_to_logit_shift_and_scale():
    rng = np.random.default_rng(0)
    first = rng.normal(size=(4, 1000))
    names = imagenet_class_names()
    same = compare(first, 3 * first + 7, [0, 1, 2, 3], names)
    assert np.allclose(same["correlation_distance"], 0, atol=1e-6)
    assert same["agree"].all() and (same["euclidean"] > 0).all()
    assert np.allclose(correlation_distance(first, -first), 2)
    with pytest.raises(ValueError, match="output matrices"):
        compare(first, first[:3], [0, 1, 2, 3], names)


def test_relation_graphs_tables_lead_with_the_relation_and_match_each_graph():
    outputs = np.full((4, 1000), -1.0)
    for row, neighbour in enumerate([1, 0, 500, 2]):  # nearest: 0<->1, 2->500, 3->2
        outputs[row, neighbour] = 5.0
    outputs[:, 900:] = np.random.default_rng(0).normal(size=(4, 100))
    classes = [0, 1, 2, 3]
    built = graphs.relation_graphs(outputs, classes, imagenet_class_names(), "cosine")
    assert list(built) == list(graphs.RELATIONS)
    assert edges(built["nearest"]) == {(0, 1), (1, 0), (2, 500), (3, 2)}
    assert edges(built["metric"]) == edges(graphs.metric_graph(outputs, classes, "cosine"))

    components = graphs.components_of(built)
    columns = ["relation", "component", "size", "is_clique", "half", "members"]
    assert list(components.columns) == columns
    sizes = components.groupby("relation", sort=False)["size"].sum()
    assert sizes.to_dict() == {"nearest": 5, "metric": 4}  # 500 joins only the nearest graph

    table = graphs.coherence_table(built, permutations=300, seed=4, generator="g", evaluator="e")
    assert table["relation"].tolist() == ["nearest", "metric"]
    assert list(table.columns) == [
        "relation", "observed", "baseline_mean", "ci_low", "ci_high", "p_value", "edges",
        "permutations", "generator", "evaluator",
    ]  # fmt: skip
    for row, graph in zip(table.itertuples(), built.values(), strict=True):
        expected = graphs.coherence(graph, permutations=300, seed=4)
        assert row.observed == round(expected["observed"], 6)
        assert row.baseline_mean == round(expected["baseline_mean"], 6)
        assert (row.edges, row.permutations, row.generator, row.evaluator) == (
            expected["edges"], 300, "g", "e"
        )  # fmt: skip
    # nearest: edges {0,1} (fish), {2,500} (fish, none), {2,3} (fish): two of three share a group
    assert table["observed"].iloc[0] == round(2 / 3, 6)


def test_gathered_coherence_leads_with_the_pair_and_keeps_every_row_in_order():
    def one(generator, evaluator, observed):
        return pd.DataFrame({"relation": ["nearest", "metric"], "observed": observed}).assign(
            generator=generator, evaluator=evaluator
        )

    table = graphs.gather_coherence([one("a", "x", [0.1, 0.2]), one("b", "y", [0.3, 0.4])])
    assert list(table.columns) == ["generator", "evaluator", "relation", "observed"]
    assert table["observed"].tolist() == [0.1, 0.2, 0.3, 0.4]
    assert (table["generator"] + table["evaluator"]).tolist() == ["ax", "ax", "by", "by"]
    assert table.index.tolist() == [0, 1, 2, 3]
    with pytest.raises(ValueError, match="no coherence tables"):
        graphs.gather_coherence([])


def test_pca_table_numbers_the_components_and_sums_them():
    table = pca_table(np.array([0.5, 0.3, 0.2]))
    assert table["component"].tolist() == [1, 2, 3]
    assert table["cumulative"].tolist() == pytest.approx([0.5, 0.8, 1.0])
    assert table["explained_variance_ratio"].tolist() == [0.5, 0.3, 0.2]


def test_compare_models_compares_every_pair_in_the_given_order():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(3, 1000))
    classes, names = [5, 6, 7], imagenet_class_names()
    outputs = {
        "a": (a, classes),
        "b": (rng.normal(size=(3, 1000)), classes),
        "c": (2 * a + 1, classes),
    }
    table = compare_models(outputs, names)
    assert list(table.columns[:4]) == ["model_a", "model_b", "class", "name"]
    assert (table["model_a"] + table["model_b"]).tolist() == ["ab"] * 3 + ["ac"] * 3 + ["bc"] * 3
    assert table["class"].tolist() == classes * 3
    same = table[(table["model_a"] == "a") & (table["model_b"] == "c")]
    assert np.allclose(same["correlation_distance"], 0) and same["agree"].all()
    with pytest.raises(ValueError, match="rated different classes"):
        compare_models({"a": (a, classes), "b": (a, [5, 6, 8])}, names)
    with pytest.raises(ValueError, match="at least two"):
        compare_models({"a": (a, classes)}, names)


def test_output_space_stages_end_to_end(tmp_path):
    """outputs -> graphs, pca, compare, coherence, each called as its rule calls it, on
    untrained models."""
    from conftest import run_stage
    from inputgen.platform import artifacts

    specs = {
        name: {"arch": "resnet18", "weights": "random", "seed": seed, "input_size": 64}
        for name, seed in (("a", 0), ("b", 1))
    }
    images = tmp_path / "images.safetensors"
    pictures = torch.rand(4, 3, 64, 64, generator=torch.Generator().manual_seed(0))
    classes = torch.tensor([3, 7, 151, 281])
    artifacts.save_tensors(images, {"images": pictures, "classes": classes}, {"stage": "test"})
    for name, spec in specs.items():
        settings = {"generator": "a", "name": name, "model": spec}
        assert (
            run_stage("outputs", settings, images=images, out=tmp_path / f"{name}.safetensors") == 0
        )
    outputs, metadata = artifacts.load_tensors(tmp_path / "a.safetensors")
    assert outputs["outputs"].shape == (4, 1000) and outputs["outputs"].dtype == torch.float32
    assert outputs["classes"].tolist() == [3, 7, 151, 281]
    assert metadata["evaluator"] == "a" and metadata["names"][3] == "tiger shark"
    assert metadata["provenance"]["config"] == {"generator": "a", "name": "a", "model": specs["a"]}

    out = tmp_path / "graphs"
    files = {
        "nearest_graph": out / "nearest.graphml", "metric_graph": out / "metric.graphml",
        "nearest_figure": out / "nearest.png", "metric_figure": out / "metric.png",
        "components": out / "components.tsv", "coherence": out / "coherence.tsv",
    }  # fmt: skip
    assert (
        run_stage("graphs", {"permutations": 200}, outputs=tmp_path / "a.safetensors", **files) == 0
    )
    coherence = pd.read_csv(out / "coherence.tsv", sep="\t")
    assert list(coherence.columns[:5]) == [
        "relation",
        "observed",
        "baseline_mean",
        "ci_low",
        "ci_high",
    ]
    assert coherence["relation"].tolist() == ["nearest", "metric"]
    assert (coherence["generator"] + coherence["evaluator"]).tolist() == ["aa", "aa"]
    metric = nx.read_graphml(out / "metric.graphml")
    assert set(metric.nodes) == {"3", "7", "151", "281"} and metric.number_of_edges() == 4
    assert metric.nodes["151"]["group"] == "dogs" and metric.nodes["7"]["name"] == "cock"
    components = pd.read_csv(out / "components.tsv", sep="\t")
    assert set(components["relation"]) == {"nearest", "metric"}
    assert components.groupby("relation")["size"].sum()["metric"] == 4
    record = artifacts.read_provenance(out / "coherence.tsv")
    assert record["stage"] == "graphs" and record["config"]["permutations"] == 200
    assert record["config"]["metric"] == "euclidean"  # the default

    assert run_stage("graphs-pca", {}, outputs=tmp_path / "a.safetensors", table=out / "pca.tsv",
                     figure=out / "pca.png") == 0  # fmt: skip
    assert pd.read_csv(out / "pca.tsv", sep="\t")["cumulative"].iloc[-1] == pytest.approx(1)

    paths = [tmp_path / "a.safetensors", tmp_path / "b.safetensors"]
    compared = {"table": out / "compare.tsv", "figure": out / "compare.png"}
    settings = {"generator": "a", "evaluators": ["a", "b"]}
    assert run_stage("outputs-compare", settings, outputs=paths, **compared) == 0
    table = pd.read_csv(out / "compare.tsv", sep="\t")
    assert (table["model_a"] + table["model_b"]).unique().tolist() == ["ab"] and len(table) == 4
    bad = {"generator": "a", "evaluators": ["a"]}  # one name for two files
    assert run_stage("outputs-compare", bad, outputs=paths, **compared) == 2

    tables = [out / "coherence.tsv", out / "coherence.tsv"]
    assert run_stage("graphs-coherence", {}, tables=tables, table=out / "all.tsv",
                     figure=out / "all.png") == 0  # fmt: skip
    gathered = pd.read_csv(out / "all.tsv", sep="\t")
    assert (
        list(gathered.columns[:3]) == ["generator", "evaluator", "relation"] and len(gathered) == 4
    )
