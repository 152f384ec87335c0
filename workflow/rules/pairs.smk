# Two-model objectives (source article 2): the combined (+) and difference (-) gradients of two
# models.


PAIR_DIRS = [
    f"results/pairs/{first}{op}{second}"
    for first, second in (config["pairs"] or {}).get("models", [])
    for op in "+-"
]

# [d, e] of one operation: one pair for both, or one each (combined: +, difference: -).
PAIR_WEIGHTS = (config["pairs"] or {}).get("weights")
if isinstance(PAIR_WEIGHTS, dict):
    PAIR_WEIGHTS = {"+": PAIR_WEIGHTS["combined"], "-": PAIR_WEIGHTS["difference"]}
else:
    PAIR_WEIGHTS = {"+": PAIR_WEIGHTS, "-": PAIR_WEIGHTS}


study(
    "pairs",
    "Two-model objectives",
    rules=["pairs"],
    reads=["generation"],
    targets=expand("{pair}/{file}", pair=PAIR_DIRS, file=["pairs.tsv", "grid.png"]),
)


use rule model_stage as pairs with:
    input:
        spectrum=spectrum_for(config["generation"]),
        weights=weights_of_models("first", "second"),
    output:
        images="results/pairs/{first}{op}{second}/images.safetensors",
        table=reported(
            "results/pairs/{first}{op}{second}/pairs.tsv",
            "pairs_table",
            "pairs",
            "table",
            model="{first}{op}{second}",
        ),
        grid=reported(
            "results/pairs/{first}{op}{second}/grid.png",
            "pairs",
            "pairs",
            "class images",
            model="{first}{op}{second}",
        ),
    log:
        "results/logs/pairs/{first}{op}{second}.log",
    benchmark:
        "results/benchmarks/pairs/{first}{op}{second}.tsv"
    wildcard_constraints:
        first="[A-Za-z][A-Za-z0-9_]*",
        second="[A-Za-z][A-Za-z0-9_]*",
        op="[+-]",
    resources:
        **gpu_job("pairs"),
    params:
        **stage_params(
            "pairs",
            lambda wildcards: pick(
                "pairs",
                config["pairs"],
                first_name=wildcards.first,
                first=job_spec(wildcards.first),
                second_name=wildcards.second,
                second=job_spec(wildcards.second),
                operation=wildcards.op,
                weights=PAIR_WEIGHTS[wildcards.op],
                settings=config["generation"],
                seed=config["seed"],
            ),
        ),
