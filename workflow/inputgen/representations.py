"""Class representations (source article 1) and opposites (source article 2).

A class representation is an input optimised so that a model's logit for the class reaches a
large constant, under natural-image priors. An opposite minimises the class logit instead and
is labelled by what the model then sees. Both run all classes of a model in one batch.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import networkx as nx
import pandas as pd
import torch

from inputgen.models import ZooModel, capture
from inputgen.objectives import FeatureMean, InputL1, LogitMinimum, LogitTarget, Term
from inputgen.optimize import Result, build_priors, optimize, scaled_random_init
from inputgen.parameterisations import Parameterisation


@dataclass(frozen=True)
class GenerationSettings:
    """The knobs of one generation run (every one is a Snakemake param)."""

    steps: int = 64
    lr: float = 0.01
    lr_end: float | None = None
    rule: str = "sign"
    constant: float = 30.0
    l1: float = 0.0
    priors: Mapping[str, Mapping | None] = field(default_factory=dict)
    octaves: Sequence[float] = (1.0,)
    init_spread: float = 1 / 25
    parameterisation: str = "pixels"
    decorrelate: bool = False

    @classmethod
    def from_dict(cls, values: Mapping) -> GenerationSettings:
        unknown = sorted(set(values) - set(cls.__dataclass_fields__))
        if unknown:
            raise ValueError(f"unknown generation settings {unknown}")
        return cls(**values)


def run(
    models: Mapping[str, ZooModel],
    objective: Term,
    ids: Sequence[int],
    settings: GenerationSettings,
    seed: int,
    init: torch.Tensor | None = None,
    frames: int = 0,
    progress: str = "generating",
) -> Result:
    """Optimise one image per id under ``objective`` (its terms name keys of ``models``),
    from the scaled random start at the models' largest input size unless ``init`` is given."""
    device = next(iter(models.values())).preprocess.mean.device
    if init is None:
        size = max(zoo.spec["input_size"] for zoo in models.values())
        init = scaled_random_init(ids, size, seed, spread=settings.init_spread)
    if settings.l1:
        objective = objective + InputL1(settings.l1)
    return optimize(
        models,
        objective,
        init.to(device),
        steps=settings.steps,
        lr=settings.lr,
        lr_end=settings.lr_end,
        rule=settings.rule,
        priors=build_priors(settings.priors),
        octaves=tuple(settings.octaves),
        ids=ids,
        seed=seed,
        frames=frames,
        progress=progress,
        parameterisation=Parameterisation(settings.parameterisation, settings.decorrelate),
    )


def class_representations(
    zoo: ZooModel, classes: Sequence[int], settings: GenerationSettings, seed: int
) -> Result:
    objective = LogitTarget("model", classes, settings.constant)
    return run({"model": zoo}, objective, classes, settings, seed, progress="representations")


def opposites(
    zoo: ZooModel, classes: Sequence[int], settings: GenerationSettings, seed: int
) -> Result:
    objective = LogitMinimum("model", classes)
    return run({"model": zoo}, objective, classes, settings, seed, progress="opposites")


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
    objective = LogitTarget("model", [c for c, _ in elements], settings.constant)
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
    objective = LogitTarget("model", classes, settings.constant, head=(layer, head))
    return run({"model": zoo}, objective, classes, settings, seed, progress="auxiliary head")


@torch.no_grad()
def head_logits(
    zoo: ZooModel, images: torch.Tensor, layer: str, head: str, batch_size: int
) -> torch.Tensor:
    """The auxiliary head's logits on images, ``batch_size`` at a time, on the CPU."""
    device = zoo.preprocess.mean.device
    module = zoo.model.get_submodule(head)
    outputs = []
    for chunk in torch.split(images, batch_size):
        with capture(zoo.model, [layer]) as taps:
            zoo.logits(chunk.to(device))
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
def recognition(
    zoo: ZooModel, images: torch.Tensor, classes: Sequence[int], batch_size: int
) -> pd.DataFrame:
    """How one model sees each image: its top-1 (and probability), top-5, and the target's
    logit and rank."""
    logits = zoo.batched_logits(images, batch_size)
    probabilities = logits.softmax(dim=1)
    top5 = probabilities.topk(5, dim=1).indices
    target = torch.as_tensor(list(classes))
    rank = (logits > logits.gather(1, target[:, None])).sum(dim=1)
    return pd.DataFrame(
        {
            "class": target.tolist(),
            "target_logit": logits.gather(1, target[:, None])[:, 0].tolist(),
            "target_rank": (rank + 1).tolist(),
            "top1": top5[:, 0].tolist(),
            "top1_prob": probabilities.max(dim=1).values.tolist(),
            "top5": [row.tolist() for row in top5],
        }
    )


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
