"""Class interpolation (source article 2): a linear path between two classes' logits over the
descent (husky -> dalmatian), the frames rated by every model, and where each passes through
either class."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

import pandas as pd
import torch

from inputgen.engine.generation import (
    fit_to_model,
    pair_ids,
    run,
)
from inputgen.engine.generation_settings import GenerationSettings
from inputgen.engine.models import ZooModel
from inputgen.engine.objectives import LogitInterpolation
from inputgen.engine.optimize import Result


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
