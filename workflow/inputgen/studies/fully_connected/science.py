"""Fully connected nets (source article 3): small images (29x29x3 = 2523 inputs) through fully
connected nets of given widths, and how well layer autoencoding's descent on the input recovers
them: how the narrowest layer, the depth and the width of later layers decide it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import torch

from inputgen.engine.dense import descend, mlp

if TYPE_CHECKING:
    from inputgen.engine.optimize import Descent


# --------------------------------------------------------------------------- input recovery
def kept_iterations(steps: int, points: int) -> np.ndarray:
    """The iterations a recovery table keeps: 0, then ``points`` log-spaced ones in 1..steps
    (rounded; fewer where they coincide), ``steps`` the last."""
    kept = np.unique(np.geomspace(1, steps, points).round().astype(int))
    return np.concatenate([[0], kept])


def recovery_table(
    targets: torch.Tensor,
    names: Sequence[str],
    nets: Sequence[Sequence[int]],
    descent: Descent,
    *,
    relu: bool,
    points: int,
    seed: int,
    device="cpu",
    progress: str = "",
) -> pd.DataFrame:
    """How well the descent recovers the (B, 3, S, S) targets (photos ``names``) through each
    fully connected net (its layer widths, input side first; net i seeded ``seed + i``):
    ``m_i`` and ``m_g`` per net, photo and kept iteration (:func:`kept_iterations`)."""
    inputs = targets[0].numel()
    kept = kept_iterations(descent.steps, points)
    frames = []
    for index, widths in enumerate(nets):
        net = mlp(inputs, widths, seed=seed + index, relu=relu)
        label = "-".join(map(str, widths))
        result = descend(
            net, targets, descent, seed=seed, device=device, progress=f"{progress} {label}"
        )
        for p, photo in enumerate(names):
            frames.append(
                pd.DataFrame(
                    {
                        "net": label,
                        "depth": len(widths),
                        "narrowest": min(widths),
                        "inputs": inputs,
                        "photo": photo,
                        "iteration": kept,
                        "m_i": result.m_i[kept, p].numpy(),
                        "m_g": result.m_g[kept, p].numpy(),
                    }
                )
            )
    return pd.concat(frames, ignore_index=True)
