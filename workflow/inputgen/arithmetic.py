"""Vector arithmetic in a model's output space, done on the input (source articles 1 and 2):
transfiguration of real photos toward a class, linear interpolation between two classes over
the steps (husky -> dalmatian), and vector addition (merging) of two classes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import torch
from torch.nn import functional as F

from inputgen.models import ZooModel
from inputgen.objectives import LogitInterpolation, LogitTarget
from inputgen.optimize import Result
from inputgen.representations import GenerationSettings, run


def pair_ids(first: Sequence[int], second: Sequence[int]) -> list[int]:
    """One seed id per (first, second) pair: distinct for distinct pairs."""
    return [int(a) * 1000 + int(b) for a, b in zip(first, second, strict=True)]


def transfigure(
    zoo: ZooModel,
    photos: torch.Tensor,
    targets: Sequence[int],
    settings: GenerationSettings,
    seed: int,
    photo_ids: Sequence[int],
    frames: int = 0,
) -> Result:
    """Start from real photos (one per element) and drive each toward its target class."""
    size = zoo.spec["input_size"]
    start = F.interpolate(
        photos, size=(size, size), mode="bilinear", antialias=True, align_corners=False
    ).clamp(0, 1)
    objective = LogitTarget("model", targets, settings.constant)
    # No octaves: shrinking the photo to a fraction of its size would erase what it shows.
    return run(
        {"model": zoo},
        objective,
        pair_ids(photo_ids, targets),
        replace(settings, octaves=(1.0,)),
        seed,
        init=start,
        frames=frames,
        progress="transfiguration",
    )


def interpolate(
    zoo: ZooModel,
    starts: Sequence[int],
    ends: Sequence[int],
    settings: GenerationSettings,
    seed: int,
    frames: int,
) -> Result:
    """The target moves linearly from class ``start`` to class ``end`` over the steps."""
    objective = LogitInterpolation("model", starts, ends, settings.constant)
    return run(
        {"model": zoo},
        objective,
        pair_ids(starts, ends),
        # No octaves: frames at a fraction of the size would mix resolution into the schedule.
        replace(settings, octaves=(1.0,)),
        seed,
        frames=frames,
        progress="interpolation",
    )


def add(
    zoo: ZooModel,
    firsts: Sequence[int],
    seconds: Sequence[int],
    settings: GenerationSettings,
    seed: int,
) -> Result:
    """Both class targets at once: ``|C - O_a(a)| + |C - O_b(a)|`` (merging)."""
    objective = LogitTarget("model", firsts, settings.constant) + LogitTarget(
        "model", seconds, settings.constant
    )
    return run(
        {"model": zoo},
        objective,
        pair_ids(firsts, seconds),
        settings,
        seed,
        progress="vector addition",
    )
