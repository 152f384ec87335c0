"""The library's entry points (inputgen.api): any nn.Module, classes by name, CKA tables."""

from __future__ import annotations

import inputgen
import pytest
import torch
import torchvision
from inputgen.engine import cka as cka_study


@pytest.fixture(scope="module")
def ten_classes():
    """A small classifier of one's own: ResNet18 with 10 outputs and its own label set."""
    with torch.random.fork_rng():  # its initialisation draws from the global generator
        torch.manual_seed(0)
        module = torchvision.models.resnet18(num_classes=10)
    names = [f"shape {i}" for i in range(10)]
    return inputgen.wrap(module, input_size=64, class_names=names)


def test_class_images_of_a_plain_module_by_name_are_its_classes_in_eight_steps():
    """EfficientNet-Lite0's bare module, wrapped with its own normalisation: the default recipe
    draws a goldfinch and a lion that the model takes for them, from classes by name."""
    from inputgen.engine.models import LITE_MEAN, LITE_STD

    module = inputgen.load("efficientnet_lite0").model
    images = inputgen.class_images(module, ["Goldfinch", 291], steps=8, mean=LITE_MEAN,
                                   std=LITE_STD)  # fmt: skip
    assert images.shape == (2, 3, 224, 224) and 0 <= images.min() and images.max() <= 1
    assert images.std() > 0.15  # an image, not the old defaults' grey perturbation (std 0.08)
    zoo = inputgen.wrap(module, mean=LITE_MEAN, std=LITE_STD)
    assert zoo.logits(images).argmax(1).tolist() == [11, 291]


def test_a_model_of_ten_classes_with_its_own_labels(ten_classes):
    images = inputgen.class_images(ten_classes, ["Shape 3", 7], steps=2)
    assert images.shape == (2, 3, 64, 64)
    again = inputgen.class_images(ten_classes, [3, "shape 7"], steps=2)
    torch.testing.assert_close(again, images)  # by name or index, seeded: the same images
    other = inputgen.class_images(ten_classes, [3, 7], steps=2, seed=1)
    assert not torch.allclose(other, images)


def test_class_names_and_indices_are_checked_against_the_models_own_outputs(ten_classes):
    with pytest.raises(KeyError, match="no class named 'shape 30'.*did you mean shape 3"):
        inputgen.class_images(ten_classes, ["shape 30"], steps=1)
    with pytest.raises(ValueError, match="class 10 is outside the model's 10 outputs"):
        inputgen.class_images(ten_classes, [10], steps=1)
    with pytest.raises(TypeError, match="expected a torch.nn.Module"):
        inputgen.wrap(object())


def test_a_plain_module_takes_imagenet_normalisation_by_default():
    module = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.LazyLinear(1000))
    module(torch.zeros(1, 3, 32, 32))
    zoo = inputgen.wrap(module, input_size=32)
    assert zoo.class_names[11] == "goldfinch"
    torch.testing.assert_close(zoo.preprocess.mean.flatten(), torch.tensor([0.485, 0.456, 0.406]))
    assert not module.training


def test_compare_is_the_minibatch_or_exact_cka_of_the_layers(ten_classes):
    images = torch.rand(24, 3, 64, 64, generator=torch.Generator().manual_seed(0))
    layers = ["layer3", "penultimate"]
    table = inputgen.compare(ten_classes, ten_classes, images, layers, batch_size=8)
    assert list(table.index) == layers and list(table.columns) == layers
    assert table.loc["layer3", "layer3"] == pytest.approx(1.0)
    assert table.loc["layer3", "penultimate"] == pytest.approx(table.loc["penultimate", "layer3"])
    exact = inputgen.compare(ten_classes, ten_classes, images, ["penultimate"], exact=True)
    from inputgen.engine.models import activations

    (features,) = activations(ten_classes, images, ["penultimate"], 24)
    with torch.random.fork_rng():
        torch.manual_seed(1)
        other = torchvision.models.resnet18(num_classes=10)
    mixed = inputgen.compare(ten_classes, other, images, ["penultimate"], exact=True,
                             input_size=64)  # fmt: skip
    (theirs,) = activations(inputgen.wrap(other, input_size=64), images, ["penultimate"], 24)
    expected = cka_study.linear_cka(features["penultimate"], theirs["penultimate"])
    assert mixed.iloc[0, 0] == pytest.approx(expected, abs=1e-6)
    assert exact.iloc[0, 0] == pytest.approx(1.0)


def test_a_dataloader_of_image_label_batches_streams_like_the_tensor(ten_classes):
    images = torch.rand(16, 3, 64, 64, generator=torch.Generator().manual_seed(1))
    labels = torch.zeros(16, dtype=torch.long)
    loader = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(images, labels), batch_size=8
    )
    streamed = inputgen.compare(ten_classes, ten_classes, loader, ["layer2", "layer4"])
    whole = inputgen.compare(ten_classes, ten_classes, images, ["layer2", "layer4"], batch_size=8)
    assert streamed.equals(whole)


def test_an_unknown_setting_is_named_with_the_known_ones(ten_classes):
    with pytest.raises(TypeError, match=r"unknown generation settings \['step'\]; known: .*steps"):
        inputgen.class_images(ten_classes, [1], step=3)
