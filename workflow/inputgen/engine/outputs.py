"""Output vectors: a model's logits on images, the file that holds them, and the correlation
distance of two output vectors (what the output-space, vectorisation and merging studies
compare)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

# The table-only stages read outputs files: torch (and torchvision, with models) only where a
# model runs.
if TYPE_CHECKING:
    import torch

    from inputgen.engine.models import ZooModel


def output_vectors(zoo: ZooModel, images: torch.Tensor, batch_size: int) -> torch.Tensor:
    """``O(a_c, e)``: the evaluator's (C, 1000) float32 logits on each generated image."""
    import torch

    if images.ndim != 4 or images.shape[1] != 3:
        raise ValueError(f"images must be (N, 3, H, W), got {tuple(images.shape)}")
    if not torch.isfinite(images).all():
        raise ValueError("images hold NaN or infinite values")
    return zoo.batched_logits(images, batch_size, desc="output vectors").float()


def correlation_distance(a, b) -> np.ndarray:
    """Per row, 1 - the Pearson correlation of two output vectors: blind to the shift and
    scale of logits (which softmax and calibration leave free), so it compares what two
    outputs rank high."""
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    a = a - a.mean(axis=1, keepdims=True)
    b = b - b.mean(axis=1, keepdims=True)
    norms = np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1)
    return 1 - (a * b).sum(axis=1) / np.maximum(norms, 1e-12)


def read_outputs(path: str) -> tuple[np.ndarray, list[int], dict]:
    """An outputs file (the outputs stage's): the (classes, outputs) float64 matrix, its
    classes, its metadata."""
    from inputgen.platform import artifacts

    tensors, metadata = artifacts.load_tensors(path, framework="numpy")  # tables need no torch
    return tensors["outputs"].astype(np.float64), tensors["classes"].tolist(), metadata
