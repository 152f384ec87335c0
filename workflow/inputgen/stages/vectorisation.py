"""Stages that make one model (theta1) take another's (theta2) view: vectorisation toward its
pictures and photos, and merging by parameters."""

from __future__ import annotations

from dataclasses import dataclass

from inputgen.generation_settings import GenerationSettings, check_classes
from inputgen.stage import SPECTRUM, File, Job, knob, stage

PAIR_INPUTS = {
    "own": File("theta1's class representations .safetensors"),
    "target_images": File("theta2's class representations .safetensors"),
}


@dataclass(frozen=True)
class Vectorise:
    name: str = knob("theta1's name in the config")
    model: dict = knob("theta1's resolved model spec")
    toward_name: str = knob("theta2's name in the config")
    toward: dict = knob("theta2's resolved model spec")
    classes: list[int] = knob("ImageNet classes whose theta2 pictures theta1 draws")
    photos: list[str] = knob("photos (names in the --photos file) whose outputs it also matches")
    settings: GenerationSettings = knob("generation settings (config/README.md, generation)")
    loss_scale: float = knob(
        "the factor of the L1 output distance (source article 3: 0.05)",
        schema="vectorisation.loss_scale",
    )
    start: str = knob(
        "uniform (the generation's start) or normal (article 3's N(0.7, 1/20))",
        schema="vectorisation.start",
    )
    seed: int = knob("master seed", schema="seed")

    def __post_init__(self):
        check_classes(self.classes, self.model)


@stage(
    "vectorise",
    Vectorise,
    schema="vectorisation",
    inputs={**PAIR_INPUTS, "photos": File("photos .safetensors"), **SPECTRUM},
    outputs={
        "out": File("vectorised images .safetensors"),
        "table": File("distances and recognition .tsv"),
        "figure": File("own | theirs | vectorised .png"),
        "photo_figure": File("photo | vectorised .png"),
    },
    models=True,
)
def vectorise(job: Job) -> None:
    """theta1 draws theta2's pictures (and photos)."""
    import torch

    from inputgen.figures import output_space as figures
    from inputgen.generated import select_classes
    from inputgen.photos import select_photos
    from inputgen.vectorisation import vectorise_toward

    s = job.settings
    zoo = job.load_model(s.model)
    toward = job.load_model(s.toward)
    theirs = select_classes(job.path("target_images"), s.classes)
    own = select_classes(job.path("own"), s.classes)
    photos = select_photos(job.path("photos"), s.photos)
    result = vectorise_toward(
        zoo,
        toward,
        own,
        theirs,
        photos,
        s.classes,
        s.photos,
        job.generation(s.settings),
        s.seed,
        job.batch_size,
        s.loss_scale,
        s.start,
    )
    images, table, n = result.images, result.table, len(s.classes)
    job.save_tensors(
        "out",
        {"images": images, "targets": result.targets, "classes": torch.tensor(s.classes)},
        {"model": s.name, "toward": s.toward_name, "photos": s.photos},
    )
    job.write_table("table", table)
    size = zoo.spec["input_size"]
    figure = figures.vectorisation_figure(
        own, theirs, images[:n], table.iloc[:n], name=s.name, toward=s.toward_name, size=size
    )
    job.write_figure("figure", figure)
    figure = figures.vectorisation_photo_figure(
        photos, images[n:], table.iloc[n:], name=s.name, size=size
    )
    job.write_figure("photo_figure", figure)


@dataclass(frozen=True)
class Merge:
    name: str = knob("theta1's name in the config")
    model: dict = knob("theta1's resolved model spec")
    toward_name: str = knob("theta2's name in the config")
    toward: dict = knob("theta2's resolved model spec")
    classes: list[int] = knob("ImageNet classes whose theta2 pictures theta1 is trained on")
    steps: int = knob("SGD steps on theta1's parameters (per group of batch images)")
    lr: float = knob("SGD learning rate")
    settings: GenerationSettings = knob("generation settings (config/README.md, generation)")
    batch: int | None = knob(
        "images per SGD step, each group trained steps steps in turn (source article 3: 1); "
        "null: every image in each step",
        None,
    )
    seed: int = knob("master seed", schema="seed")

    def __post_init__(self):
        check_classes(self.classes, self.model)


@stage(
    "merge",
    Merge,
    schema="merging",
    inputs={**PAIR_INPUTS, **SPECTRUM},
    outputs={
        "out": File("regenerated images .safetensors"),
        "table": File("per-class merging results .tsv"),
        "figure": File("before | theirs | after .png"),
        "loss_figure": File("RSS curve .png"),
    },
    models=True,
)
def merge(job: Job) -> None:
    """Train theta1's parameters toward theta2's outputs."""
    import torch

    from inputgen.figures import output_space as figures
    from inputgen.generated import select_classes
    from inputgen.merging import merge_toward

    s = job.settings
    zoo = job.load_model(s.model)
    toward = job.load_model(s.toward)
    theirs = select_classes(job.path("target_images"), s.classes)
    before = select_classes(job.path("own"), s.classes)
    result = merge_toward(
        zoo,
        toward,
        before,
        theirs,
        s.classes,
        job.generation(s.settings),
        s.seed,
        steps=s.steps,
        lr=s.lr,
        batch=s.batch,
        batch_size=job.batch_size,
    )
    job.save_tensors(
        "out",
        {"images": result.images, "classes": torch.tensor(s.classes), "loss": result.history},
        {"model": s.name, "toward": s.toward_name},
    )
    job.write_table("table", result.table)
    figure = figures.merging_figure(
        before,
        theirs,
        result.images,
        result.table,
        name=s.name,
        toward=s.toward_name,
        size=zoo.spec["input_size"],
    )
    job.write_figure("figure", figure)
    figure = figures.merging_loss_figure(
        result.history.tolist(), name=s.name, toward=s.toward_name, steps=s.steps, batch=s.batch
    )
    job.write_figure("loss_figure", figure)
