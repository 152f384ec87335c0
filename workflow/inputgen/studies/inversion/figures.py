"""The inversion study's figure: seed | target | inverted, each captioned with what the model
sees."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import torch

from inputgen.figures.images import image_grid


def inversion_grid(
    natural: torch.Tensor,
    dataset: Mapping[str, torch.Tensor],
    seen: torch.Tensor,
    label_names: Sequence[str],
    class_names: Sequence[str],
    *,
    name: str,
    label_source: str,
    show: int = 8,
) -> plt.Figure:
    """The first ``show`` pairs of an inversion dataset, one row each: the seed, the target
    (captioned with their labels, ``label_names``) and the inverted image (captioned with the
    model's top-1 ``seen``, among ``class_names``, and its relative distance)."""
    shown = min(len(dataset["seed_index"]), show)
    seeds, targets = dataset["seed_index"][:shown], dataset["target_index"][:shown]
    rows = torch.stack([natural[seeds], natural[targets], dataset["images"][:shown]], dim=1)
    captions = [
        caption
        for i in range(shown)
        for caption in (
            f"seed: {label_names[int(dataset['seed_label'][i])][:20]}",
            f"target: {label_names[int(dataset['target_label'][i])][:20]}",
            f"inverted: {class_names[int(seen[i])][:18]}\n"
            f"rel. distance {float(dataset['rep_distance'][i]):.2f}",
        )
    ]
    kind = "true (folder) labels" if label_source == "folder" else f"{name}'s top-1"
    return image_grid(
        rows.flatten(0, 1),
        captions,
        columns=3,
        title=f"{name}: seed | target | inverted (seed, target: {kind}; inverted: {name}'s top-1)",
    )
