"""Transfiguration (source articles 1 and 2): real photos descended toward a class, rated by the
generator and every other model (the science in :mod:`.science`, the figures in :mod:`.figures`):
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
class Transfigure:
    name: str = knob("the model's name in the config")
    model: dict = knob("the model's resolved spec")
    settings: GenerationSettings = knob("generation settings (config/README.md, generation)")
    photo_names: list[str] = knob("photos (names in the photos file) to transfigure")
    targets: list[int] = knob("ImageNet classes every photo is pushed toward")
    frames: int = knob("intermediate images kept per photo and target")
    evaluators: dict = knob(EVALUATORS, {})
    seed: int = knob("master seed", schema="seed")

    def __post_init__(self):
        check_classes(self.targets, self.model)


@stage(
    "transfiguration",
    Transfigure,
    schema="transfiguration",
    inputs={"photos": File("photos .safetensors"), **SPECTRUM},
    outputs={
        "out": File("transfigured images and their frames .safetensors"),
        "table": File("per photo and target: probabilities, every model's flags .tsv"),
        "figure": File("the photos and their frames .png"),
        "trajectory_table": File("logits per step .tsv"),
        "trajectory": File("logits per step .png"),
        "transfer": File("fractions of transfigured photos each model calls the target .tsv"),
    },
    models=True,
)
def transfigure(job: Job) -> None:
    """Push real photos toward classes."""
    import torch

    from inputgen.engine.generation import recognition, seen_by_others
    from inputgen.engine.photos import select_photos
    from inputgen.studies.transfiguration import figures
    from inputgen.studies.transfiguration import science as arithmetic

    s = job.settings
    zoo = job.load_model(s.model)
    originals = select_photos(job.path("photos"), s.photo_names)
    before = zoo.batched_logits(originals, job.batch_size).softmax(dim=1)
    own_classes = [int(c) for c in before.argmax(dim=1)]
    elements = arithmetic.transfiguration_elements(own_classes, s.targets)
    photo_of = [p for p, _, _ in elements]
    targets = [t for _, t, _ in elements]
    start_classes = [own_classes[p] for p in photo_of]
    result = arithmetic.transfigure(
        zoo,
        originals[photo_of],
        targets,
        job.generation(s.settings),
        s.seed,
        photo_of,
        frames=s.frames,
        start_classes=start_classes,
    )
    after = zoo.batched_logits(result.images, job.batch_size).softmax(dim=1)
    names = zoo.class_names
    # The generator's flags, then every other model's probability of the target and flags.
    own = recognition(zoo, result.images, targets, job.batch_size)
    seen, probabilities = seen_by_others(
        s.name, s.evaluators, result.images, targets, job.batch_size, job.load_model, True
    )
    table = arithmetic.transfiguration_table(
        s.photo_names, elements, before, after, names, {"self": own, **seen}, probabilities
    )
    job.save_tensors(
        "out",
        {
            "images": result.images,
            "frames": result.history["frames"],
            "targets": torch.tensor(targets),
            "photo": torch.tensor(photo_of),
        },
        {"photos": s.photo_names},
    )
    job.write_table("table", table)
    job.write_table("transfer", arithmetic.transfer_summary(table, s.name, list(seen)))
    starts = arithmetic.element_starts(originals, elements, result.images.shape[-1])
    labels = arithmetic.element_labels(s.photo_names, elements, names, width=18)
    frames = result.history["frames"]
    job.write_figure("figure", figures.transfiguration_frames(starts, frames, labels, s.name))
    labels = arithmetic.element_labels(s.photo_names, elements, names)
    trajectory = arithmetic.transfiguration_trajectory(
        result.history, labels, [names[c] for c in start_classes]
    )
    job.write_table("trajectory_table", trajectory)
    job.write_figure("trajectory", figures.trajectories(trajectory))


# The findings page's tables of this study: kind (the findings stage's file argument) -> what.
FINDINGS_TABLES = {
    "transfiguration": "transfiguration.tsv",
    "transfiguration_transfer": "transfiguration's transfer.tsv (how the other models see it)",
}


def findings_section(tables: Mapping[str, Mapping[str, pd.DataFrame]]) -> str:
    """Each photo toward each target, and how often the generator and each other model call
    the transfigured photos the target, or the line that the study is off."""
    from inputgen.platform.findings_tables import off_line, rows_table, section

    photos = tables.get("transfiguration") or {}
    transfer = tables.get("transfiguration_transfer") or {}
    columns = ["photo", "target_name", "control", "start_prob", "end_prob", "end_top1_name"]
    summary = ["elements", "evaluator", "relation", "images", "top1", "top5", "mean_prob"]
    return section(
        "Transfiguration",
        "Each photo pushed toward each target class, and toward its own class as the control: "
        "the generator's probability of the target before and after, and its top class at the end; "
        "then the fraction of transfigured photos the generator itself (self), each other "
        "model (transfer) and at least one other model (any_other) calls the target: the "
        "generator alone is the adversarial case.",
        rows_table(photos, [*columns, "self_top1"]),
        *([rows_table(transfer, summary)] if transfer else []),
        off=None if photos else off_line("transfiguration"),
    )
