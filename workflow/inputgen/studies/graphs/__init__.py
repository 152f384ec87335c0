"""Class graphs and PCA (source article 2): nearest-neighbour graphs of each output space, their
coherence with ImageNet's coarse groups against a permutation baseline, and the PCA of the class
points (the science in :mod:`.science`, the figures in :mod:`.figures`): its settings, stages
and section of the findings page. Importing this imports no torch (the Snakefile registers
every stage)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from inputgen.platform.stage import File, Job, knob, stage

if TYPE_CHECKING:
    import pandas as pd


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
    from inputgen.engine.outputs import read_outputs
    from inputgen.platform import artifacts
    from inputgen.studies.graphs import figures
    from inputgen.studies.graphs import science as study

    s = job.settings
    outputs, classes, meta = read_outputs(job.path("outputs"))
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
    "graphs-pca",
    Pca,
    inputs={"outputs": File("outputs .safetensors")},
    outputs={
        "table": File("explained variance .tsv"),
        "figure": File("2-D embedding and variance curve .png"),
    },
)
def pca(job: Job) -> None:
    """PCA of an output space."""
    from inputgen.engine.outputs import read_outputs
    from inputgen.studies.graphs import figures
    from inputgen.studies.graphs import science as study

    outputs, classes, meta = read_outputs(job.path("outputs"))
    coordinates, ratios = study.pca(outputs)
    job.write_table("table", study.pca_table(ratios))
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
class Coherence:
    pass


@stage(
    "graphs-coherence",
    Coherence,
    inputs={"tables": File("per-graph coherence .tsv", many=True)},
    outputs={"table": File("gathered .tsv"), "figure": File("coherence figure .png")},
)
def coherence(job: Job) -> None:
    """Gather coherence tables into one with a figure."""
    from inputgen.platform import artifacts
    from inputgen.studies.graphs import figures
    from inputgen.studies.graphs.science import gather_coherence

    table = gather_coherence([artifacts.read_table(path) for path in job.paths("tables")])
    job.write_table("table", table)
    figure = figures.coherence_figure(
        table, title="Do nearest-neighbour edges join classes of one coarse group?"
    )
    job.write_figure("figure", figure)


# The findings page's table of this study: kind (the findings stage's file argument) -> what.
FINDINGS_TABLES = {"coherence": "results/graphs/coherence.tsv"}


def findings_section(tables: Mapping[str, Mapping[str, pd.DataFrame]]) -> str:
    """The coherence of each class graph against its permutation baseline, or the line that no
    class graphs were made."""
    from inputgen.platform.findings_tables import rows_table, section

    coherence = tables.get("coherence") or {}
    columns = ["generator", "evaluator", "relation", "observed", "baseline_mean"]
    return section(
        "Class graphs and PCA",
        "The coherence of the class graphs: the fraction of their edges that join two classes of "
        "one coarse group "
        "(`observed`) against the label-permutation baseline (its mean, the limits of its "
        "central interval, and the p-value of the observed fraction). Pretrained evaluators "
        "should lie above their baseline; untrained controls should not.",
        rows_table(coherence, [*columns, "ci_low", "ci_high", "p_value"]),
        off=None if coherence else "no class graphs were made.",
    )
