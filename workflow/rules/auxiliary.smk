# The class images of an auxiliary head (source article 1: GoogLeNet's side classifiers).


AUXILIARY = config["auxiliary"] or {}


study(
    "auxiliary",
    "Auxiliary head",
    rules=["auxiliary"],
    reads=["generation"],
    targets=study_outputs("auxiliary", "results/auxiliary/{model}/grid.png"),
)


use rule model_stage as auxiliary with:
    input:
        **model_inputs(
            recipe("auxiliary"),
        ),
    output:
        out="results/auxiliary/{model}/images.safetensors",
        table="results/auxiliary/{model}/summary.tsv",
        figure=reported(
            "results/auxiliary/{model}/grid.png",
            "auxiliary",
            "auxiliary",
            "auxiliary-head images",
        ),
    log:
        "results/logs/auxiliary/{model}.log",
    benchmark:
        "results/benchmarks/auxiliary/{model}.tsv"
    resources:
        **gpu_job("auxiliary"),
    params:
        **model_params(
            "auxiliary",
            AUXILIARY,
            settings=recipe("auxiliary"),
        ),
