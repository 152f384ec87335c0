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
) -> tuple[ZooModel, torch.Tensor]:
    """A copy of ``zoo`` after ``steps`` full-batch SGD steps on the mean per-image RSS between
    its outputs on ``images`` and ``targets``. Returns the trained copy and the (steps + 1,)
    loss history (the last entry after the final step).

    The network stays in eval mode (batch-norm statistics and dropout fixed), so an image's
    output does not depend on its batch; ``batch_size`` only splits the gradient accumulation
    (results agree across batch sizes up to float rounding)."""
    if steps < 0 or lr <= 0:
        raise ValueError(f"need steps >= 0 and lr > 0, got steps={steps}, lr={lr}")
    if len(images) != len(targets):
        raise ValueError(f"{len(images)} images for {len(targets)} targets")
    network = copy.deepcopy(zoo.model).eval()
    for parameter in network.parameters():
        parameter.requires_grad_(True)
    merged = replace(zoo, model=network)
    device = zoo.preprocess.mean.device
    optimizer = torch.optim.SGD(network.parameters(), lr=lr)
    history = []

    def accumulate(backward: bool) -> float:
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

    for step in tqdm(range(steps), desc="merging", leave=False, disable=None):
        optimizer.zero_grad(set_to_none=True)
        loss = accumulate(backward=True)
        if not math.isfinite(loss):
            raise MergingError(f"the RSS became {loss} at step {step}: lower the learning rate")
        history.append(loss)
        optimizer.step()
    history.append(accumulate(backward=False))
    if not math.isfinite(history[-1]):
        raise MergingError(f"the RSS became {history[-1]} after the last step: lower the lr")
    for parameter in network.parameters():
        parameter.requires_grad_(False)
    return merged, torch.tensor(history, dtype=torch.float64)
