"""The articles' claims as numbers (inputgen.claims): each measure against a known answer, its
verdict on both sides of its rule, and "too small to say" when the run lacks the classes."""

import math

import pandas as pd
import pytest
from inputgen import claims
from inputgen.engine.image_stats import drift_table

SUPPORTS, CONTRADICTS, TOO_SMALL = claims.SUPPORTS, claims.CONTRADICTS, claims.TOO_SMALL


def opposites(pairs: list[tuple[int, int]], naive: list[int] | None = None) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "class": [c for c, _ in pairs],
            "opposite": [o for _, o in pairs],
            "naive_opposite": naive or [o for _, o in pairs],
        }
    )


def test_naive_opposites_on_one_class_concentrate_and_distinct_ones_do_not():
    pairs = [(c, 500 + c) for c in range(10)]
    one = claims.naive_opposites_concentrate(opposites(pairs, [5] * 10))
    expected = 1000 * (1 - (1 - 1 / 1000) ** 10)
    assert one["observed"] == 1 and one["baseline"] == pytest.approx(expected, abs=1e-3)
    assert one["p_value"] < 0.001 and one["verdict"] == SUPPORTS
    spread = claims.naive_opposites_concentrate(opposites(pairs, list(range(10))))
    assert spread["observed"] == 10 and spread["verdict"] == CONTRADICTS
    few = claims.naive_opposites_concentrate(opposites(pairs[:4], [5] * 4))
    assert few["verdict"] == TOO_SMALL and few["n"] == 4


def test_dog_opposites_against_the_hypergeometric_baseline():
    dogs = [(151 + i, 200 + i) for i in range(5)] + [(156, 0)]  # 5 of 6 dogs -> dogs
    others = [(400 + i, 450 + i) for i in range(6)]  # objects -> objects
    table = opposites(dogs + others)
    row = claims.group_opposites(table, claims.DOGS, claims.DOGS, "dogs", majority=True)
    assert row["n"] == 6 and row["observed"] == pytest.approx(5 / 6, abs=1e-4)
    assert row["baseline"] == pytest.approx(5 / 12, abs=1e-4)
    # P(X >= 5), X ~ Hypergeometric(12 opposites, 5 of them dogs, 6 drawn)
    exact = math.comb(5, 5) * math.comb(7, 1) / math.comb(12, 6)
    assert row["p_value"] == pytest.approx(exact)
    assert row["verdict"] == SUPPORTS
    mixed = opposites([(151, 0), (152, 1), (153, 200), (400, 201)])
    row = claims.group_opposites(mixed, claims.DOGS, claims.DOGS, "dogs", majority=True)
    assert row["observed"] == pytest.approx(1 / 3, abs=1e-4) and row["verdict"] == CONTRADICTS
    snakes = claims.group_opposites(
        table, claims.SNAKES, claims.LIZARDS_AND_AMPHIBIANS, "snakes", majority=True
    )
    assert snakes["n"] == 0 and snakes["verdict"] == TOO_SMALL


def test_commutativity_under_one_half_supports_rare_commuting():
    row = claims.opposites_rarely_commute(pd.DataFrame({"rate": [0.0], "classes": [6]}))
    assert row["verdict"] == SUPPORTS and row["baseline"] == pytest.approx(1 / 6, abs=1e-4)
    row = claims.opposites_rarely_commute(pd.DataFrame({"rate": [0.75], "classes": [8]}))
    assert row["verdict"] == CONTRADICTS


def test_the_jay_is_ranked_among_the_indigo_buntings_neighbours():
    def embedding(third_at: float) -> pd.DataFrame:
        return pd.DataFrame(
            {"class": [14, 17, 20], "feature_0": [0.0, 1.0, third_at], "feature_4": [0.0] * 3}
        )

    assert claims.jay_nearest_to_indigo_bunting(embedding(5.0))["verdict"] == SUPPORTS
    closer = claims.jay_nearest_to_indigo_bunting(embedding(0.5))
    assert closer["observed"] == 2 and closer["verdict"] == CONTRADICTS
    missing = claims.jay_nearest_to_indigo_bunting(embedding(5.0).iloc[1:])
    assert missing["verdict"] == TOO_SMALL


def test_the_size_cycle_translates_with_nearest_only():
    row = claims.nearest_resize_translates(drift_table(None, 64, 20))
    assert row["observed"] >= 0.25 > 0.01 > row["baseline"] and row["verdict"] == SUPPORTS
    assert row["n"] == 16  # the cycle's first 76% of 20 steps


def test_others_see_a_transfiguration_from_the_target_rows_only():
    transfer = pd.DataFrame(
        {
            "elements": ["targets"] * 3 + ["controls"] * 2,
            "relation": ["self", "transfer", "transfer", "self", "transfer"],
            "top1": [1.0, 0.75, 0.25, 1.0, 0.0],
        }
    )
    row = claims.seen_by_others(transfer, "shows the target", "top1")
    assert row["n"] == 2 and row["observed"] == 0.5 and row["baseline"] == 1.0
    assert row["verdict"] == SUPPORTS
    transfer.loc[1, "top1"] = 0.5
    assert claims.seen_by_others(transfer, "shows the target", "top1")["verdict"] == CONTRADICTS


def test_vectorisation_merging_and_width_verdicts():
    vectorised = pd.DataFrame(
        {"kind": ["class"] * 4 + ["photo"], "toward_recognises": [False] * 4 + [True]}
    )
    assert claims.vectorisation_mimics(vectorised)["verdict"] == CONTRADICTS
    vectorised["toward_recognises"] = [True, True, False, True, False]
    row = claims.vectorisation_mimics(vectorised)
    assert row["observed"] == 0.75 and row["verdict"] == SUPPORTS
    # The first class's fall right after its own steps, not after the later classes' steps.
    merging = pd.DataFrame(
        {"name": ["tench", "goldfish"], "own_reduction": [15.2, 2.0], "rss_reduction": [2.0, 2.0]}
    )
    row = claims.merging_reduces_rss(merging)
    assert row["verdict"] == SUPPORTS and row["observed"] == 15.2 and "tench" in row["measure"]
    merging["own_reduction"] = [2.0, 15.2]
    assert claims.merging_reduces_rss(merging)["verdict"] == CONTRADICTS
    rows = [
        {"net": net, "narrowest": narrow, "inputs": 2523, "photo": photo, "iteration": it, "m_i": m}
        for net, narrow, final in (("a", 2000, 10.0), ("b", 2523, 1.0), ("c", 5000, 0.95))
        for photo in ("x", "y")
        for it, m in ((0, 20.0), (100, final))
    ]
    width = pd.DataFrame(rows)
    linear = claims.relu_width_for_uniqueness(width, relu=False)
    assert linear["observed"] == 1.0 and linear["verdict"] == SUPPORTS
    assert claims.relu_width_for_uniqueness(width, relu=True)["verdict"] == CONTRADICTS


def test_the_claims_table_names_each_rows_source():
    table = claims.claims_table(
        {
            "commutativity": {"results/opposites/m/commutativity.tsv": pd.DataFrame(
                {"rate": [0.0], "classes": [6]}
            )},
            "merging": {"results/merging/m/merging.tsv": pd.DataFrame(
                {"name": ["tench"], "own_reduction": [3.0]}
            )},
        },
        relu=False,
    )  # fmt: skip
    assert list(table.columns) == claims.COLUMNS
    assert table["source"].tolist() == [
        "results/opposites/m/commutativity.tsv",
        "results/merging/m/merging.tsv",
    ]
    assert table["verdict"].tolist() == [SUPPORTS, CONTRADICTS]


def components(groups: list[list[int]], half: list[str] | None = None) -> pd.DataFrame:
    """A components.tsv of the nearest relation (and one metric row the claims ignore)."""
    rows = [
        {
            "relation": "nearest",
            "component": number,
            "size": len(members),
            "is_clique": False,
            "half": (half or ["mixed"] * len(groups))[number],
            "members": "; ".join(f"{m} class {m}" for m in members),
        }
        for number, members in enumerate(groups)
    ]
    rows.append({**rows[0], "relation": "metric", "members": "281 tabby; 282 tiger cat"})
    return pd.DataFrame(rows)


def test_a_group_in_one_component_against_random_classes():
    cats = [281, 282, 283, 284]
    others = [[c, c + 1] for c in range(400, 440, 2)]  # 20 components of two objects
    together = claims.group_shares_a_component(
        components([[*cats, 285], *others]), claims.CATS, "cats"
    )
    assert together["n"] == 5 and together["observed"] == 1.0
    # five random classes of 45 rarely share one component (at most 5 of them do)
    assert together["baseline"] < 0.6 and together["p_value"] < 0.01
    assert together["verdict"] == SUPPORTS
    apart = claims.group_shares_a_component(
        components([[281, 400], [282, 401], [283, 402], [284, 403]]), claims.CATS, "cats"
    )
    assert apart["observed"] == 0.25 and apart["verdict"] == CONTRADICTS
    # the metric relation's cats are not counted; no terrier at all is too small to say
    none = claims.group_shares_a_component(components(others), claims.TERRIERS, "terriers")
    assert none["n"] == 0 and none["verdict"] == TOO_SMALL
    assert (
        claims.group_shares_a_component(components([[*cats, 285], *others]), claims.CATS, "cats")
        == together
    )  # seeded


def test_the_objects_largest_component_against_the_animals():
    # 100 animal and 110 object classes: pairs, and one larger component of each half
    animals = [[*range(0, 3)], *[[c, c + 1] for c in range(3, 99, 2)], [99, 398]]
    objects = [[*range(400, 404)], *[[c, c + 1] for c in range(404, 508, 2)]]

    def measured(groups):
        half = ["animals" if max(g) < 398 else "rest" if min(g) >= 398 else "mixed" for g in groups]
        return claims.objects_have_the_largest_component(components(groups, half))

    row = measured([*animals, *objects])
    assert row["observed"] == round(4 / 3, 4) and row["n"] == 100
    assert row["verdict"] == SUPPORTS
    animals[0] = [*range(0, 3), *range(100, 105)]  # now the animals' is the largest
    assert measured([*animals, *objects])["verdict"] == CONTRADICTS
    assert measured([*animals[:10], *objects])["verdict"] == TOO_SMALL  # 20 animal classes
