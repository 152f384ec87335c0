import json

import networkx as nx
import pandas as pd
import pytest
import torch
from inputgen import artifacts, cli
from inputgen.models import imagenet_class_names
from inputgen.representations import (
    commutativity,
    opposite_graph,
    opposite_table,
    quality_table,
    summary_table,
)

NAMES = imagenet_class_names()
TINY = json.dumps({"arch": "resnet18", "weights": "random", "seed": 0, "input_size": 64})
OTHER = json.dumps({"arch": "resnet18", "weights": "random", "seed": 1, "input_size": 64})
SETTINGS = json.dumps(
    {
        "steps": 4,
        "lr": 0.02,
        "octaves": [0.5, 1.0],
        "priors": {"blur": {}, "resize": {}, "affine": {}, "colour": {}},
    }
)


def represent(out, classes, batch_size, objective="target"):
    code = cli.main(
        [
            "represent",
            "--name",
            "tiny",
            "--model",
            TINY,
            "--objective",
            objective,
            "--classes",
            *map(str, classes),
            "--settings",
            SETTINGS,
            "--seed",
            "2",
            "--out",
            str(out),
            "--batch-size",
            str(batch_size),
        ]
    )
    assert code == 0
    return artifacts.load_tensors(out)[0]


def test_chunks_gather_to_the_result_of_one_job(tmp_path):
    whole = represent(tmp_path / "whole.safetensors", [5, 9, 400], batch_size=3)
    first = represent(tmp_path / "0.safetensors", [5, 9], batch_size=1)
    second = represent(tmp_path / "1.safetensors", [400], batch_size=1)
    assert whole["images"].shape == (3, 3, 64, 64)
    assert torch.equal(whole["images"], torch.cat([first["images"], second["images"]]))
    assert whole["classes"].tolist() == [5, 9, 400]
    assert whole["logit"].shape == (4, 3)

    paths = [tmp_path / f"{n}.safetensors" for n in ("images", "summary.tsv", "quality.tsv")]
    assert (
        cli.main(
            [
                "summarise",
                "--name",
                "tiny",
                "--model",
                TINY,
                "--evaluators",
                json.dumps({"other": json.loads(OTHER)}),
                "--chunks",
                str(tmp_path / "0.safetensors"),
                str(tmp_path / "1.safetensors"),
                "--images",
                str(paths[0]),
                "--summary",
                str(paths[1]),
                "--quality",
                str(paths[2]),
                "--grid",
                str(tmp_path / "grid.png"),
            ]
        )
        == 0
    )
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
    }
    quality = pd.read_csv(paths[2], sep="\t")
    assert quality["relation"].tolist() == ["self", "transfer"]
    assert (tmp_path / "grid.png.prov.json").exists()


def test_class_indices_are_checked(tmp_path, capsys):
    code = cli.main(
        [
            "represent",
            "--name",
            "tiny",
            "--model",
            TINY,
            "--classes",
            "1000",
            "--settings",
            SETTINGS,
            "--out",
            str(tmp_path / "x.safetensors"),
        ]
    )
    assert code == 2 and "0..999" in capsys.readouterr().err
    assert not (tmp_path / "x.safetensors").exists()


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
