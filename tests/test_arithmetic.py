"""The two-model, arithmetic and embedding stages through the CLI, on small untrained models."""

import json

import pandas as pd
import pytest
import torch
from conftest import make_photos
from inputgen import artifacts, cli
from inputgen.arithmetic import pair_ids
from PIL import Image

A = json.dumps({"arch": "resnet18", "weights": "random", "seed": 0, "input_size": 64})
B = json.dumps({"arch": "resnet18", "weights": "random", "seed": 1, "input_size": 64})
SETTINGS = json.dumps({"steps": 3, "lr": 0.02, "priors": {"blur": {}, "affine": {}}})


def run(*args):
    assert cli.main([str(a) for a in args]) == 0


def test_pair_stage_tables_each_model_and_the_pair(tmp_path):
    for op in "+-":
        run(
            "pair",
            "--first-name",
            "a",
            "--first",
            A,
            "--second-name",
            "b",
            "--second",
            B,
            "--operation",
            op,
            "--weights",
            2,
            1,
            "--classes",
            3,
            7,
            "--settings",
            SETTINGS,
            "--images",
            tmp_path / f"{op}.safetensors",
            "--table",
            tmp_path / f"{op}.tsv",
            "--grid",
            tmp_path / f"{op}.png",
        )
    combined = pd.read_csv(tmp_path / "+.tsv", sep="\t")
    assert combined["class"].tolist() == [3, 7]
    assert {"a_top1", "b_top1", "pair_top1", "pair_recognised"} <= set(combined.columns)
    plus, _ = artifacts.load_tensors(tmp_path / "+.safetensors")
    minus, _ = artifacts.load_tensors(tmp_path / "-.safetensors")
    assert not torch.equal(plus["images"], minus["images"])  # the objectives differ


def test_transfiguration_adds_the_control_and_keeps_frames(tmp_path):
    make_photos(tmp_path, names=("chelsea", "coffee"), crops=1, size=64)
    run(
        "transfigure",
        "--name",
        "a",
        "--model",
        A,
        "--settings",
        SETTINGS,
        "--photos",
        tmp_path / "p.safetensors",
        "--photo-names",
        "coffee",
        "--targets",
        251,
        483,
        "--frames",
        2,
        "--out",
        tmp_path / "t.safetensors",
        "--table",
        tmp_path / "t.tsv",
        "--figure",
        tmp_path / "t.png",
    )
    table = pd.read_csv(tmp_path / "t.tsv", sep="\t")
    assert table["target"].tolist()[:2] == [251, 483]
    assert table["control"].tolist() == [False, False, True]
    tensors, _ = artifacts.load_tensors(tmp_path / "t.safetensors")
    assert tensors["frames"].shape == (2, 3, 3, 64, 64)
    # The photo is the start: after 3 small steps the image is still close to it.
    photo = artifacts.load_tensors(tmp_path / "p.safetensors")[0]["images"][1]
    assert (tensors["images"][0] - photo).abs().mean() < 0.1
    with pytest.raises(SystemExit):
        cli.build_parser().parse_args(["transfigure", "--name", "a"])
    assert (
        cli.main(
            [
                "transfigure",
                "--name",
                "a",
                "--model",
                A,
                "--settings",
                SETTINGS,
                "--photos",
                str(tmp_path / "p.safetensors"),
                "--photo-names",
                "nope",
                "--targets",
                "1",
                "--out",
                str(tmp_path / "x.safetensors"),
                "--table",
                str(tmp_path / "x.tsv"),
                "--figure",
                str(tmp_path / "x.png"),
            ]
        )
        == 2
    )


def test_interpolation_writes_frames_table_and_an_animation(tmp_path):
    run(
        "interpolate",
        "--name",
        "a",
        "--model",
        A,
        "--settings",
        SETTINGS,
        "--start",
        250,
        "--end",
        251,
        "--frames",
        3,
        "--out",
        tmp_path / "i.safetensors",
        "--table",
        tmp_path / "i.tsv",
        "--figure",
        tmp_path / "i.png",
        "--gif",
        tmp_path / "i.gif",
    )
    table = pd.read_csv(tmp_path / "i.tsv", sep="\t")
    assert table["fraction"].tolist() == [0.0, 0.5, 1.0]
    assert {"prob_250", "prob_251", "top1_name"} <= set(table.columns)
    with Image.open(tmp_path / "i.gif") as gif:
        assert gif.n_frames == 3
    assert artifacts.read_provenance(tmp_path / "i.gif")["stage"] == "interpolate"


def test_addition_and_embedding(tmp_path):
    run(
        "add",
        "--name",
        "a",
        "--model",
        A,
        "--settings",
        SETTINGS,
        "--firsts",
        1,
        250,
        "--seconds",
        2,
        251,
        "--out",
        tmp_path / "a.safetensors",
        "--table",
        tmp_path / "a.tsv",
        "--figure",
        tmp_path / "a.png",
    )
    table = pd.read_csv(tmp_path / "a.tsv", sep="\t")
    assert table[["first", "second"]].values.tolist() == [[1, 2], [250, 251]]
    assert pair_ids([1, 250], [2, 251]) == [1002, 250251]

    images = torch.rand(3, 3, 64, 64)
    artifacts.save_tensors(
        tmp_path / "r.safetensors", {"images": images, "classes": torch.tensor([5, 6, 7])}, {}
    )
    run(
        "embed",
        "--name",
        "a",
        "--model",
        A,
        "--representations",
        tmp_path / "r.safetensors",
        "--layer",
        "layer3",
        "--features",
        0,
        4,
        "--table",
        tmp_path / "e.tsv",
        "--figure",
        tmp_path / "e.png",
    )
    embedded = pd.read_csv(tmp_path / "e.tsv", sep="\t")
    from inputgen.models import capture, load_model

    zoo = load_model(json.loads(A))
    with torch.no_grad(), capture(zoo.model, ["layer3"]) as taps:
        zoo.logits(images)
    expected = taps["layer3"].mean(dim=(2, 3))[:, [0, 4]]
    assert torch.allclose(
        torch.tensor(embedded[["feature_0", "feature_4"]].values).float(), expected, atol=1e-5
    )
    assert (
        cli.main(
            [
                "embed",
                "--name",
                "a",
                "--model",
                A,
                "--representations",
                str(tmp_path / "r.safetensors"),
                "--layer",
                "layer3",
                "--features",
                "0",
                "999",
                "--table",
                str(tmp_path / "x.tsv"),
                "--figure",
                str(tmp_path / "x.png"),
            ]
        )
        == 2
    )
