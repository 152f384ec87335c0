"""Generation, the layer every generation study shares: the settings turned into a descent, a
parameterisation and a class objective; one image per id optimised under an objective
(:func:`run`); class images and opposites of many classes in batches of the batch-size
resource; and how models see the images (:func:`recognition`, :func:`seen_by_others`).

The classes are optimised as independent elements, each seeded by its id, so how they are
batched, and into how many jobs the workflow splits them, changes no image.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence

import pandas as pd
import torch
from torch.nn import functional as F

from inputgen.engine.generation_settings import GenerationSettings
from inputgen.engine.models import ZooModel
from inputgen.engine.objectives import (
    InputL1,
    LogitMinimum,
    Term,
    TotalVariation,
    class_objective,
)
from inputgen.engine.optimize import Descent, Result, optimize, scaled_random_init
from inputgen.engine.parameterisations import Parameterisation
from inputgen.platform.config import schema_defaults


def parameterisation_of(settings: GenerationSettings) -> Parameterisation:
    """What is optimised. maco without a magnitude attached (a notebook, a stage run by hand)
    takes the shipped photos' spectrum, the one the default run's artifact holds."""
    magnitude = settings.magnitude
    if settings.needs_magnitude and magnitude is None:
        magnitude = shipped_magnitude()
    return Parameterisation(
        settings.parameterisation,
        settings.decorrelate,
        magnitude=magnitude,
        chroma=settings.chroma,
        chroma_cutoff=settings.chroma_cutoff,
    )


def class_term(settings: GenerationSettings, model: str, classes, head=None) -> Term:
    """The objective that makes each element an image of its class (``class_objective``)."""
    return class_objective(settings.class_objective, model, classes, settings.constant, head=head)


def descent_of(settings: GenerationSettings) -> Descent:
    """The descent the settings describe (generation uses no momentum)."""
    return Descent(
        steps=settings.steps,
        lr=settings.lr,
        lr_end=settings.lr_end,
        rule=settings.rule,
        priors=settings.priors,
        octaves=tuple(settings.octaves),
    )


@functools.cache
def shipped_magnitude() -> torch.Tensor:
    """maco's magnitude spectrum from the shipped photos' natural crops at the photos section's
    defaults (the spectrum rule's result in the default run), made once per process."""
    from inputgen.engine.parameterisations import natural_magnitude
    from inputgen.engine.photos import photo_sets

    photos = schema_defaults("photos")  # and the config's default seed, 0
    sets = photo_sets(
        photos["size"],
        photos["crops"],
        tuple(photos["crop_scale"]),
        0,
        photos["names"],
        photos["folder"],
    )
    return natural_magnitude(sets.natural["images"])


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
        size = settings.image_size(max(zoo.spec["input_size"] for zoo in models.values()))
        init = scaled_random_init(ids, size, seed, spread=settings.init_spread)
    if settings.l1:
        objective = objective + InputL1(settings.l1)
    if settings.tv:
        objective = objective + TotalVariation(settings.tv)
    return optimize(
        models,
        objective,
        init.to(device),
        descent_of(settings),
        ids=ids,
        seed=seed,
        frames=frames,
        progress=progress,
        parameterisation=parameterisation_of(settings),
    )


def class_representations(
    zoo: ZooModel, classes: Sequence[int], settings: GenerationSettings, seed: int
) -> Result:
    objective = class_term(settings, "model", classes)
    return run({"model": zoo}, objective, classes, settings, seed, progress="representations")


def opposites(
    zoo: ZooModel, classes: Sequence[int], settings: GenerationSettings, seed: int
) -> Result:
    objective = LogitMinimum("model", classes)
    return run({"model": zoo}, objective, classes, settings, seed, progress="opposites")


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


def batches(values: Sequence[int], size: int) -> list[list[int]]:
    """``values`` in consecutive runs of ``size`` (every element is seeded by its id, so how
    they are batched changes nothing)."""
    values = list(values)
    return [values[i : i + size] for i in range(0, len(values), size)]


def generate_in_batches(
    generate: Callable[..., Result],
    zoo: ZooModel,
    classes: Sequence[int],
    settings: GenerationSettings,
    seed: int,
    batch_size: int,
) -> dict[str, torch.Tensor]:
    """``generate`` (class_representations or opposites) over the classes, ``batch_size`` at a
    time: the images, the classes, and each step's loss and class logit (steps x classes)."""
    results = [generate(zoo, batch, settings, seed) for batch in batches(classes, batch_size)]
    return {
        "images": torch.cat([r.images for r in results]),
        "classes": torch.tensor(list(classes), dtype=torch.int64),
        "loss": torch.cat([r.history["loss"] for r in results], dim=1),
        "logit": torch.cat([r.history["logit:model"] for r in results], dim=1),
    }


def seen_by_others(
    generator: str,
    specs: Mapping[str, Mapping],
    images: torch.Tensor,
    classes: Sequence[int],
    batch_size: int,
    load: Callable[[Mapping], ZooModel],
    probabilities: bool = False,
) -> tuple[dict, dict]:
    """How every model other than ``generator`` (name -> spec) sees the images: ``recognition``
    against ``classes`` and, with ``probabilities``, its softmax over the 1000 classes. One
    model is loaded at a time, by ``load`` (a stage's ``job.load_model``, which records its
    weights)."""
    for name in ("self", generator):  # "self" names the generator's columns
        if name in specs:
            raise ValueError(f"the other models (evaluators) may not include {name!r}")
    seen, probs = {}, {}
    for name, spec in specs.items():
        zoo = load(spec)
        seen[name] = recognition(zoo, images, classes, batch_size)
        if probabilities:
            probs[name] = zoo.batched_logits(images, batch_size).softmax(dim=1)
        del zoo
    return seen, probs


def pair_ids(first: Sequence[int], second: Sequence[int]) -> list[int]:
    """One seed id per (first, second) pair: distinct for distinct pairs."""
    return [int(a) * 1000 + int(b) for a, b in zip(first, second, strict=True)]


def fit_to_model(zoo: ZooModel, photos: torch.Tensor) -> torch.Tensor:
    """Photos resized (antialiased) to the model's input size: the start of a descent."""
    size = zoo.spec["input_size"]
    return F.interpolate(
        photos, size=(size, size), mode="bilinear", antialias=True, align_corners=False
    ).clamp(0, 1)


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
