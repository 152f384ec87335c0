# Classification of the photos by every pretrained model (top-k per photo).


CLASSIFY_MODELS = study_models(config, "classify")


study(
    "classify",
    "Classification",
    rules=["classify"],
    targets=lambda: expand(rules.classify.output, model=CLASSIFY_MODELS),
)


use rule model_stage as classify with:
    input:
        **model_inputs(
            photos="results/data/photos.safetensors",
        ),
    output:
        table=reported(
            "results/classify/{model}.tsv",
            "classify_table",
            "classify",
            "top-k table",
        ),
        figure=reported(
            "results/classify/{model}.png",
            "classify",
            "classify",
            "top-3 per photo",
        ),
    log:
        "results/logs/classify/{model}.log",
    params:
        **model_params(
            "classify",
            config["classify"],
        ),
