# Layer autoencoding (source article 3): each layer of trained and untrained models inverted.
# An on section has its optional keys filled by the schema's defaults; an off (null) one is {}.


AUTOENCODING = config["autoencoding"] or {}
AUTOENCODING_MODELS = AUTOENCODING.get("models", [])
UNTRAINED = [name for name, spec in MODELS.items() if spec["weights"] == "random"]
# A model's layers: the study's list for it, else the model's own.
AUTOENCODING_LAYERS = lambda name: (AUTOENCODING.get("layers") or {}).get(
    name
) or MODELS[name].get("layers", [])


study(
    "autoencoding",
    "Layer autoencoding",
    rules=["autoencoding", "autoencoding_summary"],
    targets=lambda: rules.autoencoding_summary.output if AUTOENCODING_MODELS else [],
    findings=dict(
        claims="results/autoencoding/claims.tsv" if AUTOENCODING_MODELS else []
    ),
)


use rule model_stage as autoencoding with:
    input:
        **model_inputs(
            photos="results/data/photos.safetensors",
        ),
    output:
        metrics="results/autoencoding/{model}/metrics.tsv",
        images="results/autoencoding/{model}/images.safetensors",
        figure=reported(
            "results/autoencoding/{model}/curves.png",
            "autoencoding_curves",
            "autoencoding",
            "curves",
        ),
    log:
        "results/logs/autoencoding/{model}.log",
    benchmark:
        "results/benchmarks/autoencoding/{model}.tsv"
    resources:
        **gpu_job("autoencoding"),
    params:
        **model_params(
            "autoencoding",
            AUTOENCODING,
            layers=lambda wildcards: AUTOENCODING_LAYERS(wildcards.model),
        ),


use rule stage as autoencoding_summary with:
    input:
        metrics=expand(
            "results/autoencoding/{model}/metrics.tsv", model=AUTOENCODING_MODELS
        ),
        images=expand(
            "results/autoencoding/{model}/images.safetensors",
            model=AUTOENCODING_MODELS,
        ),
    output:
        summary=reported(
            "results/autoencoding/summary.tsv",
            "autoencoding_summary",
            "autoencoding",
            "summary table",
            model="all models",
        ),
        claims=reported(
            "results/autoencoding/claims.tsv",
            "autoencoding_claims",
            "autoencoding",
            "claims table",
            model="all models",
        ),
        grid=reported(
            "results/autoencoding/grid.png",
            "autoencoding_grid",
            "autoencoding",
            "recovered inputs",
            model="all models",
        ),
    log:
        "results/logs/autoencoding/summary.log",
    params:
        **stage_params(
            "autoencoding-summary",
            lambda wildcards: pick(
                "autoencoding-summary",
                AUTOENCODING,
                untrained=[name for name in AUTOENCODING_MODELS if name in UNTRAINED],
            ),
        ),
