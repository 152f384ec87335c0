"""Two-feature embeddings (source article 2): each generated class image becomes the point
(mean activation of feature map i, mean activation of feature map j) of one layer."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import torch

from inputgen.engine.models import ZooModel, activations


@torch.no_grad()
def feature_means(
    zoo: ZooModel, images: torch.Tensor, layer: str, features: Sequence[int], batch_size: int
) -> torch.Tensor:
    """(N, len(features)): the spatial mean of each chosen channel of ``layer``."""
    rows = []
    for taps in activations(zoo, images, [layer], batch_size):
        activation = taps[layer]
        if activation.ndim != 4:
            raise ValueError(
                f"layer {layer!r} gives shape {tuple(activation.shape)}, not feature "
                "maps (N, C, H, W)"
            )
        channels = activation.shape[1]
        bad = [f for f in features if not 0 <= f < channels]
        if bad:
            raise ValueError(f"layer {layer!r} has {channels} feature maps; no feature {bad}")
        rows.append(activation.mean(dim=(2, 3))[:, list(features)].float().cpu())
    return torch.cat(rows)


def embedding_table(
    classes: Sequence[int], names: Sequence[str], means: torch.Tensor, features: Sequence[int]
) -> pd.DataFrame:
    table = pd.DataFrame({"class": list(classes), "name": [names[c] for c in classes]})
    for column, feature in enumerate(features):
        table[f"feature_{feature}"] = means[:, column].tolist()
    return table
