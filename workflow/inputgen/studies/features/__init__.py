"""Feature maps (source article 1): images that raise single channels of a layer (the science in
:mod:`.science`, the figure in :mod:`.figures`): its settings and stage. Importing this imports
no torch (the Snakefile registers every stage)."""

from __future__ import annotations

from dataclasses import dataclass

from inputgen.engine.generation_settings import GenerationSettings
from inputgen.platform.stage import GENERATED, SPECTRUM, Job, knob, stage


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

    from inputgen.studies.features import figures
    from inputgen.studies.features import science as study

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
