"""Interpolation (source article 2): images descended along a linear path between two classes'
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
        "out": File("the frames .safetensors"),
        "table": File("per frame: every model's probabilities and top-1 .tsv"),
        "figure": File("the frames .png"),
        "gif": File("animation .gif"),
        "probabilities": File("the start and end classes' probabilities per frame .png"),
        "transfer": File("per model: frames seen as start / end, passes through both .tsv"),
    },
    models=True,
)
def interpolate(job: Job) -> None:
    """Move the target from one class to another."""
    from inputgen.engine.generation import recognition, seen_by_others
    from inputgen.engine.photos import select_photos
    from inputgen.platform import artifacts
    from inputgen.studies.interpolation import figures
    from inputgen.studies.interpolation import science as arithmetic

    s = job.settings
    if s.photo and not job.path("photos"):
        raise ValueError(f"the photo {s.photo!r} needs the photos file (--photos)")
    zoo = job.load_model(s.model)
    photos = select_photos(job.path("photos"), [s.photo]) if s.photo else None
    result = arithmetic.interpolate(
        zoo, [s.start], [s.end], job.generation(s.settings), s.seed, s.frames, photos=photos
    )
    frames = result.history["frames"][:, 0]
    names = zoo.class_names
    # Every model's view of every frame: the generator's first, then each other model's.
    starts = [s.start] * len(frames)
    seen, probabilities = seen_by_others(
        s.name, s.evaluators, frames, starts, job.batch_size, job.load_model, True
    )
    seen = {s.name: recognition(zoo, frames, starts, job.batch_size), **seen}
    probabilities = {
        s.name: zoo.batched_logits(frames, job.batch_size).softmax(dim=1),
        **probabilities,
    }
    evaluators = [model for model in seen if model != s.name]
    table = arithmetic.interpolation_table(s.name, seen, probabilities, s.start, s.end, names)
    job.save_tensors("out", {"frames": frames}, {"start": s.start, "end": s.end})
    job.write_table("table", table)
    job.write_table("transfer", arithmetic.passage_table(table, s.name, evaluators, s.start, s.end))
    job.write_figure(
        "probabilities",
        figures.interpolation_figure(table, s.name, evaluators, s.start, s.end, names),
    )
    figure = figures.interpolation_frames(
        frames, list(table["top1_name"]), s.name, names[s.start], names[s.end], s.photo
    )
    job.write_figure("figure", figure)
    artifacts.write_gif(job.path("gif"), frames, job.record())


# The findings page's table of this study: kind (the findings stage's file argument) -> what.
FINDINGS_TABLES = {
    "interpolation": "interpolation's transfer.tsv (which models the frames pass through)"
}


def findings_section(tables: Mapping[str, Mapping[str, pd.DataFrame]]) -> str:
    """Per model, on how many frames its top class is either end's, and whether the frames pass
    through both, or the line that the study is off."""
    from inputgen.platform.findings_tables import off_line, rows_table, section

    passages = tables.get("interpolation") or {}
    columns = ["evaluator", "relation", "frames", "start_frames", "end_frames", "passes"]
    return section(
        "Interpolation",
        "Per model: on how many frames its top class is the start class and the end class, and "
        "whether the frames pass through both (passes).",
        rows_table(passages, [*columns, "peak_prob_start", "peak_prob_end"]),
        off=None if passages else off_line("interpolation"),
    )
