# Vectorisation (source article 3): a model's parameters moved until it draws another model's
# class pictures. theta1 is {model}, theta2 the study's `toward`.


VECTORISATION = config["vectorisation"] or {}
VECTORISATION_TABLE = study_outputs(
    "vectorisation", "results/vectorisation/{model}/vectorisation.tsv"
)


study(
    "vectorisation",
    "Vectorisation",
    rules=["vectorisation"],
    reads=["generation"],
    targets=VECTORISATION_TABLE,
    findings=dict(vectorisation=VECTORISATION_TABLE),
    claims=dict(vectorisation=VECTORISATION_TABLE),
)


# theta1 ({model}) and theta2 (the study's `toward`): both models' pictures of the classes.
use rule model_stage as vectorisation with:
    input:
        **model_inputs(
            recipe("vectorisation"),
            target_images=target_images(VECTORISATION),
            toward_weights=toward_weights(VECTORISATION),
            own="results/representations/{model}/images.safetensors",
            photos="results/data/photos.safetensors",
        ),
    output:
        out="results/vectorisation/{model}/vectorised.safetensors",
        table=reported(
            "results/vectorisation/{model}/vectorisation.tsv",
            "vectorisation_table",
            "vectorisation",
            "vectorisation: table",
        ),
        figure=reported(
            "results/vectorisation/{model}/vectorised.png",
            "vectorisation",
            "vectorisation",
            "vectorisation: class images",
        ),
        photo_figure=reported(
            "results/vectorisation/{model}/photos.png",
            "vectorisation_photos",
            "vectorisation",
            "vectorisation: photos",
        ),
    log:
        "results/logs/vectorisation/{model}.log",
    benchmark:
        "results/benchmarks/vectorisation/{model}.tsv"
    resources:
        **gpu_job("vectorisation"),
    params:
        **model_params(
            "vectorisation",
            VECTORISATION,
            toward_name=lambda wildcards: VECTORISATION["toward"],
            toward=lambda wildcards: job_spec(VECTORISATION["toward"]),
            settings=recipe("vectorisation"),
        ),
