"""Vector arithmetic in a model's output space, done on the input (source articles 1 and 2):
transfiguration of real photos toward a class, linear interpolation between two classes over
the steps (husky -> dalmatian), and vector addition (merging) of two classes.

A picture that only the generating model recognises can be adversarial; whether the *other*
pretrained models see the class too is the measure that the picture shows it (the
representations' transfer). The tables below put every other model's view next to the
generator's, from ``generation.recognition`` and the models' probabilities."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

import pandas as pd
import torch
from torch.nn import functional as F

from inputgen.engine.generation import class_term, run
from inputgen.engine.generation_settings import (
    GenerationSettings,
    addition_pairs,  # noqa: F401 - re-exported
)
from inputgen.engine.models import ZooModel
from inputgen.engine.objectives import LogitInterpolation, LogitRecord
from inputgen.engine.optimize import Result
from inputgen.engine.photos import resize


def pair_ids(first: Sequence[int], second: Sequence[int]) -> list[int]:
    """One seed id per (first, second) pair: distinct for distinct pairs."""
    return [int(a) * 1000 + int(b) for a, b in zip(first, second, strict=True)]


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


def interpolate(
    zoo: ZooModel,
    starts: Sequence[int],
    ends: Sequence[int],
    settings: GenerationSettings,
    seed: int,
    frames: int,
    photos: torch.Tensor | None = None,
) -> Result:
    """The target moves linearly from class ``start`` to class ``end`` over the steps, from the
    scaled random start or, as in source article 1, from a photo (one per element)."""
    objective = LogitInterpolation("model", starts, ends, settings.constant)  # bounded targets
    return run(
        {"model": zoo},
        objective,
        pair_ids(starts, ends),
        # No octaves: frames at a fraction of the size would mix resolution into the schedule.
        replace(settings, octaves=(1.0,)),
        seed,
        init=None if photos is None else fit_to_model(zoo, photos),
        frames=frames,
        progress="interpolation",
    )


def fit_to_model(zoo: ZooModel, photos: torch.Tensor) -> torch.Tensor:
    """Photos resized (antialiased) to the model's input size: the start of a descent."""
    size = zoo.spec["input_size"]
    return F.interpolate(
        photos, size=(size, size), mode="bilinear", antialias=True, align_corners=False
    ).clamp(0, 1)


def add(
    zoo: ZooModel,
    firsts: Sequence[int],
    seconds: Sequence[int],
    settings: GenerationSettings,
    seed: int,
) -> Result:
    """Both class targets at once: ``|C - O_a(a)| + |C - O_b(a)|`` (merging; or the sum of
    another class objective)."""
    objective = class_term(settings, "model", firsts) + class_term(settings, "model", seconds)
    return run(
        {"model": zoo},
        objective,
        pair_ids(firsts, seconds),
        settings,
        seed,
        progress="vector addition",
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


def frame_fractions(frames: int) -> list[float]:
    """How far along from the start class to the end class each frame is: 0 to 1, evenly."""
    return [round(f, 4) for f in torch.linspace(0, 1, frames).tolist()]


def interpolation_table(
    generator: str,
    seen: Mapping[str, pd.DataFrame],
    probabilities: Mapping[str, torch.Tensor],
    start: int,
    end: int,
    names: Sequence[str],
) -> pd.DataFrame:
    """Per frame (``frame`` from 1, ``fraction`` of the way): every model's view of it, the
    generator's first (``interpolation_columns``). ``seen`` and ``probabilities`` map each
    model, the generator included, to its recognition and softmax of the frames."""
    frames = len(probabilities[generator])
    return pd.concat(
        [
            pd.DataFrame({"frame": range(1, frames + 1), "fraction": frame_fractions(frames)}),
            *(
                interpolation_columns(
                    model, generator, seen[model], probabilities[model], start, end, names
                )
                for model in seen
            ),
        ],
        axis=1,
    )


def addition_table(
    firsts: Sequence[int],
    seconds: Sequence[int],
    logits: torch.Tensor,
    names: Sequence[str],
    seen: Mapping[str, pd.DataFrame],
) -> pd.DataFrame:
    """Per added image: both classes (index, name), the generator's probability of each
    (from its ``logits``), its top-1 name, then whether each model's top-5 holds each class
    and the other models' top-1 names (``addition_columns``; ``seen`` maps ``self``, the
    generator, and every other model to its recognition against the first classes)."""
    probabilities = logits.softmax(dim=1)
    rows = range(len(firsts))
    table = pd.DataFrame(
        {
            "first": list(firsts),
            "first_name": [names[c] for c in firsts],
            "second": list(seconds),
            "second_name": [names[c] for c in seconds],
            "first_prob": [
                round(float(probabilities[i, c]), 4) for i, c in zip(rows, firsts, strict=True)
            ],
            "second_prob": [
                round(float(probabilities[i, c]), 4) for i, c in zip(rows, seconds, strict=True)
            ],
            "top1_name": [names[int(c)] for c in logits.argmax(dim=1)],
        }
    )
    views = addition_columns(seen, seconds, names)
    # The generator's top-1 name is the table's top1_name.
    return pd.concat([table, views.drop(columns="self_top1_name", errors="ignore")], axis=1)


# --- How other models see the generated images (transfer) -------------------------------------
# ``seen`` maps a model's name to its ``generation.recognition`` of the images; "self" is
# the generator (its columns are self_*, as in the representations' summary).


def recognised(seen: pd.DataFrame) -> pd.DataFrame:
    """``recognition``'s view as 0/1 flags per image: whether the image's class is the model's
    top-1 (``top1``) and whether it is among its top-5 (``top5``)."""
    return pd.DataFrame(
        {
            "top1": (seen["top1"] == seen["class"]).astype(int).to_numpy(),
            "top5": [int(c in row) for c, row in zip(seen["class"], seen["top5"], strict=True)],
        }
    )


def target_probabilities(probabilities: torch.Tensor, classes: Sequence[int]) -> list[float]:
    """Row i's probability of ``classes[i]``, rounded to 4 places."""
    index = torch.as_tensor(list(classes), dtype=torch.int64)[:, None]
    return [round(float(p), 4) for p in probabilities.gather(1, index)[:, 0]]


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
    ``self_top1``, ``self_top5``, ``end_prob``) and every other model (``transfer``)."""
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
    return pd.DataFrame(rows).round(4)


def interpolation_prefix(model: str, generator: str) -> tuple[str, str]:
    """(probability and name prefix, flag prefix) of a model's interpolation columns."""
    return ("", "self_") if model == generator else (f"{model}_", f"{model}_")


def interpolation_columns(
    model: str,
    generator: str,
    seen: pd.DataFrame,
    probabilities: torch.Tensor,
    start: int,
    end: int,
    names: Sequence[str],
) -> pd.DataFrame:
    """Per frame, one model's view: its probabilities of the start and end classes, its top-1
    name, and whether its top-1 is the start class / the end class (0/1). The generator's
    columns keep their names (``prob_{start}``, ``prob_{end}``, ``top1_name``) and its flags
    are ``self_top1_start`` / ``self_top1_end``; another model's are prefixed by its name."""
    prefix, flags = interpolation_prefix(model, generator)
    top1 = seen["top1"]
    return pd.DataFrame(
        {
            f"{prefix}prob_{start}": [round(float(p), 4) for p in probabilities[:, start]],
            f"{prefix}prob_{end}": [round(float(p), 4) for p in probabilities[:, end]],
            f"{prefix}top1_name": [names[int(c)] for c in top1],
            f"{flags}top1_start": (top1 == start).astype(int).to_numpy(),
            f"{flags}top1_end": (top1 == end).astype(int).to_numpy(),
        }
    )


def passage_table(
    table: pd.DataFrame, generator: str, evaluators: Sequence[str], start: int, end: int
) -> pd.DataFrame:
    """Per model (the generator, then every other one): on how many frames its top-1 is the
    start class and the end class, whether the frames pass through both (``passes``: top-1 =
    start on some frame and top-1 = end on some frame), and each class's peak probability."""
    rows = []
    for model in [generator, *evaluators]:
        prefix, flags = interpolation_prefix(model, generator)
        start_frames = int(table[f"{flags}top1_start"].sum())
        end_frames = int(table[f"{flags}top1_end"].sum())
        rows.append(
            {
                "generator": generator,
                "evaluator": model,
                "relation": "self" if model == generator else "transfer",
                "frames": len(table),
                "start_frames": start_frames,
                "end_frames": end_frames,
                "passes": int(start_frames > 0 and end_frames > 0),
                "peak_prob_start": table[f"{prefix}prob_{start}"].max(),
                "peak_prob_end": table[f"{prefix}prob_{end}"].max(),
            }
        )
    return pd.DataFrame(rows)


def addition_columns(
    seen: Mapping[str, pd.DataFrame], seconds: Sequence[int], names: Sequence[str]
) -> pd.DataFrame:
    """Per added image and model: its top-1 name, and whether its top-5 holds the first class
    and the second (0/1). ``seen`` is each model's ``recognition`` against the first classes."""
    columns = {}
    for model, view in seen.items():
        columns[f"{model}_top1_name"] = [names[int(c)] for c in view["top1"]]
        columns[f"{model}_top5_first"] = recognised(view)["top5"].to_numpy()
        columns[f"{model}_top5_second"] = [
            int(c in row) for c, row in zip(seconds, view["top5"], strict=True)
        ]
    return pd.DataFrame(columns)
