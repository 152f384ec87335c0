# Inputs that maximise chosen channels of a layer (source article 1's feature maps).


FEATURES = config["features"] or {}


study(
    "features",
    "Feature maps",
    rules=["features"],
    reads=["generation"],
    targets=study_outputs("features", "results/features/{model}/grid.png"),
)


use rule model_stage as features with:
    input:
        **model_inputs(
            config["generation"],
        ),
    output:
        out="results/features/{model}/images.safetensors",
        table="results/features/{model}/features.tsv",
        figure=reported(
            "results/features/{model}/grid.png",
            "features",
            "features",
            "feature-map images",
        ),
    log:
        "results/logs/features/{model}.log",
    benchmark:
        "results/benchmarks/features/{model}.tsv"
    resources:
        **gpu_job("features"),
    params:
        **model_params(
            "features",
            FEATURES,
            settings=config["generation"],
        ),
