# The exactly invertible linear net and its random output neighbours (source article 3).


INVERTIBLE = config["invertible"] or {}


study(
    "invertible",
    "Invertible linear net",
    rules=["invertible"],
    targets=lambda: rules.invertible.output if INVERTIBLE else [],
    findings=dict(
        invertible="results/linear/invertible.tsv" if INVERTIBLE else [],
        neighbours="results/linear/neighbours_summary.tsv" if INVERTIBLE else [],
    ),
)


use rule model_stage as invertible with:
    input:
        photos="results/data/photos.safetensors",
    output:
        invertible=reported(
            "results/linear/invertible.tsv",
            "invertible",
            "invertible",
            "exact inversion table",
            model="square linear net",
        ),
        neighbours_table="results/linear/neighbours.tsv",
        summary=reported(
            "results/linear/neighbours_summary.tsv",
            "neighbours",
            "invertible",
            "neighbours summary",
            model="square linear net",
        ),
        figure=reported(
            "results/linear/neighbours.png",
            "neighbours",
            "invertible",
            "random neighbours",
            model="square linear net",
        ),
    log:
        "results/logs/linear/invertible.log",
    benchmark:
        "results/benchmarks/invertible/invertible.tsv"
    resources:
        **gpu_job("invertible"),
    params:
        **stage_params(
            "invertible",
            lambda wildcards: pick(
                "invertible",
                INVERTIBLE,
                names=INVERTIBLE["photos"],
                seed=config["seed"],
            ),
        ),
