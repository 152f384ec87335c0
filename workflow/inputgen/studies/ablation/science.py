"""The prior ablation (source article 1's priors one by one, and our parameterisations): how
recognisable each configuration's class images are, with bootstrap intervals over classes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import torch
from scipy import stats

from inputgen.engine.generation import recognition, summary_table
from inputgen.engine.image_stats import image_statistics
from inputgen.engine.models import ZooModel

METRICS = ("self_top1", "transfer_top1", "transfer_top5", "pixel_std", "spectrum_slope")


def class_scores(summary: pd.DataFrame, evaluators: Sequence[str]) -> pd.DataFrame:
    """Per class (a row of ``summary_table`` joined with ``image_statistics``): recognition by
    the generator, the mean over the other models of top-1 and top-5 transfer, and the image
    statistics."""
    return pd.DataFrame(
        {
            "class": summary["class"],
            "name": summary["name"],
            "self_top1": summary["self_top1"].astype(float),
            "transfer_top1": summary[[f"{e}_top1" for e in evaluators]].mean(axis=1),
            "transfer_top5": summary[[f"{e}_top5" for e in evaluators]].mean(axis=1),
            "pixel_std": summary["pixel_std"],
            "spectrum_slope": summary["spectrum_slope"],
        }
    )


def configuration_scores(
    generator: pd.DataFrame,
    others: Mapping[str, pd.DataFrame],
    names: Sequence[str],
    images: torch.Tensor,
) -> pd.DataFrame:
    """One configuration's per-class scores, from how the generator and every other model
    see its images (``recognition`` tables) and the images' statistics."""
    summary = summary_table(generator, others, names).join(image_statistics(images))
    return class_scores(summary, list(others))


def ablation_scores(
    generator: ZooModel,
    evaluators: Mapping[str, ZooModel],
    runs: Mapping[str, tuple[torch.Tensor, Sequence[int]]],
    batch_size: int,
) -> dict[str, pd.DataFrame]:
    """Per configuration (name -> its images and classes, in the configurations' order): its
    per-class scores, the other models rating the images."""
    scores = {}
    for config, (images, classes) in runs.items():
        classes = list(classes)
        seen = {
            name: recognition(zoo, images, classes, batch_size) for name, zoo in evaluators.items()
        }
        own = recognition(generator, images, classes, batch_size)
        scores[config] = configuration_scores(own, seen, generator.class_names, images)
    return scores


def bootstrap_interval(
    values: Sequence[float], seed: int, resamples: int = 2000, level: float = 0.95
) -> tuple[float, float]:
    """Percentile bootstrap interval of the mean, resampling the values (classes)."""
    values = np.asarray(values, dtype=float)
    if len(values) < 2 or np.ptp(values) == 0:  # nothing to resample: the mean is exact
        return float(values.mean()), float(values.mean())
    result = stats.bootstrap(
        (values,),
        np.mean,
        n_resamples=resamples,
        confidence_level=level,
        method="percentile",
        rng=np.random.default_rng(seed),
    )
    return float(result.confidence_interval.low), float(result.confidence_interval.high)


def ablation_table(
    scores: Mapping[str, pd.DataFrame], seed: int, resamples: int = 2000
) -> pd.DataFrame:
    """One row per configuration, in the order of ``scores`` (the config's order): each
    metric's mean over classes and its 95% interval (``<metric>_low``, ``<metric>_high``),
    every interval from the one ``seed``."""
    rows = []
    for config, table in scores.items():
        row: dict[str, object] = {"config": config, "classes": len(table)}
        for metric in METRICS:
            low, high = bootstrap_interval(table[metric], seed, resamples)
            row.update({metric: table[metric].mean(), f"{metric}_low": low, f"{metric}_high": high})
        rows.append(row)
    return pd.DataFrame(rows).round(4)
