# Class interpolation (source article 2): frames from one class's picture to another's.


INTERPOLATION_TRANSFER = study_outputs(
    "interpolation", "results/interpolation/{model}/transfer.tsv"
)


study(
    "interpolation",
    "Interpolation",
    rules=["interpolation"],
    reads=["generation"],
    targets=study_outputs(
        "interpolation", "results/interpolation/{model}/interpolation.gif"
    ),
    findings=dict(interpolation=INTERPOLATION_TRANSFER),
    claims=dict(interpolation=INTERPOLATION_TRANSFER),
)


# The photos file is an input only when the config starts from a photo; the photo's name is a
# setting (a param that is a function of the input would rerun nothing when it changes).
use rule model_stage as interpolation with:
    input:
        **model_inputs(
            recipe("interpolation"),
            photos=(
                "results/data/photos.safetensors"
                if (config["interpolation"] or {}).get("photo")
                else []
            ),
            evaluators=True,
        ),
    output:
        out="results/interpolation/{model}/frames.safetensors",
        table=reported(
            "results/interpolation/{model}/interpolation.tsv",
            "interpolation",
            "interpolation",
            "interpolation: table",
        ),
        figure=reported(
            "results/interpolation/{model}/frames.png",
            "interpolation",
            "interpolation",
            "interpolation: frames",
        ),
        gif=reported(
            "results/interpolation/{model}/interpolation.gif",
            "interpolation",
            "interpolation",
            "interpolation: GIF",
        ),
        probabilities=reported(
            "results/interpolation/{model}/probabilities.png",
            "interpolation_probabilities",
            "interpolation",
            "interpolation: probabilities",
        ),
        transfer=reported(
            "results/interpolation/{model}/transfer.tsv",
            "interpolation_probabilities",
            "interpolation",
            "interpolation: transfer table",
        ),
    log:
        "results/logs/interpolation/{model}.log",
    benchmark:
        "results/benchmarks/interpolation/{model}.tsv"
    resources:
        **gpu_job("interpolation"),
    params:
        **model_params(
            "interpolation",
            config["interpolation"],
            settings=recipe("interpolation"),
            evaluators=True,
        ),
