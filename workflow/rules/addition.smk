# Vector addition (source article 2): the pictures of two classes' summed objectives.


study(
    "addition",
    "Vector addition",
    rules=["addition"],
    reads=["generation"],
    targets=study_outputs("addition", "results/addition/{model}/grid.png"),
)


use rule model_stage as addition with:
    input:
        **model_inputs(
            config["generation"],
            evaluators=True,
        ),
    output:
        out="results/addition/{model}/addition.safetensors",
        table=reported(
            "results/addition/{model}/addition.tsv",
            "addition",
            "addition",
            "addition: table",
        ),
        figure=reported(
            "results/addition/{model}/grid.png",
            "addition",
            "addition",
            "addition: images",
        ),
    log:
        "results/logs/addition/{model}.log",
    benchmark:
        "results/benchmarks/addition/{model}.tsv"
    resources:
        **gpu_job("addition"),
    params:
        **model_params(
            "addition",
            config["addition"],
            settings=config["generation"],
            evaluators=True,
        ),
