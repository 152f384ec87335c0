"""Vectorisation (source article 3): make one model draw another model's picture.

The target is a point in model theta1's output space, ``y = O(a_t, theta1)``, where ``a_t`` is
model theta2's representation of a class (or a real photo). L1 descent on theta1's input from
noise, under the usual priors, then looks for an image theta1 maps to that same point.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd
import torch

from inputgen.engine.generation import run
from inputgen.engine.generation_settings import GenerationSettings, check_classes
from inputgen.engine.models import ZooModel
from inputgen.engine.objectives import VectorTarget
from inputgen.engine.optimize import Result, scaled_random_init
from inputgen.engine.outputs import correlation_distance
from inputgen.engine.photos import resize
from inputgen.engine.reconstruction import start_images as normal_start
from inputgen.platform.config import schema_default


def l1_distance(
    zoo: ZooModel, images: torch.Tensor, targets: torch.Tensor, batch_size: int
) -> torch.Tensor:
    """``sum_n |y_n - O_n(a, theta1)|`` per image, the quantity vectorisation minimises
    (``y = O(a_t, theta1)`` is simply theta1's logits on the target image, at any size)."""
    return (zoo.batched_logits(images, batch_size) - targets).abs().sum(dim=1)


STARTS = ("uniform", "normal")


def vectorise(
    zoo: ZooModel,
    targets: torch.Tensor,
    ids: Sequence[int],
    settings: GenerationSettings,
    seed: int,
    loss_scale: float = schema_default("vectorisation.loss_scale"),
    start: str = schema_default("vectorisation.start"),
) -> tuple[Result, torch.Tensor]:
    """Images whose theta1 outputs approach ``targets`` (N, 1000); each element seeded by its
    id. The loss is ``loss_scale * sum_n |y_n - O_n(a)|`` (source article 3: 0.05), from the
    generation's ``uniform`` start or a ``normal`` one (article 3's scaled normal,
    N(0.7, 1/20) as its layer autoencoding states it). Returns the result and the start images
    (for the before/after distance)."""
    if targets.ndim != 2 or len(targets) != len(ids):
        raise ValueError(f"targets must be ({len(ids)}, outputs), got {tuple(targets.shape)}")
    if start not in STARTS:
        raise ValueError(f"vectorisation start {start!r}; known: {', '.join(STARTS)}")
    if not loss_scale > 0:
        raise ValueError(f"loss_scale must be > 0, got {loss_scale}")
    size = zoo.spec["input_size"]
    if start == "normal":
        init = normal_start((3, size, size), ids, seed).clamp(0, 1)
    else:
        init = scaled_random_init(ids, size, seed, spread=settings.init_spread)
    objective = VectorTarget("model", targets, p=1)
    if loss_scale != 1:
        objective = objective * loss_scale
    result = run({"model": zoo}, objective, ids, settings, seed, init=init, progress="vectorising")
    return result, init


# ---------------------------------------------------------------------------- the study
def photo_id(name: str) -> int:
    """A seed id per photo from its name (stable under reordering), clear of class ids."""
    return 1000 + zlib.crc32(name.encode()) % 1_000_000


def top1(zoo: ZooModel, images: torch.Tensor, batch_size: int) -> list[int]:
    """The model's most activated output per image."""
    return zoo.batched_logits(images, batch_size).argmax(dim=1).tolist()


@dataclass
class Vectorised:
    """What :func:`vectorise_toward` makes: the images (the classes' first, then the photos'),
    the theta1 outputs they aimed at, and the per-target table (:func:`vectorisation_table`)."""

    images: torch.Tensor
    targets: torch.Tensor
    table: pd.DataFrame


def vectorise_toward(
    zoo: ZooModel,
    toward: ZooModel,
    own: torch.Tensor,
    theirs: torch.Tensor,
    photos: torch.Tensor,
    classes: Sequence[int],
    photo_names: Sequence[str],
    settings: GenerationSettings,
    seed: int,
    batch_size: int,
    loss_scale: float = schema_default("vectorisation.loss_scale"),
    start: str = schema_default("vectorisation.start"),
) -> Vectorised:
    """theta1 (``zoo``) draws theta2's (``toward``) pictures of ``classes`` (``theirs``) and the
    ``photos``: its targets are its own outputs on them (resized to its input size). Then
    theta2's view, a check the optimisation never saw: is the vectorised image closer to
    theta2's own picture than theta1's own picture (``own``) is?"""
    check_classes(classes, len(zoo.class_names))
    if not len(own) == len(theirs) == len(classes) or len(photos) != len(photo_names):
        raise ValueError(
            f"{len(own)} own and {len(theirs)} target pictures for {len(classes)} classes, "
            f"{len(photos)} photos for {len(photo_names)} names"
        )
    size = zoo.spec["input_size"]
    target_images = torch.cat([resize(theirs, size), resize(photos, size)])
    targets = zoo.batched_logits(target_images, batch_size)
    ids = [*classes, *map(photo_id, photo_names)]
    result, start = vectorise(zoo, targets, ids, settings, seed, loss_scale, start)
    images = result.images
    n = len(classes)
    theirs_seen = toward.batched_logits(theirs, batch_size)
    vectorised_seen = toward.batched_logits(images[:n], batch_size)
    own_seen = toward.batched_logits(own, batch_size)
    table = vectorisation_table(
        classes,
        photo_names,
        zoo.class_names,
        start_distance=l1_distance(zoo, start, targets, batch_size),
        end_distance=l1_distance(zoo, images, targets, batch_size),
        own_distance=l1_distance(zoo, own, targets[:n], batch_size),
        target_top1=top1(zoo, target_images, batch_size),
        vectorised_top1=top1(zoo, images, batch_size),
        toward_top1=vectorised_seen.argmax(1).tolist(),
        toward_distance_own=correlation_distance(own_seen, theirs_seen),
        toward_distance_vectorised=correlation_distance(vectorised_seen, theirs_seen),
    )
    return Vectorised(images, targets, table)


def vectorisation_table(
    classes: Sequence[int],
    photo_names: Sequence[str],
    names: Sequence[str],
    *,
    start_distance: torch.Tensor,
    end_distance: torch.Tensor,
    own_distance: torch.Tensor,
    target_top1: Sequence[int],
    vectorised_top1: Sequence[int],
    toward_top1: Sequence[int],
    toward_distance_own,
    toward_distance_vectorised,
) -> pd.DataFrame:
    """One row per target, the classes' first, then the photos'. The L1 distances to the target
    (theta1's outputs) at the start, at the end, and of theta1's own picture of the class; the
    top-1 classes of theta1 on the target and on the vectorised image; theta2's top-1 on the
    vectorised image, whether it is the class, and theta2's correlation distance from its own
    picture's outputs to theta1's own picture's and to the vectorised image's (``moved_toward``:
    the vectorised one is closer). Photos have no own picture nor theta2 picture: those cells
    are empty."""
    n, pad = len(classes), [float("nan")] * len(photo_names)
    table = pd.DataFrame(
        {
            "kind": ["class"] * n + ["photo"] * len(photo_names),
            "target": [*map(str, classes), *photo_names],
            "name": [names[c] for c in classes] + list(photo_names),
            "start_distance": start_distance.numpy().round(2),
            "end_distance": end_distance.numpy().round(2),
            "reduction": (start_distance / end_distance).numpy().round(3),
            "own_distance": [*own_distance.double().numpy().round(2), *pad],
            "target_top1": [names[i] for i in target_top1],
            "vectorised_top1": [names[i] for i in vectorised_top1],
            "toward_top1": [names[i] for i in toward_top1] + [""] * len(pad),
            "toward_recognises": [t == c for t, c in zip(toward_top1, classes, strict=True)]
            + [None] * len(pad),
            "toward_distance_own": [*toward_distance_own.round(4), *pad],
            "toward_distance_vectorised": [*toward_distance_vectorised.round(4), *pad],
        }
    )
    table["moved_toward"] = [
        *(toward_distance_vectorised < toward_distance_own),
        *[None] * len(pad),
    ]
    return table
