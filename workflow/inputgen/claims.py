"""The source articles' claims as numbers: each claim measured on a run's tables, against its
baseline, with a verdict (supports, contradicts, or too small to say).

Every function takes the plain tables of one study (pandas frames, as the stages wrote them)
and returns one row of the claims table (``ROW``'s columns, ``source`` left to the caller);
``claims_table`` gathers them. The verdict rules are stated in each function; a claim whose
classes or tables the run does not have is "too small to say", with n saying how much it had.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Mapping

import numpy as np
import pandas as pd
from scipy import stats

from inputgen.engine.imagenet_groups import ANIMALS, group_of

SUPPORTS, CONTRADICTS, TOO_SMALL = "supports", "contradicts", "too small to say"
COLUMNS = [
    "article", "claim", "measure", "n", "observed", "baseline", "p_value", "verdict", "source",
]  # fmt: skip
ALPHA = 0.05  # the significance of a claim that says "more than chance"
DRAWS = 10_000  # Monte Carlo draws of a baseline (seeded)

# ImageNet index ranges of the article's named groups (source article 2)
SNAKES = frozenset(range(52, 69))
LIZARDS_AND_AMPHIBIANS = frozenset([*range(25, 33), *range(38, 51)])  # with the crocodiles
DOGS = frozenset(range(151, 269))
BIRDS = frozenset(index for index in range(1000) if group_of(index) == "birds")
FISH = frozenset(index for index in range(1000) if group_of(index) == "fish")
JAY, INDIGO_BUNTING = 17, 14
CATS = frozenset(range(281, 294))  # domestic and wild cats (tabby .. cheetah)
TERRIERS = frozenset(range(179, 204))  # WordNet's terriers (Staffordshire .. West Highland)
BALLS = frozenset(index for index in range(1000) if group_of(index) == "balls")


def _row(article, claim, measure, n, observed, baseline, p_value, holds, min_n) -> dict:
    if n < min_n or observed is None or (isinstance(observed, float) and math.isnan(observed)):
        verdict = TOO_SMALL
    else:
        verdict = SUPPORTS if holds else CONTRADICTS
    return {
        "article": article,
        "claim": claim,
        "measure": measure,
        "n": int(n),
        "observed": observed,
        "baseline": baseline,
        "p_value": p_value,
        "verdict": verdict,
    }


def _rng() -> np.random.Generator:
    return np.random.default_rng(0)


# ------------------------------------------------------------------------------- opposites
def naive_opposites_concentrate(opposites: pd.DataFrame, label_count: int = 1000) -> dict:
    """[2]: the naive opposite (the least activated output on the class image) falls on "only a
    few classes". Distinct naive opposites over the classes against the number expected of
    uniform draws (its p: the chance of as few); supports when p < ALPHA, from 8 classes."""
    drawn = opposites["naive_opposite"].astype(int)
    n, distinct = len(drawn), int(drawn.nunique())
    expected = label_count * (1 - (1 - 1 / label_count) ** n)
    samples = _rng().integers(0, label_count, size=(DRAWS, max(n, 1)))
    counts = np.array([len(np.unique(row)) for row in samples])
    p_value = float((np.sum(counts <= distinct) + 1) / (DRAWS + 1))
    return _row(
        "[2]",
        "the naive opposites (least activated outputs) fall on only a few classes",
        "distinct naive opposites; baseline: expected of uniform draws",
        n, distinct, round(expected, 3), p_value, p_value < ALPHA, 8,
    )  # fmt: skip


def group_opposites(
    opposites: pd.DataFrame,
    members: Collection[int],
    targets: Collection[int],
    claim: str,
    majority: bool,
) -> dict:
    """[2]: the opposites of a group's classes (``members``) fall in ``targets``. The fraction
    of the group's classes whose opposite is in ``targets`` against the fraction of all the
    table's opposites in ``targets`` (the permutation baseline: opposites shuffled over the
    classes); p: the hypergeometric chance of as many. Supports when p < ALPHA, and with
    ``majority`` (the article's "nearly every") when the fraction is at least one half; from
    3 classes of the group."""
    classes, found = opposites["class"].astype(int), opposites["opposite"].astype(int)
    inside = classes.isin(list(members))
    hits_all = found.isin(list(targets))
    n, hits = int(inside.sum()), int((inside & hits_all).sum())
    observed = hits / n if n else float("nan")
    baseline = float(hits_all.mean()) if len(found) else float("nan")
    p_value = float(stats.hypergeom.sf(hits - 1, len(found), int(hits_all.sum()), n)) if n else 1.0
    holds = p_value < ALPHA and (not majority or observed >= 0.5)
    return _row(
        "[2]", claim, "fraction of the group's opposites in the named group; baseline: of all",
        n, round(observed, 4), round(baseline, 4), p_value, holds, 3,
    )  # fmt: skip


def opposites_rarely_commute(commutativity: pd.DataFrame) -> dict:
    """[2]: "opposites are rarely commutative". The fraction of classes whose opposite's
    opposite is the class, against the chance that a class is drawn back (1 / the classes);
    supports when under one half, from 5 classes."""
    row = commutativity.iloc[0]
    n, rate = int(row["classes"]), float(row["rate"])
    return _row(
        "[2]", "opposites are rarely commutative",
        "fraction of classes whose opposite's opposite is the class; baseline: 1 / classes",
        n, rate, round(1 / max(n, 1), 4), None, rate < 0.5, 5,
    )  # fmt: skip


# ------------------------------------------------------------------- nearest-neighbour graph
COMPONENT_CLAIMS = {
    "cats form one component of the nearest-neighbour graph": CATS,
    "terriers form one component of the nearest-neighbour graph": TERRIERS,
    "the sports balls cluster in one component": BALLS,
}


def _nearest_components(components: pd.DataFrame) -> list[list[int]]:
    """The class indices of each component of the nearest-neighbour graph (components.tsv)."""
    nearest = components[components["relation"] == "nearest"]
    return [
        [int(member.split(" ", 1)[0]) for member in str(members).split("; ")]
        for members in nearest["members"]
    ]


def group_shares_a_component(
    components: pd.DataFrame, group: Collection[int], claim: str, seed: int = 0
) -> dict:
    """[2]: a named group's classes (cats, terriers, sports balls) form one component of the
    nearest-neighbour graph. The largest share of the group's classes in the graph that lie in
    one component, against a permutation baseline: as many classes drawn at random from the
    graph's nodes (the same components), DRAWS times, seeded; p: the chance of a share at least
    as large. Supports when p < ALPHA and at least half share one component; from 3 classes."""
    members = _nearest_components(components)
    nodes = np.array([m for component in members for m in component], dtype=int)
    component_of = np.repeat(np.arange(len(members)), [len(c) for c in members])
    inside = np.isin(nodes, list(group))
    n = int(inside.sum())
    measure = "largest share of the group's classes in one component; baseline: random classes"
    if n == 0:
        return _row("[2]", claim, measure, 0, None, None, None, False, 3)
    observed = np.bincount(component_of[inside]).max() / n
    rng = np.random.default_rng(seed)
    drawn = rng.permuted(np.broadcast_to(component_of, (DRAWS, len(nodes))), axis=1)[:, :n]
    counts = np.zeros((DRAWS, len(members)), dtype=int)
    np.add.at(counts, (np.arange(DRAWS)[:, None], drawn), 1)
    baseline = counts.max(axis=1) / n
    p_value = float((1 + (baseline >= observed - 1e-12).sum()) / (1 + DRAWS))
    holds = p_value < ALPHA and observed >= 0.5
    return _row(
        "[2]", claim, measure,
        n, round(float(observed), 4), round(float(baseline.mean()), 4), p_value, holds, 3,
    )  # fmt: skip


def objects_have_the_largest_component(components: pd.DataFrame) -> dict:
    """[2]: the non-animal half of ImageNet has a nearest-neighbour component larger than any
    of the animal half's. The largest component of objects only (classes 398-999) over the
    largest of animals only (0-397), against 1 (as large); supports above 1. n: the graph's
    classes in the smaller half; the claim is about the halves, so from 100 classes in each
    (mixed components count for neither half)."""
    nearest = components[components["relation"] == "nearest"]
    nodes = [m for members in _nearest_components(components) for m in members]
    n = min(sum(m in ANIMALS for m in nodes), sum(m not in ANIMALS for m in nodes))
    animals = nearest.loc[nearest["half"] == "animals", "size"].astype(int)
    objects = nearest.loc[nearest["half"] == "rest", "size"].astype(int)
    ratio = float(objects.max() / animals.max()) if len(animals) and len(objects) else None
    return _row(
        "[2]", "the non-animal half has a larger nearest-neighbour component than any animal one",
        "largest component of objects over the largest of animals; baseline: as large",
        n, None if ratio is None else round(ratio, 4), 1.0, None, bool(ratio and ratio > 1), 100,
    )  # fmt: skip


# ------------------------------------------------------------------------------- embedding
def jay_nearest_to_indigo_bunting(embedding: pd.DataFrame) -> dict:
    """[2]: in the two-feature embedding the class nearest the indigo bunting is the jay. The
    jay's rank among the indigo bunting's neighbours (1: nearest) against the mean rank of a
    class placed at random; supports at rank 1. Too small when the run lacks either class."""
    features = [c for c in embedding.columns if c.startswith("feature_")]
    classes = embedding["class"].astype(int).tolist()
    n = len(classes)
    if JAY not in classes or INDIGO_BUNTING not in classes:
        return _row(
            "[2]", "the jay is the indigo bunting's nearest class in the feature embedding",
            "the jay's rank among the indigo bunting's neighbours; baseline: a random rank",
            0, None, None, None, False, 2,
        )  # fmt: skip
    points = embedding.set_index(embedding["class"].astype(int))[features].astype(float)
    distance = ((points - points.loc[INDIGO_BUNTING]) ** 2).sum(axis=1).drop(INDIGO_BUNTING)
    rank = int((distance < distance.loc[JAY]).sum()) + 1
    return _row(
        "[2]", "the jay is the indigo bunting's nearest class in the feature embedding",
        "the jay's rank among the indigo bunting's neighbours; baseline: a random rank",
        n, rank, (n - 1 + 1) / 2, None, rank == 1, 2,
    )  # fmt: skip


# --------------------------------------------------------------------------- generation
def nearest_resize_translates(drift: pd.DataFrame) -> dict:
    """[1]: nearest-neighbour resizing translates the picture, bilinear does not. The drift of
    the centre of mass per resize of the article's size cycle, nearest against bilinear;
    supports when nearest moves at least 0.25 px a resize and bilinear under 0.01."""
    cycle = drift[drift["resize"] == "article_cycle"].set_index("mode")
    nearest = float(cycle.loc["nearest", "drift_per_resize_px"])
    bilinear = float(cycle.loc["bilinear", "drift_per_resize_px"])
    return _row(
        "[1]", "nearest-neighbour resizing moves the picture; bilinear does not",
        "drift per resize in px of the size cycle, nearest; baseline: bilinear",
        int(cycle.loc["nearest", "resizes"]), round(nearest, 4), round(bilinear, 6), None,
        nearest >= 0.25 and bilinear < 0.01, 1,
    )  # fmt: skip


def seen_by_others(transfer: pd.DataFrame, claim: str, column: str, article: str = "[1]") -> dict:
    """A claim that a change made with one model shows to the others: the mean of ``column``
    over the transfer rows (the other pretrained models) against the generator's own (self);
    supports when at least one half, from one other model."""
    if "elements" in transfer.columns:  # transfiguration: the targets, not the controls
        transfer = transfer[transfer["elements"] == "targets"]
    others = transfer[transfer["relation"] == "transfer"]
    own = transfer[transfer["relation"] == "self"]
    observed = float(others[column].astype(float).mean()) if len(others) else float("nan")
    baseline = float(own[column].astype(float).mean()) if len(own) else float("nan")
    return _row(
        article, claim, f"mean {column} under the other models; baseline: the generator's own",
        len(others), round(observed, 4), round(baseline, 4), None, observed >= 0.5, 1,
    )  # fmt: skip


# ------------------------------------------------------------------------ output space
def vectorisation_mimics(vectorisation: pd.DataFrame, label_count: int = 1000) -> dict:
    """[3]: theta1 vectorised toward theta2's class picture mimics it. The fraction of classes
    theta2 recognises in the vectorised image against chance (1 / the classes); supports when
    at least one half, from 3 classes."""
    classes = vectorisation[vectorisation["kind"] == "class"]
    recognised = classes["toward_recognises"].map(lambda v: str(v) in ("True", "1")).astype(float)
    return _row(
        "[3]", "a model vectorised toward another's class picture mimics it",
        "fraction of classes the other model recognises; baseline: chance",
        len(classes), round(float(recognised.mean()), 4) if len(classes) else float("nan"),
        1 / label_count, None, float(recognised.mean() or 0) >= 0.5, 3,
    )  # fmt: skip


def merging_reduces_rss(merging: pd.DataFrame) -> dict:
    """[3]: merging by parameters lowers the RSS to the other model's outputs about 15-fold on
    its first case (one image, GoogLeNet's tench, 1000 steps). The first class's RSS before
    over right after its own steps (``own_reduction``: before the later classes move the
    parameters on), against 1 (no change); supports from half the article's factor (7.5)."""
    first = merging.iloc[0]
    factor = float(first["own_reduction"])
    return _row(
        "[3]", "merging by parameters lowers the RSS about 15-fold (its first case)",
        f"RSS before / after its own steps, the first class ({first['name']}); "
        "baseline: no change",
        1, factor, 1.0, None, factor >= 7.5, 1,
    )  # fmt: skip


# ---------------------------------------------------------------------------------- depth
def relu_width_for_uniqueness(width: pd.DataFrame, relu: bool) -> dict:
    """[3]: a ReLU net needs about twice the input width (a linear one the input width) for a
    unique representation. The narrowest layer, over the input size, at which the recovered
    image's distance m_i (at the last iteration, mean over photos) stops falling: the first
    net whose next wider net lowers it by less than 10%. Against the article's 2 (ReLU) or 1
    (linear); supports within 0.75 to 1.5 times it, from 3 widths."""
    last = width[width["iteration"] == width.groupby("net")["iteration"].transform("max")]
    by_width = last.groupby("narrowest")["m_i"].mean().sort_index()
    inputs = float(width["inputs"].iloc[0])
    widths = by_width.index.tolist()
    stop = widths[-1]
    for narrow, wider in zip(widths, widths[1:], strict=False):
        if by_width[wider] > 0.9 * by_width[narrow]:
            stop = narrow
            break
    expected = 2.0 if relu else 1.0
    ratio = stop / inputs
    kind = "ReLU" if relu else "linear"
    claim = f"a {kind} net needs about {expected:g}x the input width for a unique representation"
    return _row(
        "[3]", claim,
        "narrowest width where m_i stops falling, over the inputs; baseline: the article's",
        len(widths), round(ratio, 4), expected, None, 0.75 * expected <= ratio <= 1.5 * expected, 3,
    )  # fmt: skip


# ------------------------------------------------------------------- article 1's opening
def confident_from_noise(noise: pd.DataFrame) -> dict:
    """[1]: plain gradient descent from noise makes images the model calls their class with
    confidence (yet unlike the class). The mean probability of the class after the descent
    against at the noise start; supports from 0.9, over 2 classes or more."""
    observed, baseline = float(noise["end_prob"].mean()), float(noise["start_prob"].mean())
    return _row(
        "[1]", "descent from noise gives images the model calls their class with confidence",
        "mean probability of the class after the descent; baseline: at the noise start",
        len(noise), round(observed, 4), round(baseline, 4), None, observed >= 0.9, 2,
    )  # fmt: skip


def random_directions_rarely_change(random: pd.DataFrame) -> dict:
    """[1]: a small step in a random direction very rarely changes the model's output. The
    fraction of photos whose top-1 a random sign step changes against the fraction a gradient
    sign step of the same size changes; supports under 0.1 and under the gradient's, from 10
    photos."""

    def changed(column):
        return float(random[column].map(lambda v: str(v) in ("True", "1")).mean())

    observed, baseline = changed("random_changes"), changed("gradient_changes")
    return _row(
        "[1]", "a small step in a random direction very rarely changes the output",
        "fraction of photos a random sign step changes; baseline: a gradient sign step",
        len(random), round(observed, 4), round(baseline, 4), None,
        observed < 0.1 and observed < baseline, 10,
    )  # fmt: skip


def own_class_changes_least(transfigured: pd.DataFrame) -> list[dict]:
    """[1]: transfigured toward a class, photos of that class change least. Per target: the
    rank of its own class's mean net change among the classes (1: least) against the mean
    rank of a class at random; supports at rank 1, from 2 classes."""
    rows = []
    for target, group in transfigured.groupby("target", sort=False):
        means = group.groupby("photo_class")["change_l2"].mean()
        n = len(means)
        rank = int((means < means.get(target, float("inf"))).sum()) + 1 if target in means else None
        rows.append(
            _row(
                "[1]",
                f"photos of {target} change least toward {target}",
                "rank of the class's mean net change among the classes; baseline: a random rank",
                n,
                rank,
                (n + 1) / 2,
                None,
                rank == 1,
                2,
            )  # fmt: skip
        )
    return rows


# ---------------------------------------------------------------------------------- table
GROUP_CLAIMS: dict[str, tuple[Collection[int], Collection[int], bool]] = {
    "nearly every dog's opposite is a dog": (DOGS, DOGS, True),
    "the opposites of snakes are lizards, crocodiles or amphibians": (
        SNAKES, LIZARDS_AND_AMPHIBIANS, True,
    ),
    "the opposites of a number of birds are fish": (BIRDS, FISH, False),
}  # fmt: skip


def claims_table(tables: Mapping[str, Mapping[str, pd.DataFrame]], relu: bool) -> pd.DataFrame:
    """Every claim the run's tables can speak to: ``tables`` maps a kind (opposites,
    commutativity, embedding, components (of a generator's graph under itself), drift,
    transfiguration, interpolation, vectorisation, merging, width, flowers_noise,
    flowers_random, flowers_transfigured) to its ``{path: frame}``; one
    row per claim and table (per target for the transfigured flowers), its ``source`` the
    path."""
    measures: dict[str, list[Callable[[pd.DataFrame], dict]]] = {
        "opposites": [naive_opposites_concentrate]
        + [
            lambda frame, claim=claim, spec=spec: group_opposites(frame, *spec[:2], claim, spec[2])
            for claim, spec in GROUP_CLAIMS.items()
        ],
        "commutativity": [opposites_rarely_commute],
        "embedding": [jay_nearest_to_indigo_bunting],
        "components": [
            lambda frame, claim=claim, group=group: group_shares_a_component(frame, group, claim)
            for claim, group in COMPONENT_CLAIMS.items()
        ]
        + [objects_have_the_largest_component],
        "drift": [nearest_resize_translates],
        "transfiguration": [
            lambda frame: seen_by_others(
                frame, "a photo transfigured toward a class shows that class", "top1"
            )
        ],
        "interpolation": [
            lambda frame: seen_by_others(
                frame, "interpolated frames pass from the first class to the second", "passes"
            )
        ],
        "vectorisation": [vectorisation_mimics],
        "merging": [merging_reduces_rss],
        "width": [lambda frame: relu_width_for_uniqueness(frame, relu)],
        "flowers_noise": [confident_from_noise],
        "flowers_random": [random_directions_rarely_change],
        "flowers_transfigured": [own_class_changes_least],
    }
    rows = []
    for kind, functions in measures.items():
        for path, frame in (tables.get(kind) or {}).items():
            for measure in functions:
                measured = measure(frame)
                for row in measured if isinstance(measured, list) else [measured]:
                    rows.append({**row, "source": path})
    return pd.DataFrame(rows, columns=COLUMNS)
