"""Models beyond the studies' own: any torchvision classifier, timm models, a factory of one's
own; their labels, their number of outputs, their checkpoints, and the config checks on them."""

from __future__ import annotations

import copy
import sys

import pytest
import safetensors.torch
import torch
import yaml
from conftest import REPO
from inputgen.engine import models
from inputgen.platform.config import ConfigError, validate

sys.path.insert(0, str(REPO / "tests/own"))  # the researcher's package: python:shapes_net:build

SCHEMA = REPO / "workflow/inputgen/platform/config.schema.yaml"
OWN = {"arch": "python:shapes_net:build", "options": {"num_classes": 10}, "input_size": 64}
TIMM = {"arch": "timm:resnet10t", "options": {"num_classes": 5}}
SQUEEZE = {"arch": "torchvision:squeezenet1_1"}  # a classifier outside the studies' list


@pytest.fixture
def labels(tmp_path):
    path = tmp_path / "shapes.txt"
    path.write_text("".join(f"shape {i}\n" for i in range(10)))
    return f"file:{path}"


def test_a_torchvision_classifier_outside_the_list_builds_with_its_conv_head():
    spec = models.resolve_spec({**SQUEEZE, "weights": "random"})
    assert spec["input_size"] == 224 and models.output_count(spec) == 1000
    zoo = models.load_model({**SQUEEZE, "weights": "random", "layers": ["features.12"]})
    assert zoo.class_names[11] == "goldfinch"
    assert zoo.logits(torch.rand(1, 3, 100, 100)).shape == (1, 1000)
    again = models.load_model({**SQUEEZE, "weights": "random"})
    assert all(
        torch.equal(a, b)
        for a, b in zip(zoo.model.parameters(), again.model.parameters(), strict=True)
    )
    assert "features.12" in models.arch_layer_names(models.arch_of(SQUEEZE["arch"]))
    assert models.classifier_layer(zoo.model) is zoo.model.classifier[1]  # a 1x1 conv head


def test_a_timm_model_takes_its_pretrained_config_and_options():
    spec = models.resolve_spec({**TIMM, "weights": "random"})
    arch = models.architecture_of(spec)
    assert (arch.family, spec["input_size"]) == ("timm", 176)  # timm's pretrained_cfg
    assert models.output_count(spec) == 5
    assert models.class_names_of(spec) == ("0", "1", "2", "3", "4")  # not ImageNet's: indices
    zoo = models.load_model({**TIMM, "weights": "random", "seed": 3})
    assert zoo.logits(torch.rand(2, 3, 64, 64)).shape == (2, 5)


def test_a_factory_of_ones_own_with_its_labels_and_normalisation(labels):
    spec = {**OWN, "weights": "random", "labels": labels, "mean": [0.5] * 3, "std": [0.25] * 3}
    zoo = models.load_model(spec)
    assert zoo.class_names[3] == "shape 3" and len(zoo.class_names) == 10
    torch.testing.assert_close(zoo.preprocess.std.flatten(), torch.full((3,), 0.25))
    assert models.resolve_spec(spec)["labels"] == labels  # recorded with the spec
    assert "labels" not in models.resolve_spec({**OWN, "weights": "random"})  # the default


@pytest.mark.parametrize("suffix", [".pt", ".safetensors"])
def test_checkpoints_of_ones_own_model_load_exactly(tmp_path, suffix):
    trained = models.load_model({**OWN, "weights": "random", "seed": 7}).model
    path = tmp_path / f"shapes{suffix}"
    if suffix == ".pt":
        torch.save({"state_dict": trained.state_dict()}, path)
    else:
        safetensors.torch.save_file(trained.state_dict(), path)
    models.check_checkpoint(models.arch_of(OWN["arch"], OWN["options"]), path)
    loaded = models.load_model({**OWN, "weights": f"file:{path}"})
    assert all(
        torch.equal(a, b)
        for a, b in zip(trained.parameters(), loaded.model.parameters(), strict=True)
    )
    other = models.arch_of(OWN["arch"], {"num_classes": 12})
    with pytest.raises(models.WeightsError, match="shape mismatches"):
        models.check_checkpoint(other, path)


@pytest.mark.parametrize(
    "spec, message",
    [
        ({"arch": "timm:resnet10", "weights": "random"}, "timm has no model 'resnet10'; did you"),
        ({"arch": "torchvision:fasterrcnn_resnet50_fpn", "weights": "random"}, "no classification"),
        ({"arch": "python:shapes_net", "weights": "random"}, "python:package.module:factory"),
        ({"arch": "resnet18", "options": {"num_classes": 10}, "weights": "random"}, "no options"),
        ({"arch": "timm:resnet10t", "weights": "torchvision"}, "no torchvision weights"),
    ],
)
def test_bad_model_specs_say_what_exists(spec, message):
    with pytest.raises(ValueError, match=message):
        models.resolve_spec(spec)


def test_a_factory_must_give_a_module_and_labels_one_name_per_output(tmp_path):
    with pytest.raises(ValueError, match="returned a str, not a torch.nn.Module"):
        models.load_model({"arch": "python:shapes_net:not_a_module", "weights": "random"})
    short = tmp_path / "short.txt"
    short.write_text("a\nb\n")
    with pytest.raises(ValueError, match="2 class names for 10 outputs"):
        models.class_names_of({**OWN, "labels": f"file:{short}"})
    with pytest.raises(ValueError, match="file:PATH of an existing file"):
        models.class_names_of({**OWN, "labels": f"file:{tmp_path / 'none.txt'}"})


# ------------------------------------------------------------------------- config checks
def config_with(own: dict, **sections) -> dict:
    """A config of one's own model (its checkpoint a stand-in: weights_override runs it
    random) beside the shipped Lite0 (sections copied: validation fills defaults in place)."""
    lite0 = {"arch": "efficientnet_lite0", "weights": "package"}
    sections = {key: copy.deepcopy(value) for key, value in sections.items()}  # unaliased
    return {"models": {"own": own, "lite0": lite0}, "weights_override": "random", **sections}


def test_classes_by_name_resolve_against_the_generating_models_labels(labels):
    own = {**OWN, "weights": "file:" + str(REPO / "README.md"), "labels": labels}
    mine = {"models": ["own"]}
    evaluators = {"evaluators": ["own"]}
    config = config_with(own, classes=["Shape 3", 7], representations=mine, opposites=mine,
                         outputs=evaluators, classify=mine)  # fmt: skip
    assert validate(config, SCHEMA)["classes"] == [3, 7]
    config = config_with(own, classes="all", representations=mine, opposites=mine,
                         outputs={"evaluators": ["own"]})  # fmt: skip
    assert validate(config, SCHEMA)["classes"] == list(range(10))


def test_classes_outside_a_models_outputs_and_mixed_label_sets_are_refused(labels):
    own = {**OWN, "weights": "file:" + str(REPO / "README.md"), "labels": labels}
    mine = {"models": ["own"]}
    config = config_with(own, classes=[3, 12], representations=mine, opposites=mine)
    with pytest.raises(ConfigError) as refused:
        validate(config, SCHEMA)
    assert "config key classes[1] = 12: outside the models' 10 classes (0..9)" in str(refused.value)
    config = config_with(own, classes=[3], representations=mine, opposites=mine, outputs=None)
    with pytest.raises(ConfigError) as refused:  # Lite0 evaluates by default: other labels
        validate(config, SCHEMA)
    message = str(refused.value)
    assert "outputs.evaluators" in message and "own (10 classes)" in message
    assert "lite0 (ImageNet's)" in message
    config = config_with(own, classes=["shape 30"], representations=mine, opposites=mine)
    with pytest.raises(ConfigError, match="no class of that name.*did you mean shape 3"):
        validate(config, SCHEMA)
    starts = {"model": "lite0", "classes": [1000], "starts": 2}
    lite0 = {"models": ["lite0"]}
    config = config_with(own, classes=[1], starts=starts, representations=lite0, opposites=lite0,
                         outputs={"generators": ["lite0"], "evaluators": ["lite0"]})  # fmt: skip
    with pytest.raises(ConfigError, match=r"starts.classes: \[1000\] are outside model lite0's"):
        validate(config, SCHEMA)


# ------------------------------------------------------------------ the workflow on them
PHOTOS = {"size": 64, "crops": 24, "names": ["chelsea", "coffee"]}


def _a_classifier_of_shapes(path):
    """The shapes net with a head centred on the natural crops (what the photos rule makes):
    a random net labels every crop alike, which leaves inversion no pairs of two labels."""
    from inputgen.engine.photos import photo_sets

    zoo = models.load_model({**OWN, "weights": "random", "seed": 1})
    crops = photo_sets(PHOTOS["size"], PHOTOS["crops"], (0.25, 1.0), 0, PHOTOS["names"], None)
    with torch.no_grad():
        features = zoo.model[:-1](zoo.preprocess(crops.natural["images"])).mean(0)
        head = zoo.model[-1]
        head.bias.copy_(-head.weight @ features)
    torch.save(zoo.model.state_dict(), path)


@pytest.fixture(scope="module")
def own_run(tmp_path_factory):
    """The generation, output-space, inversion and CKA rules on a factory of one's own (a .pt
    checkpoint, its labels file), a timm model (a .safetensors checkpoint, the same labels)
    and a torchvision classifier outside the studies' list (random), classes named."""
    import os
    import subprocess

    from conftest import snakemake_command

    workdir = tmp_path_factory.mktemp("own")
    _a_classifier_of_shapes(workdir / "shapes.pt")
    timm_net = models.load_model({**TIMM, "options": {"num_classes": 10}, "weights": "random"})
    safetensors.torch.save_file(timm_net.model.state_dict(), workdir / "resnet10t.safetensors")
    (workdir / "shapes.txt").write_text("".join(f"shape {i}\n" for i in range(10)))
    labels = f"file:{workdir / 'shapes.txt'}"
    config = {
        "runtime": {"device": "cpu", "batch_size": 4},
        "models": {
            "shapes": {**OWN, "weights": f"file:{workdir / 'shapes.pt'}", "labels": labels},
            "tiny_timm": {
                **TIMM,
                "options": {"num_classes": 10},
                "input_size": 64,
                "weights": f"file:{workdir / 'resnet10t.safetensors'}",
                "labels": labels,
            },  # fmt: skip
            "squeeze": {**SQUEEZE, "weights": "random", "input_size": 64},
        },
        "classes": ["shape 1", "Shape 3", 7],
        "photos": PHOTOS,
        "generation": {"steps": 2},
        "representations": {"models": ["shapes", "tiny_timm"], "chunk_size": 2},
        "outputs": {"generators": ["shapes"]},  # rated by both: one label set
        "graphs": {"permutations": 100},
        "inversion": {"models": ["shapes"], "pairs": 4, "steps": 2, "lr": 1.0},
        "cka": {"models": ["shapes", "tiny_timm", "squeeze"]},
    }
    (workdir / "own.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    env = {**os.environ, "PYTHONPATH": str(REPO / "tests/own")}  # the researcher's package
    run = subprocess.run(snakemake_command(workdir, [workdir / "own.yaml"]), env=env,
                         capture_output=True, text=True, timeout=900)  # fmt: skip
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    return workdir / "results"


def test_own_models_run_the_generation_output_space_and_cka_rules(own_run):
    import pandas as pd
    from inputgen.platform import artifacts

    tensors, _ = artifacts.load_tensors(own_run / "representations/shapes/images.safetensors")
    assert tensors["images"].shape == (3, 3, 64, 64) and tensors["classes"].tolist() == [1, 3, 7]
    summary = pd.read_csv(own_run / "representations/tiny_timm/summary.tsv", sep="\t")
    assert summary["name"].tolist() == ["shape 1", "shape 3", "shape 7"]
    assert "shapes_top1" in summary  # rated by the other model of the same labels only
    assert not any(column.startswith("squeeze") for column in summary)
    coherence = pd.read_csv(own_run / "graphs/coherence.tsv", sep="\t")
    assert len(coherence) == 4 and coherence["observed"].isna().all()  # no ImageNet groups
    assert (coherence["edges"] > 0).all()
    natural = pd.read_csv(own_run / "cka/natural.tsv", sep="\t")
    assert set(natural["model_a"]) == {"shapes", "tiny_timm", "squeeze"}
    assert natural["cka"].between(0, 1 + 1e-6).all()
    record = artifacts.read_provenance(own_run / "representations/shapes/images.safetensors")
    spec = record["config"]["model"]
    assert spec["arch"] == "python:shapes_net:build" and spec["labels"].endswith("shapes.txt")
