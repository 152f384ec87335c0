"""Reconstruction of an input from a layer's output (source article 3's layer autoencoding, the
descent every depth study runs): a target image ``a`` gives the layer output ``O(a)``; gradient
descent on an input from ``a_0 = N(0.7, 1/20)`` (mean, standard deviation) minimises
``|O(a) - O(a_n)|_1`` under the blur prior, and the forward pass is the encoder, the descent the
decoder. Per iteration:

* ``m_g = |O(a) - O(a_g)|_2``: how well the descent matches the layer's output;
* ``m_i = |a - a_g|_2``: how close the input it found is to the target;
* ``m_r = |O(a) - O(a')|_2`` with ``a' = a + N(0, 1/25)``: the output distance of a nearly
  invisible shift, the reference for "small" in that layer.

The same function inverts small nets (fully connected, the MNIST CNN, the flowers CNN) wrapped
as zoo models (:func:`as_zoo`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch
from torch import nn

from inputgen.engine.models import Preprocess, ZooModel, activations
from inputgen.engine.objectives import ReconstructionMetrics, VectorTarget
from inputgen.engine.optimize import Descent, element_generators, optimize
from inputgen.platform.config import schema_defaults

INIT_MEAN, INIT_STD = 0.7, 1 / 20  # the source's a_0


REFERENCE_STD = schema_defaults("autoencoding")["reference_std"]  # the source's 1/25


@dataclass
class Reconstruction:
    images: torch.Tensor  # (B, 3, H, W) a_g after all steps
    m_g: torch.Tensor  # (steps + 1, B): row n is after n steps
    m_i: torch.Tensor  # (steps + 1, B)


def start_images(
    shape: Sequence[int], ids: Sequence[int], seed: int, mean=INIT_MEAN, std=INIT_STD
) -> torch.Tensor:
    """``N(mean, std^2)`` per element (C, H, W), seeded by element id."""
    generators = element_generators(seed, ids, "autoencoding-init")
    return torch.stack([torch.randn(*shape, generator=g) * std + mean for g in generators])


@torch.no_grad()
def layer_outputs(zoo: ZooModel, images: torch.Tensor, layers: Sequence[str | None]) -> dict:
    """{layer: output} of all images in one batch (``None``: the model's output), on the
    model's device."""
    named = [layer for layer in layers if layer is not None]
    outputs = next(activations(zoo, images, named, max(len(images), 1))) if named else {}
    if None in layers:  # the model's output is no layer the reader taps: its own forward pass
        outputs[None] = zoo.logits(images.to(zoo.preprocess.mean.device))
    return {layer: outputs[layer] for layer in layers}


def shifted(images: torch.Tensor, std: float = REFERENCE_STD, seed: int = 0) -> torch.Tensor:
    """The reference ``a' = a + N(0, std^2)``, a nearly invisible shift (not clamped, as in the
    source)."""
    generator = torch.Generator().manual_seed(seed)
    return images + torch.randn(images.shape, generator=generator, dtype=images.dtype) * std


def output_distances(
    zoo: ZooModel, images: torch.Tensor, others: torch.Tensor, layers: Sequence[str | None]
) -> dict:
    """{layer: |O(images) - O(others)|_2 (B,)}."""
    first = layer_outputs(zoo, images, layers)
    second = layer_outputs(zoo, others, layers)
    return {layer: (second[layer] - first[layer]).flatten(1).norm(dim=1).cpu() for layer in layers}


def reference_distances(
    zoo: ZooModel,
    images: torch.Tensor,
    layers: Sequence[str | None],
    *,
    std: float = REFERENCE_STD,
    seed: int = 0,
) -> dict:
    """{layer: m_r (B,)} for one shifted copy ``a'`` shared by all layers."""
    return output_distances(zoo, images, shifted(images, std, seed), layers)


def reconstruct(
    zoo: ZooModel,
    targets: torch.Tensor,
    layer: str | None,
    descent: Descent,
    *,
    init: torch.Tensor | None = None,
    ids: Sequence[int] | None = None,
    seed: int = 0,
    progress: str | None = "autoencoding",
) -> Reconstruction:
    """Invert the targets' (B, 3, H, W) output at ``layer`` (``None``: the model's output) by
    L1 descent on the input from ``init`` (default: ``start_images``); ``m_g`` and ``m_i`` for
    every iteration, the last included. The source's descent takes normalised steps
    (``Descent(rule="normalized", ...)``) under the blur prior."""
    ids = list(range(len(targets))) if ids is None else list(ids)
    wanted = layer_outputs(zoo, targets, [layer])[layer]
    objective = VectorTarget("model", wanted, layer=layer, p=1) + ReconstructionMetrics(
        "model", wanted, targets, layer=layer
    )
    if init is None:
        init = start_images(targets.shape[1:], ids, seed)
    result = optimize(
        {"model": zoo},
        objective,
        init,
        descent,
        ids=ids,
        seed=seed,
        progress=progress,
    )
    final = layer_outputs(zoo, result.images, [layer])[layer].cpu()
    m_g = torch.cat([result.history["m_g"], (final - wanted.cpu()).flatten(1).norm(dim=1)[None]])
    m_i = torch.cat([result.history["m_i"], (result.images - targets).flatten(1).norm(dim=1)[None]])
    return Reconstruction(result.images, m_g, m_i)


def as_zoo(net: nn.Module, size: int) -> ZooModel:
    """A network on flattened (3, size, size) images as a zoo model: identity preprocessing,
    its output in place of logits."""
    return ZooModel(
        spec={"arch": "mlp", "weights": "random", "input_size": size},
        model=net,
        preprocess=Preprocess((0.0, 0.0, 0.0), (1.0, 1.0, 1.0), size),
        class_names=(),
    )
