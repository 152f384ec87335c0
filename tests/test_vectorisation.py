"""Vectorisation and merging by parameters, as functions and as CLI stages (small models)."""

import json

import pandas as pd
import pytest
import torch
from conftest import make_photos
from inputgen import artifacts, cli, models
from inputgen.merging import match_outputs, rss
from inputgen.representations import GenerationSettings
from inputgen.vectorisation import l1_distance, vectorise

A = {"arch": "resnet18", "weights": "random", "seed": 0, "input_size": 64}
B = {"arch": "resnet18", "weights": "random", "seed": 1, "input_size": 64}
SETTINGS = {"steps": 12, "lr": 0.03, "priors": {"blur": {}, "affine": {}}}


@pytest.fixture(scope="module")
def zoo():
    return models.load_model(A)


def test_vectorisation_reduces_the_output_distance_it_optimises(zoo):
    target_images = torch.rand(2, 3, 64, 64, generator=torch.Generator().manual_seed(0))
    targets = zoo.batched_logits(target_images, 4)
    settings = GenerationSettings.from_dict(SETTINGS)
    result, start = vectorise(zoo, targets, [3, 7], settings, seed=0)
    before = l1_distance(zoo, start, targets, 4)
    after = l1_distance(zoo, result.images, targets, 4)
    assert (after < 0.8 * before).all(), (before, after)
    recorded = result.history["distance:model:logits"]  # what the engine minimised, per step
    assert recorded.shape == (12, 2) and (recorded[-1] < recorded[0]).all()
    with pytest.raises(ValueError, match="targets must be"):
        vectorise(zoo, targets[:1], [3, 7], settings, seed=0)


def test_merging_reduces_its_rss_and_leaves_the_original_model_alone(zoo):
    images = torch.rand(3, 3, 64, 64, generator=torch.Generator().manual_seed(1))
    targets = models.load_model(B).batched_logits(images, 3)
    original = zoo.batched_logits(images, 3)
    merged, history = match_outputs(zoo, images, targets, steps=8, lr=1e-4, batch_size=3)
    assert history.shape == (9,)
    assert history[-1] < 0.5 * history[0], history
    after = rss(merged.batched_logits(images, 3), targets).mean()
    assert float(after) == pytest.approx(float(history[-1]), rel=1e-4)
    assert torch.equal(zoo.batched_logits(images, 3), original)  # trained a copy
    assert not any(p.requires_grad for p in merged.model.parameters())
    # The batch size only splits the gradient accumulation.
    _, split = match_outputs(zoo, images, targets, steps=8, lr=1e-4, batch_size=1)
    assert torch.allclose(split, history, rtol=1e-3)


def test_merging_says_when_it_diverges(zoo):
    images = torch.rand(2, 3, 64, 64, generator=torch.Generator().manual_seed(1))
    targets = torch.full((2, 1000), 1e4)
    with pytest.raises(RuntimeError, match="lower the learning rate"):
        match_outputs(zoo, images, targets, steps=20, lr=10.0, batch_size=2)


def representations(path, spec, classes):
    assert (
        cli.main(
            [
                "represent",
                "--name",
                "m",
                "--model",
                json.dumps(spec),
                "--classes",
                *map(str, classes),
                "--settings",
                json.dumps({"steps": 2}),
                "--out",
                str(path),
            ]
        )
        == 0
    )


def pair_args(tmp_path, classes):
    return [
        "--name",
        "a",
        "--model",
        json.dumps(A),
        "--toward-name",
        "b",
        "--toward",
        json.dumps(B),
        "--own",
        str(tmp_path / "a.safetensors"),
        "--target-images",
        str(tmp_path / "b.safetensors"),
        "--classes",
        *map(str, classes),
        "--settings",
        json.dumps({**SETTINGS, "steps": 3}),
    ]


@pytest.fixture(scope="module")
def pictures(tmp_path_factory):
    directory = tmp_path_factory.mktemp("pictures")
    representations(directory / "a.safetensors", A, [3, 7, 9])
    representations(directory / "b.safetensors", B, [3, 7, 9])
    make_photos(directory, names=("chelsea", "coffee"), crops=1, size=64)
    return directory


def test_vectorise_stage_tables_classes_and_photos(pictures):
    out = pictures / "v"
    code = cli.main(
        [
            "vectorise",
            *pair_args(pictures, [9, 3]),
            "--photos",
            str(pictures / "p.safetensors"),
            "--photo-names",
            "coffee",
            "--out",
            str(out / "v.safetensors"),
            "--table",
            str(out / "v.tsv"),
            "--figure",
            str(out / "v.png"),
            "--photo-figure",
            str(out / "photos.png"),
        ]
    )
    assert code == 0
    table = pd.read_csv(out / "v.tsv", sep="\t")
    assert table["kind"].tolist() == ["class", "class", "photo"]
    assert table["target"].tolist() == ["9", "3", "coffee"]
    assert table["own_distance"].notna().tolist() == [True, True, False]
    tensors, metadata = artifacts.load_tensors(out / "v.safetensors")
    assert tensors["images"].shape == (3, 3, 64, 64) and metadata["toward"] == "b"
    assert (out / "photos.png").exists() and (out / "v.png").exists()


def test_merge_stage_regenerates_with_the_trained_copy(pictures, capsys):
    out = pictures / "m"
    args = [
        "merge",
        *pair_args(pictures, [3, 7]),
        "--steps",
        "4",
        "--lr",
        "1e-4",
        "--out",
        str(out / "m.safetensors"),
        "--table",
        str(out / "m.tsv"),
        "--figure",
        str(out / "m.png"),
        "--loss-figure",
        str(out / "loss.png"),
    ]
    assert cli.main(args) == 0
    table = pd.read_csv(out / "m.tsv", sep="\t")
    assert table["class"].tolist() == [3, 7]
    assert (table["rss_after"] < table["rss_before"]).all()
    assert table["moved_toward"].dtype == bool
    tensors, _ = artifacts.load_tensors(out / "m.safetensors")
    before, _ = artifacts.load_tensors(pictures / "a.safetensors")
    assert tensors["loss"].shape == (5,)
    assert not torch.equal(tensors["images"], before["images"][:2])  # other parameters
    at = args.index("--classes")
    missing = [*args[: at + 1], "3", "5", *args[at + 3 :]]  # class 5 has no representation
    assert cli.main(missing) == 2
    assert "classes [5] are not in" in capsys.readouterr().err
