"""The prior ablation's table: per-class scores and bootstrap intervals over classes."""

import numpy as np
import pandas as pd
import pytest
from inputgen.ablation import METRICS, ablation_table, bootstrap_interval, class_scores


def summary(flags_a, flags_b, own):
    n = len(own)
    return pd.DataFrame(
        {
            "class": range(n),
            "name": [f"c{i}" for i in range(n)],
            "self_top1": own,
            "a_top1": flags_a,
            "a_top5": [1] * n,
            "b_top1": flags_b,
            "b_top5": flags_b,
            "pixel_std": np.linspace(0.1, 0.2, n),
            "spectrum_slope": np.linspace(-2.5, -1.5, n),
        }
    )


def test_class_scores_average_the_other_models():
    scores = class_scores(summary([1, 0, 1, 0], [1, 1, 0, 0], [1, 1, 1, 0]), ["a", "b"])
    assert scores["transfer_top1"].tolist() == [1.0, 0.5, 0.5, 0.0]
    assert scores["transfer_top5"].tolist() == [1.0, 1.0, 0.5, 0.5]
    assert scores["self_top1"].tolist() == [1.0, 1.0, 1.0, 0.0]


def test_intervals_contain_the_point_estimates_and_narrow_with_more_classes():
    rng = np.random.default_rng(0)
    tables = {
        f"config{k}": class_scores(
            summary(*(rng.integers(0, 2, size=16).tolist() for _ in range(3))), ["a", "b"]
        )
        for k in range(4)
    }
    table = ablation_table(tables, seed=0, resamples=500)
    assert len(table) == 4 and (table["classes"] == 16).all()
    for metric in METRICS:
        assert (table[f"{metric}_low"] <= table[metric]).all(), metric
        assert (table[metric] <= table[f"{metric}_high"]).all(), metric
    wide = bootstrap_interval([0, 1] * 8, seed=0)
    narrow = bootstrap_interval([0, 1] * 200, seed=0)
    assert wide[1] - wide[0] > 2 * (narrow[1] - narrow[0])
    # the interval of a mean of 0/1 flags: about +-1.96 sqrt(p (1 - p) / n)
    assert narrow == pytest.approx((0.5 - 0.049, 0.5 + 0.049), abs=0.012)


def test_constant_scores_have_an_exact_interval_and_the_seed_fixes_the_rest():
    assert bootstrap_interval([1.0] * 16, seed=0) == (1.0, 1.0)
    values = [0, 1, 1, 0, 1, 1, 1, 0]
    assert bootstrap_interval(values, seed=3) == bootstrap_interval(values, seed=3)
