"""Generation stages (source articles 1 to 3): class representations and opposites, chunked and
gathered; random starts, auxiliary heads and feature maps; two-model objectives; the prior
ablation."""

from __future__ import annotations

from dataclasses import dataclass

from inputgen.engine.generation_settings import GenerationSettings, check_classes
from inputgen.platform.stage import SPECTRUM, File, Job, knob, stage

OBJECTIVES = ("target", "minimum")


# ------------------------------------------------------------------ representations, opposites
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
    "represent",
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
    "summarise",
    Summarise,
    inputs={
        "chunks": File("represent chunks .safetensors, in class order", many=True, temporary=True)
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
    from inputgen import representations as study
    from inputgen.engine import generation
    from inputgen.engine.imagenet_groups import groups_of
    from inputgen.figures import generation as figures
    from inputgen.platform.generated import load_generated

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


@dataclass(frozen=True)
class Opposites:
    name: str = knob("the model's name in the config")
    model: dict = knob("the model's spec")
    settings: GenerationSettings = knob("generation settings (to find the opposites' opposites)")
    seed: int = knob("master seed (as the chunks were made with)", schema="seed")
    evaluators: dict = knob("the other models that rate the images: name -> spec", {})


@stage(
    "opposites",
    Opposites,
    schema="opposites",
    inputs={
        "chunks": File("represent chunks of the objective minimum", many=True, temporary=True),
        "representations": File(
            "the model's class representations: adds the naive opposite (argmin)", optional=True
        ),
        **SPECTRUM,
    },
    outputs={
        "images": File("gathered minimised images .safetensors"),
        "table": File("opposites .tsv"),
        "commutativity": File("commutativity .tsv"),
        "graph": File("opposite relation .graphml"),
        "grid": File("image grid .png"),
        "naive": File("naive vs minimised opposites .png (needs representations)", optional=True),
    },
    models=True,
)
def opposites(job: Job) -> None:
    """Label minimised-class images by the model; their commutativity."""
    import torch

    from inputgen import representations as study
    from inputgen.engine import generation
    from inputgen.figures import generation as figures
    from inputgen.platform import artifacts
    from inputgen.platform.generated import load_generated, select_classes

    s = job.settings
    if job.path("naive") and not job.path("representations"):
        raise ValueError("the naive figure needs the representations (the class images)")
    images, classes = load_generated(job.paths("chunks"))
    zoo = job.load_model(s.model)
    representations = None
    if job.path("representations"):
        representations = select_classes(job.path("representations"), classes.tolist())
    table, commutes = study.opposites_study(
        zoo,
        images,
        classes.tolist(),
        job.generation(s.settings),
        s.seed,
        job.batch_size,
        representations,
    )
    others, _ = generation.seen_by_others(
        s.name, s.evaluators, images, classes.tolist(), job.batch_size, job.load_model
    )
    table = study.rated_opposites(table, others, zoo.class_names)
    opposite = torch.tensor(table["opposite"].values)
    job.save_tensors(
        "images", {"images": images, "classes": classes, "opposites": opposite}, {"model": s.name}
    )
    job.write_table("table", table)
    job.write_table("commutativity", commutes)
    artifacts.write_graph(job.path("graph"), study.opposite_graph(table), job.record())
    job.write_figure("grid", figures.opposites_grid(images, table, name=s.name))
    if job.path("naive"):
        naive = figures.naive_opposites_grid(representations, images, table, name=s.name)
        job.write_figure("naive", naive)


# ------------------------------------------------- random starts, auxiliary heads, feature maps
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


GENERATED = {
    "out": File("images .safetensors"),
    "table": File("table .tsv"),
    "figure": File("image grid .png"),
}


@stage("starts", Starts, schema="starts", inputs=SPECTRUM, outputs=GENERATED, models=True)
def starts(job: Job) -> None:
    """Several random starts per class, side by side (one class has many images)."""
    import torch

    from inputgen import representations as study
    from inputgen.engine import generation
    from inputgen.figures import generation as figures

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


@stage("drift", Drift, outputs={"table": File("drift of each resize, nearest/bilinear .tsv")})
def drift(job: Job) -> None:
    """How far the resize prior moves a picture over a run's steps, nearest-neighbour against
    bilinear (source article 1's translation artefact), at the random starts' image size."""
    from inputgen.engine.image_stats import drift_table

    s = job.settings
    resize = s.settings.priors.get("resize")
    size = s.settings.image_size(s.input_size)
    job.write_table("table", drift_table(resize, size, s.settings.steps, s.seed))


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


@stage("auxiliary", Auxiliary, schema="auxiliary", inputs=SPECTRUM, outputs=GENERATED, models=True)
def auxiliary(job: Job) -> None:
    """Class representations from an auxiliary head, and how the main output sees them."""
    import torch

    from inputgen import representations as study
    from inputgen.engine import generation
    from inputgen.figures import generation as figures

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


@dataclass(frozen=True)
class Features:
    name: str = knob("the model's name in the config")
    model: dict = knob("the model's spec")
    layer: str = knob("a module name of the model")
    channels: list[int] = knob("channel indices of the layer")
    settings: GenerationSettings = knob("generation settings (config/README.md, generation)")
    seed: int = knob("master seed", schema="seed")


@stage("features", Features, schema="features", inputs=SPECTRUM, outputs=GENERATED, models=True)
def features(job: Job) -> None:
    """Inputs that maximise chosen channels of a layer (feature-map visualisations)."""
    import torch

    from inputgen import representations as study
    from inputgen.figures import generation as figures

    s = job.settings
    zoo = job.load_model(s.model)
    result = study.feature_visualisations(
        zoo, s.layer, s.channels, job.generation(s.settings), s.seed
    )
    means = result.history[f"feature:model:{s.layer}"]
    top1 = zoo.batched_logits(result.images, job.batch_size).argmax(dim=1).tolist()
    table = study.features_table(s.layer, s.channels, means, top1, zoo.class_names)
    tensors = {"images": result.images, "channels": torch.tensor(s.channels)}
    job.save_tensors("out", tensors, {"model": s.name, "layer": s.layer})
    job.write_table("table", table)
    grid = figures.features_grid(result.images, table, name=s.name, layer=s.layer)
    job.write_figure("figure", grid)


# ------------------------------------------------------------------------ two-model objectives
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
    "pair",
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

    from inputgen import representations as study
    from inputgen.engine import generation
    from inputgen.figures import generation as figures

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
