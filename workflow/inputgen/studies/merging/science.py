"""Model merging by parameters (source article 3's negative result).

SGD on theta1's parameters so that its outputs on theta2's class images match theta2's own
(the residual sum of squares); then theta1 generates again, to see whether its pictures moved
toward theta2's. The source found the loss falls (about 15x) but the pictures do not follow.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

import pandas as pd
import torch

from inputgen.engine.generation import batches, class_representations
from inputgen.engine.generation_settings import GenerationSettings, check_classes
from inputgen.engine.models import ZooModel
from inputgen.engine.outputs import correlation_distance
from inputgen.engine.progress import progress as progress_bar


class MergingError(RuntimeError):
    """The parameter descent diverged."""


def rss(outputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Residual sum of squares per image: ``sum_i (O_i(a, theta1) - O_i(a, theta2))^2``."""
    return (outputs - targets).pow(2).sum(dim=1)


def match_outputs(
    zoo: ZooModel,
    images: torch.Tensor,
    targets: torch.Tensor,
    *,
    steps: int,
    lr: float,
    batch_size: int,
    batch: int | None = None,
) -> tuple[ZooModel, torch.Tensor, torch.Tensor]:
    """A copy of ``zoo`` after SGD on the mean per-image RSS between its outputs on ``images``
    and ``targets``. ``batch`` None: ``steps`` full-batch steps. ``batch`` b: the images are
    taken b at a time, in order, and each group gets ``steps`` steps before the next (source
    article 3: 1000 steps on one image, then the same for every class). Returns the trained
    copy, the loss history (one entry per step, on that step's images, and a last entry on
    all images after the final step) and each image's RSS right after its own group's steps,
    before the later groups move the parameters on (the article's first case: one image,
    tench, alone).

    The network stays in eval mode (batch-norm statistics and dropout fixed), so an image's
    output does not depend on its batch; ``batch_size`` (a resource) only splits the gradient
    accumulation (results agree across batch sizes up to float rounding)."""
    if steps < 0 or lr <= 0:
        raise ValueError(f"need steps >= 0 and lr > 0, got steps={steps}, lr={lr}")
    if batch is not None and batch < 1:
        raise ValueError(f"batch must be >= 1 or None, got {batch}")
    if len(images) != len(targets):
        raise ValueError(f"{len(images)} images for {len(targets)} targets")
    groups = len(images) if batch is None else batch
    network = copy.deepcopy(zoo.model).eval()
    for parameter in network.parameters():
        parameter.requires_grad_(True)
    merged = replace(zoo, model=network)
    device = zoo.preprocess.mean.device
    optimizer = torch.optim.SGD(network.parameters(), lr=lr)
    history = []
    own = []

    def accumulate(images, targets, backward: bool) -> float:
        total = 0.0
        for chunk, target in zip(
            torch.split(images, batch_size), torch.split(targets, batch_size), strict=True
        ):
            with torch.set_grad_enabled(backward):
                loss = rss(merged.logits(chunk.to(device)), target.to(device)).sum() / len(images)
            if backward:
                loss.backward()
            total += loss.item()
        return total

    def per_image(images, targets) -> torch.Tensor:
        with torch.no_grad():
            return torch.cat(
                [
                    rss(merged.logits(chunk.to(device)), target.to(device)).cpu()
                    for chunk, target in zip(
                        torch.split(images, batch_size),
                        torch.split(targets, batch_size),
                        strict=True,
                    )
                ]
            )

    pairs = list(zip(torch.split(images, groups), torch.split(targets, groups), strict=True))
    total = steps * len(pairs)
    with progress_bar(total=total, desc="merging") as bar:
        for group_images, group_targets in pairs:
            for _ in range(steps):
                optimizer.zero_grad(set_to_none=True)
                loss = accumulate(group_images, group_targets, backward=True)
                if not math.isfinite(loss):
                    raise MergingError(
                        f"the RSS became {loss} at step {len(history)}: lower the learning rate"
                    )
                history.append(loss)
                optimizer.step()
                bar.update()
            own.append(per_image(group_images, group_targets))
    history.append(accumulate(images, targets, backward=False))
    if not math.isfinite(history[-1]):
        raise MergingError(f"the RSS became {history[-1]} after the last step: lower the lr")
    for parameter in network.parameters():
        parameter.requires_grad_(False)
    return merged, torch.tensor(history, dtype=torch.float64), torch.cat(own)


# ---------------------------------------------------------------------------- the study
@dataclass
class Merged:
    """What :func:`merge_toward` makes: theta1's images regenerated after the parameter
    descent, its loss history (:func:`match_outputs`) and the per-class table
    (:func:`merging_table`)."""

    images: torch.Tensor
    history: torch.Tensor
    table: pd.DataFrame


def merge_toward(
    zoo: ZooModel,
    toward: ZooModel,
    before: torch.Tensor,
    theirs: torch.Tensor,
    classes: Sequence[int],
    settings: GenerationSettings,
    seed: int,
    *,
    steps: int,
    lr: float,
    batch: int | None,
    batch_size: int,
) -> Merged:
    """theta1 (``zoo``) trained toward theta2's (``toward``) outputs on theta2's pictures of
    ``classes`` (``theirs``), then generating the classes again under the same settings and
    seed as its own pictures (``before``): only the parameters differ. theta2 then rates
    theta1's pictures before and after."""
    check_classes(classes, len(zoo.class_names))
    if not len(before) == len(theirs) == len(classes):
        raise ValueError(
            f"{len(before)} own and {len(theirs)} target pictures for {len(classes)} classes"
        )
    targets = toward.batched_logits(theirs, batch_size)
    merged, history, rss_own = match_outputs(
        zoo, theirs, targets, steps=steps, lr=lr, batch_size=batch_size, batch=batch
    )
    rss_before = rss(zoo.batched_logits(theirs, batch_size), targets)
    rss_after = rss(merged.batched_logits(theirs, batch_size), targets)
    after = torch.cat(
        [
            class_representations(merged, batch, settings, seed).images
            for batch in batches(classes, batch_size)
        ]
    )
    seen = {
        label: toward.batched_logits(images, batch_size)
        for label, images in (("before", before), ("after", after), ("theirs", theirs))
    }
    table = merging_table(
        classes,
        zoo.class_names,
        rss_before,
        rss_own,
        rss_after,
        seen["before"],
        seen["after"],
        seen["theirs"],
    )
    return Merged(after, history, table)


def merging_table(
    classes: Sequence[int],
    names: Sequence[str],
    rss_before: torch.Tensor,
    rss_own: torch.Tensor,
    rss_after: torch.Tensor,
    seen_before: torch.Tensor,
    seen_after: torch.Tensor,
    seen_theirs: torch.Tensor,
) -> pd.DataFrame:
    """One row per class: theta1's RSS to theta2's outputs on theta2's picture before the
    descent, right after the class's own steps (``rss_own``, :func:`match_outputs`; its
    reduction ``own_reduction``, the article's first case for the first class) and after the
    whole descent, and theta2's view of theta1's pictures before and after (``seen_*``: theta2's
    outputs on them, and on its own picture): its top-1, whether that is the class, the
    correlation distance to its own picture's outputs (``moved_toward``: closer after)."""
    index = torch.tensor(list(classes))
    table = pd.DataFrame(
        {
            "class": list(classes),
            "name": [names[c] for c in classes],
            "rss_before": rss_before.numpy().round(2),
            "rss_own": rss_own.numpy().round(2),
            "own_reduction": (rss_before / rss_own).numpy().round(3),
            "rss_after": rss_after.numpy().round(2),
            "rss_reduction": (rss_before / rss_after).numpy().round(3),
            "toward_top1_before": [names[i] for i in seen_before.argmax(1)],
            "toward_top1_after": [names[i] for i in seen_after.argmax(1)],
            "toward_recognises_before": (seen_before.argmax(1) == index).numpy(),
            "toward_recognises_after": (seen_after.argmax(1) == index).numpy(),
            "toward_distance_before": correlation_distance(seen_before, seen_theirs).round(4),
            "toward_distance_after": correlation_distance(seen_after, seen_theirs).round(4),
        }
    )
    table["moved_toward"] = table["toward_distance_after"] < table["toward_distance_before"]
    return table
