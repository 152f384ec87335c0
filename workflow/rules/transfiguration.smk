# Transfiguration (source article 1): real photos moved toward a class, rated by the other models.


study(
    "transfiguration",
    "Transfiguration",
    rules=["transfiguration"],
    reads=["generation"],
    targets=study_outputs(
        "transfiguration", "results/transfiguration/{model}/frames.png"
    ),
    findings=dict(
        transfiguration=study_outputs(
            "transfiguration", "results/transfiguration/{model}/transfiguration.tsv"
        ),
        transfiguration_transfer=study_outputs(
            "transfiguration", "results/transfiguration/{model}/transfer.tsv"
        ),
    ),
    claims=dict(
        transfiguration=study_outputs(
            "transfiguration", "results/transfiguration/{model}/transfer.tsv"
        )
    ),
)


use rule model_stage as transfiguration with:
    input:
        **model_inputs(
            recipe("transfiguration"),
            photos="results/data/photos.safetensors",
            evaluators=True,
        ),
    output:
        out="results/transfiguration/{model}/transfiguration.safetensors",
        table=reported(
            "results/transfiguration/{model}/transfiguration.tsv",
            "transfiguration_table",
            "transfiguration",
            "transfiguration: table",
        ),
        figure=reported(
            "results/transfiguration/{model}/frames.png",
            "transfiguration",
            "transfiguration",
            "transfiguration: frames",
        ),
        trajectory_table="results/transfiguration/{model}/trajectory.tsv",
        trajectory=reported(
            "results/transfiguration/{model}/trajectory.png",
            "transfiguration_trajectory",
            "transfiguration",
            "transfiguration: logits",
        ),
        transfer=reported(
            "results/transfiguration/{model}/transfer.tsv",
            "transfiguration_transfer",
            "transfiguration",
            "transfiguration: transfer table",
        ),
    log:
        "results/logs/transfiguration/{model}.log",
    benchmark:
        "results/benchmarks/transfiguration/{model}.tsv"
    resources:
        **gpu_job("transfiguration"),
    params:
        **model_params(
            "transfiguration",
            config["transfiguration"],
            settings=recipe("transfiguration"),
            photo_names=lambda wildcards: config["transfiguration"]["photos"],
            evaluators=True,
        ),
