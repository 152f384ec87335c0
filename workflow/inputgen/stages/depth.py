"""Depth stages (source article 3): layer autoencoding, fully connected nets, the exactly
invertible linear net and MNIST training (conditioning is a study module of its own,
inputgen.studies.conditioning)."""

from __future__ import annotations

from dataclasses import dataclass

from inputgen.platform.stage import File, Job, knob, stage


# ---------------------------------------------------------------- their descent
@dataclass(frozen=True)
class DepthDescent:
    """The descent settings of the depth studies, flat as in their config sections: normalised
    or plain steps, with the stage's ``priors`` where it has them."""

    steps: int = knob("descent iterations (per layer, net or checkpoint, as the stage says)")
    lr: float = knob("first step size")
    lr_end: float | None = knob("last step size (linear decay; null: constant)")
    momentum: float = knob("momentum of the steps")
    rule: str = knob("normalized (unit mean |step|) or gradient (source article 3's plain step)")

    @property
    def descent(self):
        from inputgen.engine.optimize import Descent

        return Descent(
            steps=self.steps,
            lr=self.lr,
            lr_end=self.lr_end,
            rule=self.rule,
            momentum=self.momentum,
            priors=getattr(self, "priors", {}),
        )


# ------------------------------------------------------------------------- layer autoencoding
@dataclass(frozen=True)
class Autoencode(DepthDescent):
    name: str = knob("the model's name in the config")
    model: dict = knob("the model's resolved spec")
    photo: str = knob("the target photo's name in the photos file")
    size: int = knob("side of the optimised image")
    layers: list[str] = knob("module names, shallow to deep")
    priors: dict = knob('priors as in generation.priors, e.g. {"blur": {}}')
    reference_std: float = knob("a' = a + N(0, std^2), the shift behind m_r")
    seed: int = knob("master seed (start image, shift)", schema="seed")


@stage(
    "autoencode",
    Autoencode,
    schema="autoencoding",
    inputs={"photos": File("photos .safetensors")},
    outputs={
        "metrics": File("metrics .tsv"),
        "images": File("a_g per layer .safetensors"),
        "figure": File("m_g / m_i curves .png"),
    },
    models=True,
)
def autoencode(job: Job) -> None:
    """Invert one photo from each layer of a model."""
    from inputgen import autoencoding
    from inputgen.engine import photos
    from inputgen.figures import depth as figures

    s = job.settings
    zoo = job.load_model(autoencoding.spec_at_size(s.model, s.size))
    target = photos.resize(photos.select_photos(job.path("photos"), [s.photo]), s.size)
    study = autoencoding.autoencode_layers(
        zoo, target, s.layers, s.descent, reference_std=s.reference_std, seed=s.seed,
        progress=s.name,
    )  # fmt: skip
    job.write_table("metrics", study.metrics)
    job.save_tensors(
        "images",
        {"images": study.images, "target": target[0]},
        {"model": s.name, "layers": s.layers, "shift_distance": study.shift},
    )
    title = f"{s.name}: autoencoding {s.photo} ({s.size} px) from each layer"
    job.write_figure("figure", figures.autoencoding_curves(study.metrics, title=title))


@dataclass(frozen=True)
class AutoencodingSummary:
    models: list[str] = knob("the models' names, in grid order (and the files' order)")
    untrained: list[str] = knob("the names of the untrained (random weights) models")


@stage(
    "autoencoding-summary",
    AutoencodingSummary,
    inputs={
        "metrics": File("each model's metrics .tsv, in the order of models", many=True),
        "images": File("each model's a_g per layer .safetensors, same order", many=True),
    },
    outputs={
        "summary": File("per model and layer .tsv"),
        "claims": File("the source's claims as numbers .tsv"),
        "grid": File("inputs recovered from each layer, every model .png"),
    },
)
def autoencoding_summary(job: Job) -> None:
    """All models' layers side by side."""

    from inputgen import autoencoding
    from inputgen.figures import depth as figures
    from inputgen.platform import artifacts

    s = job.settings
    metrics_paths, images_paths = job.paths("metrics"), job.paths("images")
    if not len(s.models) == len(metrics_paths) == len(images_paths):
        raise ValueError(
            f"{len(s.models)} models, {len(metrics_paths)} metrics and "
            f"{len(images_paths)} images files: one of each per model"
        )
    metrics = {
        name: artifacts.read_table(path) for name, path in zip(s.models, metrics_paths, strict=True)
    }
    loaded = {
        name: artifacts.load_tensors(path)
        for name, path in zip(s.models, images_paths, strict=True)
    }
    shifts = {name: metadata["shift_distance"] for name, (_, metadata) in loaded.items()}
    summary = autoencoding.summary_table(metrics, shifts, s.untrained)
    job.write_table("summary", summary)
    job.write_table("claims", autoencoding.claims_table(summary))
    images = {name: tensors for name, (tensors, _) in loaded.items()}
    job.write_figure("grid", figures.autoencoding_grid(summary, images))


# ------------------------------------------------------------------- fully connected nets
@dataclass(frozen=True)
class FullyConnected(DepthDescent):
    study: str = knob("the study's name (titles)")
    nets: list[list[int]] = knob("each net's layer widths, input side first")
    relu: bool = knob("ReLU between layers (false: linear layers)")
    names: list[str] = knob("photos (names in the photos file) recovered together")
    size: int = knob("side of the downscaled photos (29: 2523 inputs)")
    points: int = knob("log-spaced iterations recorded")
    reference_std: float = knob("a' = a + N(0, std^2): the figure's |a' - a| line")
    seed: int = knob("master seed (start images, net i seeded seed + i)", schema="seed")


@stage(
    "fully-connected",
    FullyConnected,
    schema="fully_connected",
    inputs={"photos": File("photos .safetensors")},
    outputs={
        "table": File("m_i, m_g per net and iteration .tsv"),
        "figure": File("m_i curves .png"),
    },
    models=True,
)
def fully_connected(job: Job) -> None:
    """Input recovery through fully connected nets."""
    from inputgen import dense
    from inputgen.engine import photos
    from inputgen.figures import depth as figures

    s = job.settings
    targets = photos.resize(photos.select_photos(job.path("photos"), s.names), s.size)
    table = dense.recovery_table(
        targets, s.names, s.nets, s.descent, relu=s.relu, points=s.points, seed=s.seed,
        device=job.device, progress=s.study,
    )  # fmt: skip
    job.write_table("table", table)
    inputs = targets[0].numel()
    title = (
        f"Fully connected ({'ReLU' if s.relu else 'linear'}), {s.study}: "
        f"{s.size}x{s.size}x3 = {inputs} inputs, {len(s.names)} photos"
    )
    reference = float(s.reference_std * inputs**0.5)
    job.write_figure(
        "figure", figures.fully_connected_figure(table, title=title, reference=reference)
    )


# --------------------------------------------------------------------- the invertible net
@dataclass(frozen=True)
class Invertible(DepthDescent):
    names: list[str] = knob("photos (names in the photos file) to invert")
    size: int = knob("side of the downscaled photos")
    depth: int = knob("square linear layers")
    neighbours: int = knob("random neighbours per photo")
    output_std: float = knob("O(a'') = O(a) + N(0, s^2)")
    reference_std: float = knob("a' = a + N(0, std^2)")
    seed: int = knob("master seed (the net, neighbours, shifts, start images)", schema="seed")


@stage(
    "invertible",
    Invertible,
    schema="invertible",
    inputs={"photos": File("photos .safetensors")},
    outputs={
        "invertible": File("reconstruction errors .tsv"),
        "neighbours_table": File("input distances .tsv"),
        "summary": File("medians and the percentile of |a_g - a| .tsv"),
        "figure": File("neighbour distances .png"),
    },
    models=True,
)
def invertible(job: Job) -> None:
    """Exact inversion and random output neighbours."""
    from inputgen import dense
    from inputgen.engine import photos
    from inputgen.figures import depth as figures

    s = job.settings
    targets = photos.resize(photos.select_photos(job.path("photos"), s.names), s.size)
    study = dense.invertible_study(
        targets, s.names, s.descent, depth=s.depth, neighbours=s.neighbours,
        output_std=s.output_std, reference_std=s.reference_std, seed=s.seed, device=job.device,
    )  # fmt: skip
    job.write_table("invertible", study.invertible)
    job.write_table("neighbours_table", study.neighbours)
    job.write_table("summary", study.summary)
    figure = figures.invertible_figure(
        study.invertible, study.neighbours, study.summary, depth=s.depth,
        width=targets[0].numel(), output_std=s.output_std, reference_std=s.reference_std,
        steps=s.steps,
    )  # fmt: skip
    job.write_figure("figure", figure)


# ------------------------------------------------------------------------- MNIST training
@dataclass(frozen=True)
class MnistTraining(DepthDescent):
    train_images: int = knob("the first N training images")
    epochs: int = knob("training epochs")
    train_batch: int = knob("SGD batch (changes results)")
    train_lr: float = knob("SGD learning rate (momentum 0.9)")
    checkpoints: list[float] = knob("fractions of training (0: untrained, 1: the end)")
    digits: int = knob("test digits autoencoded")
    layers: list[str] = knob("layers autoencoded (of conv1, conv2, fc1, fc2)")
    priors: dict = knob('priors as in generation.priors, e.g. {"blur": {}}')
    reference_std: float = knob("a' = a + N(0, std^2), the shift behind m_r")
    seed: int = knob("master seed (the CNN, data order, start images, shift)", schema="seed")


@stage(
    "mnist-training",
    MnistTraining,
    schema="mnist",
    outputs={
        "metrics": File("metrics .tsv"),
        "figure": File("accuracy and m_g during training .png"),
        "grid": File("recovered digits .png"),
    },
    models=True,
)
def mnist_training(job: Job) -> None:
    """Layer autoencoding while a CNN trains."""
    from inputgen import mnist
    from inputgen.figures import depth as figures

    s = job.settings
    images, labels = mnist.load("train")
    study = mnist.autoencoding_while_training(
        (images[: s.train_images], labels[: s.train_images]), mnist.load("test"), s.descent,
        epochs=s.epochs, batch_size=s.train_batch, lr=s.train_lr, checkpoints=s.checkpoints,
        digits=s.digits, layers=s.layers, reference_std=s.reference_std, seed=s.seed,
        device=job.device,
    )  # fmt: skip
    job.write_table("metrics", study.table)
    job.write_figure("figure", figures.training_figure(study.table))
    job.write_figure("grid", figures.training_grid(study.table, study.images, s.layers))
