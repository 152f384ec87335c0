# Merging by parameters (source article 3): a model's parameters merged toward another's until
# its class pictures match.


MERGING = config["merging"] or {}
MERGING_TABLE = study_outputs("merging", "results/merging/{model}/merging.tsv")


study(
    "merging",
    "Merging by parameters",
    rules=["merging"],
    reads=["generation"],
    targets=MERGING_TABLE,
    findings=dict(merging=MERGING_TABLE),
    claims=dict(merging=MERGING_TABLE),
)


use rule model_stage as merging with:
    input:
        **model_inputs(
            config["generation"],
            target_images=target_images(MERGING),
            toward_weights=toward_weights(MERGING),
            own="results/representations/{model}/images.safetensors",
        ),
    output:
        out="results/merging/{model}/regenerated.safetensors",
        table=reported(
            "results/merging/{model}/merging.tsv",
            "merging_table",
            "merging",
            "merging: table",
        ),
        figure=reported(
            "results/merging/{model}/merged.png",
            "merging",
            "merging",
            "merging: class images",
        ),
        loss_figure=reported(
            "results/merging/{model}/loss.png",
            "merging_loss",
            "merging",
            "merging: loss",
        ),
    log:
        "results/logs/merging/{model}.log",
    benchmark:
        "results/benchmarks/merging/{model}.tsv"
    resources:
        **gpu_job("merging"),
    params:
        **model_params(
            "merging",
            MERGING,
            toward_name=lambda wildcards: MERGING["toward"],
            toward=lambda wildcards: job_spec(MERGING["toward"]),
            classes=MERGING.get("classes") or config["classes"],
            settings=config["generation"],
        ),
