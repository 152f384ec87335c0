"""Feature maps (source article 1): images that raise one channel of a layer, and how the model
sees them."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import torch

from inputgen.engine.generation import run
from inputgen.engine.generation_settings import GenerationSettings
from inputgen.engine.models import ZooModel
from inputgen.engine.objectives import FeatureMean
from inputgen.engine.optimize import Result


def feature_visualisations(
    zoo: ZooModel, layer: str, channels: Sequence[int], settings: GenerationSettings, seed: int
) -> Result:
    """Inputs that maximise the mean activation of each channel of ``layer`` (the feature maps
    source article 2 shows for its two-feature embedding), one element per channel."""
    objective = FeatureMean("model", layer, channels)
    return run({"model": zoo}, objective, channels, settings, seed, progress="feature maps")


def features_table(
    layer: str,
    channels: Sequence[int],
    means: torch.Tensor,
    top1: Sequence[int],
    names: Sequence[str],
) -> pd.DataFrame:
    """Per channel: its mean activation at the first and the last step (``means``: steps x
    channels) and the model's top-1 on the image that maximises it."""
    return pd.DataFrame(
        {
            "layer": layer,
            "channel": list(channels),
            "mean_activation_start": means[0].round(decimals=4).tolist(),
            "mean_activation_end": means[-1].round(decimals=4).tolist(),
            "top1_name": [names[c] for c in top1],
        }
    )
