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
        **model_inputs(
            lambda wildcards: {
                **config["generation"],
                **ABLATION["configs"][wildcards.config],
            }
        ),
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
        **model_params(
            "representations-chunk",
            classes=lambda wildcards: ABLATION["classes"],
            objective="target",
            settings=lambda wildcards: {
                **config["generation"],
                **ABLATION["configs"][wildcards.config],
            },
        ),


use rule model_stage as ablation with:
    input:
        **model_inputs(
            runs=expand(
                "results/ablation/{{model}}/{config}.safetensors",
                config=ABLATION["configs"],
            ),
        ),
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
        **model_params(
            "ablation",
            configs=list(ABLATION["configs"]),
            evaluators=True,
        ),
