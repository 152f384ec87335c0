# The output space (source articles 2 and 3): each generator's class images through every
# evaluator (output vectors), and the evaluators compared on them.


OUTPUT_GENERATORS = study_models(config, "outputs.generators")
OUTPUT_EVALUATORS = study_models(config, "outputs.evaluators")


study(
    "outputs",
    "Output space",
    rules=["outputs", "outputs_compare"],
    targets=lambda: (
        expand(rules.outputs_compare.output, generator=OUTPUT_GENERATORS)
        if len(OUTPUT_EVALUATORS) > 1
        else []
    ),
)


use rule model_stage as outputs with:
    input:
        **model_inputs(
            images="results/representations/{generator}/images.safetensors",
        ),
    output:
        out="results/outputs/{generator}/{model}.safetensors",
    log:
        "results/logs/outputs/{generator}/{model}.log",
    threads: 2
    params:
        **model_params(
            "outputs",
            generator=lambda wildcards: wildcards.generator,
        ),


use rule stage as outputs_compare with:
    input:
        outputs=expand(
            "results/outputs/{{generator}}/{model}.safetensors",
            model=OUTPUT_EVALUATORS,
        ),
    output:
        table=reported(
            "results/comparison/{generator}/comparison.tsv",
            "comparison",
            "outputs",
            "comparison table",
            model="{generator} images, all evaluators",
        ),
        figure=reported(
            "results/comparison/{generator}/comparison.png",
            "comparison",
            "outputs",
            "comparison figure",
            model="{generator} images, all evaluators",
        ),
    log:
        "results/logs/comparison/{generator}.log",
    params:
        **stage_params(
            "outputs-compare",
            lambda wildcards: pick(
                "outputs-compare",
                generator=wildcards.generator,
                evaluators=OUTPUT_EVALUATORS,
            ),
        ),
