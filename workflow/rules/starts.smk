# Several random starts per class (source article 1), and the translation drift of their resize
# prior.


STARTS = config["starts"] or {}


study(
    "starts",
    "Random starts",
    rules=["starts", "starts_drift"],
    reads=["generation"],
    targets=study_outputs(
        "starts", "results/starts/{model}/grid.png", "results/starts/{model}/drift.tsv"
    ),
    claims=dict(drift=study_outputs("starts", "results/starts/{model}/drift.tsv")),
)


use rule model_stage as starts with:
    input:
        **model_inputs(
            recipe("starts"),
        ),
    output:
        out="results/starts/{model}/images.safetensors",
        table="results/starts/{model}/starts.tsv",
        figure=reported(
            "results/starts/{model}/grid.png",
            "starts",
            "starts",
            "random starts",
        ),
    log:
        "results/logs/starts/{model}.log",
    benchmark:
        "results/benchmarks/starts/{model}.tsv"
    resources:
        **gpu_job("starts"),
    params:
        **model_params(
            "starts",
            STARTS,
            settings=recipe("starts"),
        ),


# The translation drift of the starts' resize prior: no model runs, only resizing.
use rule stage as starts_drift with:
    output:
        table=reported(
            "results/starts/{model}/drift.tsv",
            "starts_drift",
            "starts",
            "translation drift of resizing",
        ),
    log:
        "results/logs/starts/{model}_drift.log",
    params:
        **stage_params(
            "starts-drift",
            lambda wildcards: pick(
                "starts-drift",
                input_size=job_spec(wildcards.model)["input_size"],
                settings=recipe("starts"),
                seed=config["seed"],
            ),
        ),
