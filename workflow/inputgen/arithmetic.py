"""Vector arithmetic in a model's output space, done on the input (source articles 1 and 2):
transfiguration of real photos toward a class, linear interpolation between two classes over
the steps (husky -> dalmatian), and vector addition (merging) of two classes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import torch
from torch.nn import functional as F

from inputgen.models import ZooModel
from inputgen.objectives import LogitInterpolation, LogitRecord, LogitTarget
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
    start_classes: Sequence[int] | None = None,
) -> Result:
    """Start from real photos (one per element) and drive each toward its target class.
    ``start_classes`` (one per element, e.g. the photo's top-1) are tracked: their logit per
    step is ``history["logit:start"]``, next to the target's ``history["logit:model"]``."""
    start = fit_to_model(zoo, photos)
    objective = LogitTarget("model", targets, settings.constant)
    if start_classes is not None:
        objective = objective + LogitRecord("model", start_classes, "logit:start")
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
    photos: torch.Tensor | None = None,
) -> Result:
    """The target moves linearly from class ``start`` to class ``end`` over the steps, from the
    scaled random start or, as in source article 1, from a photo (one per element)."""
    objective = LogitInterpolation("model", starts, ends, settings.constant)
    return run(
        {"model": zoo},
        objective,
        pair_ids(starts, ends),
        # No octaves: frames at a fraction of the size would mix resolution into the schedule.
        replace(settings, octaves=(1.0,)),
        seed,
        init=None if photos is None else fit_to_model(zoo, photos),
        frames=frames,
        progress="interpolation",
    )


def fit_to_model(zoo: ZooModel, photos: torch.Tensor) -> torch.Tensor:
    """Photos resized (antialiased) to the model's input size: the start of a descent."""
    size = zoo.spec["input_size"]
    return F.interpolate(
        photos, size=(size, size), mode="bilinear", antialias=True, align_corners=False
    ).clamp(0, 1)


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
