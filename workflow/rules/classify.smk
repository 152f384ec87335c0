use rule model_stage as classify with:
    input:
        photos="results/data/photos.safetensors",
        weights=weights_file,
    output:
        table=reported(
            "results/classify/{model}.tsv",
            "classify_table",
            "Classification",
            "top-k table",
        ),
        figure=reported(
            "results/classify/{model}.png",
            "classify",
            "Classification",
            "top-3 per photo",
        ),
    log:
        "results/logs/classify/{model}.log",
    params:
        **stage_params(
            "classify",
            lambda wildcards: pick(
                "classify",
                config["classify"],
                name=wildcards.model,
                model=job_spec(wildcards.model),
            ),
        ),
