"""The prior ablation's table: per-class scores and bootstrap intervals over classes."""

import numpy as np
import pandas as pd
import pytest
import torch
from inputgen.engine.models import imagenet_class_names
from inputgen.studies.ablation.science import (
    METRICS,
    ablation_table,
    bootstrap_interval,
    class_scores,
    configuration_scores,
)


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


def scores_of(recognised, n=40):
    """Per-class scores of a configuration whose images ``recognised`` of ``n`` classes are
    recognised, by the generator and by both other models."""
    flags = [1] * recognised + [0] * (n - recognised)
    return class_scores(summary(flags, flags, flags), ["a", "b"])


def test_the_priors_ablation_ranks_the_better_configuration_first():
    # the configurations in the config's order: the rows keep it, whatever the scores
    scores = {"none": scores_of(4), "all": scores_of(36)}
    table = ablation_table(scores, seed=0, resamples=1000)
    assert table["config"].tolist() == ["none", "all"] and (table["classes"] == 40).all()
    for metric in ("self_top1", "transfer_top1", "transfer_top5"):
        ranked = table.sort_values(metric, ascending=False, kind="stable")["config"].tolist()
        assert ranked[0] == "all", metric
    rows = table.set_index("config")
    # a large gap: the better configuration's interval lies wholly above the other's
    assert rows.loc["all", "self_top1_low"] > rows.loc["none", "self_top1_high"]
    assert rows.loc["all", "transfer_top1_low"] > rows.loc["none", "transfer_top1_high"]
    # the bootstrap is seeded: the same seed gives the same table, another seed other intervals
    pd.testing.assert_frame_equal(table, ablation_table(scores, seed=0, resamples=1000))
    other = ablation_table(scores, seed=1, resamples=1000)
    continuous = ["pixel_std_low", "pixel_std_high"]  # (rates of 40 classes move in 1/40s)
    assert not other[continuous].equals(table[continuous])
    assert other["self_top1"].equals(table["self_top1"])  # the means need no resampling


def test_a_small_gap_leaves_the_intervals_overlapping():
    scores = {"x": scores_of(6, n=12), "y": scores_of(7, n=12)}
    rows = ablation_table(scores, seed=0, resamples=1000).set_index("config")
    assert rows.loc["x", "self_top1_high"] >= rows.loc["y", "self_top1_low"]
    assert rows.loc["y", "self_top1_high"] >= rows.loc["x", "self_top1_low"]


def test_configuration_scores_join_recognition_and_image_statistics():
    def seen(top1, top5):
        return pd.DataFrame(
            {
                "class": [1, 2],
                "target_logit": [1.0, 1.0],
                "target_rank": [1, 1],
                "top1": top1,
                "top1_prob": [0.5, 0.5],
                "top5": top5,
            }
        )

    images = torch.cat([torch.full((1, 3, 16, 16), 0.5), torch.rand(1, 3, 16, 16)])
    own = seen([1, 7], [[1], [7]])
    others = {"a": seen([1, 2], [[1], [2]]), "b": seen([0, 0], [[0, 1], [0, 2]])}
    scores = configuration_scores(own, others, imagenet_class_names(), images)
    assert scores["self_top1"].tolist() == [1.0, 0.0]
    assert scores["transfer_top1"].tolist() == [0.5, 0.5]  # a sees both, b neither
    assert scores["transfer_top5"].tolist() == [1.0, 1.0]
    assert scores["pixel_std"].iloc[0] == 0 and scores["pixel_std"].iloc[1] > 0.2
