"""How differently models see the same images (source article 2): per class, the correlation and
Euclidean distances of two models' output vectors, and whether their top-1 agree."""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from inputgen.engine.outputs import correlation_distance


def compare(
    first: np.ndarray, second: np.ndarray, classes: Sequence[int], names: Sequence[str]
) -> pd.DataFrame:
    """Per class, how far two models' output vectors on the same image lie apart.

    ``correlation_distance`` (see :func:`correlation_distance`), ``euclidean`` the raw
    distance of the logits, ``agree`` whether the two top-1 classes match."""
    first, second = np.asarray(first, np.float64), np.asarray(second, np.float64)
    if first.shape != second.shape or len(first) != len(classes):
        raise ValueError(
            f"output matrices {first.shape} and {second.shape} for {len(classes)} classes"
        )
    top_first, top_second = first.argmax(axis=1), second.argmax(axis=1)
    return pd.DataFrame(
        {
            "class": list(classes),
            "name": [names[c] for c in classes],
            "correlation_distance": correlation_distance(first, second).round(6),
            "euclidean": np.linalg.norm(first - second, axis=1).round(4),
            "top1_a": [names[i] for i in top_first],
            "top1_b": [names[i] for i in top_second],
            "agree": top_first == top_second,
        }
    )


def compare_models(
    outputs: Mapping[str, tuple[np.ndarray, Sequence[int]]], names: Sequence[str]
) -> pd.DataFrame:
    """:func:`compare` for every pair of models (name -> (output matrix, its classes)), in the
    order given, led by the pair's names. All models must have rated the same classes."""
    if len(outputs) < 2:
        raise ValueError(f"compare needs at least two evaluators' outputs, got {list(outputs)}")
    tables = []
    for a, b in itertools.combinations(outputs, 2):
        (first, classes), (second, other) = outputs[a], outputs[b]
        if list(classes) != list(other):
            raise ValueError(f"{a} and {b} rated different classes: {classes} vs {other}")
        tables.append(compare(first, second, classes, names).assign(model_a=a, model_b=b))
    table = pd.concat(tables, ignore_index=True)
    return table[["model_a", "model_b", *table.columns[:-2]]]
