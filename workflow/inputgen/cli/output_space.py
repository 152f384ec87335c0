"""Output-space stages: output vectors, class graphs and coherence, PCA, cross-model comparison."""

from __future__ import annotations

import argparse
import itertools

from inputgen import artifacts, provenance
from inputgen.cli.common import add_runtime_args, model_spec, start_runtime

RELATIONS = ("nearest", "metric")


def cmd_outputs(args: argparse.Namespace) -> None:
    from inputgen import models
    from inputgen.output_space import output_vectors

    device = start_runtime(args)
    config = {"generator": args.generator, "evaluator": args.name, "model": args.model}
    run = provenance.Run("outputs", config, device=str(device))
    run.add_input(args.images)
    tensors, _ = artifacts.load_tensors(args.images)
    zoo = models.load_model(args.model).to(device)
    run.add_weights(zoo.weights_path)
    outputs = output_vectors(zoo, tensors["images"], args.batch_size)
    # The output names travel with the vectors: later stages need no model (nor torchvision).
    metadata = {"generator": args.generator, "evaluator": args.name, "names": zoo.class_names}
    artifacts.save_tensors(
        args.out, {"outputs": outputs, "classes": tensors["classes"]}, run.record(), metadata
    )


def load_outputs(path: str, run: provenance.Run):
    run.add_input(path)
    tensors, metadata = artifacts.load_tensors(path)
    return tensors["outputs"].double().numpy(), tensors["classes"].tolist(), metadata


def cmd_graphs(args: argparse.Namespace) -> None:
    import pandas as pd

    from inputgen import graphs
    from inputgen.figures import output_space as output_plots

    config = {
        "metric": args.metric,
        "permutations": args.permutations,
        "max_components": args.max_components,
    }
    run = provenance.Run("graphs", config, seed=args.seed, device="cpu")
    outputs, classes, meta = load_outputs(args.outputs, run)
    names = meta["names"]
    built = {
        "nearest": graphs.nearest_graph(outputs, classes, names),
        "metric": graphs.metric_graph(outputs, classes, args.metric, names),
    }
    record = run.record()
    descriptions = {
        "nearest": "class -> its most activated other output",
        "metric": f"class -> nearest other class point ({args.metric})",
    }
    components, coherence = [], []
    for relation, graph in built.items():
        artifacts.write_graph(getattr(args, f"{relation}_graph"), graph, record)
        components.append(graphs.components_table(graph).assign(relation=relation))
        coherence.append(
            {
                "relation": relation,
                **graphs.coherence(graph, args.permutations, args.seed),
                "permutations": args.permutations,
                "generator": meta["generator"],
                "evaluator": meta["evaluator"],
            }
        )
        figure = output_plots.component_drawing(
            graph,
            title=f"{meta['generator']} images as {meta['evaluator']} sees them: "
            f"{descriptions[relation]}",
            max_components=args.max_components,
        )
        artifacts.write_figure(getattr(args, f"{relation}_figure"), figure, record)
    table = pd.concat(components, ignore_index=True)
    artifacts.write_table(args.components, table[["relation", *table.columns[:-1]]], record)
    artifacts.write_table(args.coherence, pd.DataFrame(coherence).round(6), record)


def cmd_pca(args: argparse.Namespace) -> None:
    import pandas as pd

    from inputgen.figures import output_space as output_plots
    from inputgen.imagenet_groups import groups_of
    from inputgen.output_space import pca

    run = provenance.Run("pca", {}, device="cpu")
    outputs, classes, meta = load_outputs(args.outputs, run)
    coordinates, ratios = pca(outputs)
    names = [meta["names"][c] for c in classes]
    record = run.record()
    table = pd.DataFrame(
        {
            "component": range(1, len(ratios) + 1),
            "explained_variance_ratio": ratios.round(8),
            "cumulative": ratios.cumsum().round(8),
        }
    )
    artifacts.write_table(args.table, table, record)
    figure = output_plots.pca_figure(
        coordinates,
        ratios,
        names,
        [g or "" for g in groups_of(classes)],
        title=f"PCA of the output space: {meta['generator']} images, {meta['evaluator']} outputs",
    )
    artifacts.write_figure(args.figure, figure, record)


def cmd_compare(args: argparse.Namespace) -> None:
    import pandas as pd

    from inputgen.figures import output_space as output_plots
    from inputgen.output_space import compare

    named = dict(item.split("=", 1) for item in args.outputs)
    if len(named) < 2:
        raise ValueError(f"compare needs at least two evaluators' outputs, got {list(named)}")
    run = provenance.Run("compare", {"generator": args.generator, "models": list(named)})
    loaded = {name: load_outputs(path, run) for name, path in named.items()}
    tables = []
    for a, b in itertools.combinations(named, 2):
        (first, classes, meta), (second, other, _) = loaded[a], loaded[b]
        names = meta["names"]
        if classes != other:
            raise ValueError(f"{a} and {b} rated different classes: {classes} vs {other}")
        tables.append(compare(first, second, classes, names).assign(model_a=a, model_b=b))
    table = pd.concat(tables, ignore_index=True)
    table = table[["model_a", "model_b", *table.columns[:-2]]]
    record = run.record()
    artifacts.write_table(args.table, table, record)
    figure = output_plots.comparison_heatmap(
        table, title=f"How differently the models see {args.generator}'s class images"
    )
    artifacts.write_figure(args.figure, figure, record)


def cmd_coherence(args: argparse.Namespace) -> None:
    import pandas as pd

    from inputgen.figures import output_space as output_plots

    run = provenance.Run("coherence", {})
    tables = []
    for path in args.tables:
        run.add_input(path)
        tables.append(pd.read_csv(path, sep="\t"))
    table = pd.concat(tables, ignore_index=True)
    columns = ["generator", "evaluator"]
    table = table[columns + [c for c in table.columns if c not in columns]]
    record = run.record()
    artifacts.write_table(args.table, table, record)
    figure = output_plots.coherence_figure(
        table, title="Do nearest-neighbour edges join classes of one coarse group?"
    )
    artifacts.write_figure(args.figure, figure, record)


def register(commands) -> None:
    p = commands.add_parser("outputs", help="an evaluator's output vectors on generated images")
    p.add_argument("--generator", required=True, help="the generator's name in the config")
    p.add_argument("--name", required=True, help="the evaluator's name in the config")
    p.add_argument("--model", type=model_spec, required=True, help="evaluator spec as JSON")
    p.add_argument("--images", required=True, help="generated images .safetensors")
    p.add_argument("--out", required=True, help="outputs .safetensors")
    add_runtime_args(p)
    p.set_defaults(func=cmd_outputs)

    p = commands.add_parser("graphs", help="nearest-neighbour class graphs and their coherence")
    p.add_argument("--outputs", required=True, help="outputs .safetensors")
    p.add_argument(
        "--metric",
        choices=("euclidean", "cosine"),
        default="euclidean",
        help="distance of the metric relation (nearest other class point)",
    )
    p.add_argument("--permutations", type=int, default=10_000, help="baseline permutations")
    p.add_argument("--seed", type=int, default=0, help="seed of the permutations")
    p.add_argument("--max-components", type=int, default=40, help="components drawn per half")
    for relation in RELATIONS:
        p.add_argument(f"--{relation}-graph", required=True, help=f"{relation} .graphml")
        p.add_argument(f"--{relation}-figure", required=True, help=f"{relation} drawing .png")
    p.add_argument("--components", required=True, help="components .tsv")
    p.add_argument("--coherence", required=True, help="coherence .tsv")
    p.set_defaults(func=cmd_graphs)

    p = commands.add_parser("pca", help="PCA of an output space")
    p.add_argument("--outputs", required=True, help="outputs .safetensors")
    p.add_argument("--table", required=True, help="explained variance .tsv")
    p.add_argument("--figure", required=True, help="2-D embedding and variance curve .png")
    p.set_defaults(func=cmd_pca)

    p = commands.add_parser("compare", help="per class: how far apart models' outputs lie")
    p.add_argument("--generator", required=True, help="the generator's name in the config")
    p.add_argument(
        "--outputs",
        nargs="+",
        required=True,
        metavar="EVALUATOR=PATH",
        help="each evaluator's outputs .safetensors on the generator's images",
    )
    p.add_argument("--table", required=True, help="comparison .tsv")
    p.add_argument("--figure", required=True, help="heatmap .png")
    p.set_defaults(func=cmd_compare)

    p = commands.add_parser("coherence", help="gather coherence tables into one with a figure")
    p.add_argument("--tables", nargs="+", required=True, help="per-graph coherence .tsv")
    p.add_argument("--table", required=True, help="gathered .tsv")
    p.add_argument("--figure", required=True, help="coherence figure .png")
    p.set_defaults(func=cmd_coherence)
