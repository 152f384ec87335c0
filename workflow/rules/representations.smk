# Class representations (source article 1): one job per chunk of classes, gathered per model.


REPRESENT_MODELS = study_models(config, "representations")


study(
    "representations",
    "Class representations",
    rules=["representations_chunk", "representations"],
    reads={"generation": ["representations_chunk"]},
    targets=lambda: expand(rules.representations.output, model=REPRESENT_MODELS),
    findings=dict(
        quality=expand(
            "results/representations/{model}/quality.tsv", model=REPRESENT_MODELS
        )
    ),
)


use rule model_stage as representations_chunk with:
    input:
        **model_inputs(
            config["generation"],
        ),
    output:
        out=temp("results/representations/{model}/chunks/{chunk}.safetensors"),
    log:
        "results/logs/representations/{model}/{chunk}.log",
    benchmark:
        "results/benchmarks/representations_chunk/{model}/{chunk}.tsv"
    wildcard_constraints:
        chunk=r"\d+",
    resources:
        **gpu_job("representations_chunk"),
    params:
        **model_params(
            "representations-chunk",
            classes=lambda wildcards: chunks(config["classes"])[int(wildcards.chunk)],
            objective="target",
            settings=config["generation"],
        ),


use rule model_stage as representations with:
    input:
        **model_inputs(
            chunks=chunk_files(
                "results/representations/{model}/chunks/{chunk}.safetensors",
                config["classes"],
            ),
        ),
    output:
        images="results/representations/{model}/images.safetensors",
        summary=reported(
            "results/representations/{model}/summary.tsv",
            "representations_table",
            "representations",
            "summary table",
        ),
        quality=reported(
            "results/representations/{model}/quality.tsv",
            "quality",
            "representations",
            "quality table",
        ),
        grid=reported(
            "results/representations/{model}/grid.png",
            "representations",
            "representations",
            "class images",
        ),
    log:
        "results/logs/representations/{model}/summary.log",
    params:
        **model_params(
            "representations",
            evaluators=True,
        ),
