"""Model merging by parameters (source article 3's negative result).

SGD on theta1's parameters so that its outputs on theta2's class images match theta2's own
(the residual sum of squares); then theta1 generates again, to see whether its pictures moved
toward theta2's. The source found the loss falls (about 15x) but the pictures do not follow.
"""

from __future__ import annotations

import copy
import math
from dataclasses import replace

import torch
from tqdm.auto import tqdm

from inputgen.models import ZooModel


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
) -> tuple[ZooModel, torch.Tensor]:
    """A copy of ``zoo`` after SGD on the mean per-image RSS between its outputs on ``images``
    and ``targets``. ``batch`` None: ``steps`` full-batch steps. ``batch`` b: the images are
    taken b at a time, in order, and each group gets ``steps`` steps before the next (source
    article 3: 1000 steps on one image, then the same for every class). Returns the trained
    copy and the loss history (one entry per step, on that step's images, and a last entry on
    all images after the final step).

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

    pairs = list(zip(torch.split(images, groups), torch.split(targets, groups), strict=True))
    total = steps * len(pairs)
    with tqdm(total=total, desc="merging", leave=False, disable=None) as bar:
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
    history.append(accumulate(images, targets, backward=False))
    if not math.isfinite(history[-1]):
        raise MergingError(f"the RSS became {history[-1]} after the last step: lower the lr")
    for parameter in network.parameters():
        parameter.requires_grad_(False)
    return merged, torch.tensor(history, dtype=torch.float64)
