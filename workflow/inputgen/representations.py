"""Class representations (source article 1) and opposites (source article 2).

A class representation is an input optimised toward a class (the class objective: its logit
toward a constant, or its margin over the other logits), under natural-image priors. An
opposite minimises the class logit instead and is labelled by what the model then sees. The
images themselves are made by the engine's generation layer (:mod:`inputgen.engine.generation`);
this module holds the studies built on them and their tables.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import networkx as nx
import pandas as pd
import torch

from inputgen.engine.generation import batches, class_term, opposites, recognition, run
from inputgen.engine.generation_settings import GenerationSettings
from inputgen.engine.models import ZooModel, activations
from inputgen.engine.objectives import FeatureMean, LogitTarget
from inputgen.engine.optimize import Result

# Start k of class c is element c + START_STRIDE * k: start 0 is the class representation.
START_STRIDE = 1000


def random_starts(
    zoo: ZooModel, classes: Sequence[int], starts: int, settings: GenerationSettings, seed: int
) -> tuple[Result, list[tuple[int, int]]]:
    """``starts`` images of each class from different random starts (source article 1: "for
    around half of our 16 random inputs we get a recognizable lion face"). Returns the result
    and each element's (class, start), class by class."""
    if starts < 1:
        raise ValueError(f"starts must be >= 1, got {starts}")
    elements = [(c, k) for c in classes for k in range(starts)]
    ids = [c + START_STRIDE * k for c, k in elements]
    objective = class_term(settings, "model", [c for c, _ in elements])
    result = run({"model": zoo}, objective, ids, settings, seed, progress="random starts")
    return result, elements


def auxiliary_representations(
    zoo: ZooModel,
    classes: Sequence[int],
    layer: str,
    head: str,
    settings: GenerationSettings,
    seed: int,
) -> Result:
    """Class representations from an auxiliary head (source article 1: InceptionV3's
    ``AuxLogits`` on ``Mixed_6e``), which eval mode skips: the head runs on the tapped layer."""
    objective = class_term(settings, "model", classes, head=(layer, head))
    return run({"model": zoo}, objective, classes, settings, seed, progress="auxiliary head")


@torch.no_grad()
def head_logits(
    zoo: ZooModel, images: torch.Tensor, layer: str, head: str, batch_size: int
) -> torch.Tensor:
    """The auxiliary head's logits on images, ``batch_size`` at a time, on the CPU."""
    module = zoo.model.get_submodule(head)
    outputs = []
    for taps in activations(zoo, images, [layer], batch_size):
        # the head is no layer of the model's forward pass (eval skips it): run on the tapped layer
        outputs.append(module(taps[layer]).float().cpu())
    return torch.cat(outputs)


def feature_visualisations(
    zoo: ZooModel, layer: str, channels: Sequence[int], settings: GenerationSettings, seed: int
) -> Result:
    """Inputs that maximise the mean activation of each channel of ``layer`` (the feature maps
    source article 2 shows for its two-feature embedding), one element per channel."""
    objective = FeatureMean("model", layer, channels)
    return run({"model": zoo}, objective, channels, settings, seed, progress="feature maps")


def pair(
    first: ZooModel,
    second: ZooModel,
    classes: Sequence[int],
    operation: str,
    weights: tuple[float, float],
    settings: GenerationSettings,
    seed: int,
) -> Result:
    """Two models at once (source article 3): the combined objective
    ``d (C - O_c(a; theta1)) + e (C - O_c(a; theta2))`` (g') for ``+``, and the difference
    ``d (C - O_c(a; theta1)) - e (C - O_c(a; theta2))`` (g'') for ``-``, which raises the first
    model's logit and lowers the second's. The terms are signed, as in the article: with
    ``|C - O|`` the difference would reward raising O2 once it passed C."""
    d, e = weights
    one = LogitTarget("first", classes, settings.constant, absolute=False)
    two = LogitTarget("second", classes, settings.constant, absolute=False)
    if operation not in ("+", "-"):
        raise ValueError(f"operation must be + or -, got {operation!r}")
    objective = d * one + e * two if operation == "+" else d * one - e * two
    models = {"first": first, "second": second}
    return run(models, objective, classes, settings, seed, progress=f"pair {operation}")


# ---------------------------------------------------------------------------------- tables


def summary_table(
    generator: pd.DataFrame, others: Mapping[str, pd.DataFrame], names: Sequence[str]
) -> pd.DataFrame:
    """One row per class: the generator's view, then whether each other model recognises it."""
    table = pd.DataFrame(
        {
            "class": generator["class"],
            "name": [names[c] for c in generator["class"]],
            "target_logit": generator["target_logit"].round(4),
            "top1": generator["top1"],
            "top1_name": [names[c] for c in generator["top1"]],
            "top1_prob": generator["top1_prob"].round(4),
            "top5_names": ["; ".join(names[c] for c in row) for row in generator["top5"]],
            "self_top1": (generator["top1"] == generator["class"]).astype(int),
        }
    )
    for evaluator, seen in others.items():
        table[f"{evaluator}_top1"] = (seen["top1"] == seen["class"]).astype(int)
        table[f"{evaluator}_top5"] = [
            int(c in row) for c, row in zip(seen["class"], seen["top5"], strict=True)
        ]
    return table


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


def opposite_table(
    seen: pd.DataFrame, minimised_logit: torch.Tensor, names: Sequence[str]
) -> pd.DataFrame:
    """class -> its opposite: the model's argmax on the image that minimised the class."""
    return pd.DataFrame(
        {
            "class": seen["class"],
            "name": [names[c] for c in seen["class"]],
            "opposite": seen["top1"],
            "opposite_name": [names[c] for c in seen["top1"]],
            "opposite_prob": seen["top1_prob"].round(4),
            "class_logit": minimised_logit.tolist(),
        }
    )


def opposite_graph(table: pd.DataFrame) -> nx.DiGraph:
    """The directed opposite relation: class -> opposite, nodes named."""
    graph = nx.DiGraph()
    for cls, name in zip(table["class"], table["name"], strict=True):
        graph.add_node(int(cls), name=name)
    for cls, opposite, name, prob in zip(
        table["class"],
        table["opposite"],
        table["opposite_name"],
        table["opposite_prob"],
        strict=True,
    ):
        graph.add_node(int(opposite), name=name)
        graph.add_edge(int(cls), int(opposite), probability=float(prob))
    return graph


def commutativity(table: pd.DataFrame, extra: Mapping[int, int] | None = None) -> tuple[float, int]:
    """How often opposite(opposite(c)) == c over the target classes. ``extra`` maps the
    opposites that were not targets themselves to their own opposites; a class whose second
    opposite is unknown is left out. Returns (rate, number of classes counted)."""
    opposite = {**(extra or {}), **dict(zip(table["class"], table["opposite"], strict=True))}
    known = [c for c in table["class"] if opposite[c] in opposite]
    if not known:
        return float("nan"), 0
    return sum(opposite[opposite[c]] == c for c in known) / len(known), len(known)


def pair_table(
    classes: Sequence[int],
    logits: Mapping[str, torch.Tensor],
    combined: torch.Tensor,
    names: Sequence[str],
) -> pd.DataFrame:
    """Per class: each model's top-1 and target probability, and the top-1 of the pair's own
    combination of logits (``d O1 + e O2`` or ``d O1 - e O2``)."""
    target = torch.as_tensor(list(classes))
    table = pd.DataFrame({"class": target.tolist(), "name": [names[c] for c in target]})
    for label, values in [*logits.items(), ("pair", combined)]:
        probabilities = values.softmax(dim=1)
        top1 = values.argmax(dim=1)
        table[f"{label}_top1"] = top1.tolist()
        table[f"{label}_top1_name"] = [names[c] for c in top1.tolist()]
        chosen = probabilities.gather(1, target[:, None])[:, 0]
        table[f"{label}_target_prob"] = [round(v, 4) for v in chosen.tolist()]
        table[f"{label}_recognised"] = (top1 == target).int().tolist()
    return table


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


def starts_table(
    elements: Sequence[tuple[int, int]], seen: pd.DataFrame, names: Sequence[str]
) -> pd.DataFrame:
    """Per random start (``elements``: (class, start), as ``random_starts`` returns them):
    what the model sees (``seen``: ``recognition`` against the classes)."""
    targets = [c for c, _ in elements]
    return pd.DataFrame(
        {
            "class": targets,
            "name": [names[c] for c in targets],
            "start": [k for _, k in elements],
            "top1_name": [names[c] for c in seen["top1"]],
            "top1_prob": seen["top1_prob"].round(4),
            "self_top1": (seen["top1"] == seen["class"]).astype(int),
        }
    )


def auxiliary_table(
    classes: Sequence[int], head: torch.Tensor, main: pd.DataFrame, names: Sequence[str]
) -> pd.DataFrame:
    """Per class: the auxiliary head's logit for it and its top-1 (``head``: the head's logits,
    classes x 1000), and what the main output sees (``main``: ``recognition``)."""
    index = torch.tensor(list(classes))[:, None]
    return pd.DataFrame(
        {
            "class": list(classes),
            "name": [names[c] for c in classes],
            "head_logit": head.gather(1, index)[:, 0].round(decimals=4).tolist(),
            "head_top1_name": [names[c] for c in head.argmax(dim=1).tolist()],
            "head_self_top1": (head.argmax(dim=1) == index[:, 0]).int().tolist(),
            "main_top1_name": [names[c] for c in main["top1"]],
            "main_top1_prob": main["top1_prob"].round(4),
            "main_self_top1": (main["top1"] == main["class"]).astype(int),
        }
    )


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


def pair_combination(
    first: torch.Tensor, second: torch.Tensor, operation: str, weights: Sequence[float]
) -> torch.Tensor:
    """The pair's own logits: ``d O1 + e O2`` for ``+``, ``d O1 - e O2`` for ``-``."""
    if operation not in ("+", "-"):
        raise ValueError(f"operation must be + or -, got {operation!r}")
    d, e = weights
    sign = 1 if operation == "+" else -1
    return d * first + sign * e * second


# ------------------------------------------------------------------------------- opposites
def second_opposites(
    zoo: ZooModel,
    table: pd.DataFrame,
    settings: GenerationSettings,
    seed: int,
    batch_size: int,
) -> dict[int, int]:
    """The opposites of the opposites that were not targets themselves (seeded by class, so
    exactly what a run targeting them would make): commutativity then covers every target."""
    second = sorted(set(table["opposite"]) - set(table["class"]))
    extra = {}
    for batch in batches(second, batch_size):
        result = opposites(zoo, batch, settings, seed)
        seen = zoo.batched_logits(result.images, batch_size).argmax(dim=1).tolist()
        extra.update(zip(batch, seen, strict=True))
    return extra


def opposites_of_opposites(table: pd.DataFrame, extra: Mapping[int, int]) -> list[int]:
    """Per target class: the opposite of its opposite (a target's own opposite from the table,
    another's from ``extra``)."""
    mapping = {**extra, **dict(zip(table["class"], table["opposite"], strict=True))}
    return [mapping[o] for o in table["opposite"]]


def commutativity_table(table: pd.DataFrame, extra: Mapping[int, int]) -> pd.DataFrame:
    """One row: how often the opposite's opposite is the class again, and over how many."""
    rate, count = commutativity(table, extra)
    return pd.DataFrame({"rate": [rate], "classes": [count]})


def opposites_study(
    zoo: ZooModel,
    images: torch.Tensor,
    classes: Sequence[int],
    settings: GenerationSettings,
    seed: int,
    batch_size: int,
    representations: torch.Tensor | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The opposites table of the minimised images (``images``, one per class) and its
    commutativity. With the class representations (one per class, in order) it adds the naive
    opposite: the argmin of the model's output on the class's own image."""
    seen = recognition(zoo, images, classes, batch_size)
    table = opposite_table(seen, torch.tensor(seen["target_logit"].values), zoo.class_names)
    extra = second_opposites(zoo, table, settings, seed, batch_size)
    table["opposite_of_opposite"] = opposites_of_opposites(table, extra)
    commutes = commutativity_table(table, extra)
    if representations is not None:
        lowest = zoo.batched_logits(representations, batch_size).argmin(dim=1).tolist()
        table["naive_opposite"] = lowest
        table["naive_opposite_name"] = [zoo.class_names[c] for c in lowest]
    return table, commutes


def agreement_columns(
    opposites: Sequence[int], seen: Mapping[str, pd.DataFrame], names: Sequence[str]
) -> pd.DataFrame:
    """Per opposite image and other model: its top-1 name and whether that is the generator's
    opposite (``{model}_agrees``, 0/1)."""
    columns = {}
    for model, view in seen.items():
        columns[f"{model}_top1_name"] = [names[int(c)] for c in view["top1"]]
        columns[f"{model}_agrees"] = [
            int(int(c) == int(o)) for c, o in zip(view["top1"], opposites, strict=True)
        ]
    return pd.DataFrame(columns)


def rated_opposites(
    table: pd.DataFrame, others: Mapping[str, pd.DataFrame], names: Sequence[str]
) -> pd.DataFrame:
    """The opposites table with how every other model sees each opposite image, and whether
    it agrees with the generator's opposite."""
    agreement = agreement_columns(table["opposite"].tolist(), others, names)
    return pd.concat([table, agreement], axis=1)
