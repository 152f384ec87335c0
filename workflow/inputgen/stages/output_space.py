"""Output-space stages (source article 2): output vectors, class graphs and coherence, PCA,
cross-model comparison."""

from __future__ import annotations

from dataclasses import dataclass

from inputgen.platform.stage import File, Job, knob, stage


def _outputs(path: str):
    """An outputs file: the (classes, 1000) float64 matrix, its classes, its metadata."""
    from inputgen.platform import artifacts

    tensors, metadata = artifacts.load_tensors(path)
    return tensors["outputs"].double().numpy(), tensors["classes"].tolist(), metadata


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
    from inputgen.output_space import output_vectors
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
class Graphs:
    metric: str = knob(
        "distance of the metric relation: euclidean or cosine", schema="graphs.metric"
    )
    permutations: int = knob(
        "label permutations of the coherence baseline", schema="graphs.permutations"
    )
    max_components: int = knob(
        "components drawn per half of ImageNet", schema="graphs.max_components"
    )
    seed: int = knob("seed of the permutations", schema="seed")

    def __post_init__(self):
        if self.metric not in ("euclidean", "cosine"):
            raise ValueError(f"metric must be euclidean or cosine, got {self.metric!r}")


@stage(
    "graphs",
    Graphs,
    schema="graphs",
    inputs={"outputs": File("outputs .safetensors")},
    outputs={
        "nearest_graph": File("nearest .graphml"),
        "metric_graph": File("metric .graphml"),
        "nearest_figure": File("nearest drawing .png"),
        "metric_figure": File("metric drawing .png"),
        "components": File("components .tsv"),
        "coherence": File("coherence .tsv"),
    },
)
def graphs(job: Job) -> None:
    """Nearest-neighbour class graphs and their coherence."""
    from inputgen import graphs as study
    from inputgen.figures import output_space as figures
    from inputgen.platform import artifacts

    s = job.settings
    outputs, classes, meta = _outputs(job.path("outputs"))
    imagenet = meta.get("imagenet", True)
    if not imagenet:
        print("inputgen graphs: the labels are not ImageNet's: no coarse groups, coherence NaN")
    built = study.relation_graphs(outputs, classes, meta["names"], s.metric, imagenet)
    for relation, graph in built.items():
        artifacts.write_graph(job.path(f"{relation}_graph"), graph, job.record())
        figure = figures.relation_drawing(
            graph,
            relation,
            generator=meta["generator"],
            evaluator=meta["evaluator"],
            metric=s.metric,
            max_components=s.max_components,
        )
        job.write_figure(f"{relation}_figure", figure)
    job.write_table("components", study.components_of(built))
    table = study.coherence_table(
        built, s.permutations, s.seed, meta["generator"], meta["evaluator"]
    )
    job.write_table("coherence", table)


@dataclass(frozen=True)
class Pca:
    pass


@stage(
    "pca",
    Pca,
    inputs={"outputs": File("outputs .safetensors")},
    outputs={
        "table": File("explained variance .tsv"),
        "figure": File("2-D embedding and variance curve .png"),
    },
)
def pca(job: Job) -> None:
    """PCA of an output space."""
    from inputgen import output_space
    from inputgen.figures import output_space as figures

    outputs, classes, meta = _outputs(job.path("outputs"))
    coordinates, ratios = output_space.pca(outputs)
    job.write_table("table", output_space.pca_table(ratios))
    figure = figures.output_pca_figure(
        coordinates,
        ratios,
        classes,
        meta["names"],
        generator=meta["generator"],
        evaluator=meta["evaluator"],
        imagenet=meta.get("imagenet", True),
    )
    job.write_figure("figure", figure)


@dataclass(frozen=True)
class Compare:
    generator: str = knob("the generator's name in the config (whose images)")
    evaluators: list[str] = knob("the evaluators' names, one per --outputs file, in order")


@stage(
    "compare",
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
    from inputgen.figures import output_space as figures
    from inputgen.output_space import compare_models

    s = job.settings
    paths = job.paths("outputs")
    if len(paths) != len(s.evaluators) or len(set(s.evaluators)) != len(s.evaluators):
        raise ValueError(
            f"compare needs one distinct evaluator name per outputs file: "
            f"{s.evaluators} for {len(paths)} files"
        )
    loaded = {name: _outputs(path) for name, path in zip(s.evaluators, paths, strict=True)}
    names = loaded[s.evaluators[0]][2]["names"]
    table = compare_models(
        {name: (outputs, classes) for name, (outputs, classes, _) in loaded.items()}, names
    )
    job.write_table("table", table)
    figure = figures.comparison_heatmap(
        table, title=f"How differently the models see {s.generator}'s class images"
    )
    job.write_figure("figure", figure)


@dataclass(frozen=True)
class Coherence:
    pass


@stage(
    "coherence",
    Coherence,
    inputs={"tables": File("per-graph coherence .tsv", many=True)},
    outputs={"table": File("gathered .tsv"), "figure": File("coherence figure .png")},
)
def coherence(job: Job) -> None:
    """Gather coherence tables into one with a figure."""
    from inputgen.figures import output_space as figures
    from inputgen.graphs import gather_coherence
    from inputgen.platform import artifacts

    table = gather_coherence([artifacts.read_table(path) for path in job.paths("tables")])
    job.write_table("table", table)
    figure = figures.coherence_figure(
        table, title="Do nearest-neighbour edges join classes of one coarse group?"
    )
    job.write_figure("figure", figure)
