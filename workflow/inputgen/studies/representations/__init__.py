"""Class representations (source article 1): one image per class of each generator, made in chunk
jobs (the representations-chunk stage, which the opposites and the prior ablation also run) and
gathered, rated by the generator and every other model (the science in :mod:`.science`, the
figure in :mod:`.figures`): its settings, stages and section of the findings page. Importing
this imports no torch (the Snakefile registers every stage)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from inputgen.engine.generation_settings import GenerationSettings, check_classes
from inputgen.platform.stage import SPECTRUM, File, Job, knob, stage

if TYPE_CHECKING:
    import pandas as pd


OBJECTIVES = ("target", "minimum")


@dataclass(frozen=True)
class Represent:
    name: str = knob("the model's name in the config")
    model: dict = knob("the model's spec")
    classes: list[int] = knob("class indices of the model, one image each")
    settings: GenerationSettings = knob("generation settings (config/README.md, generation)")
    objective: str = knob(
        "target: |C - logit| (representations); minimum: logit (opposites)", "target"
    )
    seed: int = knob("master seed", schema="seed")

    def __post_init__(self):
        check_classes(self.classes, self.model)
        if self.objective not in OBJECTIVES:
            raise ValueError(f"objective must be one of {OBJECTIVES}, got {self.objective!r}")


@stage(
    "representations-chunk",
    Represent,
    inputs=SPECTRUM,
    outputs={"out": File("chunk .safetensors")},
    models=True,
)
def represent(job: Job) -> None:
    """Generate one image per class (a chunk of a job)."""
    from inputgen.engine import generation

    s = job.settings
    zoo = job.load_model(s.model)
    generate = generation.class_representations if s.objective == "target" else generation.opposites
    tensors = generation.generate_in_batches(
        generate, zoo, s.classes, job.generation(s.settings), s.seed, job.batch_size
    )
    job.save_tensors("out", tensors, {"model": s.name})


@dataclass(frozen=True)
class Summarise:
    name: str = knob("the generator's name in the config")
    model: dict = knob("the generator's spec")
    evaluators: dict = knob("the other models that rate the images: name -> spec")


@stage(
    "representations",
    Summarise,
    inputs={
        "chunks": File(
            "representations-chunk outputs .safetensors, in class order", many=True, temporary=True
        )
    },
    outputs={
        "images": File("gathered .safetensors"),
        "summary": File("per-class .tsv"),
        "quality": File("self and transfer recognition .tsv"),
        "grid": File("image grid .png"),
    },
    models=True,
)
def summarise(job: Job) -> None:
    """Gather chunks of class representations; how the generator and every other model see them."""
    from inputgen.engine import generation
    from inputgen.engine.imagenet_groups import groups_of
    from inputgen.platform.generated import load_generated
    from inputgen.studies.representations import figures
    from inputgen.studies.representations import science as study

    s = job.settings
    images, classes = load_generated(job.paths("chunks"))
    labels = classes.tolist()
    generator = job.load_model(s.model)
    seen, _ = generation.seen_by_others(
        s.name, s.evaluators, images, labels, job.batch_size, job.load_model
    )
    own = generation.recognition(generator, images, labels, job.batch_size)
    summary = study.representation_summary(own, seen, generator.class_names, images)
    job.save_tensors("images", {"images": images, "classes": classes}, {"model": s.name})
    job.write_table("summary", summary)
    job.write_table("quality", study.quality_table(summary, s.name, list(seen)))
    grid = figures.representations_grid(images, summary, groups_of(labels), name=s.name)
    job.write_figure("grid", grid)


# The findings page's table of this study: kind (the findings stage's file argument) -> what.
FINDINGS_TABLES = {"quality": "class representations' quality.tsv, one per generator"}


def findings_section(tables: Mapping[str, Mapping[str, pd.DataFrame]]) -> str:
    """How often each generator's class images are recognised, by itself and by each other
    model, or the line that the study is off."""
    from inputgen.platform.findings_tables import off_line, rows_table, section

    quality = tables.get("quality") or {}
    return section(
        "Class representations",
        "How often each generator's class images are recognised: `self` by the generator, "
        "`transfer` by each other pretrained model (`top1`, `top5`: fractions of the classes). "
        "An adversarial pattern scores high on self and near zero on transfer.",
        rows_table(quality, ["generator", "evaluator", "relation", "top1", "top5"]),
        off=None if quality else off_line("representations"),
    )
