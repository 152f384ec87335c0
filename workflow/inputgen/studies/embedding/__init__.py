"""Feature embedding (source article 2): each class image as the point of two feature maps' mean
activations in one layer (the science in :mod:`.science`, the figure in :mod:`.figures`): its
settings and stage. Importing this imports no torch (the Snakefile registers every stage)."""

from __future__ import annotations

from dataclasses import dataclass

from inputgen.platform.stage import File, Job, knob, stage


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
    "embedding",
    Embed,
    schema="embedding",
    inputs={"representations": File("class images .safetensors")},
    outputs={"table": File("embedding .tsv"), "figure": File("embedding .png")},
    models=True,
)
def embed(job: Job) -> None:
    """Two-feature embedding of class representations."""
    from inputgen.engine import models
    from inputgen.platform import artifacts
    from inputgen.studies.embedding import figures
    from inputgen.studies.embedding.science import embedding_table, feature_means

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
