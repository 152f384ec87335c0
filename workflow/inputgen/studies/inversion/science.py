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

from inputgen.engine.models import PENULTIMATE, ZooModel, activations, imagenet_class_names
from inputgen.engine.objectives import VectorTarget
from inputgen.engine.optimize import Descent, Result, optimize


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


def representations(zoo: ZooModel, images: torch.Tensor, batch_size: int) -> torch.Tensor:
    """The penultimate representation (N, D) of each image, on the CPU."""
    return torch.cat(
        [
            taps[PENULTIMATE].float().cpu()
            for taps in activations(zoo, images, [PENULTIMATE], batch_size)
        ]
    )


def relative_distance(zoo: ZooModel, images, targets: torch.Tensor, batch_size: int):
    """``|Rep(a) - Rep(t)|_2 / |Rep(t)|_2`` per image, for target representations ``targets``."""
    reps = representations(zoo, images, batch_size)
    return (reps - targets).norm(dim=1) / targets.norm(dim=1).clamp_min(1e-12)


def invert(
    zoo: ZooModel,
    seeds: torch.Tensor,
    targets: torch.Tensor,
    descent: Descent,
    *,
    ids: Sequence[int],
    seed: int = 0,
) -> Result:
    """Invert the targets' penultimate representations from the seed images (both (N,3,H,W)
    in [0, 1] at the model's input size) by ``descent``, keeping each element's best iterate;
    ``history["best_loss"]`` is the kept iterate's relative distance. Ilyas et al. descend by
    ``Descent(steps=2000, lr=1/8, rule="l2", momentum=0.9)``."""
    if seeds.shape != targets.shape:
        raise ValueError(f"seeds {tuple(seeds.shape)} and targets {tuple(targets.shape)} differ")
    wanted = representations(zoo, targets, len(targets))
    objective = VectorTarget("model", wanted, layer=PENULTIMATE, p=2, relative=True)
    return optimize(
        {"model": zoo},
        objective,
        seeds,
        descent,
        keep_best=True,
        ids=ids,
        seed=seed,
        progress="inverting",
    )


def pair_labels(
    labels: torch.Tensor | None,
    label_space: str | None,
    class_names: Sequence[str] | None,
    predicted: torch.Tensor,
    model_class_names: Sequence[str],
) -> tuple[str, torch.Tensor, list[str]]:
    """The labels pairs must differ in: (label source, one label per image, label names).

    A photo set's true labels when it has them (``labels``, an ImageFolder's: ImageNet-1k
    indices when ``label_space`` is "imagenet", else indices into its ``class_names``), else
    the model's own top-1 ``predicted`` (the bundled photos have no labels)."""
    if labels is None:
        return "model top-1", predicted, list(model_class_names)
    if label_space == "imagenet":
        return "folder", labels, list(imagenet_class_names())
    return "folder", labels, list(class_names or [])


def invert_pairs(
    zoo: ZooModel,
    images: torch.Tensor,
    seed_index: Sequence[int],
    target_index: Sequence[int],
    descent: Descent,
    *,
    batch_size: int,
    seed: int = 0,
) -> torch.Tensor:
    """:func:`invert` of every (seed, target) pair of ``images``, ``batch_size`` pairs at a
    time; pair i descends under id i (its seeded draws), whatever the batching."""
    if len(seed_index) != len(target_index):
        raise ValueError(f"{len(seed_index)} seeds for {len(target_index)} targets")
    seed_index, target_index = list(seed_index), list(target_index)
    inverted = []
    for start in range(0, len(seed_index), batch_size):
        seeds = seed_index[start : start + batch_size]
        targets = target_index[start : start + batch_size]
        result = invert(
            zoo,
            images[seeds],
            images[targets],
            descent,
            ids=list(range(start, start + len(seeds))),
            seed=seed,
        )
        inverted.append(result.images)
    return torch.cat(inverted)


def inversion_dataset(
    zoo: ZooModel,
    images: torch.Tensor,
    labels: torch.Tensor,
    sources: torch.Tensor,
    pairs: int,
    descent: Descent,
    *,
    batch_size: int,
    seed: int = 0,
) -> dict[str, torch.Tensor]:
    """A representation-inversion dataset of ``pairs`` (seed, target) pairs of ``images`` (at
    the model's input size) with different ``labels`` and ``sources`` (:func:`sample_pairs`):
    the inverted ``images``, the pairs' indices, sources and labels, and each inverted image's
    relative distance to its target's representation (``rep_distance``; ``start_distance``:
    the seed's)."""
    seed_index, target_index = sample_pairs(labels.tolist(), sources.tolist(), pairs, seed)
    inverted = invert_pairs(
        zoo, images, seed_index, target_index, descent, batch_size=batch_size, seed=seed
    )
    targets = representations(zoo, images[target_index], batch_size)
    start_distance = relative_distance(zoo, images[seed_index], targets, batch_size)
    distance = relative_distance(zoo, inverted, targets, batch_size)
    return {
        "images": inverted,
        "seed_index": torch.tensor(seed_index),
        "target_index": torch.tensor(target_index),
        "seed_source": sources[seed_index],
        "target_source": sources[target_index],
        "seed_label": labels[seed_index],
        "target_label": labels[target_index],
        "rep_distance": distance,
        "start_distance": start_distance,
    }


def summary_table(
    name: str,
    steps: int,
    label_source: str,
    dataset: dict[str, torch.Tensor],
    predicted: torch.Tensor,
    seen: torch.Tensor,
):
    """One row of a model's inversion: its pairs and steps, the median relative distance to
    the target representation before and after, and how often the model's top-1 of an
    inverted image (``seen``) is its own top-1 (``predicted``, of every natural image) of the
    target, and of the seed (4 decimals)."""
    import pandas as pd

    seed_index, target_index = dataset["seed_index"], dataset["target_index"]
    as_target = (seen == predicted[target_index]).float().mean()
    as_seed = (seen == predicted[seed_index]).float().mean()
    return pd.DataFrame(
        {
            "model": [name],
            "pairs": [len(seed_index)],
            "steps": [steps],
            "label_source": [label_source],
            "median_start_distance": [round(float(dataset["start_distance"].median()), 4)],
            "median_distance": [round(float(dataset["rep_distance"].median()), 4)],
            "labelled_as_target": [round(float(as_target), 4)],
            "labelled_as_seed": [round(float(as_seed), 4)],
        }
    )
