# Representation-inversion datasets (source article 4): natural images passed through a model's
# penultimate representation and back.


INVERSION = config["inversion"] or {}
INVERSION_MODELS = study_models(config, "inversion")


study(
    "inversion",
    "Representation inversion",
    rules=["inversion"],
    findings=dict(
        inversion=expand(
            "results/inversion/{model}/summary.tsv", model=INVERSION_MODELS
        )
    ),
)


use rule model_stage as inversion with:
    input:
        **model_inputs(
            natural="results/data/natural.safetensors",
        ),
    output:
        images="results/inversion/{model}/inverted.safetensors",
        summary=reported(
            "results/inversion/{model}/summary.tsv",
            "inversion_table",
            "inversion",
            "inversion summary",
        ),
        figure=reported(
            "results/inversion/{model}/grid.png",
            "inversion",
            "inversion",
            "inverted pairs",
        ),
    log:
        "results/logs/inversion/{model}.log",
    benchmark:
        "results/benchmarks/inversion/{model}.tsv"
    resources:
        **gpu_job("inversion"),
    params:
        **model_params(
            "inversion",
            INVERSION,
        ),
