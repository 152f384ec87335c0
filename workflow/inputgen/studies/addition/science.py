"""Vector addition (source articles 1 and 2): the sum of two classes' logits as the objective,
and how the generator and the other models see the results."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd
import torch

from inputgen.engine.generation import (
    class_term,
    pair_ids,
    recognised,
    run,
)
from inputgen.engine.generation_settings import GenerationSettings
from inputgen.engine.models import ZooModel
from inputgen.engine.optimize import Result


def add(
    zoo: ZooModel,
    firsts: Sequence[int],
    seconds: Sequence[int],
    settings: GenerationSettings,
    seed: int,
) -> Result:
    """Both class targets at once: ``|C - O_a(a)| + |C - O_b(a)|`` (merging; or the sum of
    another class objective)."""
    objective = class_term(settings, "model", firsts) + class_term(settings, "model", seconds)
    return run(
        {"model": zoo},
        objective,
        pair_ids(firsts, seconds),
        settings,
        seed,
        progress="vector addition",
    )


def addition_table(
    firsts: Sequence[int],
    seconds: Sequence[int],
    logits: torch.Tensor,
    names: Sequence[str],
    seen: Mapping[str, pd.DataFrame],
) -> pd.DataFrame:
    """Per added image: both classes (index, name), the generator's probability of each
    (from its ``logits``), its top-1 name, then whether each model's top-5 holds each class
    and the other models' top-1 names (``addition_columns``; ``seen`` maps ``self``, the
    generator, and every other model to its recognition against the first classes)."""
    probabilities = logits.softmax(dim=1)
    rows = range(len(firsts))
    table = pd.DataFrame(
        {
            "first": list(firsts),
            "first_name": [names[c] for c in firsts],
            "second": list(seconds),
            "second_name": [names[c] for c in seconds],
            "first_prob": [
                round(float(probabilities[i, c]), 4) for i, c in zip(rows, firsts, strict=True)
            ],
            "second_prob": [
                round(float(probabilities[i, c]), 4) for i, c in zip(rows, seconds, strict=True)
            ],
            "top1_name": [names[int(c)] for c in logits.argmax(dim=1)],
        }
    )
    views = addition_columns(seen, seconds, names)
    # The generator's top-1 name is the table's top1_name.
    return pd.concat([table, views.drop(columns="self_top1_name", errors="ignore")], axis=1)


def addition_columns(
    seen: Mapping[str, pd.DataFrame], seconds: Sequence[int], names: Sequence[str]
) -> pd.DataFrame:
    """Per added image and model: its top-1 name, and whether its top-5 holds the first class
    and the second (0/1). ``seen`` is each model's ``recognition`` against the first classes."""
    columns = {}
    for model, view in seen.items():
        columns[f"{model}_top1_name"] = [names[int(c)] for c in view["top1"]]
        columns[f"{model}_top5_first"] = recognised(view)["top5"].to_numpy()
        columns[f"{model}_top5_second"] = [
            int(c in row) for c, row in zip(seconds, view["top5"], strict=True)
        ]
    return pd.DataFrame(columns)
