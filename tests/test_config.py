"""Bad configs are refused before any job runs, naming the key, the value and what is allowed.

``BAD`` holds one case per way a config can be wrong, each with its kind; the kinds are
counted (``test_the_bad_configs_cover_every_kind``). ``BAD_AT_START`` holds what only a real
run can check, on the machine that runs the jobs (the Snakefile's onstart)."""

import copy
import functools
import os
import subprocess
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import NamedTuple

import pytest
import torch
import yaml
from conftest import REPO, SNAKEMAKE
from inputgen.engine import models
from inputgen.platform.config import ConfigError, check_start, read_schema, validate

SCHEMA = REPO / "workflow/inputgen/platform/config.schema.yaml"
DEFAULT_TEXT = (REPO / "config/config.yaml").read_text()
DEFAULT = yaml.safe_load(DEFAULT_TEXT)


def test_the_shipped_configs_are_valid():
    for path in ["config/config.yaml", "config/paper.yaml", "tests/config/tiny.yaml"]:
        validate(yaml.safe_load((REPO / path).read_text()), SCHEMA, [REPO / path])


def test_defaults_are_filled_in():
    config = validate(
        {"models": {"m": {"arch": "resnet18", "weights": "random"}}, "classes": [1]}, SCHEMA
    )
    assert config["seed"] == 0
    assert config["photos"]["size"] == 224 and config["photos"]["crops"] >= 512
    assert config["classify"] is None and config["cka"] is None  # a study left out is off
    assert config["runtime"]["device"] == "auto" and config["runtime"]["batch_size"] == 32
    assert config["generation"]["steps"] == 40 and config["generation"]["rule"] == "adam"
    assert config["pairs"] is None and config["ablation"] is None  # optional studies: off
    every = validate(
        {"models": {"m": {"arch": "resnet18", "weights": "random"}}, "classes": "all"}, SCHEMA
    )
    assert every["classes"] == list(range(1000))


def test_defaults_are_copies_not_the_schemas_objects():
    first = validate({"models": {"m": {"arch": "resnet18", "weights": "random"}}, "classes": [1]},
                     SCHEMA)  # fmt: skip
    first["generation"]["priors"]["blur"] = {}
    second = validate({"models": {"m": {"arch": "resnet18", "weights": "random"}}, "classes": [1]},
                      SCHEMA)  # fmt: skip
    assert second["generation"]["priors"] == {"robust": {}}


def test_the_schema_is_parsed_once_left_unchanged_and_read_again_when_edited(tmp_path):
    paper = yaml.safe_load((REPO / "config/paper.yaml").read_text())
    before = copy.deepcopy(read_schema(SCHEMA))
    validate(paper, SCHEMA)
    assert read_schema(SCHEMA) is read_schema(SCHEMA)  # one parse for every validation
    assert read_schema(SCHEMA) == before  # the shared copy: validation never writes into it
    edited = tmp_path / "schema.yaml"
    edited.write_text(SCHEMA.read_text())
    config = {"models": {"m": {"arch": "resnet18", "weights": "random"}}, "classes": [1], "seed": 3}
    assert validate(copy.deepcopy(config), edited)["seed"] == 3
    top_seed = "\n  seed:\n    type: integer\n"
    assert SCHEMA.read_text().count(top_seed) == 1
    edited.write_text(SCHEMA.read_text().replace(top_seed, top_seed + "    maximum: 2\n"))
    with pytest.raises(ConfigError, match="seed"):  # the edit is read, not the first parse
        validate(copy.deepcopy(config), edited)


def test_the_default_recipe_is_one_thing_in_python_in_the_schema_and_in_config_yaml():
    """``GenerationSettings()``, a config that leaves ``generation`` out, and config/config.yaml
    all mean the recipe the default run draws with."""
    from dataclasses import asdict

    from inputgen.engine.generation_settings import GenerationSettings

    default_run = validate(yaml.safe_load((REPO / "config/config.yaml").read_text()), SCHEMA)
    model = {"m": {"arch": "resnet18", "weights": "random"}}
    absent = validate({"models": model, "classes": [1]}, SCHEMA)
    assert absent["generation"] == default_run["generation"]
    python = {k: v for k, v in asdict(GenerationSettings()).items() if k != "magnitude"}
    python["octaves"] = list(python["octaves"])
    assert python == default_run["generation"]
    assert python["parameterisation"] == "maco" and python["class_objective"] == "margin"


class Bad(NamedTuple):
    kind: str
    change: Callable  # (config, a scratch folder) -> the config files to re-read, or None
    expected: list[str]  # fragments of the message


def with_change(change, scratch: Path | None = None) -> tuple[dict, list[Path]]:
    """The default config changed, and the config files a case wrote (a list of Paths; what
    else a change returns, such as a popped value, is not a file)."""
    config = copy.deepcopy(DEFAULT)
    files = change(config, scratch)
    is_files = isinstance(files, list) and all(isinstance(f, Path) for f in files)
    return config, files if is_files else []


# ------------------------------------------------------------ files the bad cases write


def checkpoint(scratch: Path, name: str, arch="resnet18", drop=(), shapes=None) -> str:
    """``weights: file:`` of a state dict of ``arch`` (zeros), less ``drop``, with ``shapes``
    changed: written where the config points."""
    with torch.device("meta"):
        state = models._architecture(arch, init=False).state_dict()
    state = {k: torch.zeros((shapes or {}).get(k, v.shape)) for k, v in state.items()}
    for key in drop:
        del state[key]
    torch.save(state, scratch / name)
    return f"file:{scratch / name}"


def garbage(scratch: Path, name: str) -> str:
    (scratch / name).write_bytes(b"\x00not a checkpoint" * 64)
    return f"file:{scratch / name}"


def image_tree(scratch: Path, name: str, files: dict[str, list[str]]) -> str:
    """A folder of class folders holding files (empty files: the check reads names only)."""
    for folder, names in files.items():
        (scratch / name / folder).mkdir(parents=True, exist_ok=True)
        for file in names:
            (scratch / name / folder / file).write_bytes(b"")
    return str(scratch / name)


def config_file(scratch: Path, name: str, text: str) -> list[Path]:
    (scratch / name).write_text(text)
    return [scratch / name]


def _twice(c, scratch):  # two models named lite0 in one file: YAML keeps the second
    text = DEFAULT_TEXT.replace(
        "\nmodels:\n", "\nmodels:\n  lite0: {arch: resnet18, weights: random}\n", 1
    )
    return config_file(scratch, "twice.yaml", text)


BAD = {
    "a photo the photos file lacks": Bad(
        "unknown photo",
        lambda c, _: c["interpolation"].update(photo="chelsae"),
        ["interpolation.photo", "'chelsae'", "not in results/data/photos.safetensors", "chelsea"],
    ),
    "unknown key": Bad(
        "typo'd key",
        lambda c, _: c.update(sede=1),
        ["(top level)", "'sede'", "allowed:", "seed"],
    ),
    "class out of range": Bad(
        "value out of range",
        lambda c, _: c["classes"].append(1000),
        ["classes[28] = 1000", "outside the models' 1000 classes (0..999)"],
    ),
    "duplicate class": Bad(
        "duplicate value in a set",
        lambda c, _: c["classes"].append(251),
        ["classes", "non-unique", "distinct class indices or names"],
    ),
    "unknown arch": Bad(
        "unknown choice",
        lambda c, _: c["models"]["lite0"].update(arch="resnet19"),
        ["models.lite0.arch", '"resnet19"', "resnet18"],
    ),
    "bad weight source": Bad(
        "malformed value",
        lambda c, _: c["models"]["lite0"].update(weights="imagenet"),
        ["models.lite0.weights", '"imagenet"', "torchvision, torchvision:<WEIGHTS_NAME>"],
    ),
    "size of the wrong type": Bad(
        "wrong type",
        lambda c, _: c["photos"].update(size="big"),
        ["photos.size", '"big"', "not of type 'integer'", "32..1024"],
    ),
    "bad device": Bad(
        "malformed value",
        lambda c, _: c["runtime"].update(device="tpu"),
        ["runtime.device", '"tpu"', "auto, cpu, cuda or cuda:N"],
    ),
    "bad model name": Bad(
        "malformed value",
        lambda c, _: c["models"].update({"my/model": {"arch": "resnet18", "weights": "random"}}),
        ["models", "my/model", "letters, digits and underscores"],
    ),
    "classify an unknown model": Bad(
        "unknown model",
        lambda c, _: c["classify"].update(models=["lite9"]),
        ["classify.models[0]", "'lite9'", "not a configured model", "lite0"],
    ),
    "classify a random model": Bad(
        "model unfit for the study",
        lambda c, _: c["classify"].update(models=["resnet18_random"]),
        ["classify.models[0]", "random weights"],
    ),
    "package weights nobody ships": Bad(
        "weights unavailable for the arch",
        lambda c, _: c["models"]["resnet18_random"].update(weights="package"),
        ["models.resnet18_random", "no installed package ships weights for resnet18"],
    ),
    "vectorise a model that generates nothing": Bad(
        "input no study generates",
        lambda c, _: c["vectorisation"].update(model="lite2"),
        ["vectorisation.model", "'lite2'", "representations.models", "mobilenet_v2"],
    ),
    "merge toward itself": Bad(
        "keys that contradict each other",
        lambda c, _: c["merging"].update(toward="mobilenet_v2"),
        ["merging.toward", "must differ from merging.model"],
    ),
    "merge a class that was not generated": Bad(
        "input no study generates",
        lambda c, _: c["merging"].update(classes=[0, 7]),
        ["merging.classes", "[7]", "not among the configured classes"],
    ),
    "graphs of an unknown evaluator": Bad(
        "unknown model",
        lambda c, _: c["outputs"].update(evaluators=["lite0", "vit"]),
        ["outputs.evaluators[1]", "'vit'", "not a configured model"],
    ),
    "unknown graph metric": Bad(
        "unknown choice",
        lambda c, _: c["graphs"].update(metric="manhattan"),
        ["graphs.metric", '"manhattan"', "euclidean"],
    ),
    "invert a model CKA leaves out": Bad(
        "keys that contradict each other",
        lambda c, _: c["cka"].update(models=["lite0", "lite1"]),
        ["inversion.models", "'mobilenet_v2' is inverted but not in cka.models"],
    ),
    "layer pair without layers": Bad(
        "missing entry",
        lambda c, _: c["cka"]["layer_pair"]["layers"].pop("mobilenet_v2"),
        ["cka.layer_pair.layers", "no layers for 'mobilenet_v2'"],
    ),
    "inversion momentum of 1": Bad(
        "value out of range",
        lambda c, _: c["inversion"].update(momentum=1.0),
        ["inversion.momentum", "1.0"],
    ),
    "autoencode a model without layers": Bad(
        "missing entry",
        lambda c, _: c["autoencoding"]["layers"].pop("lite0"),
        ["autoencoding.models[0] = 'lite0'", "no layers", "autoencoding.layers.lite0"],
    ),
    "autoencoding layers of a model not autoencoded": Bad(
        "keys that contradict each other",
        lambda c, _: c["autoencoding"]["layers"].update(lite1=["_blocks.1"]),
        ["autoencoding.layers.lite1", "not one of autoencoding.models"],
    ),
    "unknown init scheme": Bad(
        "unknown choice",
        lambda c, _: c["conditioning"].update(schemes=["he"]),
        ["conditioning.schemes", "he"],
    ),
    "fully connected net with no layers": Bad(
        "empty list",
        lambda c, _: c["fully_connected"]["studies"]["width"].update(nets=[[]]),
        ["fully_connected.studies.width.nets"],
    ),
    "crop scale reversed": Bad(
        "keys that contradict each other",
        lambda c, _: c["photos"].update(crop_scale=[0.9, 0.2]),
        ["photos.crop_scale", "[0.9, 0.2]", "low must not exceed high"],
    ),
    # --- typo'd keys, at every depth (every object of the schema is closed: see below)
    "typo in a section": Bad(
        "typo'd key",
        lambda c, _: c["generation"].update(stpes=10),
        ["config key generation", "'stpes'", "allowed:", "steps"],
    ),
    "typo in a model spec": Bad(
        "typo'd key",
        lambda c, _: c["models"]["lite0"].update(layer=["_blocks.1"]),
        ["config key models.lite0", "'layer'", "layers"],
    ),
    "typo in an ablation configuration": Bad(
        "typo'd key",
        lambda c, _: c["ablation"]["configs"]["pixels"].update(rulle="adam"),
        ["config key ablation.configs.pixels: unknown key(s) 'rulle'", "rule"],
    ),
    "typo in a study's recipe": Bad(
        "typo'd key",
        lambda c, _: c["starts"].update(recipe={"octaves": [1.0], "ocatves": [1.0]}),
        ["config key starts.recipe: unknown key(s) 'ocatves'", "octaves"],
    ),
    "a recipe's resize cycle above 1": Bad(
        "bad value",
        lambda c, _: c["starts"].update(recipe={"priors": {"resize": {"cycle": [1.0, 1.5]}}}),
        ["starts.recipe.priors.resize.cycle", "1.5"],
    ),
    "a recipe's octaves that do not end at 1": Bad(
        "bad value",
        lambda c, _: c["transfiguration"].update(recipe={"octaves": [0.5, 0.8]}),
        ["config key transfiguration.recipe.octaves = [0.5, 0.8]: must increase and end at 1"],
    ),
    "typo'd prior of a depth study": Bad(
        "typo'd key",
        lambda c, _: c["autoencoding"].update(priors={"blurr": {}}),
        ["config key autoencoding.priors", "'blurr'", "blur"],
    ),
    # --- steps: every steps key is an integer >= 1
    "zero generation steps": Bad(
        "steps below 1",
        lambda c, _: c["generation"].update(steps=0),
        ["generation.steps = 0", "minimum of 1"],
    ),
    "negative inversion steps": Bad(
        "steps below 1",
        lambda c, _: c["inversion"].update(steps=-5),
        ["inversion.steps = -5", "minimum of 1"],
    ),
    "zero merging steps": Bad(
        "steps below 1",
        lambda c, _: c["merging"].update(steps=0),
        ["merging.steps = 0", "minimum of 1"],
    ),
    "zero steps of an ablation configuration": Bad(
        "steps below 1",
        lambda c, _: c["ablation"]["configs"]["pixels"].update(steps=0),
        ["ablation.configs.pixels.steps = 0", "minimum of 1"],
    ),
    # --- a study naming a model that is not configured (every such key: see below)
    "features of an unknown model": Bad(
        "unknown model",
        lambda c, _: c["features"].update(model="lite9"),
        ["features.model = 'lite9'", "not a configured model", "lite0"],
    ),
    "layer pair layers of a model not paired": Bad(
        "keys that contradict each other",
        lambda c, _: c["cka"]["layer_pair"]["layers"].update(resnet18_random=["layer1"]),
        ["cka.layer_pair.layers.resnet18_random", "not one of cka.layer_pair.models"],
    ),
    # --- layer names the architecture does not have
    "unknown layer of a model": Bad(
        "unknown layer",
        lambda c, _: c["models"]["resnet18_random"].update(layers=["layer1", "layer5"]),
        ["models.resnet18_random.layers[1] = 'layer5'", "resnet18", "did you mean", "layer1"],
    ),
    "unknown embedding layer": Bad(
        "unknown layer",
        lambda c, _: c["embedding"].update(layer="_blocks.99"),
        ["embedding.layer = '_blocks.99'", "efficientnet_lite0 (model lite0)", "_blocks.9"],
    ),
    "unknown feature layer": Bad(
        "unknown layer",
        lambda c, _: c["features"].update(layer="blocks.10"),
        ["features.layer = 'blocks.10'", "_blocks.10"],
    ),
    "unknown auxiliary head": Bad(
        "unknown layer",
        lambda c, _: c["auxiliary"].update(head="AuxLogit"),
        ["auxiliary.head = 'AuxLogit'", "inception_v3", "AuxLogits"],
    ),
    "unknown layer of the layer pair": Bad(
        "unknown layer",
        lambda c, _: c["cka"]["layer_pair"]["layers"]["mobilenet_v2"].append("features.19"),
        ["cka.layer_pair.layers.mobilenet_v2[6] = 'features.19'", "or 'penultimate'"],
    ),
    "unknown layer to compare": Bad(
        "unknown layer",
        lambda c, _: c["cka"].update(layers={"lite0": "_block.3"}),
        ["cka.layers.lite0 = '_block.3'", "_blocks.3"],
    ),
    "unknown autoencoding layer": Bad(
        "unknown layer",
        lambda c, _: c["autoencoding"]["layers"].update(resnet18_random=["layer4", "fc2"]),
        ["autoencoding.layers.resnet18_random[1] = 'fc2'", "resnet18 (model resnet18_random)"],
    ),
    "penultimate is not a module": Bad(
        "unknown layer",
        lambda c, _: c["models"]["resnet18_random"].update(layers=["penultimate"]),
        ["models.resnet18_random.layers[0] = 'penultimate'", "no such layer"],
    ),
    # --- file: checkpoints, read for their keys and shapes only
    "missing checkpoint": Bad(
        "missing checkpoint",
        lambda c, d: c["models"]["resnet18_random"].update(weights=f"file:{d}/gone.pt"),
        ["models.resnet18_random.weights", "checkpoint for resnet18 not found", "gone.pt"],
    ),
    "relative checkpoint path": Bad(
        "missing checkpoint",
        lambda c, d: c["models"]["resnet18_random"].update(weights="file:weights/r18.pt"),
        ["models.resnet18_random.weights = 'file:weights/r18.pt' (relative to", "the workdir"],
    ),
    "checkpoint without a key": Bad(
        "checkpoint not fitting its arch",
        lambda c, d: c["models"]["resnet18_random"].update(
            weights=checkpoint(d, "drop.pt", drop=["fc.bias"])
        ),
        ["models.resnet18_random.weights", "do not fit resnet18", "1 missing keys (fc.bias)"],
    ),
    "checkpoint with a wrong shape": Bad(
        "checkpoint not fitting its arch",
        lambda c, d: c["models"]["resnet18_random"].update(
            weights=checkpoint(d, "shape.pt", shapes={"fc.weight": (10, 512)})
        ),
        ["models.resnet18_random.weights", "fc.weight: (10, 512) for (1000, 512)"],
    ),
    "checkpoint of another arch": Bad(
        "checkpoint not fitting its arch",
        lambda c, d: c["models"]["resnet50_random"].update(weights=checkpoint(d, "r18.pt")),
        ["models.resnet50_random.weights", "do not fit resnet50", "another architecture"],
    ),
    "not a checkpoint": Bad(
        "unreadable checkpoint",
        lambda c, d: c["models"]["resnet18_random"].update(weights=garbage(d, "junk.pt")),
        ["models.resnet18_random.weights", "cannot read checkpoint", "junk.pt"],
    ),
    # --- image folders
    "class folder without images": Bad(
        "image folder without images",
        lambda c, d: c["photos"].update(
            folder=image_tree(d, "tree", {"cats": ["notes.txt"], "dogs": ["a.JPEG"]})
        ),
        ["photos.folder", "class folders without images: cats", ".jpg"],
    ),
    "image folder without class folders": Bad(
        "image folder without images",
        lambda c, d: c["photos"].update(folder=image_tree(d, "flat", {".": ["a.jpg"]})),
        ["photos.folder", "no class folders, so no images", "root/<class>/<image>"],
    ),
    "a flowers folder without images": Bad(
        "image folder without images",
        lambda c, d: c["flowers"].update(
            folder=image_tree(d, "petals", {"daisy": ["a.jpg"], "roses": ["notes.txt"]}),
            classes=["daisy", "roses"],
            targets=["daisy"],
        ),
        ["config key flowers.folder", "class folders without images: roses"],
    ),
    "flowers classes the folder lacks": Bad(
        "cross-key",
        lambda c, d: c["flowers"].update(
            folder=image_tree(d, "blooms", {"daisy": ["a.jpg"], "tulips": ["b.jpg"]}),
            classes=["daisy", "roses"],
            targets=["daisy"],
        ),
        ["config key flowers.classes: ['roses'] are not class folders", "daisy, tulips"],
    ),
    "chroma without maco": Bad(
        "cross-key",
        lambda c, _: c["ablation"]["configs"]["fourier"].update(chroma=0.5),
        ["config key ablation.configs.fourier.chroma = 0.5", "parameterisation fourier has none"],
    ),
    "a colour cutoff without maco": Bad(
        "cross-key",
        lambda c, _: c["ablation"]["configs"]["fourier"].update(chroma_cutoff=0.1),
        [
            "config key ablation.configs.fourier.chroma_cutoff = 0.1",
            "parameterisation fourier has none (set chroma_cutoff: 0)",
        ],
    ),
    "a flowers target that is not a class": Bad(
        "cross-key",
        lambda c, _: c["flowers"].update(classes=["0", "1"], targets=["4"]),
        ["config key flowers.targets = ['4']: ['4'] not among flowers.classes ['0', '1']"],
    ),
    "folder photos without a folder": Bad(
        "folder photo without its class",
        lambda c, _: c["photos"].update(from_folder=["dalmatian"]),
        ["photos.from_folder = ['dalmatian']: folder photos need photos.folder"],
    ),
    "a folder photo of no class of the folder": Bad(
        "folder photo without its class",
        lambda c, d: c["photos"].update(
            folder=image_tree(d, "tabbies", {"n02123045": ["a.jpg"]}), from_folder=["dalmatian#2"]
        ),
        ["photos.from_folder: 'dalmatian#2' names no class folder", "n02123045"],
    ),
    "a study naming a photo the run lacks": Bad(
        "unknown photo",
        lambda c, _: c["transfiguration"].update(photos=["dalmatian"]),
        ["transfiguration.photos: photo 'dalmatian' is not in", "photos.from_folder"],
    ),
    # --- keys given twice in a config file (YAML silently keeps the last)
    "two models of one name": Bad(
        "duplicate key",
        _twice,
        ["config key models.lite0 is given twice in", "twice.yaml (lines ", "rename"],
    ),
    "a section twice": Bad(
        "duplicate key",
        lambda c, d: config_file(d, "seed.yaml", DEFAULT_TEXT + "\nseed: 3\n"),
        ["config key seed is given twice in", "seed.yaml"],
    ),
}


@pytest.fixture(scope="module")
def scratch(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("bad")


@pytest.mark.parametrize("case", BAD)
def test_a_bad_config_is_refused_naming_key_value_and_what_is_allowed(case, scratch):
    bad = BAD[case]
    config, files = with_change(bad.change, scratch)
    with pytest.raises(ConfigError) as error:
        validate(config, SCHEMA, files)
    for fragment in bad.expected:
        assert fragment in str(error.value), (fragment, str(error.value))


def test_the_bad_configs_cover_every_kind():
    kinds = {bad.kind for bad in BAD.values()} | {bad.kind for bad in BAD_AT_START.values()}
    asked = {"typo'd key", "unknown layer", "steps below 1", "missing checkpoint",
             "checkpoint not fitting its arch", "image folder without images", "duplicate key",
             "unknown model", "no GPU where the jobs run"}  # fmt: skip
    assert asked <= kinds, asked - kinds
    assert len(kinds) >= 10, kinds


def test_what_the_checks_accept(tmp_path):
    def fine(c, d):
        c["models"]["resnet18_random"]["weights"] = checkpoint(d, "r18.pt")  # fits
        c["cka"]["layers"] = {"lite0": "penultimate", "mobilenet_v2": "features.17"}
        c["photos"]["folder"] = image_tree(d, "tree", {"cats": ["a.jpg"], "dogs": ["b.PNG"]})
        c["flowers"].update(
            folder=c["photos"]["folder"], classes=["dogs", "cats"], targets=["cats"]
        )

    config, _ = with_change(fine, tmp_path)
    validate(config, SCHEMA, [REPO / "config/config.yaml"])

    def dalmatians(c, d):  # a folder photo by its ImageNet class name, named by a study
        c["photos"]["folder"] = image_tree(d, "imagenet", {"n02110341": ["a.jpg", "b.jpg"]})
        c["photos"]["from_folder"] = ["dalmatian", "n02110341#2"]
        c["transfiguration"]["photos"] = ["dalmatian", "chelsea"]

    validate(with_change(dalmatians, tmp_path)[0], SCHEMA, [REPO / "config/config.yaml"])
    missing, _ = with_change(lambda c, _: c.update(photos={"folder": str(tmp_path / "gone")}))
    validate(missing, SCHEMA)  # checked when the photos job is to run (check_start)
    smoke, _ = with_change(
        lambda c, _: (
            c.update(weights_override="random")
            or c["models"]["resnet18_random"].update(weights="file:/nowhere/r18.pt")
        )
    )
    validate(smoke, SCHEMA)  # a smoke run reads no weights


def test_layer_names_are_those_of_the_model_as_loaded():
    names = models.arch_layer_names("inception_v3")
    assert "AuxLogits" in names and "Mixed_6e" in names  # torchvision's pretrained variant
    assert not any(n.startswith("aux1") for n in models.arch_layer_names("googlenet"))
    built = models.load_model({"arch": "resnet18", "weights": "random"}).model
    assert models.arch_layer_names("resnet18") == tuple(models.layer_names(built))


def test_checkpoints_are_checked_as_load_model_reads_them(tmp_path):
    """The header-only check reads what a strict load reads: nested state dicts, DataParallel
    prefixes, files in torch's legacy (not memory-mappable) format."""
    state = torch.load(checkpoint(tmp_path, "r18.pt").removeprefix("file:"), weights_only=True)
    torch.save({"state_dict": {f"module.{k}": v for k, v in state.items()}}, tmp_path / "n.pt")
    torch.save(state, tmp_path / "legacy.pt", _use_new_zipfile_serialization=False)
    for name in ("r18.pt", "n.pt", "legacy.pt"):
        models.check_checkpoint("resnet18", tmp_path / name)
        models.load_model({"arch": "resnet18", "weights": f"file:{tmp_path / name}"})
    with pytest.raises(models.WeightsError, match="do not fit resnet34"):
        models.check_checkpoint("resnet34", tmp_path / "legacy.pt")


# ------------------------------------------------------------------- the schema, walked


@functools.cache
def schema() -> dict:
    return yaml.safe_load(SCHEMA.read_text())


def walk(node, where=()):
    """Every subschema of the schema, with its path in the schema."""
    if isinstance(node, dict):
        yield where, node
        for key, value in node.items():
            yield from walk(value, (*where, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from walk(value, (*where, index))


# Open on purpose: a fragment whose every use adds properties and additionalProperties: false
# (checked below), and generation overrides that recipe_errors checks against generation.
# A model's options are its builder's keyword arguments, whatever the builder takes.
OPEN = {("$defs", "prior_options"),
        ("properties", "ablation", "properties", "configs", "additionalProperties"),
        ("$defs", "recipe"),
        ("$defs", "model", "properties", "options")}  # fmt: skip


def test_every_object_in_the_schema_refuses_unknown_keys():
    open_objects = []
    for where, node in walk(schema()):
        types = node.get("type", [])
        if "object" not in (types if isinstance(types, list) else [types]) or where in OPEN:
            continue
        closed = node.get("additionalProperties") is False
        a_map = isinstance(node.get("additionalProperties"), dict) and "propertyNames" in node
        if not (closed or a_map):
            open_objects.append("/".join(map(str, where)))
    assert not open_objects, open_objects
    for where, node in walk(schema()):
        if node.get("$ref") == "#/$defs/prior_options":
            assert node.get("additionalProperties") is False and node["properties"], where


def test_every_steps_key_is_at_least_1():
    found = [
        where
        for where, node in walk(schema())
        if where and where[-1] == "steps" and where[-2] == "properties"
    ]
    assert len(found) >= 7
    for where in found:
        node = schema()
        for part in where:
            node = node[part]
        assert node["type"] == "integer" and node["minimum"] == 1, where


def model_references() -> list[tuple]:
    """Config paths of every key that names a configured model (a model_name in the schema's
    properties, items or map keys), as tuples: names, 0 for a list item, KEY for a map key."""
    found = []
    for where, node in walk(schema()["properties"], ("properties",)):
        if node.get("$ref") != "#/$defs/model_name" or where[1] == "models":
            continue
        if where[-2:] in [("configs", "propertyNames"), ("studies", "propertyNames")]:
            continue  # names of ablation configurations and of fully connected studies
        path, parts = [], iter(where)
        for part in parts:
            if part == "properties":
                path.append(next(parts))
            elif part in ("items", "propertyNames"):
                path.append(0 if part == "items" else KEY)
        found.append(tuple(path))
    return found


KEY = "<key>"
MODEL_REFERENCES = model_references()


def printed(path) -> str:
    """How a message names the key: up to the list item or map key."""
    names = []
    for part in path:
        if part in (0, KEY):
            break
        names.append(part)
    return ".".join(names)


@pytest.mark.parametrize("path", MODEL_REFERENCES, ids=printed)
def test_every_key_that_names_a_model_refuses_an_unknown_one(path):
    config = copy.deepcopy(DEFAULT)
    *head, last = path
    key = head.pop() if last in (0, KEY) else last
    parent = config
    for part in head:
        parent = parent[part]
    if last == 0:  # a list item: the first, or the only one
        parent[key] = ["nomodel", *(parent[key] or [])[1:]]
    elif last == KEY:  # a map key, with another key's value
        values = list(parent[key].values())
        parent[key]["nomodel"] = values[0] if values else "penultimate"
    else:
        parent[key] = "nomodel"
    with pytest.raises(ConfigError) as error:
        validate(config, SCHEMA)
    lines = [line for line in str(error.value).splitlines() if "nomodel" in line]
    assert any(f"config key {printed(path)}" in line for line in lines), str(error.value)


def test_the_model_references_are_all_found():
    names = {printed(path) for path in MODEL_REFERENCES}
    expected = {"classify.models", "features.model", "auxiliary.model", "pairs.models",
                "vectorisation.toward", "outputs.evaluators", "cka.layers",
                "cka.layer_pair.layers", "autoencoding.models", "inversion.models"}  # fmt: skip
    assert expected <= names, expected - names


def test_every_problem_is_reported_at_once():
    def two_problems(c, _):
        c["classes"].append(-1)
        c["photos"]["crops"] = 0

    with pytest.raises(ConfigError) as error:
        validate(with_change(two_problems)[0], SCHEMA)
    assert "classes[28]" in str(error.value) and "photos.crops" in str(error.value)


# ------------------------------------------------------------- before the first job


def job(rule: str, *resources: str):
    """A stand-in for a Snakemake job: what check_start reads of it."""
    return SimpleNamespace(rule=SimpleNamespace(name=rule, resources=dict.fromkeys(resources)))


class AtStart(NamedTuple):
    kind: str
    change: Callable  # (config) -> None
    jobs: list
    expected: list[str]


GENERATE = job("representations_chunk", "gpu", "device", "batch_size")
BAD_AT_START = {
    "cuda on a machine without it, jobs run here": AtStart(
        "no GPU where the jobs run",
        lambda c: c["runtime"].update(device="cuda"),
        [job("run_config"), GENERATE],
        [
            "config key runtime.device = 'cuda': CUDA is not available on this machine",
            "no cluster executor",
            "representations_chunk",
            "runtime.device: auto",
            "or cpu",
        ],  # fmt: skip
    ),
    "a GPU index beyond the machine's": AtStart(
        "no GPU where the jobs run",
        lambda c: c["runtime"].update(device="cuda:3"),
        [GENERATE],
        ["config key runtime.device = 'cuda:3'", "CUDA"],
    ),
    "a photo folder that is not there": AtStart(
        "missing image folder",
        lambda c: c["photos"].update(folder="data/nowhere"),
        [job("photos")],
        ["config key photos.folder = 'data/nowhere': no such folder", "the workdir"],
    ),
    "a flowers folder that is not there": AtStart(
        "missing image folder",
        lambda c: c["flowers"].update(folder="data/no_flowers"),
        [job("flowers")],
        ["config key flowers.folder = 'data/no_flowers': no such folder", "flowers job"],
    ),
}


@pytest.fixture
def no_cuda(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 0)


@pytest.mark.parametrize("case", BAD_AT_START)
def test_a_real_run_checks_the_machine_before_its_first_job(no_cuda, case):
    bad = BAD_AT_START[case]
    config = validate(with_change(lambda c, _: bad.change(c))[0], SCHEMA)
    with pytest.raises(ConfigError) as error:
        check_start(config, bad.jobs, local=True)
    for fragment in bad.expected:
        assert fragment in str(error.value), (fragment, str(error.value))


def test_cuda_is_checked_only_where_the_jobs_that_use_it_run(no_cuda):
    config = validate(with_change(lambda c, _: c["runtime"].update(device="cuda"))[0], SCHEMA)
    check_start(config, [GENERATE], local=False)  # a cluster: its nodes may have the GPU
    check_start(config, [job("run_config"), job("photos")], local=True)  # no device used
    check_start(config, [], local=True)
    auto = validate(with_change(lambda c, _: None)[0], SCHEMA)
    assert auto["runtime"]["device"] == "auto"
    check_start(auto, [GENERATE], local=True)  # auto: the CPU here, with a log line


def test_a_photo_folder_is_needed_only_by_the_photos_job(tmp_path):
    config = validate(with_change(lambda c, _: c["photos"].update(folder="gone"))[0], SCHEMA)
    check_start(config, [job("classify", "device")], local=True)
    config["photos"]["folder"] = image_tree(tmp_path, "tree", {"cats": ["a.jpg"]})
    check_start(config, [job("photos")], local=True)
    config["flowers"]["folder"] = "gone"  # read by the flowers job alone
    check_start(config, [job("photos"), job("classify", "device")], local=True)


# ---------------------------------------------------------------- through Snakemake


def snakemake(workdir: Path, config: Path, *args: str, env=None) -> tuple[int, str]:
    command = [SNAKEMAKE, "--snakefile", str(REPO / "Snakefile"), "--directory", str(workdir),
               "--configfile", str(config), "--cores", "1", *args]  # fmt: skip
    run = subprocess.run(command, capture_output=True, text=True, timeout=300, env=env)
    return run.returncode, run.stdout + run.stderr


def test_snakemake_stops_before_any_job_on_a_bad_config(tmp_path):
    bad, _ = with_change(lambda c, _: c["photos"].update(size=8))
    (tmp_path / "bad.yaml").write_text(yaml.safe_dump(bad))
    code, output = snakemake(tmp_path, tmp_path / "bad.yaml")
    assert code != 0
    assert "config key photos.size = 8" in output
    assert not (tmp_path / "results").exists()


def test_snakemake_refuses_a_key_given_twice_before_any_job(tmp_path):
    (config,) = _twice(None, tmp_path)
    code, output = snakemake(tmp_path, config)
    assert code != 0
    assert f"config key models.lite0 is given twice in {config}" in output
    assert not (tmp_path / "results").exists()


@pytest.mark.slow
def test_a_local_run_refuses_a_missing_gpu_before_its_first_job(tmp_path):
    """The dry run shows the DAG (the GPU may be where the jobs will run); the real run stops
    before its first job. CUDA is hidden from Snakemake, so this holds on a GPU machine too."""
    config = tmp_path / "cuda.yaml"
    config.write_text(yaml.safe_dump({
        "runtime": {"device": "cuda"},
        "models": {"lite0": {"arch": "efficientnet_lite0", "weights": "package"}},
        "classes": [0],
        "representations": {"models": ["lite0"]},
    }))  # fmt: skip
    target = "results/representations/lite0/chunks/0.safetensors"
    env = {**os.environ, "CUDA_VISIBLE_DEVICES": ""}
    code, output = snakemake(tmp_path, config, "-n", target, env=env)
    assert code == 0, output[-3000:]
    assert "representations_chunk" in output
    code, output = snakemake(tmp_path, config, target, env=env)
    assert code != 0
    assert "config key runtime.device = 'cuda': CUDA is not available" in output, output[-3000:]
    assert not (tmp_path / "results").exists()  # not even a log: no job started
