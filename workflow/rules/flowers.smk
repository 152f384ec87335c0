# Source article 1's opening experiments: a small CNN of five flower classes (MNIST digits stand
# in offline), trained, then driven from noise, stepped along random directions, and used to
# transfigure its test photos.


use rule model_stage as flowers with:
    output:
        training="results/flowers/training.tsv",
        noise=reported(
            "results/flowers/noise.tsv",
            "flowers_tables",
            "Flowers",
            "from noise: table",
            model="small CNN",
        ),
        random=reported(
            "results/flowers/random.tsv",
            "flowers_tables",
            "Flowers",
            "random directions: table",
            model="small CNN",
        ),
        transfigured=reported(
            "results/flowers/transfigured.tsv",
            "flowers_tables",
            "Flowers",
            "transfiguration: table",
            model="small CNN",
        ),
        figure=reported(
            "results/flowers/grid.png",
            "flowers",
            "Flowers",
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
