# Model similarity (source article 4): linear CKA between models on natural and on inverted
# images; a layer x layer CKA of two models.


CKA = config["cka"] or {}
CKA_MODELS = study_models(config, "cka")
LAYER_PAIR = CKA.get("layer_pair") or {}


study(
    "cka",
    "Model similarity",
    rules=["cka", "cka_layers"],
    targets=lambda: [
        *(rules.cka.output if CKA_MODELS else []),
        *(rules.cka_layers.output if LAYER_PAIR else []),
    ],
    findings=dict(cka="results/cka/summary.tsv" if CKA_MODELS else []),
)


use rule model_stage as cka with:
    input:
        natural="results/data/natural.safetensors",
        inverted=expand(
            "results/inversion/{model}/inverted.safetensors", model=INVERSION_MODELS
        ),
        weights=[path for name in CKA_MODELS for path in weights_of(name)],
    output:
        natural_table=reported(
            "results/cka/natural.tsv",
            "cka_table",
            "cka",
            "CKA table, natural images",
            model=", ".join(CKA_MODELS),
        ),
        inverted_table=reported(
            "results/cka/inverted.tsv",
            "cka_table",
            "cka",
            "CKA table, inverted images",
            model=", ".join(CKA_MODELS),
        ),
        summary=reported(
            "results/cka/summary.tsv",
            "cka_summary",
            "cka",
            "CKA summary",
            model=", ".join(CKA_MODELS),
        ),
        figure=reported(
            "results/cka/heatmaps.png",
            "cka_heatmaps",
            "cka",
            "CKA heatmaps",
            model=", ".join(CKA_MODELS),
        ),
    log:
        "results/logs/cka/cka.log",
    benchmark:
        "results/benchmarks/cka/cka.tsv"
    resources:
        **gpu_job("cka"),
    params:
        **stage_params(
            "cka",
            lambda wildcards: pick(
                "cka",
                CKA,
                models={name: job_spec(name) for name in CKA_MODELS},
                inverted=INVERSION_MODELS,
            ),
        ),


use rule model_stage as cka_layers with:
    input:
        natural="results/data/natural.safetensors",
        weights=[
            path for name in LAYER_PAIR.get("models", []) for path in weights_of(name)
        ],
    output:
        table="results/cka/layers.tsv",
        figure=reported(
            "results/cka/layers.png",
            "cka_layers",
            "cka",
            "layer x layer CKA",
            model=" vs ".join(LAYER_PAIR.get("models", [])),
        ),
    log:
        "results/logs/cka/layers.log",
    benchmark:
        "results/benchmarks/cka_layers/cka_layers.tsv"
    resources:
        **gpu_job("cka_layers"),
    params:
        **stage_params(
            "cka-layers",
            lambda wildcards: pick(
                "cka-layers",
                models={name: job_spec(name) for name in LAYER_PAIR.get("models", [])},
                layers=LAYER_PAIR.get("layers", {}),
                images=CKA["images"],
            ),
        ),
