"""Vectorisation (source article 3): make one model draw another model's picture.

The target is a point in model theta1's output space, ``y = O(a_t, theta1)``, where ``a_t`` is
model theta2's representation of a class (or a real photo). L1 descent on theta1's input from
noise, under the usual priors, then looks for an image theta1 maps to that same point.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from inputgen.models import ZooModel
from inputgen.objectives import VectorTarget
from inputgen.optimize import Result, scaled_random_init
from inputgen.representations import GenerationSettings, run


def l1_distance(
    zoo: ZooModel, images: torch.Tensor, targets: torch.Tensor, batch_size: int
) -> torch.Tensor:
    """``sum_n |y_n - O_n(a, theta1)|`` per image, the quantity vectorisation minimises
    (``y = O(a_t, theta1)`` is simply theta1's logits on the target image, at any size)."""
    return (zoo.batched_logits(images, batch_size) - targets).abs().sum(dim=1)


def vectorise(
    zoo: ZooModel,
    targets: torch.Tensor,
    ids: Sequence[int],
    settings: GenerationSettings,
    seed: int,
) -> tuple[Result, torch.Tensor]:
    """Images whose theta1 outputs approach ``targets`` (N, 1000); each element seeded by its
    id. Returns the result and the start images (for the before/after distance)."""
    if targets.ndim != 2 or len(targets) != len(ids):
        raise ValueError(f"targets must be ({len(ids)}, outputs), got {tuple(targets.shape)}")
    start = scaled_random_init(ids, zoo.spec["input_size"], seed, spread=settings.init_spread)
    objective = VectorTarget("model", targets, p=1)
    result = run({"model": zoo}, objective, ids, settings, seed, init=start, progress="vectorising")
    return result, start
