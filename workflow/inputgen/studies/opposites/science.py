"""Opposites (source article 2): each class's logit minimised, the image labelled by what the
model then sees; the graph of class -> opposite, opposites of opposites and commutativity, and
how the other models see the opposites."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import networkx as nx
import pandas as pd
import torch

from inputgen.engine.generation import batches, opposites, recognition
from inputgen.engine.generation_settings import GenerationSettings
from inputgen.engine.models import ZooModel


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
