"""Source article 1's opening experiments (inputgen.studies.flowers): the three experiments on small
models with known answers, the data, and the stage on the MNIST stand-in."""

import numpy as np
import pandas as pd
import pytest
import torch
from conftest import run_stage
from inputgen import claims
from inputgen.platform.stage import STAGES, settings_from
from inputgen.studies.flowers import science as flowers
from PIL import Image
from torch import nn
from torch.nn import functional as F


def linear_model(size: int = 8) -> nn.Module:
    """Two classes read from the mean pixel: logits (m, -m), m = mean(x) - 0.5."""
    model = nn.Sequential(nn.Flatten(), nn.Linear(3 * size * size, 2))
    with torch.no_grad():
        model[1].weight.copy_(
            torch.stack([torch.ones(3 * size * size), -torch.ones(3 * size * size)])
            / (3 * size * size)
        )
        model[1].bias.copy_(torch.tensor([-0.5, 0.5]))
    return model.eval().requires_grad_(False)


def test_descent_from_noise_is_the_articles_plain_step():
    """One step of ``a - lr * grad J(O(a), c)`` from the seeded uniform start, per class."""
    model = linear_model()
    starts, images = flowers.from_noise(model, 8, 2, steps=1, lr=50.0, seed=3)
    assert starts.shape == images.shape == (2, 3, 8, 8)
    assert 0 <= float(starts.min()) and float(starts.max()) <= 1
    moving = starts.clone().requires_grad_(True)
    loss = F.cross_entropy(model(moving), torch.tensor([0, 1]), reduction="sum")
    (gradient,) = torch.autograd.grad(loss, moving)
    assert torch.allclose(images, (starts - 50.0 * gradient).clamp(0, 1), atol=1e-6)
    again, _ = flowers.from_noise(model, 8, 2, steps=1, lr=50.0, seed=3)
    assert torch.equal(again, starts)  # seeded
    table = flowers.noise_table(starts, images, model, ["bright", "dark"])
    assert (table["end_prob"] > table["start_prob"]).all()


def test_a_gradient_step_flips_a_close_call_and_a_random_one_does_not():
    model = linear_model()
    images = torch.full((4, 3, 8, 8), 0.51)  # class 0 by a margin of 0.01 in the mean
    table = flowers.random_directions(model, images, epsilon=0.05, seed=0)
    assert table["predicted"].tolist() == [0] * 4
    assert table["gradient_changes"].all()  # the mean falls by 0.05: class 1
    assert not table["random_changes"].any()  # random signs move the mean by about 0.004
    row = claims.random_directions_rarely_change(pd.concat([table] * 3, ignore_index=True))
    assert row["observed"] == 0 and row["baseline"] == 1 and row["verdict"] == claims.SUPPORTS


def test_transfiguration_moves_photos_by_sign_steps_and_tables_each_target():
    model = linear_model()
    photos = torch.stack([torch.full((3, 8, 8), 0.6), torch.full((3, 8, 8), 0.4)])
    moved = flowers.transfigure(model, photos, [1, 0], steps=4, lr=0.01, seed=0)
    assert moved.shape == (2, 2, 3, 8, 8)
    # toward class 1 (dark) every pixel falls by 0.01 a step; toward 0 it rises
    assert torch.allclose(moved[0], photos - 0.04, atol=1e-6)
    assert torch.allclose(moved[1], photos + 0.04, atol=1e-6)
    table = flowers.transfiguration_table(
        photos, torch.tensor([0, 1]), moved, [1, 0], model, ["bright", "dark"]
    )
    assert len(table) == 4 and table["own_class"].tolist() == [False, True, True, False]
    assert table["change_l2"].tolist() == pytest.approx([0.04 * 192**0.5] * 4, abs=1e-3)


def test_the_own_class_rank_claim():
    table = pd.DataFrame(
        {
            "target": ["a"] * 4 + ["b"] * 4,
            "photo_class": ["a", "a", "b", "b"] * 2,
            "change_l2": [1.0, 2.0, 3.0, 4.0, 1.0, 1.0, 2.0, 2.0],
        }
    )
    a, b = claims.own_class_changes_least(table)
    assert a["observed"] == 1 and a["verdict"] == claims.SUPPORTS
    assert b["observed"] == 2 and b["verdict"] == claims.CONTRADICTS and b["baseline"] == 1.5


def test_a_folder_of_classes_is_taken_in_order_and_split_by_seed(tmp_path):
    rng = np.random.default_rng(0)
    for name in ("roses", "tulips", "daisy"):
        (tmp_path / name).mkdir()
        for i in range(5):
            Image.fromarray(rng.integers(0, 256, (20, 30, 3), dtype=np.uint8)).save(
                tmp_path / name / f"{i}.png"
            )
    data = flowers.image_folder_classes(str(tmp_path), ["tulips", "daisy"], 16, 0.2, seed=1)
    assert data.names == ["tulips", "daisy"]
    assert len(data.train[1]) == 8 and len(data.test[1]) == 2
    assert data.train[0].shape[1:] == (3, 16, 16)
    assert sorted(torch.cat([data.train[1], data.test[1]]).tolist()) == [0] * 5 + [1] * 5
    assert len(data.files) == 10
    with pytest.raises(KeyError, match="classes \\['lilies'\\] are not folders"):
        flowers.image_folder_classes(str(tmp_path), ["lilies"], 16, 0.2, seed=1)


SETTINGS = {
    "folder": None, "classes": ["0", "1", "2"], "targets": ["2", "0"], "size": 16,
    "train_images": 150, "test_images": 30, "epochs": 1, "train_batch": 32, "train_lr": 0.01,
    "noise_steps": 3, "noise_lr": 10000.0, "epsilon": 0.1, "per_class": 1,
    "transfigure_steps": 3, "transfigure_lr": 0.01,
}  # fmt: skip


def test_the_stage_runs_the_three_experiments_on_the_mnist_stand_in(tmp_path):
    files = {name: tmp_path / f"{name}.tsv" for name in
             ("training", "noise", "random", "transfigured")}  # fmt: skip
    assert run_stage("flowers", SETTINGS, **files, figure=tmp_path / "grid.png") == 0
    training = pd.read_csv(files["training"], sep="\t")
    assert training["classes"].item() == 3 and training["train_images"].item() == 150
    assert "MNIST digits 0, 1, 2" in training["source"].item()
    assert pd.read_csv(files["noise"], sep="\t")["name"].astype(str).tolist() == ["0", "1", "2"]
    assert len(pd.read_csv(files["random"], sep="\t")) == 30
    transfigured = pd.read_csv(files["transfigured"], sep="\t")
    assert len(transfigured) == 2 * 3 and set(transfigured["target"].astype(str)) == {"2", "0"}
    assert (tmp_path / "grid.png").stat().st_size > 0


def test_targets_must_be_among_the_classes():
    with pytest.raises(ValueError, match="targets \\['7'\\] are not among the classes"):
        settings_from(STAGES["flowers"].settings, {**SETTINGS, "targets": ["7"]})
