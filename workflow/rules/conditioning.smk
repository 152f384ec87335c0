# The condition number of composed random layers (source article 3).


CONDITIONING = config["conditioning"]


study(
    "conditioning",
    "Conditioning",
    rules=["conditioning"],
    targets=lambda: rules.conditioning.output if CONDITIONING else [],
    findings=dict(
        conditioning="results/linear/conditioning.tsv" if CONDITIONING else []
    ),
)


use rule stage as conditioning with:
    output:
        table=reported(
            "results/linear/conditioning.tsv",
            "conditioning",
            "conditioning",
            "conditioning table",
            model="random square layers",
        ),
        spectra="results/linear/spectra.tsv",
        figure=reported(
            "results/linear/conditioning.png",
            "conditioning",
            "conditioning",
            "conditioning figure",
            model="random square layers",
        ),
    log:
        "results/logs/linear/conditioning.log",
    params:
        **stage_params(
            "conditioning",
            lambda wildcards: pick("conditioning", CONDITIONING, seed=config["seed"]),
        ),
