"""Vector-arithmetic stages (source articles 1 and 2): transfiguration of photos, interpolation
between two classes, vector addition of class pairs, and the two-feature embedding."""

from __future__ import annotations

from dataclasses import dataclass

from inputgen.engine.generation_settings import GenerationSettings, addition_pairs, check_classes
from inputgen.platform.stage import SPECTRUM, File, Job, knob, stage

EVALUATORS = "the other models that rate the images: name -> spec (the generator rates itself)"


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
    "transfigure",
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

    from inputgen import arithmetic
    from inputgen.engine.generation import recognition, seen_by_others
    from inputgen.engine.photos import select_photos
    from inputgen.figures import arithmetic as figures

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
    "interpolate",
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
    from inputgen import arithmetic
    from inputgen.engine.generation import recognition, seen_by_others
    from inputgen.engine.photos import select_photos
    from inputgen.figures import arithmetic as figures
    from inputgen.platform import artifacts

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


@dataclass(frozen=True)
class Add:
    name: str = knob("the model's name in the config")
    model: dict = knob("the model's resolved spec")
    settings: GenerationSettings = knob("generation settings (config/README.md, generation)")
    pairs: list[list[int]] = knob("[first, second] ImageNet classes of each added image")
    evaluators: dict = knob(EVALUATORS, {})
    seed: int = knob("master seed", schema="seed")

    def __post_init__(self):
        firsts, seconds = addition_pairs(self.pairs)
        check_classes(firsts + seconds, self.model)


@stage(
    "add",
    Add,
    schema="addition",
    inputs=SPECTRUM,
    outputs={
        "out": File("added images .safetensors"),
        "table": File("per pair: probabilities, every model's top-5 flags .tsv"),
        "figure": File("the added images .png"),
    },
    models=True,
)
def add(job: Job) -> None:
    """Vector addition (merging) of class pairs."""
    import torch

    from inputgen import arithmetic
    from inputgen.engine.generation import recognition, seen_by_others
    from inputgen.figures import arithmetic as figures

    s = job.settings
    firsts, seconds = addition_pairs(s.pairs)
    zoo = job.load_model(s.model)
    result = arithmetic.add(zoo, firsts, seconds, job.generation(s.settings), s.seed)
    logits = zoo.batched_logits(result.images, job.batch_size)
    # Whether each model's top-5 holds each class; the other models' top-1 names too.
    own = recognition(zoo, result.images, firsts, job.batch_size)
    seen, _ = seen_by_others(
        s.name, s.evaluators, result.images, firsts, job.batch_size, job.load_model
    )
    table = arithmetic.addition_table(
        firsts, seconds, logits, zoo.class_names, {"self": own, **seen}
    )
    job.save_tensors(
        "out",
        {
            "images": result.images,
            "firsts": torch.tensor(firsts),
            "seconds": torch.tensor(seconds),
        },
    )
    job.write_table("table", table)
    job.write_figure("figure", figures.addition_grid(result.images, table, s.name))


@dataclass(frozen=True)
class Embed:
    name: str = knob("the model's name in the config")
    model: dict = knob("the model's resolved spec")
    layer: str = knob("module name of the layer whose feature maps place the images")
    features: list[int] = knob("two channels of the layer: the x and y coordinates")

    def __post_init__(self):
        if len(self.features) != 2:
            raise ValueError(f"features must be two channels (x, y), got {self.features}")


@stage(
    "embed",
    Embed,
    schema="embedding",
    inputs={"representations": File("class images .safetensors")},
    outputs={"table": File("embedding .tsv"), "figure": File("embedding .png")},
    models=True,
)
def embed(job: Job) -> None:
    """Two-feature embedding of class representations."""
    from inputgen.embedding import embedding_table, feature_means
    from inputgen.engine import models
    from inputgen.figures import arithmetic as figures
    from inputgen.platform import artifacts

    s = job.settings
    zoo = job.load_model(s.model)
    tensors, _ = artifacts.load_tensors(job.path("representations"))
    models.check_layer(zoo.model, s.layer)
    means = feature_means(zoo, tensors["images"], s.layer, s.features, job.batch_size)
    table = embedding_table(tensors["classes"].tolist(), zoo.class_names, means, s.features)
    job.write_table("table", table)
    job.write_figure(
        "figure", figures.embedding_figure(means, table["name"], s.layer, s.features, s.name)
    )
