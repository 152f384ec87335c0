import json

import networkx as nx
import pandas as pd
import pytest
import torch
from conftest import PIXEL_RECIPE, run_stage
from inputgen.engine.generation import batches, seen_by_others, summary_table
from inputgen.engine.generation_settings import check_classes
from inputgen.engine.models import imagenet_class_names
from inputgen.platform import artifacts
from inputgen.studies.auxiliary.science import auxiliary_table
from inputgen.studies.features.science import features_table
from inputgen.studies.opposites.science import (
    commutativity,
    commutativity_table,
    opposite_graph,
    opposite_table,
    opposites_of_opposites,
)
from inputgen.studies.pairs.science import pair_combination, pair_table
from inputgen.studies.representations.science import quality_table, representation_summary
from inputgen.studies.starts.science import starts_table

NAMES = imagenet_class_names()
TINY = json.dumps({"arch": "resnet18", "weights": "random", "seed": 0, "input_size": 64})
OTHER = json.dumps({"arch": "resnet18", "weights": "random", "seed": 1, "input_size": 64})
SETTINGS = json.dumps(
    {
        **PIXEL_RECIPE,
        "steps": 4,
        "lr": 0.02,
        "octaves": [0.5, 1.0],
        "priors": {"blur": {}, "resize": {}, "affine": {}, "colour": {}},
    }
)


def represent(out, classes, batch_size, objective="target"):
    settings = {
        "name": "tiny",
        "model": json.loads(TINY),
        "objective": objective,
        "classes": list(classes),
        "settings": json.loads(SETTINGS),
        "seed": 2,
    }
    assert run_stage("representations-chunk", settings, out=out, batch_size=batch_size) == 0
    return artifacts.load_tensors(out)[0]


def test_chunks_gather_to_the_result_of_one_job(tmp_path):
    whole = represent(tmp_path / "whole.safetensors", [5, 9, 400], batch_size=3)
    first = represent(tmp_path / "0.safetensors", [5, 9], batch_size=1)
    second = represent(tmp_path / "1.safetensors", [400], batch_size=1)
    assert whole["images"].shape == (3, 3, 64, 64)
    assert torch.equal(whole["images"], torch.cat([first["images"], second["images"]]))
    assert whole["classes"].tolist() == [5, 9, 400]
    assert whole["logit"].shape == (4, 3)
    record = artifacts.read_provenance(tmp_path / "whole.safetensors")
    assert record["stage"] == "representations-chunk" and record["config"]["objective"] == "target"
    assert record["config"]["settings"]["steps"] == 4  # the generation settings, filled in

    paths = [tmp_path / name for name in ("images.safetensors", "summary.tsv", "quality.tsv")]
    settings = {
        "name": "tiny",
        "model": json.loads(TINY),
        "evaluators": {"other": json.loads(OTHER)},
    }
    chunks = [tmp_path / "0.safetensors", tmp_path / "1.safetensors"]
    code = run_stage(
        "representations",
        settings,
        chunks=chunks,
        images=paths[0],
        summary=paths[1],
        quality=paths[2],
        grid=tmp_path / "grid.png",
    )
    assert code == 0
    gathered, _ = artifacts.load_tensors(paths[0])
    assert torch.equal(gathered["images"], whole["images"])
    summary = pd.read_csv(paths[1], sep="\t")
    assert summary["class"].tolist() == [5, 9, 400]
    assert set(summary.columns) >= {
        "name",
        "target_logit",
        "top1",
        "top1_prob",
        "top5_names",
        "self_top1",
        "other_top1",
        "other_top5",
        "pixel_std",
        "spectrum_slope",
    }
    quality = pd.read_csv(paths[2], sep="\t")
    assert quality["relation"].tolist() == ["self", "transfer"]
    assert (tmp_path / "grid.png.prov.json").exists()
    inputs = artifacts.read_provenance(paths[1])["inputs"]  # the chunks' lineage moves here
    assert [entry["path"] for entry in inputs if entry.get("temporary")] == list(map(str, chunks))


def test_class_indices_are_checked(tmp_path, capsys):
    settings = {"name": "tiny", "model": json.loads(TINY), "classes": [1000]}
    settings["settings"] = json.loads(SETTINGS)
    code = run_stage("representations-chunk", settings, out=tmp_path / "x.safetensors")
    assert code == 2 and "0..999" in capsys.readouterr().err
    assert not (tmp_path / "x.safetensors").exists()
    with pytest.raises(ValueError, match="0..999"):
        check_classes([0, 999, -1])
    assert batches([3, 1, 4, 1, 5], 2) == [[3, 1], [4, 1], [5]]


def seen(classes, top1, top5=None):
    return pd.DataFrame(
        {
            "class": classes,
            "target_logit": [1.0] * len(classes),
            "target_rank": [1] * len(classes),
            "top1": top1,
            "top1_prob": [0.5] * len(classes),
            "top5": top5 or [[t, 0, 1, 2, 3] for t in top1],
        }
    )


def test_summary_and_quality_count_recognition():
    generator = seen([10, 20, 30, 40], [10, 20, 99, 40])
    other = seen([10, 20, 30, 40], [10, 7, 7, 7], top5=[[10], [20], [1], [2]])
    summary = summary_table(generator, {"other": other}, NAMES)
    assert summary["self_top1"].tolist() == [1, 1, 0, 1]
    assert summary["other_top1"].tolist() == [1, 0, 0, 0]
    assert summary["other_top5"].tolist() == [1, 1, 0, 0]
    assert summary.loc[0, "name"] == NAMES[10]
    quality = quality_table(summary, "gen", ["other"]).set_index("evaluator")
    assert quality.loc["gen", "top1"] == 0.75
    assert quality.loc["other", "top1"] == 0.25 and quality.loc["other", "top5"] == 0.5


def test_opposites_are_labelled_by_the_argmax_and_commutativity_counted():
    # 1 <-> 2 commute; 3 -> 1 does not (opposite(1) = 2); 4 -> 900 is outside the targets.
    table = opposite_table(seen([1, 2, 3, 4], [2, 1, 1, 900]), torch.tensor([-5.0] * 4), NAMES)
    assert table["opposite"].tolist() == [2, 1, 1, 900]
    assert table.loc[3, "opposite_name"] == NAMES[900]
    rate, closed = commutativity(table)
    assert closed == 3 and rate == pytest.approx(2 / 3)
    graph = opposite_graph(table)
    assert set(graph.edges) == {(1, 2), (2, 1), (3, 1), (4, 900)}
    assert graph.nodes[900]["name"] == NAMES[900]
    assert nx.is_directed(graph)
    assert commutativity(opposite_table(seen([5], [6]), torch.zeros(1), NAMES))[1] == 0
    # With the opposite of 900 known (900 -> 4), class 4 commutes too: 3 of 4.
    assert commutativity(table, {900: 4}) == (pytest.approx(3 / 4), 4)


def test_the_opposites_opposite_closes_the_loop_where_known():
    # 1 <-> 2 commute; 3 -> 1 -> 2 does not; 4 -> 900, whose own opposite (not a target) is 4.
    table = opposite_table(seen([1, 2, 3, 4], [2, 1, 1, 900]), torch.zeros(4), NAMES)
    assert opposites_of_opposites(table, {900: 4}) == [1, 2, 2, 4]
    commutes = commutativity_table(table, {900: 4})
    assert commutes.columns.tolist() == ["rate", "classes"]
    assert commutes.loc[0, "classes"] == 4 and commutes.loc[0, "rate"] == pytest.approx(3 / 4)
    # an opposite's opposite that says otherwise (900 -> 7) leaves class 4 out of the loop
    assert opposites_of_opposites(table, {900: 7})[3] == 7
    assert commutativity_table(table, {900: 7}).loc[0, "rate"] == pytest.approx(2 / 4)
    with pytest.raises(KeyError):  # an opposite outside the targets needs its own opposite
        opposites_of_opposites(table, {})


def test_the_other_models_are_loaded_one_at_a_time_and_never_the_generator():
    class Fixed:
        def __init__(self, top):
            self.top = top

        def batched_logits(self, images, batch_size):
            return torch.nn.functional.one_hot(torch.tensor(self.top), 1000).float() * 9

    loaded = []

    def load(spec):
        loaded.append(spec["top"])
        return Fixed(spec["top"])

    images = torch.zeros(2, 3, 8, 8)
    specs = {"b": {"top": [5, 6]}, "c": {"top": [5, 5]}}
    seen_by, probs = seen_by_others("a", specs, images, [5, 6], 2, load, probabilities=True)
    assert loaded == [[5, 6], [5, 5]] and list(seen_by) == ["b", "c"]
    assert seen_by["b"]["top1"].tolist() == [5, 6] and seen_by["c"]["top1"].tolist() == [5, 5]
    assert probs["c"].shape == (2, 1000) and probs["c"].sum(dim=1).allclose(torch.ones(2))
    for name in ("self", "a"):
        with pytest.raises(ValueError, match=name):
            seen_by_others("a", {name: {"top": [5, 6]}}, images, [5, 6], 2, load)


def test_per_class_tables_of_starts_heads_and_features():
    starts = starts_table([(7, 0), (7, 1), (9, 0)], seen([7, 7, 9], [7, 3, 9]), NAMES)
    assert starts["start"].tolist() == [0, 1, 0] and starts["self_top1"].tolist() == [1, 0, 1]
    assert starts["top1_name"].tolist() == [NAMES[7], NAMES[3], NAMES[9]]

    head = torch.zeros(2, 1000)
    head[0, 7], head[1, 2] = 3.14159, 5.0  # class 7's head sees 7; class 9's head sees 2
    auxiliary = auxiliary_table([7, 9], head, seen([7, 9], [1, 9]), NAMES)
    assert auxiliary["head_logit"].tolist() == pytest.approx([3.1416, 0.0])
    assert auxiliary["head_self_top1"].tolist() == [1, 0]
    assert auxiliary["head_top1_name"].tolist() == [NAMES[7], NAMES[2]]
    assert auxiliary["main_self_top1"].tolist() == [0, 1]

    means = torch.tensor([[0.1, 0.2], [0.5, 0.123456]])  # steps x channels
    features = features_table("layer2", [0, 3], means, [11, 12], NAMES)
    assert features["channel"].tolist() == [0, 3] and set(features["layer"]) == {"layer2"}
    assert features["mean_activation_start"].tolist() == pytest.approx([0.1, 0.2])
    assert features["mean_activation_end"].tolist() == pytest.approx([0.5, 0.1235])
    assert features["top1_name"].tolist() == [NAMES[11], NAMES[12]]


def test_the_pairs_logits_add_or_subtract_the_weighted_models():
    first = torch.zeros(2, 1000)
    second = torch.zeros(2, 1000)
    first[:, 3], second[:, 3], second[:, 8] = 2.0, 1.0, 4.0
    plus = pair_combination(first, second, "+", (2.0, 1.0))
    minus = pair_combination(first, second, "-", (2.0, 1.0))
    assert plus[0, 3] == 5.0 and plus[0, 8] == 4.0 and minus[0, 3] == 3.0 and minus[0, 8] == -4.0
    with pytest.raises(ValueError, match="operation"):
        pair_combination(first, second, "*", (1.0, 1.0))
    table = pair_table([3, 8], {"a": first, "b": second}, minus, NAMES)
    assert table["a_top1"].tolist() == [3, 3] and table["b_top1"].tolist() == [8, 8]
    assert table["pair_top1"].tolist() == [3, 3] and table["pair_recognised"].tolist() == [1, 0]
    assert table["b_recognised"].tolist() == [0, 1]


def test_the_summary_says_whether_each_picture_is_an_image():
    grey = torch.full((1, 3, 16, 16), 0.5)
    noise = torch.rand(1, 3, 16, 16, generator=torch.Generator().manual_seed(0))
    summary = representation_summary(seen([1, 2], [1, 2]), {}, NAMES, torch.cat([grey, noise]))
    assert summary["pixel_std"].tolist()[0] == 0 and summary["pixel_std"].iloc[1] > 0.2
    assert summary["spectrum_slope"].iloc[1] == pytest.approx(0, abs=0.5)  # white: flat
    assert summary["pixel_std"].round(4).equals(summary["pixel_std"])  # rounded as written
