"""Model-similarity stages (source article 4): representation-inversion datasets and linear CKA
between models on natural and on inverted images; a layer x layer CKA of two models."""

from __future__ import annotations

from dataclasses import dataclass

from inputgen.platform.stage import File, Job, knob, stage


@dataclass(frozen=True)
class Invert:
    name: str = knob("the model's name in the config")
    model: dict = knob("the model's spec")
    pairs: int = knob("(seed, target) pairs to invert")
    steps: int = knob("iterations (the paper: 2000)")
    lr: float = knob("step size: the L2 length of one step (the paper: 1/8)", schema="inversion.lr")
    momentum: float = knob("momentum of the L2-normalised steps", schema="inversion.momentum")
    seed: int = knob("seed of the pairs and of the descent", schema="seed")
    show: int = knob("pairs in the figure", 8)


@stage(
    "invert",
    Invert,
    schema="inversion",
    inputs={"natural": File("natural images .safetensors")},
    outputs={
        "images": File("inverted .safetensors"),
        "summary": File("per-model summary .tsv"),
        "figure": File("seed | target | inverted .png"),
    },
    models=True,
)
def invert(job: Job) -> None:
    """A representation-inversion dataset of one model."""
    from inputgen import inversion
    from inputgen.engine.optimize import Descent
    from inputgen.engine.photos import resize
    from inputgen.figures import similarity as figures
    from inputgen.platform import artifacts

    s = job.settings
    # Ilyas et al.'s descent: L2-normalised steps with momentum, the best iterate kept
    descent = Descent(steps=s.steps, lr=s.lr, rule="l2", momentum=s.momentum)
    tensors, metadata = artifacts.load_tensors(job.path("natural"))
    if "source" not in tensors:
        raise ValueError(
            f"{job.path('natural')} does not record each image's source photo (`source`); "
            "rerun the photos stage"
        )
    zoo = job.load_model(s.model)
    natural = resize(tensors["images"], zoo.spec["input_size"])
    predicted = zoo.batched_logits(natural, job.batch_size, desc="labelling").argmax(dim=1)
    label_source, labels, label_names = inversion.pair_labels(
        tensors.get("labels"),
        metadata.get("label_space"),
        metadata.get("class_names"),
        predicted,
        zoo.class_names,
    )
    dataset = inversion.inversion_dataset(
        zoo,
        natural,
        labels,
        tensors["source"],
        s.pairs,
        descent,
        batch_size=job.batch_size,
        seed=s.seed,
    )
    seen = zoo.batched_logits(dataset["images"], job.batch_size).argmax(dim=1)
    job.save_tensors("images", dataset, {"model": s.name, "label_source": label_source})
    table = inversion.summary_table(s.name, s.steps, label_source, dataset, predicted, seen)
    job.write_table("summary", table)
    figure = figures.inversion_grid(
        natural,
        dataset,
        seen,
        label_names,
        zoo.class_names,
        name=s.name,
        label_source=label_source,
        show=s.show,
    )
    job.write_figure("figure", figure)


@dataclass(frozen=True)
class Cka:
    models: dict[str, dict] = knob("name -> spec of every model compared")
    inverted: list[str] = knob("the models whose inverted datasets --inverted gives, in order")
    layers: dict[str, str] = knob(
        "name -> layer compared (default: the penultimate)", schema="cka.layers"
    )
    debiased: bool = knob("the debiased (unbiased HSIC) CKA", schema="cka.debiased")
    images: int | None = knob("compare the first N natural images (null: all)", schema="cka.images")


@stage(
    "cka",
    Cka,
    schema="cka",
    inputs={
        "natural": File("natural images .safetensors"),
        "inverted": File("each model's inverted .safetensors", many=True),
    },
    outputs={
        "natural_table": File("CKA on the natural images .tsv"),
        "inverted_table": File("CKA on each model's inverted images .tsv"),
        "summary": File("mean off-diagonal CKA .tsv"),
        "figure": File("heatmaps .png"),
    },
    models=True,
)
def cka(job: Job) -> None:
    """CKA between models on natural and inverted data."""
    from inputgen.engine import cka as study
    from inputgen.figures import similarity as figures
    from inputgen.platform import artifacts

    s = job.settings
    paths = job.paths("inverted")
    if len(paths) != len(s.inverted):
        raise ValueError(f"{len(paths)} inverted datasets for the models {s.inverted}")
    missing = sorted(set(s.inverted) - set(s.models))
    if missing:
        raise KeyError(f"inverted datasets of {missing}, which are not among the models")
    zoos = {name: job.load_model(spec) for name, spec in s.models.items()}
    natural = artifacts.load_tensors(job.path("natural"))[0]["images"]
    natural = study.first_images(natural, s.images, job.path("natural"))
    inverted = {}
    for name, path in zip(s.inverted, paths, strict=True):
        tensors, metadata = artifacts.load_tensors(path)
        if metadata.get("model", name) != name:
            raise ValueError(f"{path} holds {metadata['model']}'s inverted images, not {name}'s")
        inverted[name] = tensors["images"]
    tables = study.model_tables(zoos, s.layers, natural, inverted, job.batch_size, s.debiased)
    natural_table, inverted_table, summary = tables
    job.write_table("natural_table", natural_table)
    job.write_table("inverted_table", inverted_table)
    job.write_table("summary", summary)
    note = (
        f"{'configured layers' if s.layers else 'penultimate layer'}, "
        f"{'debiased' if s.debiased else 'standard'} estimator"
    )
    job.write_figure("figure", figures.cka_heatmaps(natural_table, inverted_table, note=note))


@dataclass(frozen=True)
class CkaLayers:
    models: dict[str, dict] = knob("name -> spec of the two models compared")
    layers: dict[str, list[str]] = knob("name -> its layers (module names, or penultimate)")
    images: int | None = knob("compare the first N natural images (null: all)", schema="cka.images")


@stage(
    "cka-layers",
    CkaLayers,
    schema="cka",
    inputs={"natural": File("natural images .safetensors")},
    outputs={"table": File("layer x layer CKA .tsv"), "figure": File("heatmap .png")},
    models=True,
)
def cka_layers(job: Job) -> None:
    """Layer x layer CKA of two models (Kornblith et al.'s figure), minibatch-streamed."""
    from inputgen.engine import cka as study
    from inputgen.figures import similarity as figures
    from inputgen.platform import artifacts

    s = job.settings
    if len(s.models) != 2:
        raise ValueError(f"cka-layers compares two models, got {list(s.models)}")
    zoos = {name: job.load_model(spec) for name, spec in s.models.items()}
    natural = artifacts.load_tensors(job.path("natural"))[0]["images"]
    natural = study.first_images(natural, s.images, job.path("natural"))
    table, batches = study.layer_table(zoos, s.layers, natural, job.batch_size)
    job.write_table("table", table)
    first, second = list(zoos)
    job.write_figure("figure", figures.layer_heatmap(table, first, second, batches=batches))
