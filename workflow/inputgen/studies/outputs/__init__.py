"""The output space (source articles 2 and 3): each generator's class images through every
evaluator (output vectors), and the evaluators compared on them (the science in
:mod:`.science`, the figure in :mod:`.figures`): its settings and stages. Importing this imports
no torch (the Snakefile registers every stage)."""

from __future__ import annotations

from dataclasses import dataclass

from inputgen.platform.stage import File, Job, knob, stage


@dataclass(frozen=True)
class Outputs:
    generator: str = knob("the generator's name in the config (whose images)")
    name: str = knob("the evaluator's name in the config")
    model: dict = knob("the evaluator's resolved model spec")


@stage(
    "outputs",
    Outputs,
    inputs={"images": File("the generator's class representations .safetensors")},
    outputs={"out": File("outputs .safetensors")},
    models=True,
)
def outputs(job: Job) -> None:
    """An evaluator's output vectors on generated images."""
    from inputgen.engine.outputs import output_vectors
    from inputgen.platform import artifacts

    s = job.settings
    tensors, _ = artifacts.load_tensors(job.path("images"))
    zoo = job.load_model(s.model)
    vectors = output_vectors(zoo, tensors["images"], job.batch_size)
    # The output names travel with the vectors: later stages need no model (nor torchvision).
    from inputgen.engine.models import imagenet_class_names

    metadata = {
        "generator": s.generator,
        "evaluator": s.name,
        "names": zoo.class_names,
        "imagenet": tuple(zoo.class_names) == imagenet_class_names(),
    }
    job.save_tensors("out", {"outputs": vectors, "classes": tensors["classes"]}, metadata)


@dataclass(frozen=True)
class Compare:
    generator: str = knob("the generator's name in the config (whose images)")
    evaluators: list[str] = knob("the evaluators' names, one per --outputs file, in order")


@stage(
    "outputs-compare",
    Compare,
    inputs={
        "outputs": File(
            "each evaluator's outputs .safetensors on the generator's images", many=True
        )
    },
    outputs={"table": File("comparison .tsv"), "figure": File("heatmap .png")},
)
def compare(job: Job) -> None:
    """Per class: how far apart models' outputs lie."""
    from inputgen.engine.outputs import read_outputs
    from inputgen.studies.outputs import figures
    from inputgen.studies.outputs.science import compare_models

    s = job.settings
    paths = job.paths("outputs")
    if len(paths) != len(s.evaluators) or len(set(s.evaluators)) != len(s.evaluators):
        raise ValueError(
            f"compare needs one distinct evaluator name per outputs file: "
            f"{s.evaluators} for {len(paths)} files"
        )
    loaded = {name: read_outputs(path) for name, path in zip(s.evaluators, paths, strict=True)}
    names = loaded[s.evaluators[0]][2]["names"]
    table = compare_models(
        {name: (outputs, classes) for name, (outputs, classes, _) in loaded.items()}, names
    )
    job.write_table("table", table)
    figure = figures.comparison_heatmap(
        table, title=f"How differently the models see {s.generator}'s class images"
    )
    job.write_figure("figure", figure)
