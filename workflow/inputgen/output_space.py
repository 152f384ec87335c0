"""The output space as a latent space (source article 2): output vectors, PCA, and how two
models' outputs on the same images compare."""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import torch

if TYPE_CHECKING:  # importing inputgen.engine.models pulls in torchvision: seconds per light job
    from inputgen.engine.models import ZooModel


def output_vectors(zoo: ZooModel, images: torch.Tensor, batch_size: int) -> torch.Tensor:
    """``O(a_c, e)``: the evaluator's (C, 1000) float32 logits on each generated image."""
    if images.ndim != 4 or images.shape[1] != 3:
        raise ValueError(f"images must be (N, 3, H, W), got {tuple(images.shape)}")
    if not torch.isfinite(images).all():
        raise ValueError("images hold NaN or infinite values")
    return zoo.batched_logits(images, batch_size, desc="output vectors").float()


def pca(outputs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """2-D PCA coordinates of the class points and the explained-variance ratio of every
    component (it sums to 1: the source's point is how little the first two carry)."""
    from sklearn.decomposition import PCA

    outputs = np.asarray(outputs, dtype=np.float64)
    if outputs.ndim != 2 or len(outputs) < 2:
        raise ValueError(f"PCA needs a (classes >= 2, outputs) matrix, got {outputs.shape}")
    model = PCA(svd_solver="full").fit(outputs)
    coordinates = model.transform(outputs)
    if coordinates.shape[1] < 2:  # two classes span one component: pad the second axis
        coordinates = np.pad(coordinates, ((0, 0), (0, 2 - coordinates.shape[1])))
    return coordinates[:, :2], model.explained_variance_ratio_


def correlation_distance(a, b) -> np.ndarray:
    """Per row, 1 - the Pearson correlation of two output vectors: blind to the shift and
    scale of logits (which softmax and calibration leave free), so it compares what two
    outputs rank high."""
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    a = a - a.mean(axis=1, keepdims=True)
    b = b - b.mean(axis=1, keepdims=True)
    norms = np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1)
    return 1 - (a * b).sum(axis=1) / np.maximum(norms, 1e-12)


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


def pca_table(ratios: np.ndarray) -> pd.DataFrame:
    """Each principal component's explained-variance ratio and the cumulative sum."""
    ratios = np.asarray(ratios)
    return pd.DataFrame(
        {
            "component": range(1, len(ratios) + 1),
            "explained_variance_ratio": ratios.round(8),
            "cumulative": ratios.cumsum().round(8),
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
