"""Interpolation (source article 2): images descended along linear paths between two classes'
logits, rated by every model (the science in :mod:`.science`, the figures in :mod:`.figures`):
its settings, stage and section of the findings page. Importing this imports no torch (the
Snakefile registers every stage)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from inputgen.engine.generation_settings import GenerationSettings, check_classes
from inputgen.platform.stage import EVALUATORS, SPECTRUM, File, Job, knob, stage

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class Interpolate:
    name: str = knob("the model's name in the config")
    model: dict = knob("the model's resolved spec")
    settings: GenerationSettings = knob("generation settings (config/README.md, generation)")
    start: int = knob("ImageNet class the target starts at")
    end: int = knob("ImageNet class the target ends at")
    frames: int = knob("frames from start to end")
    photo: str | None = knob(
        "start from this photo (a name in the photos file) instead of noise (source article 1)",
        None,
    )
    paths: int = knob(
        "descents side by side, each its own seeded element", schema="interpolation.paths"
    )
    hold: float = knob(
        "the fraction of the steps that keep the start class before the target moves",
        schema="interpolation.hold",
    )
    evaluators: dict = knob(EVALUATORS, {})
    seed: int = knob("master seed", schema="seed")

    def __post_init__(self):
        check_classes([self.start, self.end], self.model)


@stage(
    "interpolation",
    Interpolate,
    schema="interpolation",
    inputs={
        "photos": File("photos .safetensors (with the setting photo)", optional=True),
        **SPECTRUM,
    },
    outputs={
        "out": File("the frames, path by path .safetensors"),
        "table": File("per path and frame: every model's probabilities and top-1 .tsv"),
        "figure": File("the frames, path by path .png"),
        "gif": File("animation, the paths side by side .gif"),
        "probabilities": File("the start and end classes' mean probability per frame .png"),
        "transfer": File("per model: frames seen as start / end, paths through both .tsv"),
    },
    models=True,
)
def interpolate(job: Job) -> None:
    """Move the target from one class to another."""
    from inputgen.engine.generation import recognition, seen_by_others
    from inputgen.engine.photos import select_photos
    from inputgen.platform import artifacts
    from inputgen.studies.interpolation import figures, science

    s = job.settings
    if s.photo and not job.path("photos"):
        raise ValueError(f"the photo {s.photo!r} needs the photos file (--photos)")
    zoo = job.load_model(s.model)
    photo = select_photos(job.path("photos"), [s.photo]) if s.photo else None
    result = science.interpolate(
        zoo,
        s.start,
        s.end,
        job.generation(s.settings),
        s.seed,
        s.frames,
        s.paths,
        s.hold,
        photo=photo,
    )
    snapshots = result.history["frames"]  # (frames, paths, 3, H, W)
    images = science.path_major(snapshots)
    names = zoo.class_names
    # Every model's view of every image: the generator's first, then each other model's.
    starts = [s.start] * len(images)
    seen, probabilities = seen_by_others(
        s.name, s.evaluators, images, starts, job.batch_size, job.load_model, True
    )
    seen = {s.name: recognition(zoo, images, starts, job.batch_size), **seen}
    probabilities = {
        s.name: zoo.batched_logits(images, job.batch_size).softmax(dim=1),
        **probabilities,
    }
    evaluators = [model for model in seen if model != s.name]
    table = science.interpolation_table(s.name, seen, probabilities, s.start, s.end, names, s.paths)
    job.save_tensors("out", {"frames": images}, {"start": s.start, "end": s.end, "paths": s.paths})
    job.write_table("table", table)
    job.write_table("transfer", science.passage_table(table, s.name, evaluators, s.start, s.end))
    job.write_figure(
        "probabilities",
        figures.interpolation_figure(table, s.name, evaluators, s.start, s.end, names),
    )
    figure = figures.interpolation_frames(
        images, list(table["top1_name"]), s.name, names[s.start], names[s.end], s.photo, s.paths
    )
    job.write_figure("figure", figure)
    artifacts.write_gif(job.path("gif"), science.side_by_side(snapshots), job.record())


# The findings page's table of this study: kind (the findings stage's file argument) -> what.
FINDINGS_TABLES = {
    "interpolation": "interpolation's transfer.tsv (which models the frames pass through)"
}


def findings_section(tables: Mapping[str, Mapping[str, pd.DataFrame]]) -> str:
    """Per model, on how many frames its top class is either end's, and the fraction of paths
    that pass through both, or the line that the study is off."""
    from inputgen.platform.findings_tables import off_line, rows_table, section

    passages = tables.get("interpolation") or {}
    columns = ["evaluator", "relation", "paths", "frames", "start_frames", "end_frames", "passes"]
    return section(
        "Interpolation",
        "Per model, over the paths: on how many frames its top class is the start class and the "
        "end class, and the fraction of paths that pass through both (passes); any_other: the "
        "fraction the generator and at least one other model pass through (two models).",
        rows_table(passages, [*columns, "peak_prob_start", "peak_prob_end"]),
        off=None if passages else off_line("interpolation"),
    )
