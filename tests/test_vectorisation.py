"""Vectorisation and merging by parameters: the functions, the tables and the stages (small
models)."""

import math

import numpy as np
import pandas as pd
import pytest
import torch
from conftest import PIXEL_RECIPE, make_photos, run_stage
from inputgen.engine import models
from inputgen.engine.generation import class_representations
from inputgen.engine.generation_settings import GenerationSettings
from inputgen.platform import artifacts
from inputgen.studies.merging.science import match_outputs, merging_table, rss
from inputgen.studies.vectorisation.science import (
    l1_distance,
    photo_id,
    vectorisation_table,
    vectorise,
)

A = {"arch": "resnet18", "weights": "random", "seed": 0, "input_size": 64}
B = {"arch": "resnet18", "weights": "random", "seed": 1, "input_size": 64}
SETTINGS = {**PIXEL_RECIPE, "steps": 12, "lr": 0.03, "priors": {"blur": {}, "affine": {}}}


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


def test_vectorisation_takes_article_3s_loss_scale_and_normal_start(zoo):
    """Source article 3's loss is 0.05 * sum|y - O|: under a plain gradient step a scale s with
    step size lr makes the images of scale 1 with lr * s. Its start is a scaled normal
    (N(0.7, 1/20)), not the generation's uniform one."""
    targets = zoo.batched_logits(
        torch.rand(2, 3, 64, 64, generator=torch.Generator().manual_seed(0)), 4
    )
    plain = {**SETTINGS, "rule": "gradient", "lr": 1e-3, "lr_end": None, "steps": 3, "l1": 0.0}
    scaled, start = vectorise(
        zoo, targets, [3, 7], GenerationSettings.from_dict(plain), 0, loss_scale=0.05
    )
    smaller_step = {**plain, "lr": 1e-3 * 0.05}
    unscaled, _ = vectorise(zoo, targets, [3, 7], GenerationSettings.from_dict(smaller_step), 0)
    assert torch.allclose(scaled.images, unscaled.images, atol=1e-5)
    assert not torch.allclose(scaled.images, start, atol=1e-4)  # it moved
    assert abs(float(start.mean()) - 0.5) < 0.01 and float(start.std()) < 0.02  # uniform, narrow
    _, normal = vectorise(
        zoo, targets, [3, 7], GenerationSettings.from_dict(plain), 0, start="normal"
    )
    assert abs(float(normal.mean()) - 0.7) < 0.01 and abs(float(normal.std()) - 0.05) < 0.005
    with pytest.raises(ValueError, match="vectorisation start 'gauss'"):
        vectorise(zoo, targets, [3, 7], GenerationSettings.from_dict(plain), 0, start="gauss")


def test_merging_reduces_its_rss_and_leaves_the_original_model_alone(zoo):
    images = torch.rand(3, 3, 64, 64, generator=torch.Generator().manual_seed(1))
    targets = models.load_model(B).batched_logits(images, 3)
    original = zoo.batched_logits(images, 3)
    merged, history, own = match_outputs(zoo, images, targets, steps=8, lr=1e-4, batch_size=3)
    assert history.shape == (9,)
    # one group: each image's RSS after its own steps is its RSS after the whole descent
    torch.testing.assert_close(own, rss(merged.batched_logits(images, 3), targets))
    assert history[-1] < 0.5 * history[0], history
    after = rss(merged.batched_logits(images, 3), targets).mean()
    assert float(after) == pytest.approx(float(history[-1]), rel=1e-4)
    assert torch.equal(zoo.batched_logits(images, 3), original)  # trained a copy
    assert not any(p.requires_grad for p in merged.model.parameters())
    # The batch size only splits the gradient accumulation.
    _, split, _ = match_outputs(zoo, images, targets, steps=8, lr=1e-4, batch_size=1)
    assert torch.allclose(split, history, rtol=1e-3)


def test_merging_one_image_at_a_time_records_each_images_own_fall(zoo):
    """The article's first case: the first image's RSS right after its own steps, before the
    next image's steps move the parameters on."""
    images = torch.rand(2, 3, 64, 64, generator=torch.Generator().manual_seed(2))
    targets = models.load_model(B).batched_logits(images, 2)
    merged, history, own = match_outputs(
        zoo, images, targets, steps=6, lr=1e-4, batch_size=2, batch=1
    )
    alone, alone_history, alone_own = match_outputs(
        zoo, images[:1], targets[:1], steps=6, lr=1e-4, batch_size=2, batch=1
    )
    first = rss(alone.batched_logits(images[:1], 1), targets[:1])
    torch.testing.assert_close(own[:1], first, rtol=1e-4, atol=0)
    torch.testing.assert_close(alone_own, first, rtol=1e-4, atol=0)
    torch.testing.assert_close(history[:6], alone_history[:6])
    # the second image's steps moved the first image's RSS on
    final = rss(merged.batched_logits(images, 2), targets)
    assert not torch.allclose(final[:1], own[:1], rtol=1e-3)
    torch.testing.assert_close(own[1:], final[1:], rtol=1e-4, atol=0)


def test_merging_says_when_it_diverges(zoo):
    images = torch.rand(2, 3, 64, 64, generator=torch.Generator().manual_seed(1))
    targets = torch.full((2, 1000), 1e4)
    with pytest.raises(RuntimeError, match="lower the learning rate"):
        match_outputs(zoo, images, targets, steps=20, lr=10.0, batch_size=2)


def test_vectorisation_table_rows_classes_then_photos_with_theta2_cells_for_classes_only():
    names = [f"n{i}" for i in range(1000)]
    table = vectorisation_table(
        [9, 3],
        ["coffee"],
        names,
        start_distance=torch.tensor([10.0, 20.0, 30.0]),
        end_distance=torch.tensor([5.0, 4.0, 3.0]),
        own_distance=torch.tensor([7.5, 8.25]),
        target_top1=[9, 1, 500],
        vectorised_top1=[9, 3, 501],
        toward_top1=[9, 4],
        toward_distance_own=np.array([0.5, 0.2]),
        toward_distance_vectorised=np.array([0.25, 0.4]),
    )
    assert table["kind"].tolist() == ["class", "class", "photo"]
    assert table["target"].tolist() == ["9", "3", "coffee"]
    assert table["name"].tolist() == ["n9", "n3", "coffee"]
    assert table["reduction"].tolist() == pytest.approx([2.0, 5.0, 10.0])
    assert table["own_distance"].tolist()[:2] == [7.5, 8.25]
    assert math.isnan(table["own_distance"].iloc[2])
    assert table["target_top1"].tolist() == ["n9", "n1", "n500"]
    assert table["vectorised_top1"].tolist() == ["n9", "n3", "n501"]
    assert table["toward_top1"].tolist() == ["n9", "n4", ""]
    assert table["toward_recognises"].tolist() == [True, False, None]
    # moved toward: theta2 finds the vectorised image closer to its own picture than theta1's
    assert table["moved_toward"].tolist() == [True, False, None]
    assert math.isnan(table["toward_distance_vectorised"].iloc[2])


def test_merging_table_rates_before_and_after_by_theta2():
    names = [f"n{i}" for i in range(1000)]
    theirs = torch.zeros(2, 1000)
    theirs[0, 3], theirs[1, 7] = 1.0, 1.0  # theta2's own pictures: what it sees in each class
    before = torch.zeros(2, 1000)
    before[0, 5], before[1, 7] = 1.0, 1.0  # class 3 seen as 5, class 7 as 7
    after = torch.zeros(2, 1000)
    after[0, 3], after[1, 8] = 1.0, 1.0  # now class 3 is seen as 3, class 7 as 8
    table = merging_table(
        [3, 7],
        names,
        torch.tensor([10.0, 9.0]),
        torch.tensor([1.0, 3.0]),
        torch.tensor([2.0, 3.0]),
        before,
        after,
        theirs,
    )
    assert table["class"].tolist() == [3, 7] and table["name"].tolist() == ["n3", "n7"]
    assert table["rss_reduction"].tolist() == pytest.approx([5.0, 3.0])
    assert table["own_reduction"].tolist() == pytest.approx([10.0, 3.0])
    assert table["toward_top1_before"].tolist() == ["n5", "n7"]
    assert table["toward_top1_after"].tolist() == ["n3", "n8"]
    assert table["toward_recognises_before"].tolist() == [False, True]
    assert table["toward_recognises_after"].tolist() == [True, False]
    assert table["toward_distance_after"].iloc[0] == 0.0  # the same outputs as theta2's own
    assert table["moved_toward"].tolist() == [True, False]
    assert table["moved_toward"].dtype == bool


def test_photo_ids_are_stable_and_clear_of_class_ids():
    assert photo_id("coffee") == photo_id("coffee") != photo_id("chelsea")
    assert all(photo_id(name) >= 1000 for name in ("coffee", "chelsea", "astronaut"))


PICTURES = {**SETTINGS, "steps": 3}


def pair_settings(classes):
    return {
        "name": "a",
        "model": A,
        "toward_name": "b",
        "toward": B,
        "classes": classes,
        "settings": PICTURES,
        "seed": 0,
    }


@pytest.fixture(scope="module")
def pictures(tmp_path_factory, zoo):
    """Both models' pictures of classes 3, 7 and 9, made as the represent stage makes them
    (the settings and seed the stages below use), and two photos."""
    directory = tmp_path_factory.mktemp("pictures")
    settings = GenerationSettings.from_dict(PICTURES)
    for name, model in (("a", zoo), ("b", models.load_model(B))):
        images = class_representations(model, [3, 7, 9], settings, seed=0).images
        tensors = {"images": images, "classes": torch.tensor([3, 7, 9])}
        artifacts.save_tensors(directory / f"{name}.safetensors", tensors, {"stage": "test"})
    make_photos(directory, names=("chelsea", "coffee"), crops=1, size=64)
    return directory


def pair_files(directory):
    return {"own": directory / "a.safetensors", "target_images": directory / "b.safetensors"}


def test_vectorise_stage_tables_classes_and_photos(pictures):
    out = pictures / "v"
    code = run_stage(
        "vectorisation",
        {**pair_settings([9, 3]), "photos": ["coffee"]},
        **pair_files(pictures),
        photos=pictures / "p.safetensors",
        out=out / "v.safetensors",
        table=out / "v.tsv",
        figure=out / "v.png",
        photo_figure=out / "photos.png",
    )
    assert code == 0
    table = pd.read_csv(out / "v.tsv", sep="\t")
    assert table["kind"].tolist() == ["class", "class", "photo"]
    assert table["target"].tolist() == ["9", "3", "coffee"]
    assert table["own_distance"].notna().tolist() == [True, True, False]
    tensors, metadata = artifacts.load_tensors(out / "v.safetensors")
    assert tensors["images"].shape == (3, 3, 64, 64) and metadata["toward"] == "b"
    assert tensors["classes"].tolist() == [9, 3]
    assert metadata["provenance"]["stage"] == "vectorisation"
    assert metadata["provenance"]["config"]["photos"] == ["coffee"]
    assert (out / "photos.png").exists() and (out / "v.png").exists()


def test_merge_stage_regenerates_with_the_trained_copy(pictures, capsys):
    out = pictures / "m"
    files = {
        **pair_files(pictures),
        "out": out / "m.safetensors",
        "table": out / "m.tsv",
        "figure": out / "m.png",
        "loss_figure": out / "loss.png",
    }
    settings = {**pair_settings([3, 7]), "steps": 4, "lr": 1e-4}
    assert run_stage("merging", settings, **files) == 0
    table = pd.read_csv(out / "m.tsv", sep="\t")
    assert table["class"].tolist() == [3, 7]
    assert (table["rss_after"] < table["rss_before"]).all()
    assert table["moved_toward"].dtype == bool
    tensors, metadata = artifacts.load_tensors(out / "m.safetensors")
    before, _ = artifacts.load_tensors(pictures / "a.safetensors")
    assert tensors["loss"].shape == (5,)
    # The same settings and seed as theta1's own pictures: only the parameters differ.
    assert not torch.equal(tensors["images"], before["images"][:2])
    assert metadata["provenance"]["config"]["batch"] is None
    missing = {**settings, "classes": [3, 5]}  # class 5 has no representation
    assert run_stage("merging", missing, **files) == 2
    assert "classes [5] are not in" in capsys.readouterr().err
    assert run_stage("merging", {**settings, "classes": [3, 1000]}, **files) == 2
    assert "must be in 0..999" in capsys.readouterr().err
