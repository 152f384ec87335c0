"""Training and representation accuracy (source article 3): a small CNN trained on MNIST, with the
layer autoencoding of test digits at checkpoints (the science in :mod:`.science`, the figures
in :mod:`.figures`): its settings, stage and section of the findings page. Importing this
imports no torch (the Snakefile registers every stage)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from inputgen.engine.depth_descent import DepthDescent
from inputgen.platform.stage import File, Job, knob, stage

if TYPE_CHECKING:
    import pandas as pd


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
    from inputgen.engine import mnist
    from inputgen.studies.mnist import figures
    from inputgen.studies.mnist import science as mnist_study

    s = job.settings
    images, labels = mnist.load("train")
    study = mnist_study.autoencoding_while_training(
        (images[: s.train_images], labels[: s.train_images]), mnist.load("test"), s.descent,
        epochs=s.epochs, batch_size=s.train_batch, lr=s.train_lr, checkpoints=s.checkpoints,
        digits=s.digits, layers=s.layers, reference_std=s.reference_std, seed=s.seed,
        device=job.device,
    )  # fmt: skip
    job.write_table("metrics", study.table)
    job.write_figure("figure", figures.training_figure(study.table))
    job.write_figure("grid", figures.training_grid(study.table, study.images, s.layers))


# The findings page's tables of this study: kind (the findings stage's file argument) -> what.
FINDINGS_TABLES = {"mnist": "results/mnist/metrics.tsv"}


def findings_section(tables: Mapping[str, Mapping[str, pd.DataFrame]]) -> str:
    """Test accuracy and the mean ``m_i`` per checkpoint and layer, or the line that the study
    is off."""
    from inputgen.platform.findings_tables import aggregate_table, off_line, section

    mnist = tables.get("mnist") or {}
    return section(
        "MNIST training",
        "Layer autoencoding of test digits while a small network trains: test accuracy and the "
        "mean input distance `m_i` over the digits, per checkpoint and layer.",
        aggregate_table(
            mnist, ["step", "test_accuracy", "layer"], ["count(*)", "mean(m_i)", "mean(m_g)"]
        ),
        off=None if mnist else off_line("mnist"),
    )
