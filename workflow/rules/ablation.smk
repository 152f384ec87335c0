# The prior ablation: the ablation's classes under each configuration (the generation settings
# with the configuration's overrides), then one row per configuration.


ABLATION = config["ablation"] or {"configs": {}}


study(
    "ablation",
    "Prior ablation",
    rules=["ablation_generate", "ablation"],
    reads={"generation": ["ablation_generate"]},
    targets=study_outputs("ablation", "results/ablation/{model}/ablation.tsv"),
    findings=dict(
        ablation=study_outputs("ablation", "results/ablation/{model}/ablation.tsv")
    ),
)


use rule model_stage as ablation_generate with:
    input:
        spectrum=lambda wildcards: spectrum_for(
            {**config["generation"], **ABLATION["configs"][wildcards.config]}
        ),
        weights=weights_file,
    output:
        out=temp("results/ablation/{model}/{config}.safetensors"),
    log:
        "results/logs/ablation/{model}/{config}.log",
    benchmark:
        "results/benchmarks/ablation_generate/{model}/{config}.tsv"
    wildcard_constraints:
        config="|".join(ABLATION["configs"]) or "NONE",
    resources:
        **gpu_job("ablation_generate"),
    params:
        **stage_params(
            "represent",
            lambda wildcards: pick(
                "represent",
                name=wildcards.model,
                model=job_spec(wildcards.model),
                classes=ABLATION["classes"],
                objective="target",
                settings={
                    **config["generation"],
                    **ABLATION["configs"][wildcards.config],
                },
                seed=config["seed"],
            ),
        ),


use rule model_stage as ablation with:
    input:
        runs=expand(
            "results/ablation/{{model}}/{config}.safetensors",
            config=ABLATION["configs"],
        ),
        weights=weights_file,
    output:
        table=reported(
            "results/ablation/{model}/ablation.tsv",
            "ablation",
            "ablation",
            "table",
        ),
        figure=reported(
            "results/ablation/{model}/ablation.png",
            "ablation",
            "ablation",
            "images and rates",
        ),
    log:
        "results/logs/ablation/{model}/ablation.log",
    params:
        **stage_params(
            "ablation",
            lambda wildcards: pick(
                "ablation",
                name=wildcards.model,
                model=job_spec(wildcards.model),
                evaluators=evaluator_specs(wildcards.model),
                configs=list(ABLATION["configs"]),
                seed=config["seed"],
            ),
        ),
