"""Random starts (source article 1): several starts per class, each seeded as its own element,
and how the model sees each."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from inputgen.engine.generation import class_term, run
from inputgen.engine.generation_settings import GenerationSettings
from inputgen.engine.models import ZooModel
from inputgen.engine.optimize import Result

# Start k of class c is element c + START_STRIDE * k: start 0 is the class representation.
START_STRIDE = 1000


def random_starts(
    zoo: ZooModel, classes: Sequence[int], starts: int, settings: GenerationSettings, seed: int
) -> tuple[Result, list[tuple[int, int]]]:
    """``starts`` images of each class from different random starts (source article 1: "for
    around half of our 16 random inputs we get a recognizable lion face"). Returns the result
    and each element's (class, start), class by class."""
    if starts < 1:
        raise ValueError(f"starts must be >= 1, got {starts}")
    elements = [(c, k) for c in classes for k in range(starts)]
    ids = [c + START_STRIDE * k for c, k in elements]
    objective = class_term(settings, "model", [c for c, _ in elements])
    result = run({"model": zoo}, objective, ids, settings, seed, progress="random starts")
    return result, elements


def starts_table(
    elements: Sequence[tuple[int, int]], seen: pd.DataFrame, names: Sequence[str]
) -> pd.DataFrame:
    """Per random start (``elements``: (class, start), as ``random_starts`` returns them):
    what the model sees (``seen``: ``recognition`` against the classes)."""
    targets = [c for c, _ in elements]
    return pd.DataFrame(
        {
            "class": targets,
            "name": [names[c] for c in targets],
            "start": [k for _, k in elements],
            "top1_name": [names[c] for c in seen["top1"]],
            "top1_prob": seen["top1_prob"].round(4),
            "self_top1": (seen["top1"] == seen["class"]).astype(int),
        }
    )
