"""Class representations (source article 1): how the generator and every other model see the
class images (made by the engine's generation layer, :mod:`inputgen.engine.generation`), per
class and as fractions of classes recognised."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd
import torch

from inputgen.engine.generation import summary_table


def quality_table(summary: pd.DataFrame, generator: str, evaluators: Sequence[str]) -> pd.DataFrame:
    """Fractions of classes recognised: by the generator itself and by every other model."""
    rows = [
        {
            "generator": generator,
            "evaluator": generator,
            "relation": "self",
            "top1": summary["self_top1"].mean(),
            "top5": None,
        }
    ]
    for evaluator in evaluators:
        rows.append(
            {
                "generator": generator,
                "evaluator": evaluator,
                "relation": "transfer",
                "top1": summary[f"{evaluator}_top1"].mean(),
                "top5": summary[f"{evaluator}_top5"].mean(),
            }
        )
    return pd.DataFrame(rows).round(4)


# ------------------------------------------------------------------- classes and other models


# ---------------------------------------------------------------------- per-class tables
def representation_summary(
    generator: pd.DataFrame,
    others: Mapping[str, pd.DataFrame],
    names: Sequence[str],
    images: torch.Tensor,
) -> pd.DataFrame:
    """``summary_table`` with each image's statistics (rounded): whether each picture is an
    image or a perturbation of grey (photos: a pixel deviation of ~0.2, a slope of ~-2)."""
    from inputgen.engine.image_stats import image_statistics

    return summary_table(generator, others, names).join(image_statistics(images).round(4))
