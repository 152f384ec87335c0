# The output space (source articles 2 and 3): output vectors of generated images, class graphs
# and their coherence, PCA, cross-model comparison; vectorisation and merging by parameters.


use rule model_stage as outputs with:
    input:
        images="results/representations/{generator}/images.safetensors",
        weights=weights_file,
    output:
        out="results/outputs/{generator}/{model}.safetensors",
    log:
        "results/logs/outputs/{generator}/{model}.log",
    threads: 2
    params:
        **stage_params(
            "outputs",
            lambda wildcards: pick(
                "outputs",
                generator=wildcards.generator,
                name=wildcards.model,
                model=job_spec(wildcards.model),
            ),
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
            "Output space",
            "coherence table",
            model=GRAPH_PAIR,
        ),
        nearest_figure=reported(
            f"{GRAPH_DIR}/nearest.png",
            "nearest_graph",
            "Output space",
            "nearest graph",
            model=GRAPH_PAIR,
        ),
        metric_figure=reported(
            f"{GRAPH_DIR}/metric.png",
            "metric_graph",
            "Output space",
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
            f"{GRAPH_DIR}/pca.png", "pca", "Output space", "pca", model=GRAPH_PAIR
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
            "Output space",
            "coherence table",
            model="all generators and evaluators",
        ),
        figure=reported(
            "results/graphs/coherence.png",
            "coherence",
            "Output space",
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
            "Output space",
            "comparison table",
            model="{generator} images, all evaluators",
        ),
        figure=reported(
            "results/comparison/{generator}/comparison.png",
            "comparison",
            "Output space",
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


# theta1 ({model}) and theta2 (the study's `toward`): both models' pictures of the classes.
use rule model_stage as vectorise with:
    input:
        spectrum=spectrum_for(recipe("vectorisation")),
        target_images=target_images(VECTORISATION),
        toward_weights=toward_weights(VECTORISATION),
        own="results/representations/{model}/images.safetensors",
        photos="results/data/photos.safetensors",
        weights=weights_file,
    output:
        out="results/vectorisation/{model}/vectorised.safetensors",
        table=reported(
            "results/vectorisation/{model}/vectorisation.tsv",
            "vectorisation_table",
            "Vectorisation and merging",
            "vectorisation: table",
        ),
        figure=reported(
            "results/vectorisation/{model}/vectorised.png",
            "vectorisation",
            "Vectorisation and merging",
            "vectorisation: class images",
        ),
        photo_figure=reported(
            "results/vectorisation/{model}/photos.png",
            "vectorisation_photos",
            "Vectorisation and merging",
            "vectorisation: photos",
        ),
    log:
        "results/logs/vectorisation/{model}.log",
    benchmark:
        "results/benchmarks/vectorise/{model}.tsv"
    resources:
        **gpu_job("vectorise"),
    params:
        **stage_params(
            "vectorise",
            lambda wildcards: pick(
                "vectorise",
                VECTORISATION,
                name=wildcards.model,
                model=job_spec(wildcards.model),
                toward_name=VECTORISATION["toward"],
                toward=job_spec(VECTORISATION["toward"]),
                settings=recipe("vectorisation"),
                seed=config["seed"],
            ),
        ),


use rule model_stage as merge with:
    input:
        spectrum=spectrum_for(config["generation"]),
        target_images=target_images(MERGING),
        toward_weights=toward_weights(MERGING),
        own="results/representations/{model}/images.safetensors",
        weights=weights_file,
    output:
        out="results/merging/{model}/regenerated.safetensors",
        table=reported(
            "results/merging/{model}/merging.tsv",
            "merging_table",
            "Vectorisation and merging",
            "merging: table",
        ),
        figure=reported(
            "results/merging/{model}/merged.png",
            "merging",
            "Vectorisation and merging",
            "merging: class images",
        ),
        loss_figure=reported(
            "results/merging/{model}/loss.png",
            "merging_loss",
            "Vectorisation and merging",
            "merging: loss",
        ),
    log:
        "results/logs/merging/{model}.log",
    benchmark:
        "results/benchmarks/merge/{model}.tsv"
    resources:
        **gpu_job("merge"),
    params:
        **stage_params(
            "merge",
            lambda wildcards: pick(
                "merge",
                MERGING,
                name=wildcards.model,
                model=job_spec(wildcards.model),
                toward_name=MERGING["toward"],
                toward=job_spec(MERGING["toward"]),
                classes=MERGING.get("classes") or config["classes"],
                settings=config["generation"],
                seed=config["seed"],
            ),
        ),
