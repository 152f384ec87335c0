import os
import re
import shutil
from urllib.parse import urlparse

import pytest
import torch
import torchvision
import yaml
from conftest import CAT_CLASSES, REPO
from inputgen.engine import models
from inputgen.engine.models import WeightsError, capture, load_model, resolve_spec

PACKAGE_MODELS = ["efficientnet_lite0", "efficientnet_lite1", "efficientnet_lite2", "mobilenet_v2"]


@pytest.mark.parametrize("arch", PACKAGE_MODELS)
def test_pretrained_package_model_sees_a_cat(arch, cat_photo):
    zoo = load_model({"arch": arch, "weights": "package"})
    top5 = zoo.logits(cat_photo).topk(5).indices[0].tolist()
    assert CAT_CLASSES & set(top5), [zoo.class_names[i] for i in top5]


def test_loaded_model_is_frozen_and_in_eval_mode():
    zoo = load_model({"arch": "efficientnet_lite0", "weights": "package"})
    assert not zoo.model.training
    assert not any(p.requires_grad for p in zoo.model.parameters())
    assert zoo.weights_path.name == "efficientnet-lite0-57934424.pth"
    assert zoo.weights_sha256.startswith("57934424")


def test_random_weights_depend_on_the_seed_only():
    rng_before = torch.get_rng_state()
    first = load_model({"arch": "resnet18", "weights": "random", "seed": 3}).model.state_dict()
    again = load_model({"arch": "resnet18", "weights": "random", "seed": 3}).model.state_dict()
    other = load_model({"arch": "resnet18", "weights": "random", "seed": 4}).model.state_dict()
    assert all(torch.equal(first[k], again[k]) for k in first)
    assert not torch.equal(first["conv1.weight"], other["conv1.weight"])
    # Seeding is scoped: the caller's global RNG is left as it was.
    assert torch.equal(torch.get_rng_state(), rng_before)


@pytest.mark.parametrize("arch", list(models.ARCHS))  # one test per arch: each stays quick
def test_every_arch_builds_and_maps_its_input_size_to_1000_logits(arch):
    info = models.ARCHS[arch]
    zoo = load_model({"arch": arch, "weights": "random"})
    assert zoo.preprocess.input_size == info.input_size
    logits = zoo.logits(torch.rand(1, 3, 64, 80))  # any size: preprocessing resizes
    assert logits.shape == (1, 1000), arch


def test_the_spec_layer_reads_what_the_builds_say():
    """model_specs answers class and layer names from architectures.json, without torch; the
    file must say what building each architecture and torchvision's weights say (regenerate it
    with ``python -m inputgen.engine.models`` after adding an architecture)."""
    from inputgen.engine import model_specs

    assert model_specs._metadata() == models.architecture_metadata()
    assert model_specs.imagenet_class_names()[:2] == ("tench", "goldfish")
    built = models.built_layer_names(models.arch_of("resnet18"))
    assert model_specs.arch_layer_names("resnet18") == built
    options = models.arch_of("torchvision:resnet18", {"num_classes": 10})  # not in the file
    assert model_specs.arch_layer_names(options) == models.built_layer_names(options)


def test_the_schema_takes_the_zoo_archs_and_the_three_families_and_nothing_else():
    import re

    schema = yaml.safe_load((REPO / "workflow/inputgen/platform/config.schema.yaml").read_text())
    pattern = re.compile(schema["$defs"]["model"]["properties"]["arch"]["pattern"])
    for arch in [*models.ARCHS, "torchvision:regnet_y_400mf", "timm:vit_tiny_patch16_224.augreg",
                 "python:my_package.nets:build"]:  # fmt: skip
        assert pattern.match(arch), arch
    for arch in ["../etc", "python:nofactory", "keras:resnet", "timm:"]:
        assert not pattern.match(arch), arch


def test_preprocessing_normalises_and_round_trips():
    lite = load_model({"arch": "efficientnet_lite0", "weights": "random"}).preprocess
    torchvision_style = load_model({"arch": "resnet18", "weights": "random"}).preprocess
    images = torch.rand(2, 3, 224, 224)
    for pre in (lite, torchvision_style):
        assert torch.allclose(pre.inverse(pre(images)), images, atol=1e-6)
    assert torch.allclose(lite(torch.full((1, 3, 224, 224), 0.5)), torch.zeros(1))
    mean = torch.tensor(models.IMAGENET_MEAN).view(1, 3, 1, 1).expand(1, 3, 224, 224)
    assert torch.allclose(torchvision_style(mean), torch.zeros(1), atol=1e-6)
    assert lite(torch.rand(1, 3, 100, 130)).shape == (1, 3, 224, 224)
    with pytest.raises(ValueError, match=r"\(N, 3, H, W\)"):
        lite(torch.rand(3, 224, 224))


def test_torchvision_weights_come_from_the_torch_cache(torch_home):
    reference = load_model({"arch": "resnet18", "weights": "random", "seed": 7}).model
    cached = torch_home / models.torchvision_cache_file("resnet18").name
    torch.save(reference.state_dict(), cached)
    zoo = load_model({"arch": "resnet18", "weights": "torchvision"})
    assert zoo.weights_path == cached
    loaded = zoo.model.state_dict()
    assert all(torch.equal(v, loaded[k]) for k, v in reference.state_dict().items())


def test_mobilenet_wheel_file_serves_the_torchvision_route(torch_home, cat_photo):
    package = load_model({"arch": "mobilenet_v2", "weights": "package"})
    shutil.copy(package.weights_path, torch_home / package.weights_path.name)
    official = load_model({"arch": "mobilenet_v2", "weights": "torchvision"})
    assert torch.equal(official.logits(cat_photo), package.logits(cat_photo))


def test_missing_torchvision_weights_name_the_file_and_the_way_out(torch_home):
    with pytest.raises(WeightsError) as error:
        load_model({"arch": "resnet50", "weights": "torchvision"})
    message = str(error.value)
    assert str(torch_home / "resnet50-0676ba61.pth") in message
    assert "file:" in message and "TORCH_HOME" in message


def test_checkpoint_files_load_strictly(tmp_path):
    reference = load_model({"arch": "resnet18", "weights": "random", "seed": 1}).model
    wrapped = tmp_path / "wrapped.pt"  # DataParallel-style keys inside a training checkpoint
    torch.save(
        {"state_dict": {f"module.{k}": v for k, v in reference.state_dict().items()}}, wrapped
    )
    zoo = load_model({"arch": "resnet18", "weights": f"file:{wrapped}"})
    assert torch.equal(zoo.model.conv1.weight, reference.conv1.weight)
    assert zoo.weights_path == wrapped

    with pytest.raises(WeightsError, match="do not fit resnet50"):
        load_model({"arch": "resnet50", "weights": f"file:{wrapped}"})
    with pytest.raises(WeightsError, match="not found: .*nothing.pt"):
        load_model({"arch": "resnet18", "weights": f"file:{tmp_path / 'nothing.pt'}"})


def test_weight_files_are_checked_against_their_published_hash(tmp_path):
    fake = tmp_path / "mobilenet_v2-b0353104.pth"
    fake.write_bytes(b"not the official weights")
    with pytest.raises(WeightsError, match="does not start with b0353104"):
        models._verify(fake, models._hash_prefix(fake.name), "torchvision's published hash")


@pytest.mark.parametrize(
    "spec, message",
    [
        ({"arch": "resnet19", "weights": "random"}, "unknown arch 'resnet19'"),
        ({"arch": "resnet50", "weights": "package"}, "no installed package ships weights"),
        ({"arch": "efficientnet_lite0", "weights": "torchvision"}, "no torchvision weights"),
        ({"arch": "efficientnet_lite2", "weights": "random", "input_size": 224}, "260 only"),
        ({"arch": "resnet18", "weights": "imagenet"}, "expected one of"),
    ],
)
def test_bad_specs_are_refused_with_a_reason(spec, message):
    with pytest.raises(ValueError, match=message):
        resolve_spec(spec)


def test_capture_taps_layers_and_always_removes_its_hooks():
    zoo = load_model({"arch": "resnet18", "weights": "random", "layers": ["layer4"]})

    def hook_count():
        return sum(len(m._forward_hooks) for m in zoo.model.modules())

    with capture(zoo.model, ["layer1", "layer4"]) as taps:
        zoo.logits(torch.rand(2, 3, 224, 224))
    assert taps["layer1"].shape == (2, 64, 56, 56)
    assert taps["layer4"].shape == (2, 512, 7, 7)
    assert hook_count() == 0

    with pytest.raises(RuntimeError, match="inside the block"), capture(zoo.model, ["layer2"]):
        assert hook_count() == 1
        raise RuntimeError("an error inside the block")
    assert hook_count() == 0

    with pytest.raises(KeyError, match="did you mean layer4"):
        load_model({"arch": "resnet18", "weights": "random", "layers": ["layer5"]})


@pytest.mark.parametrize("arch", ["resnet18", "efficientnet_lite0"])
def test_activations_are_the_captured_layers_read_batch_by_batch(arch):
    zoo = load_model({"arch": arch, "weights": "random", "input_size": 224})
    layers = ["penultimate", "layer1" if arch == "resnet18" else "_blocks.1"]
    images = torch.rand(5, 3, 40, 40, generator=torch.Generator().manual_seed(0))
    with capture(zoo.model, layers) as taps:
        zoo.logits(images[:2])
    batches = list(models.activations(zoo, images, layers, batch_size=2))
    assert [len(batch["penultimate"]) for batch in batches] == [2, 2, 1]
    assert list(batches[0]) == layers
    for layer in layers:  # the very values a forward pass captures
        assert torch.equal(batches[0][layer], taps[layer])
        assert not batches[0][layer].requires_grad
    whole = next(models.activations(zoo, images, layers, batch_size=5, desc="all"))
    for layer in layers:  # the batching changes nothing but the rounding
        joined = torch.cat([batch[layer] for batch in batches])
        assert torch.allclose(joined, whole[layer], atol=1e-5)
    width = 512 if arch == "resnet18" else 1280
    assert whole["penultimate"].shape == (5, width)
    assert sum(len(m._forward_hooks) + len(m._forward_pre_hooks) for m in zoo.model.modules()) == 0


# The archs added for the nine-family CKA comparison: width of their penultimate layer (the input
# of the last Linear) and the layers a CKA layer list taps, shallow to deep.
NEW_ARCHS = {
    "wide_resnet50_2": (2048, ["layer1", "layer2", "layer3", "layer4"]),
    "resnext50_32x4d": (2048, ["layer1", "layer2", "layer3", "layer4"]),
    "densenet161": (
        2208,
        [
            "features.denseblock1",
            "features.denseblock2",
            "features.denseblock3",
            "features.denseblock4",
        ],
    ),
    "vgg16_bn": (4096, ["features.13", "features.23", "features.33", "features.43"]),
    "shufflenet_v2_x1_0": (1024, ["stage2", "stage3", "stage4", "conv5"]),
}


@pytest.mark.parametrize("arch", sorted(NEW_ARCHS))
def test_new_archs_build_classify_and_expose_their_layers(arch):
    width, layers = NEW_ARCHS[arch]
    spec = {"arch": arch, "weights": "random", "seed": 1, "input_size": 64, "layers": layers}
    zoo = load_model(spec)
    assert models.classifier_layer(zoo.model).in_features == width
    with torch.no_grad(), capture(zoo.model, [*layers, models.PENULTIMATE]) as taps:
        logits = zoo.logits(torch.rand(2, 3, 48, 48))
    assert logits.shape == (2, 1000)
    assert taps[models.PENULTIMATE].shape == (2, width)
    sides = [taps[name].shape[-1] for name in layers]
    assert all(taps[name].shape[0] == 2 for name in layers)
    assert sides == sorted(sides, reverse=True), sides  # shallow to deep


def test_new_arch_torchvision_weights_come_from_the_torch_cache(torch_home):
    official = torchvision.models.ShuffleNet_V2_X1_0_Weights.IMAGENET1K_V1.url
    cached = models.torchvision_cache_file("shufflenet_v2_x1_0")
    assert cached == torch_home / os.path.basename(urlparse(official).path)
    assert cached.name == "shufflenetv2_x1-5666bf0f80.pth"
    reference = load_model({"arch": "shufflenet_v2_x1_0", "weights": "random", "seed": 5}).model
    torch.save(reference.state_dict(), cached)
    # A stand-in, not the official file: its hash does not match the one in its name. torch.hub
    # checks that hash only when it downloads, so a file already in the cache is used as it is.
    with pytest.raises(WeightsError, match="does not start with 5666bf0f80"):
        models._verify(cached, models._hash_prefix(cached.name), "torchvision's published hash")
    zoo = load_model({"arch": "shufflenet_v2_x1_0", "weights": "torchvision"})
    assert zoo.weights_path == cached
    loaded = zoo.model.state_dict()
    assert all(torch.equal(v, loaded[k]) for k, v in reference.state_dict().items())


def _robustness_checkpoint(state_dict: dict) -> dict:
    """A checkpoint as MadryLab's robustness library saves it (AttackerModel wrapped in
    DataParallel): the network, the attacker's copy of it and two input normalisers."""
    mean, std = torch.tensor(models.IMAGENET_MEAN), torch.tensor(models.IMAGENET_STD)
    model = {f"module.model.{k}": v for k, v in state_dict.items()}
    # The attacker's copy is dropped, not loaded: make it differ so the test would see it.
    model |= {f"module.attacker.model.{k}": torch.zeros_like(v) for k, v in state_dict.items()}
    for normaliser in ("module.normalizer", "module.attacker.normalize"):
        model |= {f"{normaliser}.new_mean": mean[:, None, None], f"{normaliser}.new_std": std}
    return {"model": model, "optimizer": {}, "schedule": None, "epoch": 90}


def test_robustness_checkpoints_load_strictly(tmp_path):
    source = load_model({"arch": "resnet18", "weights": "random", "seed": 2}).model
    path = tmp_path / "imagenet_l2_3_0.pt"
    torch.save(_robustness_checkpoint(source.state_dict()), path)
    zoo = load_model({"arch": "resnet18", "weights": f"file:{path}", "input_size": 64})
    assert zoo.weights_path == path
    loaded = zoo.model.state_dict()
    assert all(torch.equal(v, loaded[k]) for k, v in source.state_dict().items())
    images = torch.rand(2, 3, 64, 64)
    with torch.no_grad():
        assert torch.equal(zoo.logits(images), source.eval()(zoo.preprocess(images)))


def test_checkpoint_of_another_arch_names_the_file_and_the_keys(tmp_path):
    source = load_model({"arch": "resnet18", "weights": "random"}).model
    path = tmp_path / "robust_resnet18.pt"
    torch.save(_robustness_checkpoint(source.state_dict()), path)
    with pytest.raises(WeightsError) as error:
        load_model({"arch": "resnet50", "weights": f"file:{path}"})
    message = str(error.value)
    assert str(path) in message and "resnet50" in message
    assert "missing keys (layer1.0.conv3.weight" in message
    assert "shape mismatches" in message
    assert "Error(s) in loading state_dict" not in message  # not load_state_dict's raw text
    plain = tmp_path / "shufflenet.pt"  # a plain state dict: the unexpected keys are named too
    torch.save(
        load_model({"arch": "shufflenet_v2_x1_0", "weights": "random"}).model.state_dict(), plain
    )
    with pytest.raises(WeightsError, match=r"shufflenet\.pt do not fit resnet18.*unexpected keys"):
        load_model({"arch": "resnet18", "weights": f"file:{plain}"})


def test_densenet_files_with_torchvisions_old_key_names_load(tmp_path):
    source = load_model({"arch": "densenet161", "weights": "random", "seed": 3}).model
    # torchvision's own densenet161-8d451a50.pth spells denselayerN.norm1 as denselayerN.norm.1.
    # It also predates BatchNorm's num_batches_tracked buffers.
    old = {
        re.sub(r"(denselayer\d+\.(?:norm|relu|conv))([12])\.", r"\1.\2.", k): v
        for k, v in source.state_dict().items()
        if not k.endswith("num_batches_tracked")
    }
    assert "features.denseblock1.denselayer1.norm.1.weight" in old
    path = tmp_path / "densenet161-8d451a50.pth"
    torch.save(old, path)
    loaded = load_model({"arch": "densenet161", "weights": f"file:{path}"}).model.state_dict()
    assert all(torch.equal(v, loaded[k]) for k, v in source.state_dict().items())
