"""Representation inversion, the engine's momentum and best-iterate options, and the CKA stages."""

import json

import pandas as pd
import pytest
import torch
from conftest import make_photos
from inputgen import artifacts, cli, models
from inputgen.inversion import invert, relative_distance, representations, sample_pairs
from inputgen.models import PENULTIMATE, capture, classifier_layer
from inputgen.objectives import VectorTarget
from inputgen.optimize import optimize

SPEC = {"arch": "resnet18", "weights": "random", "seed": 0, "input_size": 64}


@pytest.fixture(scope="module")
def zoo():
    return models.load_model(SPEC)


def test_pairs_have_different_labels_and_are_seeded():
    labels = [0, 0, 0, 1, 2, 2]
    seeds, targets = sample_pairs(labels, 20, seed=3)
    assert all(labels[s] != labels[t] for s, t in zip(seeds, targets, strict=True))
    assert set(seeds) == set(range(6))  # every image seeds once before any repeats
    assert (seeds, targets) == sample_pairs(labels, 20, seed=3)
    assert (seeds, targets) != sample_pairs(labels, 20, seed=4)
    with pytest.raises(ValueError, match="two different labels"):
        sample_pairs([5, 5, 5], 2, seed=0)


def test_penultimate_is_the_input_of_the_output_layer(zoo):
    images = torch.rand(2, 3, 64, 64, generator=torch.Generator().manual_seed(0))
    with capture(zoo.model, [PENULTIMATE, "avgpool"]) as taps:
        logits = zoo.logits(images)
    assert torch.equal(taps[PENULTIMATE], taps["avgpool"].flatten(1))  # ResNet: pooled features
    head = classifier_layer(zoo.model)
    assert torch.allclose(head(taps[PENULTIMATE]), logits, atol=1e-5)
    assert representations(zoo, images, 1).shape == (2, 512)


def test_inversion_moves_the_seed_toward_the_target_representation(zoo):
    generator = torch.Generator().manual_seed(1)
    seeds, targets = (
        torch.rand(3, 3, 64, 64, generator=generator),
        torch.rand(3, 3, 64, 64, generator=generator),
    )
    wanted = representations(zoo, targets, 3)
    result = invert(zoo, seeds, targets, steps=15, step_size=0.5, ids=[0, 1, 2])
    before = relative_distance(zoo, seeds, wanted, 3)
    after = relative_distance(zoo, result.images, wanted, 3)
    assert (after < 0.7 * before).all(), (before, after)
    # use_best: the kept image is the best iterate seen (losses are measured before each step)
    assert torch.allclose(result.history["best_loss"], result.history["loss"].min(dim=0).values)
    assert torch.allclose(after, result.history["best_loss"], atol=1e-4)
    assert 0 <= float(result.images.min()) and float(result.images.max()) <= 1  # projection


def test_momentum_averages_unit_l2_steps(zoo):
    """With a constant objective gradient direction the first steps have lengths
    lr * (1 - m), lr * (1 - m^2), ...: the L2 momentum of Ilyas et al."""

    class Linear:  # loss = <w, a>: the same gradient everywhere
        def __init__(self, weight):
            self.weight = weight

        def needs(self):
            return {}

        def __call__(self, ctx):
            return (ctx.images * self.weight).flatten(1).sum(dim=1)

    weight = torch.randn(1, 3, 16, 16, generator=torch.Generator().manual_seed(0))
    start = torch.full((1, 3, 16, 16), 0.5)
    moved = [
        optimize({"m": zoo}, Linear(weight), start, steps=k, lr=0.01, rule="l2", momentum=0.9,
                 progress=None).images
        for k in (1, 2)
    ]  # fmt: skip
    assert float((moved[0] - start).norm()) == pytest.approx(0.01 * 0.1, rel=1e-4)
    assert float((moved[1] - start).norm()) == pytest.approx(0.01 * (0.1 + 0.19), rel=1e-4)
    with pytest.raises(ValueError, match="momentum must be in"):
        optimize({"m": zoo}, Linear(weight), start, steps=1, lr=0.1, momentum=1.0)
    with pytest.raises(ValueError, match="single octave"):
        optimize({"m": zoo}, VectorTarget("m", torch.zeros(1, 1000)), start, steps=2, lr=0.1,
                 keep_best=True, octaves=(0.5, 1.0))  # fmt: skip


def test_invert_and_cka_stages(tmp_path):
    make_photos(tmp_path, names=("chelsea", "coffee", "rocket"), crops=12, size=64)
    specs = {
        name: {"arch": "resnet18", "weights": "random", "seed": seed, "input_size": 64}
        for name, seed in (("a", 0), ("b", 1))
    }

    def run(*args):
        assert cli.main([str(a) for a in args]) == 0

    for name, spec in specs.items():
        run("invert", "--name", name, "--model", json.dumps(spec),
            "--natural", tmp_path / "n.safetensors", "--pairs", 6, "--steps", 3,
            "--out", tmp_path / f"{name}.safetensors", "--summary", tmp_path / f"{name}.tsv",
            "--figure", tmp_path / f"{name}.png", "--batch-size", 4)  # fmt: skip
    inverted, _ = artifacts.load_tensors(tmp_path / "a.safetensors")
    assert inverted["images"].shape == (6, 3, 64, 64)
    assert set(inverted) >= {"seed_index", "target_index", "rep_distance"}
    summary = pd.read_csv(tmp_path / "a.tsv", sep="\t")
    assert summary["median_distance"].iloc[0] <= summary["median_start_distance"].iloc[0]

    out = tmp_path / "cka"
    run("cka", "--models", json.dumps(specs), "--natural", tmp_path / "n.safetensors",
        "--inverted", f"a={tmp_path / 'a.safetensors'}", f"b={tmp_path / 'b.safetensors'}",
        "--natural-table", out / "natural.tsv", "--inverted-table", out / "inverted.tsv",
        "--summary", out / "summary.tsv", "--figure", out / "heatmaps.png",
        "--batch-size", 5)  # fmt: skip
    natural = pd.read_csv(out / "natural.tsv", sep="\t")
    assert list(natural.columns) == ["model_a", "model_b", "cka"] and len(natural) == 4
    same = natural[natural["model_a"] == natural["model_b"]]["cka"]
    assert same.round(6).tolist() == [1.0, 1.0]
    assert len(pd.read_csv(out / "inverted.tsv", sep="\t")) == 4

    run("cka-layers", "--models", json.dumps(specs),
        "--layers", json.dumps({"a": ["layer1", "layer4"], "b": ["layer2", PENULTIMATE]}),
        "--natural", tmp_path / "n.safetensors", "--table", out / "layers.tsv",
        "--figure", out / "layers.png", "--batch-size", 6)  # fmt: skip
    layers = pd.read_csv(out / "layers.tsv", sep="\t")
    assert layers[["layer_a", "layer_b"]].values.tolist() == [
        ["layer1", "layer2"], ["layer1", PENULTIMATE], ["layer4", "layer2"], ["layer4", PENULTIMATE]
    ]  # fmt: skip
