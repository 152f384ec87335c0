"""The two-model, arithmetic and embedding stages as their rules call them, on small untrained
models; the arithmetic tables on plain values."""

import pandas as pd
import pytest
import torch
from conftest import PIXEL_RECIPE, make_photos, run_stage
from inputgen.engine.generation import pair_ids
from inputgen.engine.generation_settings import addition_pairs
from inputgen.engine.models import imagenet_class_names
from inputgen.platform import artifacts, cli
from inputgen.platform.stage import STAGES, settings_from
from inputgen.studies.addition import science as addition
from inputgen.studies.embedding.science import embedding_table
from inputgen.studies.interpolation import science as interpolation
from inputgen.studies.transfiguration import science as transfiguration
from PIL import Image

A = {"arch": "resnet18", "weights": "random", "seed": 0, "input_size": 64}
B = {"arch": "resnet18", "weights": "random", "seed": 1, "input_size": 64}
SETTINGS = {**PIXEL_RECIPE, "steps": 3, "lr": 0.02, "priors": {"blur": {}, "affine": {}}}
NAMES = imagenet_class_names()


def run(name, settings, **files):
    assert run_stage(name, settings, **files) == 0


def seen(classes, top5):
    """A recognition() table: ``top5`` rows, the first entry the top-1."""
    return pd.DataFrame({"class": classes, "top1": [row[0] for row in top5], "top5": top5})


# --- the tables, on plain values --------------------------------------------------------------


def test_transfiguration_elements_add_one_control_per_photo():
    elements = transfiguration.transfiguration_elements([7, 9], [1, 2])
    assert elements == [(0, 1, False), (0, 2, False), (1, 1, False), (1, 2, False),
                        (0, 7, True), (1, 9, True)]  # fmt: skip
    labels = transfiguration.element_labels(["cat", "cup"], elements[-2:], ["a" * 30] * 10, width=3)
    assert labels == ["cat -> aaa (control)", "cup -> aaa (control)"]
    photos = torch.rand(2, 3, 8, 8)
    starts = transfiguration.element_starts(photos, elements, 8)
    assert torch.equal(starts, photos[[0, 0, 1, 1, 0, 1]])
    assert transfiguration.element_starts(photos, elements, 4).shape == (6, 3, 4, 4)


def test_transfiguration_table_reads_each_elements_probabilities():
    elements = [(0, 1, False), (1, 2, False), (0, 0, True)]
    before = torch.tensor([[0.5, 0.3, 0.2], [0.1, 0.1, 0.8]])  # per photo
    after = torch.tensor([[0.1, 0.8, 0.1], [0.6, 0.1, 0.3], [0.9, 0.05, 0.05]])  # per element
    own = seen([1, 2, 0], [[1, 0], [0, 2], [0, 1]])
    other = seen([1, 2, 0], [[2, 1], [2, 0], [1, 2]])
    table = transfiguration.transfiguration_table(
        ["cat", "cup"], elements, before, after, ["x", "y", "z"], {"self": own, "b": other},
        {"b": after.flip(0)},
    )  # fmt: skip
    assert table["photo"].tolist() == ["cat", "cup", "cat"]
    assert table["target_name"].tolist() == ["y", "z", "x"]
    assert table["control"].tolist() == [False, False, True]
    assert table["start_prob"].tolist() == [0.3, 0.8, 0.5]
    assert table["end_prob"].tolist() == [0.8, 0.3, 0.9]
    assert table["end_top1_name"].tolist() == ["y", "x", "x"]
    assert table["self_top1"].tolist() == [1, 0, 1] and "self_prob" not in table
    assert table["b_prob"].tolist() == [0.05, 0.3, 0.1]
    assert table["b_top1"].tolist() == [0, 1, 0] and table["b_top5"].tolist() == [1, 1, 0]


def test_the_trajectory_is_long_one_row_per_element_and_step():
    history = {
        "logit:model": torch.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]),
        "logit:start": torch.tensor([[0.5, 0.25], [0.0, 0.0], [-1.0, -2.0]]),
    }
    table = transfiguration.transfiguration_trajectory(history, ["p -> a", "q -> b"], ["s", "t"])
    assert len(table) == 2 * 3
    first = table[table["element"] == "p -> a"]
    assert first["step"].tolist() == [0, 1, 2]
    assert first["target_logit"].tolist() == [1.0, 3.0, 5.0]
    assert first["start_logit"].tolist() == [0.5, 0.0, -1.0]
    assert set(table[table["element"] == "q -> b"]["start_class"]) == {"t"}


def test_the_interpolation_table_puts_every_model_beside_the_frames():
    start, end = 250, 251
    assert interpolation.frame_fractions(3) == [0.0, 0.5, 1.0]
    assert interpolation.frame_fractions(4) == [0.0, 0.3333, 0.6667, 1.0]
    probabilities = torch.zeros(3, 1000)
    probabilities[:, start] = torch.tensor([0.9, 0.5, 0.1])
    views = {"a": seen([start] * 3, [[start], [start], [end]]), "b": seen([start] * 3, [[7]] * 3)}
    table = interpolation.interpolation_table(
        "a", views, {"a": probabilities, "b": probabilities}, start, end, NAMES, 1
    )
    assert table["path"].tolist() == [1, 1, 1]
    assert table["frame"].tolist() == [1, 2, 3]
    assert table["fraction"].tolist() == [0.0, 0.5, 1.0]
    assert table["prob_250"].tolist() == [0.9, 0.5, 0.1]
    assert table["self_top1_end"].tolist() == [0, 0, 1]
    assert table["b_top1_name"].tolist() == [NAMES[7]] * 3
    assert list(table.columns[:5]) == ["path", "frame", "fraction", "prob_250", "prob_251"]


def test_the_interpolation_table_lists_the_paths_in_turn_each_frame_by_frame():
    # Snapshots (frames=3, paths=2): image value = 10 * frame + path, read back path by path.
    snapshots = torch.tensor([[10.0 * f + p for p in range(2)] for f in range(3)])
    snapshots = snapshots[:, :, None, None, None].expand(3, 2, 3, 1, 1)
    images = interpolation.path_major(snapshots)
    assert images[:, 0, 0, 0].tolist() == [0.0, 10.0, 20.0, 1.0, 11.0, 21.0]
    # The animation: one image per frame, path 1 left of path 2.
    assert interpolation.side_by_side(snapshots)[:, 0, 0].tolist() == [[0, 1], [10, 11], [20, 21]]
    probabilities = torch.zeros(6, 1000)
    views = {"a": seen([250] * 6, [[250]] * 6)}
    table = interpolation.interpolation_table("a", views, {"a": probabilities}, 250, 251, NAMES, 2)
    assert table["path"].tolist() == [1, 1, 1, 2, 2, 2]
    assert table["frame"].tolist() == [1, 2, 3] * 2
    assert table["fraction"].tolist() == [0.0, 0.5, 1.0] * 2
    with pytest.raises(ValueError, match="6 images do not split into 4 paths"):
        interpolation.interpolation_table("a", views, {"a": probabilities}, 250, 251, NAMES, 4)


def test_each_interpolation_path_is_its_own_element_the_first_the_pairs():
    assert interpolation.path_ids(250, 251, 1) == [250251]
    ids = interpolation.path_ids(250, 251, 3)
    assert ids[0] == 250251 and len(set(ids)) == 3
    # No path of one pair is another pair's path (pair ids stay below the stride).
    assert not set(ids) & set(interpolation.path_ids(999, 999, 3))
    with pytest.raises(ValueError, match="paths must be >= 1, got 0"):
        interpolation.path_ids(250, 251, 0)


def test_the_addition_table_keeps_each_pairs_order():
    firsts, seconds = addition_pairs([[1, 2], [3, 0]])
    assert (firsts, seconds) == ([1, 3], [2, 0])
    with pytest.raises(ValueError, match="first, second"):
        addition_pairs([[1, 2, 3]])
    logits = torch.tensor([[0.0, 1.0, 1.0, -9.0], [2.0, -9.0, -9.0, 0.0]])
    views = {
        "self": seen(firsts, [[1, 2], [0, 3]]),
        "b": seen(firsts, [[3, 0], [3, 1]]),
    }
    table = addition.addition_table(firsts, seconds, logits, ["w", "x", "y", "z"], views)
    assert table[["first", "second"]].values.tolist() == [[1, 2], [3, 0]]
    assert table["first_name"].tolist() == ["x", "z"]
    probabilities = logits.softmax(dim=1)
    assert table["first_prob"].tolist() == [round(float(probabilities[0, 1]), 4),
                                            round(float(probabilities[1, 3]), 4)]  # fmt: skip
    assert table["second_prob"].tolist() == [round(float(probabilities[0, 2]), 4),
                                             round(float(probabilities[1, 0]), 4)]  # fmt: skip
    assert table["top1_name"].tolist() == ["x", "w"]
    assert "self_top1_name" not in table  # the generator's is top1_name
    assert table["self_top5_first"].tolist() == [1, 1]
    assert table["self_top5_second"].tolist() == [1, 1]
    assert table["b_top5_first"].tolist() == [0, 1]
    assert table["b_top1_name"].tolist() == ["z", "z"]
    columns = list(table.columns)
    assert columns.index("self_top5_first") < columns.index("b_top1_name")


def test_the_embedding_table_names_each_feature():
    means = torch.tensor([[0.5, 1.5], [2.0, -1.0]])
    table = embedding_table([3, 1], ["w", "x", "y", "z"], means, [4, 0])
    assert table.columns.tolist() == ["class", "name", "feature_4", "feature_0"]
    assert table["name"].tolist() == ["z", "x"]
    assert table["feature_0"].tolist() == [1.5, -1.0]


def test_settings_refuse_bad_classes_pairs_and_features():
    common = {"name": "a", "model": A, "settings": SETTINGS}
    with pytest.raises(ValueError, match="0..999"):
        settings_from(STAGES["addition"].settings, {**common, "pairs": [[1, 1000]]})
    with pytest.raises(ValueError, match="first, second"):
        settings_from(STAGES["addition"].settings, {**common, "pairs": [[1]]})
    with pytest.raises(ValueError, match="0..999"):
        settings_from(
            STAGES["interpolation"].settings, {**common, "start": -1, "end": 2, "frames": 2}
        )
    with pytest.raises(ValueError, match="two channels"):
        settings_from(
            STAGES["embedding"].settings, {"name": "a", "model": A, "layer": "x", "features": [1]}
        )


# --- the stages, as their rules call them ------------------------------------------------------


def test_pair_stage_tables_each_model_and_the_pair(tmp_path):
    for op in "+-":
        settings = {"first_name": "a", "first": A, "second_name": "b", "second": B,
                    "operation": op, "weights": [2, 1], "classes": [3, 7],
                    "settings": SETTINGS}  # fmt: skip
        run("pairs", settings, images=tmp_path / f"{op}.safetensors",
            table=tmp_path / f"{op}.tsv", grid=tmp_path / f"{op}.png")  # fmt: skip
    combined = pd.read_csv(tmp_path / "+.tsv", sep="\t")
    assert combined["class"].tolist() == [3, 7]
    assert {"a_top1", "b_top1", "pair_top1", "pair_recognised"} <= set(combined.columns)
    plus, _ = artifacts.load_tensors(tmp_path / "+.safetensors")
    minus, _ = artifacts.load_tensors(tmp_path / "-.safetensors")
    assert not torch.equal(plus["images"], minus["images"])  # the objectives differ


def transfiguration_files(tmp_path, prefix):
    return {
        "photos": tmp_path / "p.safetensors",
        "out": tmp_path / f"{prefix}.safetensors",
        "table": tmp_path / f"{prefix}.tsv",
        "figure": tmp_path / f"{prefix}.png",
        "trajectory_table": tmp_path / f"{prefix}trajectory.tsv",
        "trajectory": tmp_path / f"{prefix}trajectory.png",
        "transfer": tmp_path / f"{prefix}transfer.tsv",
    }


def test_transfiguration_adds_the_control_and_keeps_frames(tmp_path):
    make_photos(tmp_path, names=("chelsea", "coffee"), crops=1, size=64)
    settings = {"name": "a", "model": A, "settings": SETTINGS, "photo_names": ["coffee"],
                "targets": [251, 483], "frames": 2}  # fmt: skip
    run("transfiguration", settings, **transfiguration_files(tmp_path, "t"))
    table = pd.read_csv(tmp_path / "t.tsv", sep="\t")
    assert table["target"].tolist()[:2] == [251, 483]
    assert table["control"].tolist() == [False, False, True]
    # The logits per step: every element at every step; the control's target is its start class,
    # so its two trajectories coincide, while the others' differ.
    trajectory = pd.read_csv(tmp_path / "ttrajectory.tsv", sep="\t")
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
    record = artifacts.read_provenance(tmp_path / "t.tsv")
    assert record["stage"] == "transfiguration"
    assert record["config"]["photo_names"] == ["coffee"]
    with pytest.raises(SystemExit):
        cli.build_parser().parse_args(["transfiguration", "--table", "x.tsv"])
    bad = {**settings, "photo_names": ["nope"], "targets": [1]}
    assert run_stage("transfiguration", bad, **transfiguration_files(tmp_path, "x")) == 2
    assert not (tmp_path / "x.tsv").exists()


def interpolation_files(tmp_path, prefix):
    return {
        "out": tmp_path / f"{prefix}.safetensors",
        "table": tmp_path / f"{prefix}.tsv",
        "figure": tmp_path / f"{prefix}.png",
        "gif": tmp_path / f"{prefix}.gif",
        "probabilities": tmp_path / f"{prefix}p.png",
        "transfer": tmp_path / f"{prefix}t.tsv",
    }


def test_interpolation_writes_frames_table_and_an_animation(tmp_path):
    settings = {"name": "a", "model": A, "settings": SETTINGS, "start": 250, "end": 251,
                "frames": 3}  # fmt: skip
    run("interpolation", settings, **interpolation_files(tmp_path, "i"))
    table = pd.read_csv(tmp_path / "i.tsv", sep="\t")
    assert table["fraction"].tolist() == [0.0, 0.5, 1.0]
    assert {"prob_250", "prob_251", "top1_name"} <= set(table.columns)
    with Image.open(tmp_path / "i.gif") as gif:
        assert gif.n_frames == 3
    assert artifacts.read_provenance(tmp_path / "i.gif")["stage"] == "interpolation"


def test_interpolation_draws_several_paths_side_by_side(tmp_path):
    settings = {"name": "a", "model": A, "settings": SETTINGS, "start": 250, "end": 251,
                "frames": 3}  # fmt: skip
    run("interpolation", settings, **interpolation_files(tmp_path, "one"))
    run("interpolation", {**settings, "paths": 3}, **interpolation_files(tmp_path, "three"))
    one = artifacts.load_tensors(tmp_path / "one.safetensors")[0]["frames"]
    three = artifacts.load_tensors(tmp_path / "three.safetensors")[0]["frames"]
    assert three.shape == (9, *one.shape[1:])
    # Path 1 is the single path's element (seeded alike); the others draw other pictures.
    torch.testing.assert_close(three[:3], one, atol=1e-4, rtol=0)
    assert (three[3:6] - three[:3]).abs().mean() > 0.01
    assert (three[6:] - three[3:6]).abs().mean() > 0.01
    table = pd.read_csv(tmp_path / "three.tsv", sep="\t")
    assert table["path"].tolist() == [1, 1, 1, 2, 2, 2, 3, 3, 3]
    passage = pd.read_csv(tmp_path / "threet.tsv", sep="\t")
    assert passage["paths"].tolist() == [3] and passage["frames"].tolist() == [3]
    with Image.open(tmp_path / "three.gif") as gif, Image.open(tmp_path / "one.gif") as single:
        assert gif.n_frames == 3  # one animation frame per frame, the paths side by side
        assert gif.size == (3 * single.size[0], single.size[1])


def test_interpolation_can_start_from_a_photo(tmp_path):
    """Source article 1 interpolates from a photo: the first frame is still the photo."""
    make_photos(tmp_path, names=("chelsea", "coffee"), crops=1, size=64)
    settings = {"name": "a", "model": A, "settings": SETTINGS, "start": 250, "end": 251,
                "frames": 2}  # fmt: skip
    photos = tmp_path / "p.safetensors"
    run("interpolation", {**settings, "photo": "chelsea"}, photos=photos,
        **interpolation_files(tmp_path, "photo"))  # fmt: skip
    run("interpolation", settings, **interpolation_files(tmp_path, "noise"))
    photo = artifacts.load_tensors(photos)[0]["images"][0]
    from_photo = artifacts.load_tensors(tmp_path / "photo.safetensors")[0]["frames"][0]
    from_noise = artifacts.load_tensors(tmp_path / "noise.safetensors")[0]["frames"][0]
    assert (from_photo - photo).abs().mean() < 0.05 < (from_noise - photo).abs().mean()
    record = artifacts.read_provenance(tmp_path / "photo.png")
    assert record["config"]["photo"] == "chelsea"
    assert str(photos) in [item["path"] for item in record["inputs"]]
    # A photo without the photos file is refused by name.
    missing = run_stage(
        "interpolation", {**settings, "photo": "chelsea"}, **interpolation_files(tmp_path, "x")
    )
    assert missing == 2 and not (tmp_path / "x.tsv").exists()


def test_addition_and_embedding(tmp_path):
    settings = {"name": "a", "model": A, "settings": SETTINGS, "pairs": [[1, 2], [250, 251]]}
    run("addition", settings, out=tmp_path / "a.safetensors", table=tmp_path / "a.tsv",
        figure=tmp_path / "a.png")  # fmt: skip
    table = pd.read_csv(tmp_path / "a.tsv", sep="\t")
    assert table[["first", "second"]].values.tolist() == [[1, 2], [250, 251]]
    assert pair_ids([1, 250], [2, 251]) == [1002, 250251]
    tensors, _ = artifacts.load_tensors(tmp_path / "a.safetensors")
    assert tensors["firsts"].tolist() == [1, 250] and tensors["seconds"].tolist() == [2, 251]

    images = torch.rand(3, 3, 64, 64)
    artifacts.save_tensors(
        tmp_path / "r.safetensors", {"images": images, "classes": torch.tensor([5, 6, 7])}, {}
    )
    settings = {"name": "a", "model": A, "layer": "layer3", "features": [0, 4]}
    files = {"representations": tmp_path / "r.safetensors"}
    run("embedding", settings, **files, table=tmp_path / "e.tsv", figure=tmp_path / "e.png")
    embedded = pd.read_csv(tmp_path / "e.tsv", sep="\t")
    from inputgen.engine.models import capture, load_model

    zoo = load_model(A)
    with torch.no_grad(), capture(zoo.model, ["layer3"]) as taps:
        zoo.logits(images)
    expected = taps["layer3"].mean(dim=(2, 3))[:, [0, 4]]
    assert torch.allclose(
        torch.tensor(embedded[["feature_0", "feature_4"]].values).float(), expected, atol=1e-5
    )
    bad = {**settings, "features": [0, 999]}
    code = run_stage("embedding", bad, **files, table=tmp_path / "x.tsv", figure=tmp_path / "x.png")
    assert code == 2


@pytest.mark.parametrize("constant", [-50.0, 30.0, 500.0])
def test_difference_objective_raises_the_first_logit_and_lowers_the_second(constant):
    """g'' = d(C - O1) - e(C - O2) (source article 3): whatever C is, descent raises model 1's
    logit and lowers model 2's. With |C - O| terms a C below the logits does the reverse."""
    from inputgen.engine.generation_settings import GenerationSettings
    from inputgen.engine.models import load_model
    from inputgen.engine.optimize import scaled_random_init
    from inputgen.studies.pairs.science import pair

    first, second = (
        load_model({"arch": "resnet18", "weights": "random", "seed": seed, "input_size": 64})
        for seed in (0, 1)
    )
    classes = [1, 2]
    settings = GenerationSettings(**{**PIXEL_RECIPE, "steps": 6, "lr": 0.02, "constant": constant})
    start = scaled_random_init(classes, 64, 0)
    result = pair(first, second, classes, "-", (1.0, 1.0), settings, 0)
    index = torch.tensor(classes)[:, None]
    with torch.no_grad():
        before = [zoo.logits(start).gather(1, index)[:, 0] for zoo in (first, second)]
        after = [zoo.logits(result.images).gather(1, index)[:, 0] for zoo in (first, second)]
    assert (after[0] > before[0] + 0.1).all(), (before[0], after[0])
    assert (after[1] < before[1] - 0.1).all(), (before[1], after[1])
