# Source article 1's opening experiments: a small CNN of five flower classes (MNIST digits stand
# in offline), trained, then driven from noise, stepped along random directions, and used to
# transfigure its test photos.


FLOWERS = config["flowers"] or {}


study(
    "flowers",
    "Flowers",
    rules=["flowers"],
    targets=lambda: rules.flowers.output if FLOWERS else [],
    claims={
        f"flowers_{table}": f"results/flowers/{table}.tsv" if FLOWERS else []
        for table in ("noise", "random", "transfigured")
    },
)


use rule model_stage as flowers with:
    output:
        training="results/flowers/training.tsv",
        noise=reported(
            "results/flowers/noise.tsv",
            "flowers_tables",
            "flowers",
            "from noise: table",
            model="small CNN",
        ),
        random=reported(
            "results/flowers/random.tsv",
            "flowers_tables",
            "flowers",
            "random directions: table",
            model="small CNN",
        ),
        transfigured=reported(
            "results/flowers/transfigured.tsv",
            "flowers_tables",
            "flowers",
            "transfiguration: table",
            model="small CNN",
        ),
        figure=reported(
            "results/flowers/grid.png",
            "flowers",
            "flowers",
            "images",
            model="small CNN",
        ),
    log:
        "results/logs/flowers/flowers.log",
    benchmark:
        "results/benchmarks/flowers/flowers.tsv"
    resources:
        **gpu_job("flowers"),
    params:
        **stage_params(
            "flowers", lambda wildcards: pick("flowers", FLOWERS, seed=config["seed"])
        ),
