"""Representation-inversion datasets (Ilyas et al. 2019; Jones et al., UAI 2022; source 4).

Pairs (seed, target) of natural images from different source photos and with different labels
(the photo set's true labels when it has them, an ImageFolder's; else the model's top-1);
starting from the seed, descend on the relative L2 distance between the model's penultimate
representation (the input of its output layer) and the target's, with L2-normalised momentum
steps, projection onto [0, 1] and the best iterate kept. The result keeps what the model uses of
the target and randomises the rest, which removes the correlated-feature confound from CKA.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from inputgen.models import PENULTIMATE, ZooModel, capture
from inputgen.objectives import VectorTarget
from inputgen.optimize import Result, optimize


def _counts(keys: torch.Tensor) -> torch.Tensor:
    """How many entries share each entry's key (rows of ``keys`` when 2-D)."""
    _, inverse, counts = keys.unique(dim=0, return_inverse=True, return_counts=True)
    return counts[inverse]


def sample_pairs(
    labels: Sequence[int], sources: Sequence[int], count: int, seed: int
) -> tuple[list[int], list[int]]:
    """``count`` distinct (seed, target) index pairs of images that come from different source
    photos and have different labels (Jones et al.: pairs of different classes; crops of one
    photo would share its content).

    Seeds walk a seeded permutation of the images, round after round, skipping an image once it
    has no unused valid target; each seed's targets are a seeded permutation of its valid
    partners, taken in order. Draws come only from a ``torch.Generator`` seeded with ``seed``,
    lazily, so the first k pairs are the same for any ``count`` >= k. Raises ValueError when
    fewer than ``count`` valid pairs exist.
    """
    labels = torch.as_tensor(labels, dtype=torch.int64)
    sources = torch.as_tensor(sources, dtype=torch.int64)
    if labels.ndim != 1 or labels.shape != sources.shape:
        raise ValueError(
            f"labels {tuple(labels.shape)} and sources {tuple(sources.shape)}: one of each image"
        )
    if len(sources.unique()) < 2:
        raise ValueError(
            "inversion pairs need images from at least two different source photos; "
            f"all {len(sources)} come from one (use more photos or a larger ImageFolder)"
        )
    if len(labels.unique()) < 2:
        raise ValueError(
            f"inversion pairs need images of at least two different labels; all {len(labels)} "
            f"have label {int(labels[0])}"
        )
    # valid partners of i: all - same label - same source + same (label, source)
    partners = (
        len(labels)
        - _counts(labels)
        - _counts(sources)
        + _counts(torch.stack([labels, sources], dim=1))
    )
    available = int(partners.sum())
    if available < count:
        raise ValueError(
            f"only {available} (seed, target) pairs with different source photos and different "
            f"labels exist among {len(labels)} images from {len(sources.unique())} photos; "
            f"{count} were asked for (ask for fewer pairs, or use more photos or crops)"
        )
    generator = torch.Generator().manual_seed(seed)
    order = torch.randperm(len(labels), generator=generator).tolist()
    shuffled: dict[int, list[int]] = {}  # each seed's valid targets, in seeded order
    used = [0] * len(labels)
    seeds, targets = [], []
    position = 0
    while len(seeds) < count:
        s = order[position % len(order)]
        position += 1
        if used[s] >= int(partners[s]):
            continue
        if s not in shuffled:
            valid = ((labels != labels[s]) & (sources != sources[s])).nonzero()[:, 0]
            shuffled[s] = valid[torch.randperm(len(valid), generator=generator)].tolist()
        seeds.append(s)
        targets.append(shuffled[s][used[s]])
        used[s] += 1
    return seeds, targets


@torch.no_grad()
def representations(zoo: ZooModel, images: torch.Tensor, batch_size: int) -> torch.Tensor:
    """The penultimate representation (N, D) of each image, on the CPU."""
    device = zoo.preprocess.mean.device
    parts = []
    for chunk in torch.split(images, batch_size):
        with capture(zoo.model, [PENULTIMATE]) as taps:
            zoo.logits(chunk.to(device))
        parts.append(taps[PENULTIMATE].float().cpu())
    return torch.cat(parts)


def relative_distance(zoo: ZooModel, images, targets: torch.Tensor, batch_size: int):
    """``|Rep(a) - Rep(t)|_2 / |Rep(t)|_2`` per image, for target representations ``targets``."""
    reps = representations(zoo, images, batch_size)
    return (reps - targets).norm(dim=1) / targets.norm(dim=1).clamp_min(1e-12)


def invert(
    zoo: ZooModel,
    seeds: torch.Tensor,
    targets: torch.Tensor,
    *,
    steps: int,
    step_size: float = 1 / 8,
    momentum: float = 0.9,
    ids: Sequence[int],
    seed: int = 0,
) -> Result:
    """Invert the targets' penultimate representations from the seed images (both (N,3,H,W)
    in [0, 1] at the model's input size); ``history["best_loss"]`` is the kept iterate's
    relative distance."""
    if seeds.shape != targets.shape:
        raise ValueError(f"seeds {tuple(seeds.shape)} and targets {tuple(targets.shape)} differ")
    wanted = representations(zoo, targets, len(targets))
    objective = VectorTarget("model", wanted, layer=PENULTIMATE, p=2, relative=True)
    return optimize(
        {"model": zoo},
        objective,
        seeds,
        steps=steps,
        lr=step_size,
        rule="l2",
        momentum=momentum,
        keep_best=True,
        ids=ids,
        seed=seed,
        progress="inverting",
    )
