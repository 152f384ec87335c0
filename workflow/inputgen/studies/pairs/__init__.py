"""Two-model objectives (source article 3): combined and difference gradients of two models (the
science in :mod:`.science`, the figure in :mod:`.figures`): its settings and stage. Importing
this imports no torch (the Snakefile registers every stage)."""

from __future__ import annotations

from dataclasses import dataclass

from inputgen.engine.generation_settings import GenerationSettings, check_classes
from inputgen.platform.stage import SPECTRUM, File, Job, knob, stage


@dataclass(frozen=True)
class Pair:
    first_name: str = knob("the first model's name in the config")
    first: dict = knob("the first model's spec")
    second_name: str = knob("the second model's name in the config")
    second: dict = knob("the second model's spec")
    operation: str = knob("+: d*O1 + e*O2 (combined, g'); -: d*O1 - e*O2 (difference, g'')")
    weights: list[float] = knob("[d, e]: weights of the first and second model's logits")
    classes: list[int] = knob("class indices of the model, one image each")
    settings: GenerationSettings = knob("generation settings (config/README.md, generation)")
    seed: int = knob("master seed", schema="seed")

    def __post_init__(self):
        check_classes(self.classes, self.first)
        if self.operation not in ("+", "-"):
            raise ValueError(f"operation must be + or -, got {self.operation!r}")
        if len(self.weights) != 2:
            raise ValueError(f"weights must be [d, e], got {self.weights!r}")


@stage(
    "pairs",
    Pair,
    schema="pairs",
    inputs=SPECTRUM,
    outputs={
        "images": File("images .safetensors"),
        "table": File("how each model and the pair classify the images .tsv"),
        "grid": File("image grid .png"),
    },
    models=True,
)
def pair(job: Job) -> None:
    """Combined (+) or difference (-) objective of two models."""
    import torch

    from inputgen.engine import generation
    from inputgen.studies.pairs import figures
    from inputgen.studies.pairs import science as study

    s = job.settings
    first = job.load_model(s.first)
    second = job.load_model(s.second)
    weights = tuple(float(w) for w in s.weights)
    results = [
        study.pair(first, second, batch, s.operation, weights, job.generation(s.settings), s.seed)
        for batch in generation.batches(s.classes, job.batch_size)
    ]
    images = torch.cat([r.images for r in results])
    logits = {
        s.first_name: first.batched_logits(images, job.batch_size),
        s.second_name: second.batched_logits(images, job.batch_size),
    }
    combined = study.pair_combination(*logits.values(), s.operation, weights)
    table = study.pair_table(s.classes, logits, combined, first.class_names)
    job.save_tensors("images", {"images": images, "classes": torch.tensor(s.classes)})
    job.write_table("table", table)
    grid = figures.pair_grid(
        images,
        table,
        first=s.first_name,
        second=s.second_name,
        operation=s.operation,
        weights=weights,
    )
    job.write_figure("grid", grid)
