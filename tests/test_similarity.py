"""Representation inversion, the engine's momentum and best-iterate options, and the CKA stages."""

import numpy as np
import pandas as pd
import pytest
import torch
from conftest import make_photos, run_stage
from inputgen.engine import models
from inputgen.engine.models import PENULTIMATE, capture, classifier_layer
from inputgen.engine.objectives import VectorTarget
from inputgen.engine.optimize import Descent, optimize
from inputgen.platform import artifacts
from inputgen.studies.inversion.science import (
    inversion_dataset,
    invert,
    invert_pairs,
    pair_labels,
    relative_distance,
    representations,
    sample_pairs,
    summary_table,
)
from PIL import Image

SPEC = {"arch": "resnet18", "weights": "random", "seed": 0, "input_size": 64}


@pytest.fixture(scope="module")
def zoo():
    return models.load_model(SPEC)


def test_pairs_have_different_labels_and_are_seeded():
    labels = [0, 0, 0, 1, 2, 2]
    sources = [0, 1, 2, 3, 4, 5]  # every image its own photo: only the labels constrain
    seeds, targets = sample_pairs(labels, sources, 20, seed=3)
    assert all(labels[s] != labels[t] for s, t in zip(seeds, targets, strict=True))
    assert set(seeds) == set(range(6))  # every image seeds once before any repeats
    assert len(set(zip(seeds, targets, strict=True))) == 20  # no pair twice
    assert (seeds, targets) == sample_pairs(labels, sources, 20, seed=3)
    assert (seeds, targets) != sample_pairs(labels, sources, 20, seed=4)
    first = sample_pairs(labels, sources, 7, seed=3)
    assert first == (seeds[:7], targets[:7])  # asking for more pairs keeps the first ones
    with pytest.raises(ValueError, match="two different labels"):
        sample_pairs([5, 5, 5], [0, 1, 2], 2, seed=0)


def _synthetic_natural(seed: int, photos: int = 6, crops: int = 40):
    """Crops of ``photos`` photos (in random order) with labels that vary within a photo, as a
    model's top-1 does, and repeat across photos."""
    generator = torch.Generator().manual_seed(seed)
    sources = torch.randint(photos, (crops,), generator=generator)
    labels = torch.randint(4, (crops,), generator=generator)
    return labels.tolist(), sources.tolist()


@pytest.mark.parametrize("seed", range(25))
def test_pairs_never_share_a_source_photo_or_a_label(seed):
    labels, sources = _synthetic_natural(seed)
    seeds, targets = sample_pairs(labels, sources, 60, seed=seed)
    assert len(seeds) == len(targets) == 60
    for s, t in zip(seeds, targets, strict=True):
        assert sources[s] != sources[t], (s, t)
        assert labels[s] != labels[t], (s, t)
    assert len(set(zip(seeds, targets, strict=True))) == 60
    assert (seeds, targets) == sample_pairs(labels, sources, 60, seed=seed)


def test_pairs_use_every_valid_pair_then_fail_clearly():
    # Two photos, two labels; valid pairs need both a different photo and a different label.
    labels = [0, 1, 0, 1, 1]
    sources = [0, 0, 1, 1, 1]
    valid = {
        (s, t)
        for s in range(5)
        for t in range(5)
        if labels[s] != labels[t] and sources[s] != sources[t]
    }
    assert len(valid) == 6
    seeds, targets = sample_pairs(labels, sources, 6, seed=0)
    assert set(zip(seeds, targets, strict=True)) == valid
    with pytest.raises(ValueError, match=r"only 6 \(seed, target\) pairs .* 7 were asked"):
        sample_pairs(labels, sources, 7, seed=0)
    with pytest.raises(ValueError, match="two different source photos"):
        sample_pairs([0, 1, 2, 3], [4, 4, 4, 4], 1, seed=0)  # crops of one photo only
    with pytest.raises(ValueError, match="only 4 .* among 3 images from 2 photos"):
        sample_pairs([0, 1, 1], [0, 1, 1], 5, seed=0)  # too few photos for the pairs asked
    with pytest.raises(ValueError, match="one of each image"):
        sample_pairs([0, 1], [0, 1, 2], 1, seed=0)


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
    descent = Descent(steps=15, lr=0.5, rule="l2", momentum=0.9)
    result = invert(zoo, seeds, targets, descent, ids=[0, 1, 2])
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
        optimize({"m": zoo}, Linear(weight), start,
                 Descent(steps=k, lr=0.01, rule="l2", momentum=0.9), progress=None).images
        for k in (1, 2)
    ]  # fmt: skip
    assert float((moved[0] - start).norm()) == pytest.approx(0.01 * 0.1, rel=1e-4)
    assert float((moved[1] - start).norm()) == pytest.approx(0.01 * (0.1 + 0.19), rel=1e-4)
    with pytest.raises(ValueError, match="momentum must be in"):
        Descent(steps=1, lr=0.1, momentum=1.0)
    with pytest.raises(ValueError, match="single octave"):
        optimize({"m": zoo}, VectorTarget("m", torch.zeros(1, 1000)), start,
                 Descent(steps=2, lr=0.1, octaves=(0.5, 1.0)), keep_best=True)  # fmt: skip


def test_invert_and_cka_stages(tmp_path):
    make_photos(tmp_path, names=("chelsea", "coffee", "rocket"), crops=12, size=64)
    specs = {
        name: {"arch": "resnet18", "weights": "random", "seed": seed, "input_size": 64}
        for name, seed in (("a", 0), ("b", 1))
    }
    natural_file = tmp_path / "n.safetensors"

    for name, spec in specs.items():
        settings = {"name": name, "model": spec, "pairs": 6, "steps": 3}
        files = {"images": tmp_path / f"{name}.safetensors", "summary": tmp_path / f"{name}.tsv"}
        code = run_stage("inversion", settings, natural=natural_file, **files,
                         figure=tmp_path / f"{name}.png", batch_size=4)  # fmt: skip
        assert code == 0
    inverted, header = artifacts.load_tensors(tmp_path / "a.safetensors")
    assert inverted["images"].shape == (6, 3, 64, 64)
    assert set(inverted) >= {"seed_index", "target_index", "rep_distance"}
    natural, _ = artifacts.load_tensors(tmp_path / "n.safetensors")
    assert torch.equal(inverted["seed_source"], natural["source"][inverted["seed_index"]])
    assert torch.equal(inverted["target_source"], natural["source"][inverted["target_index"]])
    assert (inverted["seed_source"] != inverted["target_source"]).all()
    assert (inverted["seed_label"] != inverted["target_label"]).all()
    assert header["label_source"] == "model top-1"  # the bundled photos have no labels
    summary = pd.read_csv(tmp_path / "a.tsv", sep="\t")
    assert summary["label_source"].iloc[0] == "model top-1"
    assert summary["median_distance"].iloc[0] <= summary["median_start_distance"].iloc[0]

    out = tmp_path / "cka"
    inverted_files = [tmp_path / "a.safetensors", tmp_path / "b.safetensors"]
    code = run_stage("cka", {"models": specs, "inverted": ["a", "b"]}, natural=natural_file,
                     inverted=inverted_files, natural_table=out / "natural.tsv",
                     inverted_table=out / "inverted.tsv", summary=out / "summary.tsv",
                     figure=out / "heatmaps.png", batch_size=5)  # fmt: skip
    assert code == 0
    natural = pd.read_csv(out / "natural.tsv", sep="\t")
    assert list(natural.columns) == ["model_a", "model_b", "cka"] and len(natural) == 4
    same = natural[natural["model_a"] == natural["model_b"]]["cka"]
    assert same.round(6).tolist() == [1.0, 1.0]
    assert len(pd.read_csv(out / "inverted.tsv", sep="\t")) == 4

    layers = {"a": ["layer1", "layer4"], "b": ["layer2", PENULTIMATE]}
    code = run_stage("cka-layers", {"models": specs, "layers": layers}, natural=natural_file,
                     table=out / "layers.tsv", figure=out / "layers.png",
                     batch_size=6)  # fmt: skip
    assert code == 0
    layers = pd.read_csv(out / "layers.tsv", sep="\t")
    assert layers[["layer_a", "layer_b"]].values.tolist() == [
        ["layer1", "layer2"], ["layer1", PENULTIMATE], ["layer4", "layer2"], ["layer4", PENULTIMATE]
    ]  # fmt: skip


def test_invert_pairs_an_image_folder_on_its_true_labels(tmp_path):
    rng = np.random.default_rng(0)
    for name in ("cats", "dogs", "owls"):
        (tmp_path / "tree" / name).mkdir(parents=True)
        for i in range(2):
            pixels = rng.integers(0, 256, (24, 32, 3), dtype=np.uint8)
            Image.fromarray(pixels).save(tmp_path / "tree" / name / f"{i}.png")

    photos = {"photos": tmp_path / "p.safetensors", "figure": tmp_path / "p.png"}
    settings = {"folder": str(tmp_path / "tree"), "crops": 16, "size": 64}
    assert run_stage("photos", settings, natural=tmp_path / "n.safetensors", **photos) == 0
    settings = {"name": "a", "model": SPEC, "pairs": 5, "steps": 2}
    files = {"images": tmp_path / "a.safetensors", "summary": tmp_path / "a.tsv"}
    code = run_stage("inversion", settings, natural=tmp_path / "n.safetensors", **files,
                     figure=tmp_path / "a.png", batch_size=8)  # fmt: skip
    assert code == 0
    natural, _ = artifacts.load_tensors(tmp_path / "n.safetensors")
    inverted, header = artifacts.load_tensors(tmp_path / "a.safetensors")
    assert header["label_source"] == "folder"
    assert pd.read_csv(tmp_path / "a.tsv", sep="\t")["label_source"].iloc[0] == "folder"
    # the folder's labels, not the (random) model's top-1, decide the pairs
    assert torch.equal(inverted["seed_label"], natural["labels"][inverted["seed_index"]])
    assert torch.equal(inverted["target_label"], natural["labels"][inverted["target_index"]])
    assert (inverted["seed_label"] != inverted["target_label"]).all()
    assert (inverted["seed_source"] != inverted["target_source"]).all()
    expected = sample_pairs(natural["labels"].tolist(), natural["source"].tolist(), 5, seed=0)
    assert (inverted["seed_index"].tolist(), inverted["target_index"].tolist()) == expected


def test_pairs_differ_in_the_true_labels_where_the_photos_have_them():
    predicted = torch.tensor([3, 1, 3])
    names = tuple(f"class {i}" for i in range(5))
    source, labels, label_names = pair_labels(None, None, None, predicted, names)
    assert (source, labels.tolist(), label_names) == ("model top-1", [3, 1, 3], list(names))
    folder = torch.tensor([0, 1, 1])
    source, labels, label_names = pair_labels(folder, "folder", ["cats", "dogs"], predicted, names)
    assert (source, labels.tolist(), label_names) == ("folder", [0, 1, 1], ["cats", "dogs"])
    source, labels, label_names = pair_labels(folder, "imagenet", ["n0", "n1"], predicted, names)
    assert source == "folder" and label_names[281] == "tabby" and len(label_names) == 1000


def test_inversion_dataset_pairs_inverts_and_measures(zoo):
    generator = torch.Generator().manual_seed(2)
    images = torch.rand(8, 3, 64, 64, generator=generator)
    labels = torch.tensor([0, 1, 2, 0, 1, 2, 0, 1])
    sources = torch.tensor([0, 0, 1, 1, 2, 2, 3, 3])
    descent = Descent(steps=4, lr=0.5, rule="l2", momentum=0.9)
    dataset = inversion_dataset(zoo, images, labels, sources, 5, descent, batch_size=2, seed=1)
    seeds, targets = sample_pairs(labels.tolist(), sources.tolist(), 5, seed=1)
    assert dataset["seed_index"].tolist() == seeds and dataset["target_index"].tolist() == targets
    assert torch.equal(dataset["seed_label"], labels[seeds])
    assert torch.equal(dataset["target_source"], sources[targets])
    assert dataset["images"].shape == (5, 3, 64, 64)
    wanted = representations(zoo, images[targets], 5)
    assert torch.allclose(
        dataset["rep_distance"], relative_distance(zoo, dataset["images"], wanted, 5), atol=1e-6
    )
    assert torch.allclose(
        dataset["start_distance"], relative_distance(zoo, images[seeds], wanted, 5), atol=1e-6
    )
    assert (dataset["rep_distance"] < dataset["start_distance"]).all()
    # pair i descends under id i: the batching changes nothing but the rounding
    alone = invert_pairs(zoo, images, seeds, targets, descent, batch_size=5, seed=1)
    assert torch.allclose(alone, dataset["images"], atol=1e-4)


def test_the_summary_counts_what_the_model_sees_in_the_inverted_images():
    dataset = {
        "seed_index": torch.tensor([0, 1, 2, 3]),
        "target_index": torch.tensor([4, 5, 6, 7]),
        "start_distance": torch.tensor([1.0, 0.8, 0.9, 1.2]),
        "rep_distance": torch.tensor([0.1, 0.3, 0.2, 0.5]),
    }
    predicted = torch.tensor([0, 1, 2, 3, 7, 7, 8, 9])
    seen = torch.tensor([7, 1, 8, 5])  # the target's, the seed's, the target's, neither
    table = summary_table("m", 30, "model top-1", dataset, predicted, seen)
    assert table.to_dict("records") == [
        {"model": "m", "pairs": 4, "steps": 30, "label_source": "model top-1",
         "median_start_distance": 0.9, "median_distance": 0.2,
         "labelled_as_target": 0.5, "labelled_as_seed": 0.25}
    ]  # fmt: skip


def test_the_invert_stage_records_its_settings(tmp_path):
    make_photos(tmp_path, names=("chelsea", "coffee", "rocket"), crops=12, size=64)
    settings = {"name": "a", "model": SPEC, "pairs": 4, "steps": 1, "lr": 0.5}
    files = {"images": tmp_path / "a.safetensors", "summary": tmp_path / "a.tsv"}
    code = run_stage("inversion", settings, natural=tmp_path / "n.safetensors", **files,
                     figure=tmp_path / "a.png", batch_size=3)  # fmt: skip
    assert code == 0
    _, header = artifacts.load_tensors(tmp_path / "a.safetensors")
    record = header["provenance"]
    assert record["stage"] == "inversion"
    assert record["config"] == {**settings, "momentum": 0.9, "seed": 0, "show": 8}
    assert [item["path"] for item in record["inputs"]] == [str(tmp_path / "n.safetensors")]
