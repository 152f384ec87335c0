"""A classifier of one's own, as a researcher's package would hold it (tests/test_own_models.py):
a small CNN of ``num_classes`` outputs, built by a factory the config names as
``python:shapes_net:build``."""

from torch import nn


def build(num_classes: int = 10, width: int = 8) -> nn.Module:
    return nn.Sequential(
        nn.Conv2d(3, width, 5, stride=2),
        nn.ReLU(),
        nn.Conv2d(width, 2 * width, 3, stride=2),
        nn.ReLU(),
        nn.AdaptiveAvgPool2d(1),
        nn.Flatten(),
        nn.Linear(2 * width, num_classes),
    )


def not_a_module():
    return "a string"
