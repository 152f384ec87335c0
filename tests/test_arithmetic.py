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
        "--trajectory-table",
        tmp_path / "trajectory.tsv",
        "--trajectory",
        tmp_path / "trajectory.png",
        "--transfer",
        tmp_path / "transfer.tsv",
    )
    table = pd.read_csv(tmp_path / "t.tsv", sep="\t")
    assert table["target"].tolist()[:2] == [251, 483]
    assert table["control"].tolist() == [False, False, True]
    # The logits per step: every element at every step; the control's target is its start class,
    # so its two trajectories coincide, while the others' differ.
    trajectory = pd.read_csv(tmp_path / "trajectory.tsv", sep="\t")
    assert len(trajectory) == 3 * 3 and sorted(set(trajectory["step"])) == [0, 1, 2]
    control = trajectory[trajectory["element"].str.endswith("(control)")]
    assert len(control) == 3 and (control["target_logit"] == control["start_logit"]).all()
    others = trajectory[~trajectory["element"].str.endswith("(control)")]
    assert (others["target_logit"] != others["start_logit"]).all()
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
                "--trajectory-table",
                str(tmp_path / "xt.tsv"),
                "--trajectory",
                str(tmp_path / "xt.png"),
                "--transfer",
                str(tmp_path / "xtransfer.tsv"),
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
        "--probabilities",
        tmp_path / "ip.png",
        "--transfer",
        tmp_path / "it.tsv",
    )
    table = pd.read_csv(tmp_path / "i.tsv", sep="\t")
    assert table["fraction"].tolist() == [0.0, 0.5, 1.0]
    assert {"prob_250", "prob_251", "top1_name"} <= set(table.columns)
    with Image.open(tmp_path / "i.gif") as gif:
        assert gif.n_frames == 3
    assert artifacts.read_provenance(tmp_path / "i.gif")["stage"] == "interpolate"


def test_interpolation_can_start_from_a_photo(tmp_path):
    """Source article 1 interpolates from a photo: the first frame is still the photo."""
    make_photos(tmp_path, names=("chelsea", "coffee"), crops=1, size=64)
    common = ["interpolate", "--name", "a", "--model", A, "--settings", SETTINGS]
    common += ["--start", 250, "--end", 251, "--frames", 2]
    for label, extra in (("photo", ["--photos", tmp_path / "p.safetensors", "--photo", "chelsea"]),
                         ("noise", [])):  # fmt: skip
        run(*common, *extra, *[f"--{k}" for k in ("out",)], tmp_path / f"{label}.safetensors",
            "--table", tmp_path / f"{label}.tsv", "--figure", tmp_path / f"{label}.png",
            "--gif", tmp_path / f"{label}.gif", "--probabilities", tmp_path / f"{label}p.png",
            "--transfer", tmp_path / f"{label}t.tsv")  # fmt: skip
    photo = artifacts.load_tensors(tmp_path / "p.safetensors")[0]["images"][0]
    from_photo = artifacts.load_tensors(tmp_path / "photo.safetensors")[0]["frames"][0]
    from_noise = artifacts.load_tensors(tmp_path / "noise.safetensors")[0]["frames"][0]
    assert (from_photo - photo).abs().mean() < 0.05 < (from_noise - photo).abs().mean()
    assert artifacts.read_provenance(tmp_path / "photo.png")["config"]["photo"] == "chelsea"


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


@pytest.mark.parametrize("constant", [-50.0, 30.0, 500.0])
def test_difference_objective_raises_the_first_logit_and_lowers_the_second(constant):
    """g'' = d(C - O1) - e(C - O2) (source article 3): whatever C is, descent raises model 1's
    logit and lowers model 2's. With |C - O| terms a C below the logits does the reverse."""
    from inputgen.models import load_model
    from inputgen.optimize import scaled_random_init
    from inputgen.representations import GenerationSettings, pair

    first, second = (
        load_model({"arch": "resnet18", "weights": "random", "seed": seed, "input_size": 64})
        for seed in (0, 1)
    )
    classes = [1, 2]
    settings = GenerationSettings(steps=6, lr=0.02, rule="sign", constant=constant)
    start = scaled_random_init(classes, 64, 0)
    result = pair(first, second, classes, "-", (1.0, 1.0), settings, 0)
    index = torch.tensor(classes)[:, None]
    with torch.no_grad():
        before = [zoo.logits(start).gather(1, index)[:, 0] for zoo in (first, second)]
        after = [zoo.logits(result.images).gather(1, index)[:, 0] for zoo in (first, second)]
    assert (after[0] > before[0] + 0.1).all(), (before[0], after[0])
    assert (after[1] < before[1] - 0.1).all(), (before[1], after[1])
