"""Source article 1's opening experiments, a small CNN of five flower classes (the science in
:mod:`.science`): its settings and stage. Importing this imports no torch (the Snakefile
registers every stage)."""

from __future__ import annotations

from dataclasses import dataclass

from inputgen.platform.stage import File, Job, knob, stage


@dataclass(frozen=True)
class Flowers:
    folder: str | None = knob("an ImageFolder of the classes; null: MNIST digits stand in")
    classes: list[str] = knob("the class folders (or digits) taken, in label order")
    targets: list[str] = knob("the classes photos are transfigured toward (article: tulip, daisy)")
    size: int = knob("square side of the images (divisible by 8)")
    train_images: int = knob("MNIST stand-in: training images (a folder: all, 80%)")
    test_images: int = knob("MNIST stand-in: test images (a folder: the other 20%)")
    epochs: int = knob("training epochs")
    train_batch: int = knob("SGD batch (changes results)")
    train_lr: float = knob("SGD learning rate (momentum 0.9)")
    noise_steps: int = knob("experiment 1: plain gradient steps from noise (article: 1000)")
    noise_lr: float = knob("experiment 1: the step's factor (article: 10000)")
    epsilon: float = knob("experiment 2: the per-pixel size of the gradient and random steps")
    per_class: int = knob("experiment 3: test photos of each class transfigured")
    transfigure_steps: int = knob("experiment 3: sign steps (article: 100)")
    transfigure_lr: float = knob("experiment 3: the sign step (article: 0.01)")
    seed: int = knob(
        "master seed (the CNN, data order and split, noise, directions)", schema="seed"
    )

    def __post_init__(self):
        unknown = sorted(set(self.targets) - set(self.classes))
        if unknown:
            raise ValueError(f"targets {unknown} are not among the classes {self.classes}")


@stage(
    "flowers",
    Flowers,
    schema="flowers",
    outputs={
        "training": File("the CNN's train and test accuracy .tsv"),
        "noise": File("experiment 1: per class, from noise .tsv"),
        "random": File("experiment 2: per test photo, gradient and random steps .tsv"),
        "transfigured": File("experiment 3: per target and photo .tsv"),
        "figure": File("images from noise and transfigured photos .png"),
    },
    models=True,
)
def flowers(job: Job) -> None:
    """Train the small CNN, then run the article's three experiments on it."""
    import pandas as pd
    import torch

    from inputgen.figures import images as plots
    from inputgen.studies.flowers import science as study

    s = job.settings
    if s.folder:
        data = study.image_folder_classes(s.folder, s.classes, s.size, 0.2, s.seed)
        for path in data.files:
            job.run.add_input(path)
    else:
        data = study.mnist_digits(s.classes, s.size, s.train_images, s.test_images)
    k = len(data.names)
    trained = study.train_classifier(
        *data.train, data.test, k, epochs=s.epochs, batch_size=s.train_batch, lr=s.train_lr,
        seed=s.seed, device=job.device,
    )  # fmt: skip
    model = trained.model
    job.write_table(
        "training",
        pd.DataFrame(
            {
                "source": [data.source],
                "classes": [k],
                "train_images": [len(data.train[1])],
                "test_images": [len(data.test[1])],
                "train_accuracy": [round(trained.train_accuracy, 4)],
                "test_accuracy": [round(trained.test_accuracy, 4)],
            }
        ),
    )
    starts, generated = study.from_noise(model, s.size, k, s.noise_steps, s.noise_lr, s.seed)
    job.write_table("noise", study.noise_table(starts, generated, model, data.names))
    job.write_table("random", study.random_directions(model, data.test[0], s.epsilon, s.seed))
    chosen = study.per_class_photos(data.test[1], k, s.per_class)
    photos, labels = data.test[0][chosen], data.test[1][chosen]
    targets = [data.names.index(t) for t in s.targets]
    moved = study.transfigure(model, photos, targets, s.transfigure_steps, s.transfigure_lr, s.seed)
    table = study.transfiguration_table(photos, labels, moved, targets, model, data.names)
    job.write_table("transfigured", table)
    images = torch.cat([generated, photos, *moved])
    captions = [f"from noise: {name}" for name in data.names]
    captions += [f"photo: {data.names[c]}" for c in labels.tolist()]
    captions += [f"-> {s.targets[i]}: {data.names[c]}" for i in range(len(targets))
                 for c in labels.tolist()]  # fmt: skip
    title = f"{data.source}: images from noise, photos, and the photos toward each target"
    job.write_figure("figure", plots.image_grid(images, captions, columns=max(k, 5), title=title))
