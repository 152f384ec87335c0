"""Representation-inversion datasets (Ilyas et al. 2019; Jones et al., UAI 2022; source 4).

Pairs (seed, target) of natural images with different labels; starting from the seed, descend
on the relative L2 distance between the model's penultimate representation (the input of its
output layer) and the target's, with L2-normalised momentum steps, projection onto [0, 1] and
the best iterate kept. The result keeps what the model uses of the target and randomises the
rest, which removes the correlated-feature confound from CKA.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from inputgen.models import PENULTIMATE, ZooModel, capture
from inputgen.objectives import VectorTarget
from inputgen.optimize import Result, optimize


def sample_pairs(labels: Sequence[int], count: int, seed: int) -> tuple[list[int], list[int]]:
    """``count`` (seed, target) index pairs whose labels differ: seeds walk a seeded permutation
    (repeating once every index is used), each target is drawn among the other labels."""
    labels = torch.as_tensor(labels, dtype=torch.int64)
    if len(labels.unique()) < 2:
        raise ValueError("inversion pairs need images of at least two different labels")
    generator = torch.Generator().manual_seed(seed)
    order = torch.randperm(len(labels), generator=generator)
    seeds, targets = [], []
    for i in range(count):
        s = int(order[i % len(labels)])
        candidates = (labels != labels[s]).nonzero()[:, 0]
        t = int(candidates[torch.randint(len(candidates), (1,), generator=generator)])
        seeds.append(s)
        targets.append(t)
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
