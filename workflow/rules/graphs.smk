# The class graphs of the output space (source article 2): nearest-neighbour and metric graphs
# of each generator's images under each evaluator, their coherence, and the PCA of the vectors.


GRAPHS = config["graphs"] or {}
GRAPH_GENERATORS = OUTPUT_GENERATORS if GRAPHS else []
GRAPH_DIR = "results/graphs/{generator}/{model}"
# The source article's graphs: a generator's images under itself (the claims read them).
SELF_GRAPHS = [m for m in GRAPH_GENERATORS if m in OUTPUT_EVALUATORS]
# The report's subcategory of a graph's results.
GRAPH_PAIR = "{generator} images, {model} outputs"
COHERENCE = GRAPH_GENERATORS and OUTPUT_EVALUATORS


study(
    "graphs",
    "Class graphs and PCA",
    rules=["graphs", "graphs_pca", "graphs_coherence"],
    reads=["outputs"],  # the generators and evaluators whose outputs they read
    targets=lambda: [
        *expand(
            [*rules.graphs.output, *rules.graphs_pca.output],
            generator=GRAPH_GENERATORS,
            model=OUTPUT_EVALUATORS,
        ),
        *(rules.graphs_coherence.output if COHERENCE else []),
    ],
    findings=dict(coherence="results/graphs/coherence.tsv" if COHERENCE else []),
    claims=dict(
        components=expand(
            "results/graphs/{model}/{model}/components.tsv", model=SELF_GRAPHS
        )
    ),
)


use rule stage as graphs with:
    input:
        outputs="results/outputs/{generator}/{model}.safetensors",
    output:
        nearest_graph=f"{GRAPH_DIR}/nearest.graphml",
        metric_graph=f"{GRAPH_DIR}/metric.graphml",
        components=f"{GRAPH_DIR}/components.tsv",
        coherence=reported(
            f"{GRAPH_DIR}/coherence.tsv",
            "coherence_table",
            "graphs",
            "coherence table",
            model=GRAPH_PAIR,
        ),
        nearest_figure=reported(
            f"{GRAPH_DIR}/nearest.png",
            "nearest_graph",
            "graphs",
            "nearest graph",
            model=GRAPH_PAIR,
        ),
        metric_figure=reported(
            f"{GRAPH_DIR}/metric.png",
            "metric_graph",
            "graphs",
            "metric graph",
            model=GRAPH_PAIR,
        ),
    log:
        "results/logs/graphs/{generator}/{model}.log",
    params:
        **stage_params(
            "graphs", lambda wildcards: pick("graphs", GRAPHS, seed=config["seed"])
        ),


use rule stage as graphs_pca with:
    input:
        outputs="results/outputs/{generator}/{model}.safetensors",
    output:
        table=f"{GRAPH_DIR}/pca.tsv",
        figure=reported(
            f"{GRAPH_DIR}/pca.png", "pca", "graphs", "pca", model=GRAPH_PAIR
        ),
    log:
        "results/logs/graphs/{generator}/{model}_pca.log",
    params:
        **stage_params("graphs-pca", lambda wildcards: {}),


use rule stage as graphs_coherence with:
    input:
        tables=expand(
            f"{GRAPH_DIR}/coherence.tsv",
            generator=GRAPH_GENERATORS,
            model=OUTPUT_EVALUATORS,
        ),
    output:
        table=reported(
            "results/graphs/coherence.tsv",
            "coherence",
            "graphs",
            "coherence table",
            model="all generators and evaluators",
        ),
        figure=reported(
            "results/graphs/coherence.png",
            "coherence",
            "graphs",
            "coherence figure",
            model="all generators and evaluators",
        ),
    log:
        "results/logs/graphs/coherence.log",
    params:
        **stage_params("graphs-coherence", lambda wildcards: {}),
