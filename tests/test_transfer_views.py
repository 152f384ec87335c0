"""How the *other* pretrained models see the images of transfiguration, interpolation, vector
addition and opposites: the table functions on plain values, the CLI stages on two small
untrained models (one generates, the other rates) as their rules call them, and the workflow's
rules on the tiny config with a second pretrained model."""

import pandas as pd
import pytest
import torch
from conftest import PIXEL_RECIPE, make_photos, run_stage
from inputgen.engine.generation import recognised, target_probabilities
from inputgen.engine.models import imagenet_class_names, load_model
from inputgen.platform import artifacts
from inputgen.studies.addition.science import addition_columns
from inputgen.studies.interpolation.figures import interpolation_figure
from inputgen.studies.interpolation.science import interpolation_columns, passage_table
from inputgen.studies.opposites.science import agreement_columns
from inputgen.studies.transfiguration.science import transfer_columns, transfer_summary
from test_figures import check_figure
from test_workflow import TINY, snakemake

A = {"arch": "resnet18", "weights": "random", "seed": 0, "input_size": 64}
B = {"arch": "resnet18", "weights": "random", "seed": 1, "input_size": 64}
EVALUATORS = {"b": B}
SETTINGS = {**PIXEL_RECIPE, "steps": 3, "lr": 0.02, "priors": {"blur": {}, "affine": {}}}
COMMON = {"name": "a", "model": A, "settings": SETTINGS}
NAMES = imagenet_class_names()


def run(name, settings, **files):
    assert run_stage(name, settings, **files) == 0


def seen(classes, top5):
    """A recognition() table: ``top5`` rows, the first entry the top-1."""
    return pd.DataFrame({"class": classes, "top1": [row[0] for row in top5], "top5": top5})


def probabilities_of(model: dict, images: torch.Tensor) -> torch.Tensor:
    with torch.no_grad():
        return load_model(model).logits(images).softmax(dim=1)


# --- the table functions, on plain values -----------------------------------------------------


def test_recognised_flags_top1_and_top5():
    view = seen([1, 2, 3], [[1, 9, 8, 7, 6], [5, 2, 8, 7, 6], [9, 8, 7, 6, 5]])
    flags = recognised(view)
    assert flags["top1"].tolist() == [1, 0, 0]
    assert flags["top5"].tolist() == [1, 1, 0]


def test_target_probabilities_pick_each_rows_class():
    probabilities = torch.tensor([[0.1, 0.9, 0.0], [0.7, 0.2, 0.1]])
    assert target_probabilities(probabilities, [1, 0]) == [0.9, 0.7]


def test_transfer_columns_and_the_summary_are_the_means_of_the_flags():
    targets = [1, 2, 3, 4]
    table = pd.DataFrame(
        {
            "target": targets,
            "control": [False, False, False, True],
            "end_prob": [0.9, 0.5, 0.1, 0.8],
        }
    )
    own = seen(targets, [[1, 0, 0, 0, 0], [2, 0, 0, 0, 0], [9, 3, 0, 0, 0], [4, 0, 0, 0, 0]])
    other = seen(targets, [[1, 0, 0, 0, 0], [7, 2, 0, 0, 0], [9, 8, 7, 6, 5], [4, 0, 0, 0, 0]])
    probabilities = torch.zeros(4, 10)
    probabilities[[0, 1, 2, 3], targets] = torch.tensor([0.6, 0.3, 0.0, 0.7])
    table = pd.concat(
        [
            table,
            transfer_columns({"self": own}),
            transfer_columns({"b": other}, {"b": probabilities}),
        ],
        axis=1,
    )
    assert table["self_top1"].tolist() == [1, 1, 0, 1]
    assert table["self_top5"].tolist() == [1, 1, 1, 1]
    assert "self_prob" not in table  # the generator's probability is end_prob
    assert table["b_prob"].tolist() == [0.6, 0.3, 0.0, 0.7]
    assert table["b_top1"].tolist() == [1, 0, 0, 1]
    assert table["b_top5"].tolist() == [1, 1, 0, 1]

    summary = transfer_summary(table, "a", ["b"]).set_index(["elements", "evaluator"])
    assert summary.loc[("targets", "a"), "relation"] == "self"
    assert summary.loc[("targets", "b"), "relation"] == "transfer"
    photos = table[~table["control"]]
    for model, prefix, prob in (("a", "self", "end_prob"), ("b", "b", "b_prob")):
        row = summary.loc[("targets", model)]
        assert row["images"] == 3
        assert row["top1"] == round(photos[f"{prefix}_top1"].mean(), 4)
        assert row["top5"] == round(photos[f"{prefix}_top5"].mean(), 4)
        assert row["mean_prob"] == round(photos[prob].mean(), 4)
    assert summary.loc[("targets", "a"), "top1"] == round(2 / 3, 4)
    assert summary.loc[("targets", "b"), "top1"] == round(1 / 3, 4)
    assert summary.loc[("targets", "b"), "top5"] == round(2 / 3, 4)
    assert summary.loc[("targets", "b"), "mean_prob"] == 0.3
    controls = summary.loc["controls"]
    assert controls["images"].tolist() == [1, 1] and controls["top1"].tolist() == [1.0, 1.0]


def test_a_transfigured_photo_counts_for_any_other_model_when_one_of_them_sees_the_target():
    table = pd.DataFrame(
        {
            "control": [False] * 4 + [True],
            "self_top1": 1,
            "self_top5": 1,
            "end_prob": 0.9,
            "b_top1": [1, 0, 0, 0, 1],
            "b_top5": [1, 1, 0, 0, 1],
            "b_prob": [0.6, 0.2, 0.0, 0.1, 0.5],
            "c_top1": [0, 1, 0, 0, 0],
            "c_top5": [0, 0, 1, 0, 1],
            "c_prob": [0.1, 0.5, 0.1, 0.0, 0.2],
        }
    )
    summary = transfer_summary(table, "a", ["b", "c"]).set_index(["elements", "evaluator"])
    anyone = summary.loc[("targets", "any other")]
    assert anyone["relation"] == "any_other" and anyone["images"] == 4
    assert (anyone["top1"], anyone["top5"]) == (0.5, 0.75)  # each model alone: 0.25
    assert anyone["mean_prob"] == round((0.6 + 0.5 + 0.1 + 0.1) / 4, 4)
    assert summary.loc[("controls", "any other"), "top1"] == 1.0
    assert summary.loc[("targets", "b"), "top1"] == summary.loc[("targets", "c"), "top1"] == 0.25
    # one other model: its own row says it
    alone = transfer_summary(table, "a", ["b"])
    assert set(alone["evaluator"]) == {"a", "b"}


def test_the_interpolation_benchmark_codes_frames_and_counts_passes_as_the_study(
    monkeypatch, capsys
):
    from conftest import REPO, benchmark_script

    bench = benchmark_script("interpolation")
    assert bench.frame_code([1, 250, 248, 251, 200], 250, 251) == ".HeDd"
    # top-1 = start on some frame and = end on another, as the study's `passes`
    assert bench.passes(".HeDd") and not bench.passes(".HHee") and not bench.passes("DDDD")
    table = pd.DataFrame(
        {
            "generator": "g",
            "start_class": 250,
            "end_class": 251,
            "objective": "margin",
            "hold": [0.25, 0.25, 0.25, 0.0],
            "steps": [40, 40, 80, 80],
            "start": "photo",
            "seed": [0, 1, 0, 0],
            "g": ["HHDD", "HH..", "HDDD", "HD.."],
            "others_passing": [1, 0, 0, 2],
            "threads": 2,
        }
    )
    held_out = table.iloc[[0]].assign(start_class=291, end_class=292, others_passing=0)
    rows = bench.summary(pd.concat([table, held_out])).splitlines()[2:]
    assert rows == [
        "| g | 250 -> 251 | 2 | margin | 0.25 | 40 | photo | 2 | 1 | 1 |",
        "| g | 250 -> 251 | 2 | margin | 0.25 | 80 | photo | 1 | 1 | 0 |",
        "| g | 250 -> 251 | 2 | margin | 0 | 80 | photo | 1 | 1 | 1 |",
        "| g | 291 -> 292 | 2 | margin | 0.25 | 40 | photo | 1 | 1 | 0 |",
    ]
    # bad flags are refused, named, before any model loads
    for argv, message in (
        (["--starts", "photo,nose"], "unknown starts ['nose']; known: photo, noise"),
        (["--steps", "40,0"], "0 is not a positive whole number"),
        (["--seeds", "-1"], "-1 is not a positive whole number"),
        (["--hold", "1"], "1.0 is not in [0, 1)"),
        (["--objective", "lucent"], "invalid choice: 'lucent'"),
        (["--photo", "dalmatian"], "--photo 'dalmatian': not a shipped photo"),
        (["--pair", "291"], "'291' is not START,END (two class indices)"),
        (["--pair", "lion,tiger"], "'lion,tiger' is not START,END (two class indices)"),
        (["--pair", "291,1000"], "'291,1000': two distinct ImageNet classes (0-999)"),
        (["--pair", "291,291"], "'291,291': two distinct ImageNet classes (0-999)"),
    ):
        monkeypatch.setattr("sys.argv", ["interpolation.py", *argv])
        with pytest.raises(SystemExit):
            bench.main()
        assert message in capsys.readouterr().err
    # README's table is the summary of the run's tables, never retyped
    folder = REPO / "docs/benchmarks/interpolation"
    runs = pd.concat(pd.read_csv(path, sep="\t") for path in sorted(folder.glob("*.tsv")))
    assert bench.summary(runs) in (REPO / "README.md").read_text()


def test_interpolation_columns_and_whether_the_frames_pass_through_both_classes():
    start, end = 250, 251
    frames = 3
    own_p = torch.zeros(frames, 1000)
    own_p[:, start] = torch.tensor([0.8, 0.3, 0.1])
    own_p[:, end] = torch.tensor([0.1, 0.3, 0.85])
    other_p = torch.zeros(frames, 1000)
    other_p[:, start] = torch.tensor([0.5, 0.4, 0.45])
    other_p[:, end] = torch.tensor([0.0, 0.1, 0.2])
    own = seen([start] * 3, [[start], [7], [end]])  # start, then neither, then end
    other = seen([start] * 3, [[start], [start], [start]])  # never the end class
    table = pd.concat(
        [
            pd.DataFrame({"path": 1, "frame": [1, 2, 3], "fraction": [0.0, 0.5, 1.0]}),
            interpolation_columns("a", "a", own, own_p, start, end, NAMES),
            interpolation_columns("b", "a", other, other_p, start, end, NAMES),
        ],
        axis=1,
    )
    # The generator keeps its columns' names; the other model's are prefixed.
    assert table["prob_250"].tolist() == [0.8, 0.3, 0.1]
    assert table["top1_name"].tolist() == [NAMES[start], NAMES[7], NAMES[end]]
    assert table["self_top1_start"].tolist() == [1, 0, 0]
    assert table["self_top1_end"].tolist() == [0, 0, 1]
    assert table["b_prob_251"].tolist() == [0.0, 0.1, 0.2]
    assert table["b_top1_start"].tolist() == [1, 1, 1]
    assert table["b_top1_end"].tolist() == [0, 0, 0]

    passage = passage_table(table, "a", ["b"], start, end).set_index("evaluator")
    assert passage.loc["a", "relation"] == "self" and passage.loc["b", "relation"] == "transfer"
    assert passage.loc["a", ["start_frames", "end_frames", "passes"]].tolist() == [1, 1, 1]
    assert passage.loc["b", ["start_frames", "end_frames", "passes"]].tolist() == [3, 0, 0]
    assert passage.loc["any other", "relation"] == "any_other"
    assert passage.loc["any other", "passes"] == 0  # the generator alone passes: one model
    for model, flags in (("a", "self_"), ("b", "b_")):
        passes = table[f"{flags}top1_start"].any() and table[f"{flags}top1_end"].any()
        assert passage.loc[model, "passes"] == int(passes)
    assert passage.loc["a", "peak_prob_end"] == 0.85
    assert passage.loc["b", "peak_prob_start"] == 0.5

    figure = interpolation_figure(table, "a", ["b"], start, end, NAMES)
    try:
        check_figure(figure)
        assert len(figure.axes[0].lines) == 2 * 2  # one line per model and class
    finally:
        import matplotlib.pyplot as plt

        plt.close(figure)


def passage_flags(paths: list[tuple[str, str, str]]) -> pd.DataFrame:
    """An interpolation table of 2-frame paths from each path's frame codes per model (a, b, c;
    ``S`` the start class, ``E`` the end class, ``.`` another): only the columns
    ``passage_table`` reads."""
    rows = []
    for path, codes in enumerate(paths, start=1):
        for frame in range(2):
            row = {"path": path, "frame": frame + 1}
            for model, code in zip("abc", codes, strict=True):
                prefix, flags = ("", "self_") if model == "a" else (f"{model}_", f"{model}_")
                row[f"{flags}top1_start"] = int(code[frame] == "S")
                row[f"{flags}top1_end"] = int(code[frame] == "E")
                row[f"{prefix}prob_250"] = 0.1 * path
                row[f"{prefix}prob_251"] = 0.2 * path
            rows.append(row)
    return pd.DataFrame(rows)


def test_passes_are_the_fraction_of_paths_and_any_other_needs_the_generator_too():
    table = passage_flags(
        [
            ("SE", "SE", ".."),  # a and b pass: two models
            ("SE", "..", "SE"),  # a and c: two models
            ("S.", "SE", "SE"),  # the generator does not pass: b and c alone
            ("SE", "S.", ".E"),  # the generator alone
        ]
    )
    passage = passage_table(table, "a", ["b", "c"], 250, 251).set_index("evaluator")
    assert passage["paths"].tolist() == [4] * 4 and passage["frames"].tolist() == [2] * 4
    assert passage["passes"].to_dict() == {"a": 0.75, "b": 0.5, "c": 0.5, "any other": 0.5}
    assert passage.loc["a", "start_frames"] == 4 and passage.loc["a", "end_frames"] == 3
    # any other's frames: frames some other model calls the class.
    assert passage.loc["any other", ["start_frames", "end_frames"]].tolist() == [4, 4]
    assert passage.loc["any other", "peak_prob_end"] == 0.8


def test_addition_and_opposite_columns():
    firsts, seconds = [1, 2], [3, 4]
    view = seen(firsts, [[1, 3, 0, 0, 0], [9, 8, 7, 6, 4]])
    columns = addition_columns({"b": view}, seconds, NAMES)
    assert columns["b_top1_name"].tolist() == [NAMES[1], NAMES[9]]
    assert columns["b_top5_first"].tolist() == [1, 0]
    assert columns["b_top5_second"].tolist() == [1, 1]

    opposites = [5, 6]
    view = seen([10, 11], [[5, 0, 0, 0, 0], [7, 6, 0, 0, 0]])
    columns = agreement_columns(opposites, {"b": view}, NAMES)
    assert columns["b_top1_name"].tolist() == [NAMES[5], NAMES[7]]
    assert columns["b_agrees"].tolist() == [1, 0]


# --- the stages, as their rules call them: a generates, b rates --------------------------------


def test_transfiguration_stage_rates_by_the_other_models(tmp_path):
    make_photos(tmp_path, names=("chelsea", "coffee"), crops=1, size=64)
    settings = {**COMMON, "photo_names": ["chelsea", "coffee"], "targets": [251, 483],
                "frames": 2, "evaluators": EVALUATORS}  # fmt: skip
    run("transfiguration", settings, photos=tmp_path / "p.safetensors",
        out=tmp_path / "t.safetensors", table=tmp_path / "t.tsv", figure=tmp_path / "t.png",
        trajectory_table=tmp_path / "tt.tsv", trajectory=tmp_path / "tt.png",
        transfer=tmp_path / "transfer.tsv")  # fmt: skip
    table = pd.read_csv(tmp_path / "t.tsv", sep="\t")
    images = artifacts.load_tensors(tmp_path / "t.safetensors")[0]["images"]
    targets = torch.tensor(table["target"].tolist())
    own = probabilities_of(A, images)
    other = probabilities_of(B, images)
    rows = torch.arange(len(table))
    assert table["b_prob"].tolist() == pytest.approx(other[rows, targets].tolist(), abs=1e-4)
    assert table["b_top1"].tolist() == (other.argmax(dim=1) == targets).int().tolist()
    top5 = other.topk(5, dim=1).indices
    assert table["b_top5"].tolist() == [
        int(t in row) for t, row in zip(targets.tolist(), top5.tolist(), strict=True)
    ]
    assert table["self_top1"].tolist() == (own.argmax(dim=1) == targets).int().tolist()

    transfer = pd.read_csv(tmp_path / "transfer.tsv", sep="\t")
    photos = table[~table["control"]]
    assert len(photos) == 4  # 2 photos x 2 targets; 2 controls
    for elements, part in (("targets", photos), ("controls", table[table["control"]])):
        rows_of = transfer[transfer["elements"] == elements].set_index("evaluator")
        assert rows_of["relation"].to_dict() == {"a": "self", "b": "transfer"}
        assert rows_of.loc["b", "top1"] == pytest.approx(part["b_top1"].mean(), abs=1e-4)
        assert rows_of.loc["b", "top5"] == pytest.approx(part["b_top5"].mean(), abs=1e-4)
        assert rows_of.loc["a", "top1"] == pytest.approx(part["self_top1"].mean(), abs=1e-4)
        assert rows_of.loc["b", "mean_prob"] == pytest.approx(part["b_prob"].mean(), abs=1e-4)
    record = artifacts.read_provenance(tmp_path / "transfer.tsv")
    assert record["config"]["evaluators"] == {"b": B}
    assert (tmp_path / "tt.tsv").is_file()  # the logit trajectory stays


def test_interpolation_stage_rates_every_frame_by_the_other_models(tmp_path):
    settings = {**COMMON, "start": 250, "end": 251, "frames": 3, "evaluators": EVALUATORS}
    run("interpolation", settings, out=tmp_path / "i.safetensors", table=tmp_path / "i.tsv",
        figure=tmp_path / "i.png", gif=tmp_path / "i.gif", probabilities=tmp_path / "p.png",
        transfer=tmp_path / "t.tsv")  # fmt: skip
    table = pd.read_csv(tmp_path / "i.tsv", sep="\t")
    frames = artifacts.load_tensors(tmp_path / "i.safetensors")[0]["frames"]
    for prefix, flags, model in (("", "self_", A), ("b_", "b_", B)):
        probabilities = probabilities_of(model, frames)
        for cls in (250, 251):
            assert table[f"{prefix}prob_{cls}"].tolist() == pytest.approx(
                probabilities[:, cls].tolist(), abs=1e-4
            )
        top1 = probabilities.argmax(dim=1)
        assert table[f"{prefix}top1_name"].tolist() == [NAMES[c] for c in top1]
        assert table[f"{flags}top1_start"].tolist() == (top1 == 250).int().tolist()
        assert table[f"{flags}top1_end"].tolist() == (top1 == 251).int().tolist()
    passage = pd.read_csv(tmp_path / "t.tsv", sep="\t").set_index("evaluator")
    assert passage.index.tolist() == ["a", "b", "any other"]
    for model, flags in (("a", "self_"), ("b", "b_")):
        assert passage.loc[model, "start_frames"] == table[f"{flags}top1_start"].sum()
        assert passage.loc[model, "passes"] == int(
            table[f"{flags}top1_start"].any() and table[f"{flags}top1_end"].any()
        )
    assert artifacts.read_provenance(tmp_path / "p.png")["stage"] == "interpolation"


def test_addition_and_opposites_stages_rate_by_the_other_models(tmp_path):
    settings = {**COMMON, "pairs": [[1, 2], [250, 251]], "evaluators": EVALUATORS}
    run("addition", settings, out=tmp_path / "a.safetensors", table=tmp_path / "a.tsv",
        figure=tmp_path / "a.png")  # fmt: skip
    table = pd.read_csv(tmp_path / "a.tsv", sep="\t")
    images = artifacts.load_tensors(tmp_path / "a.safetensors")[0]["images"]
    for prefix, model in (("self", A), ("b", B)):
        top5 = probabilities_of(model, images).topk(5, dim=1).indices.tolist()
        for column, classes in (("first", [1, 250]), ("second", [2, 251])):
            expected = [int(c in r) for c, r in zip(classes, top5, strict=True)]
            assert table[f"{prefix}_top5_{column}"].tolist() == expected
    top1 = probabilities_of(B, images).argmax(dim=1).tolist()
    assert table["b_top1_name"].tolist() == [NAMES[c] for c in top1]
    assert "self_top1_name" not in table  # the generator's is top1_name

    chunk = tmp_path / "o.safetensors"
    run("representations-chunk", {**COMMON, "classes": [3, 7], "objective": "minimum"}, out=chunk)
    run("opposites", {**COMMON, "evaluators": EVALUATORS}, chunks=[chunk],
        images=tmp_path / "i.safetensors", table=tmp_path / "t.tsv",
        commutativity=tmp_path / "c.tsv", graph=tmp_path / "g.graphml",
        grid=tmp_path / "g.png")  # fmt: skip
    table = pd.read_csv(tmp_path / "t.tsv", sep="\t")
    images = artifacts.load_tensors(tmp_path / "i.safetensors")[0]["images"]
    top1 = probabilities_of(B, images).argmax(dim=1).tolist()
    assert table["b_top1_name"].tolist() == [NAMES[c] for c in top1]
    assert table["b_agrees"].tolist() == [
        int(c == o) for c, o in zip(top1, table["opposite"], strict=True)
    ]
    assert artifacts.read_provenance(tmp_path / "t.tsv")["config"]["evaluators"] == {"b": B}


@pytest.mark.parametrize("name", ["self", "a"])
def test_the_other_models_exclude_self_and_the_generator(tmp_path, name):
    """The name "self" is the generator's columns, and the generator ("a") rates itself."""
    settings = {**COMMON, "pairs": [[1, 2]], "evaluators": {name: B}}
    code = run_stage("addition", settings, out=tmp_path / "a.safetensors", table=tmp_path / "a.tsv",
                     figure=tmp_path / "a.png")  # fmt: skip
    assert code == 2
    assert not (tmp_path / "a.tsv").exists()


# --- the rules, on the tiny config with a second pretrained model ----------------------------


@pytest.mark.slow
def test_the_rules_rate_by_every_other_pretrained_model(tmp_path):
    """tiny.yaml has one pretrained model: the overlay adds MobileNetV2, so lite0's studies have
    one other model (the untrained controls never rate)."""
    overlay = tmp_path / "second.yaml"
    overlay.write_text("models:\n  mobilenet_v2: {arch: mobilenet_v2, weights: package}\n")
    targets = [
        "results/transfiguration/lite0/transfer.tsv",
        "results/interpolation/lite0/transfer.tsv",
        "results/addition/lite0/addition.tsv",
        "results/opposites/lite0/opposites.tsv",
    ]
    snakemake(tmp_path, *targets, config=[TINY, overlay])
    results = tmp_path / "results"
    transfer = pd.read_csv(results / "transfiguration/lite0/transfer.tsv", sep="\t")
    assert set(transfer["evaluator"]) == {"lite0", "mobilenet_v2"}
    table = pd.read_csv(results / "transfiguration/lite0/transfiguration.tsv", sep="\t")
    assert {"self_top1", "mobilenet_v2_prob", "mobilenet_v2_top1", "mobilenet_v2_top5"} <= set(
        table.columns
    )
    assert not any(c.startswith("resnet18_random") for c in table.columns)
    interpolation = pd.read_csv(results / "interpolation/lite0/transfer.tsv", sep="\t")
    assert interpolation["evaluator"].tolist() == ["lite0", "mobilenet_v2", "any other"]
    assert (results / "interpolation/lite0/probabilities.png").is_file()
    addition = pd.read_csv(results / "addition/lite0/addition.tsv", sep="\t")
    assert {"mobilenet_v2_top1_name", "mobilenet_v2_top5_second"} <= set(addition.columns)
    opposites = pd.read_csv(results / "opposites/lite0/opposites.tsv", sep="\t")
    assert {"mobilenet_v2_top1_name", "mobilenet_v2_agrees"} <= set(opposites.columns)
