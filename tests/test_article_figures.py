"""The article figures beyond one image per class: random starts, an auxiliary head, feature
maps and the naive opposite, through their stages on small untrained models."""

import json

import pandas as pd
import torch
from conftest import run_stage
from inputgen.engine.models import load_model
from inputgen.engine.optimize import scaled_random_init
from inputgen.platform import artifacts
from test_representations import SETTINGS, TINY, represent

SPEC = json.loads(TINY)


def stage(tmp_path, name, model=SPEC, **settings):
    common = {"name": "m", "model": model, "settings": json.loads(SETTINGS), "seed": 2}
    files = {key: tmp_path / f"{name}.{ext}" for key, ext in
             (("out", "safetensors"), ("table", "tsv"), ("figure", "png"))}  # fmt: skip
    assert run_stage(name, {**common, **settings}, **files) == 0
    tensors, _ = artifacts.load_tensors(tmp_path / f"{name}.safetensors")
    return tensors, pd.read_csv(tmp_path / f"{name}.tsv", sep="\t")


def test_start_zero_is_the_class_representation_and_the_others_differ(tmp_path):
    tensors, table = stage(tmp_path, "starts", classes=[1, 2], starts=3)
    assert table["class"].tolist() == [1, 1, 1, 2, 2, 2]
    assert table["start"].tolist() == [0, 1, 2, 0, 1, 2]
    reference = represent(tmp_path / "r.safetensors", [1, 2], batch_size=2)["images"]
    images = tensors["images"]
    assert torch.equal(images[0], reference[0]) and torch.equal(images[3], reference[1])
    assert (images[1] - images[0]).abs().mean() > 1e-3  # another start, another image


def test_the_drift_stage_measures_the_starts_resize_at_their_image_size(tmp_path):
    from inputgen.engine.image_stats import drift_table

    settings = json.loads(SETTINGS)
    job = {"input_size": SPEC["input_size"], "settings": settings, "seed": 2}
    assert run_stage("starts-drift", job, table=tmp_path / "drift.tsv") == 0
    drift = pd.read_csv(tmp_path / "drift.tsv", sep="\t")  # the settings' resize prior, then
    assert set(drift["resize"]) == {"configured", "article_cycle", "random_factor"}  # the refs
    assert set(drift["mode"]) == {"nearest", "bilinear"}
    expected = drift_table(settings["priors"]["resize"], SPEC["input_size"], settings["steps"], 2)
    pd.testing.assert_frame_equal(drift, expected, check_dtype=False)
    wide = {**job, "settings": {**settings, "canvas": 1.5}}  # a larger canvas: 96 px of a 64
    assert run_stage("starts-drift", wide, table=tmp_path / "wide.tsv") == 0
    expected = drift_table(settings["priors"]["resize"], 96, settings["steps"], 2)
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "wide.tsv", sep="\t"), expected)


def test_auxiliary_head_images_raise_the_heads_logit(tmp_path):
    """InceptionV3's AuxLogits (skipped in eval mode) is driven through its tapped input."""
    from inputgen.studies.auxiliary.science import head_logits

    spec = {"arch": "inception_v3", "weights": "random", "seed": 0}
    tensors, table = stage(
        tmp_path, "auxiliary", model=spec, classes=[5], layer="Mixed_6e", head="AuxLogits"
    )
    zoo = load_model(spec)
    start = scaled_random_init([5], 299, 2)
    before = head_logits(zoo, start, "Mixed_6e", "AuxLogits", 1)[0, 5]
    after = head_logits(zoo, tensors["images"], "Mixed_6e", "AuxLogits", 1)[0, 5]
    assert after > before
    assert abs(table["head_logit"].iloc[0] - float(after)) < 1e-3
    assert {"main_top1_name", "main_self_top1", "head_self_top1"} <= set(table.columns)


def test_feature_images_raise_their_channels_mean_activation(tmp_path):
    _, table = stage(tmp_path, "features", layer="layer2", channels=[0, 3])
    assert table["channel"].tolist() == [0, 3]
    assert (table["mean_activation_end"] > table["mean_activation_start"]).all()


def test_naive_opposite_is_the_argmin_on_the_class_image(tmp_path):
    classes = [3, 7]
    chunk = represent(tmp_path / "o.safetensors", classes, 2, objective="minimum")
    reps = represent(tmp_path / "r.safetensors", classes, 2)
    settings = {"name": "m", "model": SPEC, "settings": json.loads(SETTINGS), "seed": 2}
    files = {"images": tmp_path / "i.safetensors", "table": tmp_path / "t.tsv",
             "commutativity": tmp_path / "c.tsv", "graph": tmp_path / "g.graphml",
             "grid": tmp_path / "g.png", "naive": tmp_path / "n.png"}  # fmt: skip
    chunks = [tmp_path / "o.safetensors"]
    assert run_stage("opposites", settings, chunks=chunks, **files) == 2  # naive: which images?
    assert not (tmp_path / "t.tsv").exists()
    code = run_stage(
        "opposites", settings, chunks=chunks, representations=tmp_path / "r.safetensors", **files
    )
    assert code == 0
    table = pd.read_csv(tmp_path / "t.tsv", sep="\t")
    expected = load_model(SPEC).logits(reps["images"]).argmin(dim=1).tolist()
    assert table["naive_opposite"].tolist() == expected
    assert table["opposite"].tolist() == load_model(SPEC).logits(chunk["images"]).argmax(1).tolist()
    assert (tmp_path / "n.png").stat().st_size > 0
