"""Class interpolation (source article 2): a linear path between two classes' logits over the
descent (husky -> dalmatian), drawn along several paths side by side (each its own seeded
element), the frames rated by every model, and where each path passes through either class."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

import pandas as pd
import torch

from inputgen.engine.generation import (
    class_term,
    fit_to_model,
    pair_ids,
    run,
)
from inputgen.engine.generation_settings import GenerationSettings
from inputgen.engine.models import ZooModel
from inputgen.engine.objectives import Interpolation
from inputgen.engine.optimize import Result

# Path k's seed id is the pair's id + PATH_STRIDE * k: path 0 is the single path's element, and
# pair ids (first * 1000 + second) stay below the stride.
PATH_STRIDE = 1_000_000


def path_ids(start: int, end: int, paths: int) -> list[int]:
    """One seed id per path from ``start`` to ``end``: distinct, the first the pair's own."""
    if paths < 1:
        raise ValueError(f"paths must be >= 1, got {paths}")
    (pair,) = pair_ids([start], [end])
    return [pair + PATH_STRIDE * k for k in range(paths)]


def interpolate(
    zoo: ZooModel,
    start: int,
    end: int,
    settings: GenerationSettings,
    seed: int,
    frames: int,
    paths: int,
    hold: float,
    photo: torch.Tensor | None = None,
) -> Result:
    """``paths`` descents side by side whose target moves linearly from class ``start`` to class
    ``end`` over the steps after the first ``hold`` of them, each end the settings' class
    objective; each path from its own scaled random start or, as in source article 1, all from
    one photo (they differ by their seeded priors). One path is a coin toss for the other
    models (benchmarks/interpolation.py): several give a rate."""
    ids = path_ids(start, end, paths)
    objective = Interpolation(
        class_term(settings, "model", [start] * paths),
        class_term(settings, "model", [end] * paths),
        hold,
    )
    return run(
        {"model": zoo},
        objective,
        ids,
        # No octaves: frames at a fraction of the size would mix resolution into the schedule.
        replace(settings, octaves=(1.0,)),
        seed,
        init=None if photo is None else fit_to_model(zoo, photo).repeat(paths, 1, 1, 1),
        frames=frames,
        progress="interpolation",
    )


def frame_fractions(frames: int) -> list[float]:
    """The fraction of the descent's steps done at each frame: 0 to 1, evenly (with a hold,
    the target starts to move only after it)."""
    return [round(f, 4) for f in torch.linspace(0, 1, frames).tolist()]


def path_major(frames: torch.Tensor) -> torch.Tensor:
    """The descent's snapshots (frames, paths, 3, H, W) as one image per row of the tables:
    path by path, each path's frames in order."""
    return frames.transpose(0, 1).reshape(-1, *frames.shape[2:])


def side_by_side(frames: torch.Tensor) -> torch.Tensor:
    """The descent's snapshots (frames, paths, 3, H, W) as one image per frame, the paths side
    by side (the animation's frames)."""
    return torch.cat(list(frames.unbind(1)), dim=-1)


def interpolation_table(
    generator: str,
    seen: Mapping[str, pd.DataFrame],
    probabilities: Mapping[str, torch.Tensor],
    start: int,
    end: int,
    names: Sequence[str],
    paths: int,
) -> pd.DataFrame:
    """Per path (from 1) and frame (``frame`` from 1, ``fraction`` of the steps): every model's
    view of it, the generator's first (``interpolation_columns``). ``seen`` and
    ``probabilities`` map each model, the generator included, to its recognition and softmax of
    the images in ``path_major`` order."""
    images = len(probabilities[generator])
    if images % paths:
        raise ValueError(f"{images} images do not split into {paths} paths")
    frames = images // paths
    return pd.concat(
        [
            pd.DataFrame(
                {
                    "path": [p for p in range(1, paths + 1) for _ in range(frames)],
                    "frame": list(range(1, frames + 1)) * paths,
                    "fraction": frame_fractions(frames) * paths,
                }
            ),
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


def passing_paths(table: pd.DataFrame, flags: str) -> pd.Series:
    """Per path: whether a model (its flag prefix) passes through both classes on it, its top-1
    the start class on some frame and the end class on another."""
    by_path = table.groupby("path")
    return (by_path[f"{flags}top1_start"].max() > 0) & (by_path[f"{flags}top1_end"].max() > 0)


def passage_table(
    table: pd.DataFrame, generator: str, evaluators: Sequence[str], start: int, end: int
) -> pd.DataFrame:
    """Per model (the generator, then every other one), over the paths: on how many frames its
    top-1 is the start class and the end class (all paths together), the fraction of paths
    that pass through both (``passes``), and each class's peak probability. With other
    models, one more row (evaluator ``any other``, relation ``any_other``): the fraction of
    paths the generator and at least one other model pass through, i.e. at least two models
    (its frame counts: frames that some other model calls either class)."""
    paths = table["path"].nunique()
    frames = len(table) // paths
    rows = []
    for model in [generator, *evaluators]:
        prefix, flags = interpolation_prefix(model, generator)
        rows.append(
            {
                "generator": generator,
                "evaluator": model,
                "relation": "self" if model == generator else "transfer",
                "paths": paths,
                "frames": frames,
                "start_frames": int(table[f"{flags}top1_start"].sum()),
                "end_frames": int(table[f"{flags}top1_end"].sum()),
                "passes": float(passing_paths(table, flags).mean()),
                "peak_prob_start": table[f"{prefix}prob_{start}"].max(),
                "peak_prob_end": table[f"{prefix}prob_{end}"].max(),
            }
        )
    if evaluators:
        others = [interpolation_prefix(model, generator) for model in evaluators]
        some_other = pd.concat([passing_paths(table, flags) for _, flags in others], axis=1)
        own = passing_paths(table, "self_")
        rows.append(
            {
                "generator": generator,
                "evaluator": "any other",
                "relation": "any_other",
                "paths": paths,
                "frames": frames,
                "start_frames": int(
                    table[[f"{flags}top1_start" for _, flags in others]].max(axis=1).sum()
                ),
                "end_frames": int(
                    table[[f"{flags}top1_end" for _, flags in others]].max(axis=1).sum()
                ),
                "passes": float((own & some_other.any(axis=1)).mean()),
                "peak_prob_start": table[[f"{p}prob_{start}" for p, _ in others]].max().max(),
                "peak_prob_end": table[[f"{p}prob_{end}" for p, _ in others]].max().max(),
            }
        )
    return pd.DataFrame(rows).round(4)
