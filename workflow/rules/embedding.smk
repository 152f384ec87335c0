# Feature embedding (source article 2): the class pictures placed by two features.


study(
    "embedding",
    "Feature embedding",
    rules=["embedding"],
    targets=study_outputs("embedding", "results/embedding/{model}/embedding.png"),
    claims=dict(
        embedding=study_outputs("embedding", "results/embedding/{model}/embedding.tsv")
    ),
)


use rule model_stage as embedding with:
    input:
        **model_inputs(
            representations="results/representations/{model}/images.safetensors",
        ),
    output:
        table="results/embedding/{model}/embedding.tsv",
        figure=reported(
            "results/embedding/{model}/embedding.png",
            "embedding",
            "embedding",
            "two-feature embedding",
        ),
    log:
        "results/logs/embedding/{model}.log",
    params:
        **model_params(
            "embedding",
            config["embedding"],
        ),
