# Fully connected nets on small photos (source article 3): width and depth studies.


FULLY_CONNECTED = config["fully_connected"] or {}
FC_STUDIES = FULLY_CONNECTED.get("studies", {})


study(
    "fully_connected",
    "Fully connected nets",
    rules=["fully_connected", "claims"],  # the claims' width verdict reads `relu`
    targets=lambda: expand(rules.fully_connected.output, study=FC_STUDIES),
    findings=dict(
        fully_connected=expand("results/fully_connected/{study}.tsv", study=FC_STUDIES)
    ),
    claims=dict(
        width="results/fully_connected/width.tsv" if "width" in FC_STUDIES else []
    ),
)


use rule model_stage as fully_connected with:
    input:
        photos="results/data/photos.safetensors",
    output:
        table=reported(
            "results/fully_connected/{study}.tsv",
            "fully_connected_table",
            "fully_connected",
            "table",
            model="{study} study",
        ),
        figure=reported(
            "results/fully_connected/{study}.png",
            "fully_connected",
            "fully_connected",
            "input distance",
            model="{study} study",
        ),
    log:
        "results/logs/fully_connected/{study}.log",
    benchmark:
        "results/benchmarks/fully_connected/{study}.tsv"
    resources:
        **gpu_job("fully_connected"),
    params:
        **stage_params(
            "fully-connected",
            lambda wildcards: pick(
                "fully-connected",
                FULLY_CONNECTED,
                FC_STUDIES[wildcards.study],
                study=wildcards.study,
                names=FULLY_CONNECTED["photos"],
                seed=config["seed"],
            ),
        ),
