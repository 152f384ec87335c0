import shutil

import pytest
import torch
import yaml
from conftest import CAT_CLASSES, REPO
from inputgen import models
from inputgen.models import WeightsError, capture, load_model, resolve_spec

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


def test_every_arch_builds_and_maps_its_input_size_to_1000_logits():
    for arch, info in models.ARCHS.items():
        zoo = load_model({"arch": arch, "weights": "random"})
        assert zoo.preprocess.input_size == info.input_size
        logits = zoo.logits(torch.rand(1, 3, 64, 80))  # any size: preprocessing resizes
        assert logits.shape == (1, 1000), arch


def test_schema_lists_exactly_the_zoo_archs():
    schema = yaml.safe_load((REPO / "workflow/schemas/config.schema.yaml").read_text())
    assert set(schema["$defs"]["model"]["properties"]["arch"]["enum"]) == set(models.ARCHS)


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
