"""Training and representation accuracy (source article 3): a small CNN trained on MNIST, with
the layer autoencoding of test digits at checkpoints. The source's claim: training rearranges
what a deep layer keeps but does not make its representation of the input more accurate.

The data and the network are :mod:`inputgen.engine.mnist`'s.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd
import torch

from inputgen.engine.mnist import accuracy, build, grey, train

if TYPE_CHECKING:
    from inputgen.engine.optimize import Descent


# ------------------------------------------------------- layer autoencoding while it trains
def steps_per_epoch(images: int, batch_size: int) -> int:
    return -(-images // batch_size)


def checkpoint_steps(fractions: Sequence[float], total: int) -> list[int]:
    """The training steps at the ``fractions`` of ``total`` steps (0: untrained), each once."""
    return sorted({round(f * total) for f in fractions})


@dataclass
class TrainingAutoencoding:
    table: pd.DataFrame  # step, epoch, test_accuracy, layer, digit, m_g, m_i, m_r
    images: torch.Tensor  # (checkpoints, 1 + layers, 3, 28, 28): digit 0, a_g from each layer


def autoencoding_while_training(
    training: tuple[torch.Tensor, torch.Tensor],
    test: tuple[torch.Tensor, torch.Tensor],
    descent: Descent,
    *,
    epochs: int,
    batch_size: int,
    lr: float,
    checkpoints: Sequence[float],
    digits: int,
    layers: Sequence[str],
    reference_std: float,
    seed: int,
    device="cpu",
) -> TrainingAutoencoding:
    """Train :class:`SmallCNN` (seeded ``seed``) on the ``training`` (images, labels) and, at
    each checkpoint (fractions of training, 0: untrained), measure its test accuracy and
    autoencode the first ``digits`` test digits from each layer: ``m_g``, ``m_i`` and ``m_r``
    (of a grey ``a' = a + N(0, reference_std^2)``) per checkpoint, layer and digit, every
    descent from the same grey ``a_0``."""
    from inputgen.engine import reconstruction

    images, labels = training
    test_images, test_labels = test
    targets = grey(test_images[:digits])
    per_epoch = steps_per_epoch(len(images), batch_size)
    steps = checkpoint_steps(checkpoints, epochs * per_epoch)
    model = build(seed).to(device)
    zoo = reconstruction.as_zoo(model, 28).to(device)
    # a grey a' and a grey a_0: the network reads the channel mean, so colour is invisible to it
    shift = grey(reconstruction.shifted(test_images[:digits], reference_std, seed))
    start = grey(reconstruction.start_images((1, 28, 28), range(digits), seed))
    rows, grid = [], []
    for step in train(
        model, images, labels, epochs=epochs, batch_size=batch_size, lr=lr,
        checkpoints=steps, seed=seed,
    ):  # fmt: skip
        test_accuracy = accuracy(model, test_images, test_labels)
        m_r = reconstruction.output_distances(zoo, targets, shift, layers)
        grid.append([targets[0]])
        for layer in layers:
            result = reconstruction.reconstruct(
                zoo, targets, layer, descent, init=start, seed=seed,
                progress=f"step {step} {layer}",
            )  # fmt: skip
            grid[-1].append(result.images[0])
            for d in range(digits):
                rows.append(
                    {
                        "step": step,
                        "epoch": step / per_epoch,
                        "test_accuracy": test_accuracy,
                        "layer": layer,
                        "digit": d,
                        "m_g": float(result.m_g[-1, d]),
                        "m_i": float(result.m_i[-1, d]),
                        "m_r": float(m_r[layer][d]),
                    }
                )
    return TrainingAutoencoding(pd.DataFrame(rows), torch.stack([torch.stack(row) for row in grid]))
