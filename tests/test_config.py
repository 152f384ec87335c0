import copy
import subprocess

import pytest
import yaml
from conftest import REPO, SNAKEMAKE
from inputgen.config import ConfigError, validate

SCHEMA = REPO / "workflow/schemas/config.schema.yaml"
DEFAULT = yaml.safe_load((REPO / "config/config.yaml").read_text())


def test_the_shipped_configs_are_valid():
    for path in ["config/config.yaml", "config/paper.yaml", "tests/config/tiny.yaml"]:
        validate(yaml.safe_load((REPO / path).read_text()), SCHEMA)


def test_defaults_are_filled_in():
    config = validate(
        {"models": {"m": {"arch": "resnet18", "weights": "random"}}, "classes": [1]}, SCHEMA
    )
    assert config["seed"] == 0
    assert config["photos"]["size"] == 224 and config["photos"]["crops"] >= 512
    assert config["classify"]["topk"] == 5
    assert config["runtime"] == {"device": "auto", "batch_size": 32}
    assert config["generation"]["steps"] == 64 and config["generation"]["rule"] == "sign"
    assert config["pairs"] is None and config["ablation"] is None  # optional studies: off
    every = validate(
        {"models": {"m": {"arch": "resnet18", "weights": "random"}}, "classes": "all"}, SCHEMA
    )
    assert every["classes"] == list(range(1000))


def with_change(change):
    config = copy.deepcopy(DEFAULT)
    change(config)
    return config


BAD = {
    "unknown key": (
        lambda c: c.update(sede=1),
        ["(top level)", "'sede'", "allowed:", "seed"],
    ),
    "class out of range": (
        lambda c: c["classes"].append(1000),
        ["classes[28]", "1000", "maximum of 999"],
    ),
    "duplicate class": (
        lambda c: c["classes"].append(251),
        ["classes", "non-unique", "distinct ImageNet-1k class indices"],
    ),
    "unknown arch": (
        lambda c: c["models"]["lite0"].update(arch="resnet19"),
        ["models.lite0.arch", '"resnet19"', "resnet18"],
    ),
    "bad weight source": (
        lambda c: c["models"]["lite0"].update(weights="imagenet"),
        ["models.lite0.weights", '"imagenet"', "torchvision, torchvision:<WEIGHTS_NAME>"],
    ),
    "size of the wrong type": (
        lambda c: c["photos"].update(size="big"),
        ["photos.size", '"big"', "not of type 'integer'", "32..1024"],
    ),
    "bad device": (
        lambda c: c["runtime"].update(device="tpu"),
        ["runtime.device", '"tpu"', "auto, cpu, cuda or cuda:N"],
    ),
    "bad model name": (
        lambda c: c["models"].update({"my/model": {"arch": "resnet18", "weights": "random"}}),
        ["models", "my/model", "letters, digits and underscores"],
    ),
    "classify an unknown model": (
        lambda c: c["classify"].update(models=["lite9"]),
        ["classify.models[0]", "'lite9'", "not a configured model", "lite0"],
    ),
    "classify a random model": (
        lambda c: c["classify"].update(models=["resnet18_random"]),
        ["classify.models[0]", "random weights"],
    ),
    "package weights nobody ships": (
        lambda c: c["models"]["resnet18_random"].update(weights="package"),
        ["models.resnet18_random", "no installed package ships weights for resnet18"],
    ),
    "vectorise a model that generates nothing": (
        lambda c: c["vectorisation"].update(model="lite2"),
        ["vectorisation.model", "'lite2'", "representations.models", "mobilenet_v2"],
    ),
    "merge toward itself": (
        lambda c: c["merging"].update(toward="mobilenet_v2"),
        ["merging.toward", "must differ from merging.model"],
    ),
    "merge a class that was not generated": (
        lambda c: c["merging"].update(classes=[0, 7]),
        ["merging.classes", "[7]", "not among the configured classes"],
    ),
    "graphs of an unknown evaluator": (
        lambda c: c["outputs"].update(evaluators=["lite0", "vit"]),
        ["outputs.evaluators[1]", "'vit'", "not a configured model"],
    ),
    "unknown graph metric": (
        lambda c: c["graphs"].update(metric="manhattan"),
        ["graphs.metric", '"manhattan"', "euclidean"],
    ),
    "invert a model CKA leaves out": (
        lambda c: c["cka"].update(models=["lite0", "lite1"]),
        ["inversion.models", "'mobilenet_v2' is inverted but not in cka.models"],
    ),
    "layer pair without layers": (
        lambda c: c["cka"]["layer_pair"]["layers"].pop("mobilenet_v2"),
        ["cka.layer_pair.layers", "no layers for 'mobilenet_v2'"],
    ),
    "inversion momentum of 1": (
        lambda c: c["inversion"].update(momentum=1.0),
        ["inversion.momentum", "1.0"],
    ),
    "autoencode a model without layers": (
        lambda c: c["autoencoding"]["layers"].pop("lite0"),
        ["autoencoding.models[0] = 'lite0'", "no layers", "autoencoding.layers.lite0"],
    ),
    "autoencoding layers of a model not autoencoded": (
        lambda c: c["autoencoding"]["layers"].update(lite1=["_blocks.1"]),
        ["autoencoding.layers.lite1", "not one of autoencoding.models"],
    ),
    "unknown init scheme": (
        lambda c: c["conditioning"].update(schemes=["he"]),
        ["conditioning.schemes", "he"],
    ),
    "fully connected net with no layers": (
        lambda c: c["fully_connected"]["studies"]["width"].update(nets=[[]]),
        ["fully_connected.studies.width.nets"],
    ),
    "crop scale reversed": (
        lambda c: c["photos"].update(crop_scale=[0.9, 0.2]),
        ["photos.crop_scale", "[0.9, 0.2]", "low must not exceed high"],
    ),
}


@pytest.mark.parametrize("case", BAD)
def test_a_bad_config_is_refused_naming_key_value_and_what_is_allowed(case):
    change, expected = BAD[case]
    with pytest.raises(ConfigError) as error:
        validate(with_change(change), SCHEMA)
    for fragment in expected:
        assert fragment in str(error.value), (fragment, str(error.value))


def test_every_problem_is_reported_at_once():
    def two_problems(c):
        c["classes"].append(-1)
        c["photos"]["crops"] = 0

    with pytest.raises(ConfigError) as error:
        validate(with_change(two_problems), SCHEMA)
    assert "classes[28]" in str(error.value) and "photos.crops" in str(error.value)


def test_snakemake_stops_before_any_job_on_a_bad_config(tmp_path):
    bad = with_change(lambda c: c["photos"].update(size=8))
    (tmp_path / "bad.yaml").write_text(yaml.safe_dump(bad))
    run = subprocess.run(
        [
            SNAKEMAKE,
            "--snakefile",
            str(REPO / "Snakefile"),
            "--directory",
            str(tmp_path),
            "--configfile",
            str(tmp_path / "bad.yaml"),
            "--cores",
            "1",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode != 0
    assert "config key photos.size = 8" in run.stderr + run.stdout
    assert not (tmp_path / "results").exists()
