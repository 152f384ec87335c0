"""Reading generated images back: gathered chunks, and chosen classes of a representations file.

A stage records the files it reads (:class:`inputgen.platform.stage.Job` does, for every declared
input); these only read them."""

from __future__ import annotations

import os
from collections.abc import Sequence

import torch

from inputgen.platform import artifacts


def load_generated(paths: Sequence[str | os.PathLike]) -> tuple[torch.Tensor, torch.Tensor]:
    """The images and classes of several generated files (chunks), concatenated in order."""
    images, classes = [], []
    for path in paths:
        tensors, _ = artifacts.load_tensors(path)
        images.append(tensors["images"])
        classes.append(tensors["classes"])
    return torch.cat(images), torch.cat(classes)


def select_classes(path: str | os.PathLike, classes: Sequence[int]) -> torch.Tensor:
    """The images of ``classes`` from a class-representations file, in that order."""
    tensors, _ = artifacts.load_tensors(path)
    have = tensors["classes"].tolist()
    missing = [c for c in classes if c not in have]
    if missing:
        raise KeyError(f"classes {missing} are not in {path}; it has {have}")
    return tensors["images"][[have.index(c) for c in classes]]
