"""Transfiguration (source articles 1 and 2): real photos descended toward a class, and whether
the other models see the class in them too.

A picture that only the generating model recognises can be adversarial; whether the *other*
pretrained models see the class too is the measure that the picture shows it (the
representations' transfer). The tables below put every other model's view next to the
generator's, from ``generation.recognition`` and the models' probabilities."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

import pandas as pd
import torch

from inputgen.engine.generation import (
    class_term,
    fit_to_model,
    pair_ids,
    recognised,
    run,
    target_probabilities,
)
from inputgen.engine.generation_settings import GenerationSettings
from inputgen.engine.models import ZooModel
from inputgen.engine.objectives import LogitRecord
from inputgen.engine.optimize import Result
from inputgen.engine.photos import resize


def transfigure(
    zoo: ZooModel,
    photos: torch.Tensor,
    targets: Sequence[int],
    settings: GenerationSettings,
    seed: int,
    photo_ids: Sequence[int],
    frames: int = 0,
    start_classes: Sequence[int] | None = None,
) -> Result:
    """Start from real photos (one per element) and drive each toward its target class.
    ``start_classes`` (one per element, e.g. the photo's top-1) are tracked: their logit per
    step is ``history["logit:start"]``, next to the target's ``history["logit:model"]``."""
    start = fit_to_model(zoo, photos)
    objective = class_term(settings, "model", targets)
    if start_classes is not None:
        objective = objective + LogitRecord("model", start_classes, "logit:start")
    # No octaves: shrinking the photo to a fraction of its size would erase what it shows.
    return run(
        {"model": zoo},
        objective,
        pair_ids(photo_ids, targets),
        replace(settings, octaves=(1.0,)),
        seed,
        init=start,
        frames=frames,
        progress="transfiguration",
    )


# --- The studies' tables, from the models' views ---------------------------------------------
# Transfiguration: every photo goes to each target, and to its own class (the model's top-1)
# as a control. An element is (photo index, target class, control).


def transfiguration_elements(
    own_classes: Sequence[int], targets: Sequence[int]
) -> list[tuple[int, int, bool]]:
    """The elements of a transfiguration: ``(photo, target, False)`` for every photo and
    target, then ``(photo, own class, True)`` per photo (``own_classes``: the model's top-1 of
    each photo), the control whose target is where the photo starts."""
    elements = [(p, int(t), False) for p in range(len(own_classes)) for t in targets]
    elements += [(p, int(c), True) for p, c in enumerate(own_classes)]
    return elements


def element_labels(
    photo_names: Sequence[str],
    elements: Sequence[tuple[int, int, bool]],
    names: Sequence[str],
    width: int | None = None,
) -> list[str]:
    """``photo -> target`` per element (the target's name cut to ``width`` characters), and
    `` (control)`` after a control's."""
    return [
        f"{photo_names[p]} -> {names[t][:width]}" + (" (control)" if control else "")
        for p, t, control in elements
    ]


def element_starts(photos: torch.Tensor, elements: Sequence[tuple[int, int, bool]], size: int):
    """Each element's photo at ``size`` (``photos.resize``): where its frames start from."""
    return torch.stack([resize(photos[p : p + 1], size)[0] for p, _, _ in elements])


def transfiguration_table(
    photo_names: Sequence[str],
    elements: Sequence[tuple[int, int, bool]],
    before: torch.Tensor,
    after: torch.Tensor,
    names: Sequence[str],
    seen: Mapping[str, pd.DataFrame],
    probabilities: Mapping[str, torch.Tensor],
) -> pd.DataFrame:
    """Per element: the photo, the target (index, name), whether it is a control, the model's
    probability of the target on the photo (``before``: one row of probabilities per photo)
    and on the transfigured image (``after``: one row per element), and what it then sees;
    then every model's view of the target (``transfer_columns`` of ``seen``: ``self``, the
    generator, first; ``probabilities`` of the other models)."""
    photo_of = [p for p, _, _ in elements]
    targets = [t for _, t, _ in elements]
    table = pd.DataFrame(
        {
            "photo": [photo_names[p] for p in photo_of],
            "target": targets,
            "target_name": [names[t] for t in targets],
            "control": [c for _, _, c in elements],
            "start_prob": [
                round(float(before[p, t]), 4) for p, t in zip(photo_of, targets, strict=True)
            ],
            "end_prob": [round(float(after[i, t]), 4) for i, t in enumerate(targets)],
            "end_top1_name": [names[int(c)] for c in after.argmax(dim=1)],
        }
    )
    return pd.concat([table, transfer_columns(seen, probabilities)], axis=1)


def transfiguration_trajectory(
    history: Mapping[str, torch.Tensor], labels: Sequence[str], start_names: Sequence[str]
) -> pd.DataFrame:
    """Long table: per element and step, the target's and the start class's logit
    (``history["logit:model"]`` and ``history["logit:start"]``, each (steps, elements))."""
    target, start = history["logit:model"], history["logit:start"]
    steps = range(target.shape[0])
    return pd.DataFrame(
        [
            {
                "element": label,
                "start_class": start_names[i],
                "step": step,
                "target_logit": round(float(target[step, i]), 4),
                "start_logit": round(float(start[step, i]), 4),
            }
            for i, label in enumerate(labels)
            for step in steps
        ]
    )


# --- How other models see the generated images (transfer) -------------------------------------
# ``seen`` maps a model's name to its ``generation.recognition`` of the images; "self" is
# the generator (its columns are self_*, as in the representations' summary).


def transfer_columns(
    seen: Mapping[str, pd.DataFrame], probabilities: Mapping[str, torch.Tensor] | None = None
) -> pd.DataFrame:
    """Per image and model: ``{model}_prob`` (its probability of the image's class, when
    ``probabilities`` has the model), ``{model}_top1`` and ``{model}_top5`` (0/1)."""
    columns = {}
    for model, view in seen.items():
        if probabilities is not None and model in probabilities:
            columns[f"{model}_prob"] = target_probabilities(probabilities[model], view["class"])
        flags = recognised(view)
        columns[f"{model}_top1"] = flags["top1"].to_numpy()
        columns[f"{model}_top5"] = flags["top5"].to_numpy()
    return pd.DataFrame(columns)


def transfer_summary(
    table: pd.DataFrame, generator: str, evaluators: Sequence[str]
) -> pd.DataFrame:
    """Fractions of transfigured photos each model calls the target, separately for the real
    targets and for the controls (the photo's own class): the generator (``self``: columns
    ``self_top1``, ``self_top5``, ``end_prob``), every other model (``transfer``), and, with
    several, at least one of them (evaluator ``any other``, relation ``any_other``: a photo
    counts when one of them calls it the target; ``mean_prob``: the mean of their highest)."""
    rows = []
    for elements, part in (
        ("targets", table[~table["control"]]),
        ("controls", table[table["control"]]),
    ):
        if part.empty:
            continue
        views = [(generator, "self", "self", "end_prob")]
        views += [(e, "transfer", e, f"{e}_prob") for e in evaluators]
        for evaluator, relation, prefix, prob in views:
            rows.append(
                {
                    "elements": elements,
                    "generator": generator,
                    "evaluator": evaluator,
                    "relation": relation,
                    "images": len(part),
                    "top1": part[f"{prefix}_top1"].mean(),
                    "top5": part[f"{prefix}_top5"].mean(),
                    "mean_prob": part[prob].mean(),
                }
            )
        if len(evaluators) > 1:  # with one, its own row says it
            rows.append(
                {
                    "elements": elements,
                    "generator": generator,
                    "evaluator": "any other",
                    "relation": "any_other",
                    "images": len(part),
                    "top1": part[[f"{e}_top1" for e in evaluators]].max(axis=1).mean(),
                    "top5": part[[f"{e}_top5" for e in evaluators]].max(axis=1).mean(),
                    "mean_prob": part[[f"{e}_prob" for e in evaluators]].max(axis=1).mean(),
                }
            )
    return pd.DataFrame(rows).round(4)
