"""Random starts (source article 1): several random starts per class, and the drift of the resize
prior (the science in :mod:`.science`, the figure in :mod:`.figures`): its settings and stages.
Importing this imports no torch (the Snakefile registers every stage)."""

from __future__ import annotations

from dataclasses import dataclass

from inputgen.engine.generation_settings import GenerationSettings, check_classes
from inputgen.platform.stage import GENERATED, SPECTRUM, File, Job, knob, stage


@dataclass(frozen=True)
class Starts:
    name: str = knob("the model's name in the config")
    model: dict = knob("the model's spec")
    classes: list[int] = knob("class indices of the model")
    starts: int = knob("random starts per class")
    settings: GenerationSettings = knob("generation settings (config/README.md, generation)")
    seed: int = knob("master seed", schema="seed")

    def __post_init__(self):
        check_classes(self.classes, self.model)


@stage("starts", Starts, schema="starts", inputs=SPECTRUM, outputs=GENERATED, models=True)
def starts(job: Job) -> None:
    """Several random starts per class, side by side (one class has many images)."""
    import torch

    from inputgen.engine import generation
    from inputgen.studies.starts import figures
    from inputgen.studies.starts import science as study

    s = job.settings
    zoo = job.load_model(s.model)
    result, elements = study.random_starts(
        zoo, s.classes, s.starts, job.generation(s.settings), s.seed
    )
    targets = [c for c, _ in elements]
    seen = generation.recognition(zoo, result.images, targets, job.batch_size)
    table = study.starts_table(elements, seen, zoo.class_names)
    tensors = {
        "images": result.images,
        "classes": torch.tensor(targets),
        "starts": torch.tensor([k for _, k in elements]),
    }
    job.save_tensors("out", tensors, {"model": s.name})
    job.write_table("table", table)
    grid = figures.starts_grid(result.images, table, name=s.name, starts=s.starts)
    job.write_figure("figure", grid)


@dataclass(frozen=True)
class Drift:
    input_size: int = knob("the random starts' model's input size (their pictures' size)")
    settings: GenerationSettings = knob("the random starts' generation settings (their resize)")
    seed: int = knob("master seed", schema="seed")


@stage(
    "starts-drift", Drift, outputs={"table": File("drift of each resize, nearest/bilinear .tsv")}
)
def drift(job: Job) -> None:
    """How far the resize prior moves a picture over a run's steps, nearest-neighbour against
    bilinear (source article 1's translation artefact), at the random starts' image size."""
    from inputgen.engine.image_stats import drift_table

    s = job.settings
    resize = s.settings.priors.get("resize")
    size = s.settings.image_size(s.input_size)
    job.write_table("table", drift_table(resize, size, s.settings.steps, s.seed))
