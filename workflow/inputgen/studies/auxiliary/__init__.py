"""The auxiliary head (source article 1): images of InceptionV3's auxiliary classifier (the
science in :mod:`.science`, the figure in :mod:`.figures`): its settings and stage. Importing
this imports no torch (the Snakefile registers every stage)."""

from __future__ import annotations

from dataclasses import dataclass

from inputgen.engine.generation_settings import GenerationSettings, check_classes
from inputgen.platform.stage import GENERATED, SPECTRUM, Job, knob, stage


@dataclass(frozen=True)
class Auxiliary:
    name: str = knob("the model's name in the config")
    model: dict = knob("the model's spec")
    classes: list[int] = knob("class indices of the model")
    layer: str = knob("the layer the head reads, e.g. Mixed_6e")
    head: str = knob("the head module, e.g. AuxLogits")
    settings: GenerationSettings = knob("generation settings (config/README.md, generation)")
    seed: int = knob("master seed", schema="seed")

    def __post_init__(self):
        check_classes(self.classes, self.model)


@stage(
    "auxiliary",
    Auxiliary,
    schema="auxiliary",
    inputs=SPECTRUM,
    outputs=GENERATED,
    models=True,
)
def auxiliary(job: Job) -> None:
    """Class representations from an auxiliary head, and how the main output sees them."""
    import torch

    from inputgen.engine import generation
    from inputgen.studies.auxiliary import figures
    from inputgen.studies.auxiliary import science as study

    s = job.settings
    zoo = job.load_model(s.model)
    result = study.auxiliary_representations(
        zoo, s.classes, s.layer, s.head, job.generation(s.settings), s.seed
    )
    main = generation.recognition(zoo, result.images, s.classes, job.batch_size)
    head = study.head_logits(zoo, result.images, s.layer, s.head, job.batch_size)
    table = study.auxiliary_table(s.classes, head, main, zoo.class_names)
    tensors = {"images": result.images, "classes": torch.tensor(s.classes)}
    job.save_tensors("out", tensors, {"model": s.name, "head": s.head})
    job.write_table("table", table)
    grid = figures.auxiliary_grid(result.images, table, name=s.name, head=s.head)
    job.write_figure("figure", grid)
