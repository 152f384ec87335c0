"""Two-model objectives (source article 3): the combined and the difference gradients of two
models' logits toward a class, and how each model sees the images."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd
import torch

from inputgen.engine.generation import run
from inputgen.engine.generation_settings import GenerationSettings
from inputgen.engine.models import ZooModel
from inputgen.engine.objectives import LogitTarget
from inputgen.engine.optimize import Result


def pair(
    first: ZooModel,
    second: ZooModel,
    classes: Sequence[int],
    operation: str,
    weights: tuple[float, float],
    settings: GenerationSettings,
    seed: int,
) -> Result:
    """Two models at once (source article 3): the combined objective
    ``d (C - O_c(a; theta1)) + e (C - O_c(a; theta2))`` (g') for ``+``, and the difference
    ``d (C - O_c(a; theta1)) - e (C - O_c(a; theta2))`` (g'') for ``-``, which raises the first
    model's logit and lowers the second's. The terms are signed, as in the article: with
    ``|C - O|`` the difference would reward raising O2 once it passed C."""
    d, e = weights
    one = LogitTarget("first", classes, settings.constant, absolute=False)
    two = LogitTarget("second", classes, settings.constant, absolute=False)
    if operation not in ("+", "-"):
        raise ValueError(f"operation must be + or -, got {operation!r}")
    objective = d * one + e * two if operation == "+" else d * one - e * two
    models = {"first": first, "second": second}
    return run(models, objective, classes, settings, seed, progress=f"pair {operation}")


def pair_table(
    classes: Sequence[int],
    logits: Mapping[str, torch.Tensor],
    combined: torch.Tensor,
    names: Sequence[str],
) -> pd.DataFrame:
    """Per class: each model's top-1 and target probability, and the top-1 of the pair's own
    combination of logits (``d O1 + e O2`` or ``d O1 - e O2``)."""
    target = torch.as_tensor(list(classes))
    table = pd.DataFrame({"class": target.tolist(), "name": [names[c] for c in target]})
    for label, values in [*logits.items(), ("pair", combined)]:
        probabilities = values.softmax(dim=1)
        top1 = values.argmax(dim=1)
        table[f"{label}_top1"] = top1.tolist()
        table[f"{label}_top1_name"] = [names[c] for c in top1.tolist()]
        chosen = probabilities.gather(1, target[:, None])[:, 0]
        table[f"{label}_target_prob"] = [round(v, 4) for v in chosen.tolist()]
        table[f"{label}_recognised"] = (top1 == target).int().tolist()
    return table


def pair_combination(
    first: torch.Tensor, second: torch.Tensor, operation: str, weights: Sequence[float]
) -> torch.Tensor:
    """The pair's own logits: ``d O1 + e O2`` for ``+``, ``d O1 - e O2`` for ``-``."""
    if operation not in ("+", "-"):
        raise ValueError(f"operation must be + or -, got {operation!r}")
    d, e = weights
    sign = 1 if operation == "+" else -1
    return d * first + sign * e * second
