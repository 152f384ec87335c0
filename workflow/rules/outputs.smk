# The output space (source articles 2 and 3): output vectors of generated images, PCA and
# cross-model comparison; the class graphs and their coherence (the graphs section).


OUTPUT_GENERATORS = study_models(config, "outputs.generators")
OUTPUT_EVALUATORS = study_models(config, "outputs.evaluators")
GRAPHS = config["graphs"] or {}
GRAPH_GENERATORS = OUTPUT_GENERATORS if GRAPHS else []  # graphs, PCA, coherence
GRAPH_DIR = "results/graphs/{generator}/{model}"
# The source article's graphs: a generator's images under itself (the claims read them).
SELF_GRAPHS = [m for m in GRAPH_GENERATORS if m in OUTPUT_EVALUATORS]
# The report's subcategory of a graph's results.
GRAPH_PAIR = "{generator} images, {model} outputs"
COHERENCE = GRAPH_GENERATORS and OUTPUT_EVALUATORS


study(
    "outputs",
    "Output space",
    rules=["outputs", "pca", "compare"],
    targets=lambda: [
        *expand(rules.pca.output, generator=GRAPH_GENERATORS, model=OUTPUT_EVALUATORS),
        *(
            expand(rules.compare.output, generator=OUTPUT_GENERATORS)
            if len(OUTPUT_EVALUATORS) > 1
            else []
        ),
    ],
)
study(
    "graphs",
    "Class graphs",
    rules=["graphs", "coherence"],
    reads=["outputs"],  # the generators and evaluators whose outputs they read
    targets=lambda: [
        *expand(
            rules.graphs.output, generator=GRAPH_GENERATORS, model=OUTPUT_EVALUATORS
        ),
        *(rules.coherence.output if COHERENCE else []),
    ],
    findings=dict(coherence="results/graphs/coherence.tsv" if COHERENCE else []),
    claims=dict(
        components=expand(
            "results/graphs/{model}/{model}/components.tsv", model=SELF_GRAPHS
        )
    ),
)


use rule model_stage as outputs with:
    input:
        **model_inputs(
            images="results/representations/{generator}/images.safetensors",
        ),
    output:
        out="results/outputs/{generator}/{model}.safetensors",
    log:
        "results/logs/outputs/{generator}/{model}.log",
    threads: 2
    params:
        **model_params(
            "outputs",
            generator=lambda wildcards: wildcards.generator,
        ),


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


use rule stage as pca with:
    input:
        outputs="results/outputs/{generator}/{model}.safetensors",
    output:
        table=f"{GRAPH_DIR}/pca.tsv",
        figure=reported(
            f"{GRAPH_DIR}/pca.png", "pca", "outputs", "pca", model=GRAPH_PAIR
        ),
    log:
        "results/logs/pca/{generator}/{model}.log",
    params:
        **stage_params("pca", lambda wildcards: {}),


use rule stage as coherence with:
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
        **stage_params("coherence", lambda wildcards: {}),


use rule stage as compare with:
    input:
        outputs=expand(
            "results/outputs/{{generator}}/{model}.safetensors",
            model=OUTPUT_EVALUATORS,
        ),
    output:
        table=reported(
            "results/comparison/{generator}/comparison.tsv",
            "comparison",
            "outputs",
            "comparison table",
            model="{generator} images, all evaluators",
        ),
        figure=reported(
            "results/comparison/{generator}/comparison.png",
            "comparison",
            "outputs",
            "comparison figure",
            model="{generator} images, all evaluators",
        ),
    log:
        "results/logs/comparison/{generator}.log",
    params:
        **stage_params(
            "compare",
            lambda wildcards: pick(
                "compare", generator=wildcards.generator, evaluators=OUTPUT_EVALUATORS
            ),
        ),
