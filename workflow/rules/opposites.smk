# Opposites (source article 2): each class's least activated picture, in chunks of the
# representations' size, gathered per model.


OPPOSITE_MODELS = study_models(config, "opposites")
OPPOSITE_CLASSES = (config["opposites"] or {}).get("classes") or config["classes"]


study(
    "opposites",
    "Opposites",
    rules=["opposites_chunk", "opposites"],
    reads=["generation", "representations"],  # the chunk size
    targets=lambda: expand(rules.opposites.output, model=OPPOSITE_MODELS),
    findings=dict(
        commutativity=expand(
            "results/opposites/{model}/commutativity.tsv", model=OPPOSITE_MODELS
        )
    ),
    claims=dict(
        opposites=expand(
            "results/opposites/{model}/opposites.tsv", model=OPPOSITE_MODELS
        ),
        commutativity=expand(
            "results/opposites/{model}/commutativity.tsv", model=OPPOSITE_MODELS
        ),
    ),
)


use rule model_stage as opposites_chunk with:
    input:
        **model_inputs(
            config["generation"],
        ),
    output:
        out=temp("results/opposites/{model}/chunks/{chunk}.safetensors"),
    log:
        "results/logs/opposites/{model}/{chunk}.log",
    benchmark:
        "results/benchmarks/opposites_chunk/{model}/{chunk}.tsv"
    wildcard_constraints:
        chunk=r"\d+",
    resources:
        **gpu_job("opposites_chunk"),
    params:
        **model_params(
            "representations-chunk",
            classes=lambda wildcards: chunks(OPPOSITE_CLASSES)[int(wildcards.chunk)],
            objective="minimum",
            settings=config["generation"],
        ),


use rule model_stage as opposites with:
    input:
        **model_inputs(
            config["generation"],
            chunks=chunk_files(
                "results/opposites/{model}/chunks/{chunk}.safetensors",
                OPPOSITE_CLASSES,
            ),
            representations="results/representations/{model}/images.safetensors",
            evaluators=True,
        ),
    output:
        images="results/opposites/{model}/images.safetensors",
        table=reported(
            "results/opposites/{model}/opposites.tsv",
            "opposites_table",
            "opposites",
            "opposites table",
        ),
        commutativity=reported(
            "results/opposites/{model}/commutativity.tsv",
            "commutativity",
            "opposites",
            "commutativity table",
        ),
        graph="results/opposites/{model}/opposites.graphml",
        grid=reported(
            "results/opposites/{model}/grid.png",
            "opposites",
            "opposites",
            "opposite images",
        ),
        naive=reported(
            "results/opposites/{model}/naive.png",
            "opposites_naive",
            "opposites",
            "naive and minimised opposites",
        ),
    log:
        "results/logs/opposites/{model}/opposites.log",
    benchmark:
        "results/benchmarks/opposites/{model}.tsv"
    resources:
        **gpu_job("opposites"),
    params:
        **model_params(
            "opposites",
            settings=config["generation"],
            evaluators=True,
        ),
