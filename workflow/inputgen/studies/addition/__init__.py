"""Vector addition (source articles 1 and 2): images of two classes' summed logits, rated by the
generator and every other model (the science in :mod:`.science`, the figure in :mod:`.figures`):
its settings and stage. Importing this imports no torch (the Snakefile registers every stage)."""

from __future__ import annotations

from dataclasses import dataclass

from inputgen.engine.generation_settings import GenerationSettings, addition_pairs, check_classes
from inputgen.platform.stage import EVALUATORS, SPECTRUM, File, Job, knob, stage


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
    "addition",
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

    from inputgen.engine.generation import recognition, seen_by_others
    from inputgen.studies.addition import figures
    from inputgen.studies.addition import science as arithmetic

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
