# A small CNN trained on MNIST, its layers autoencoded as training goes (source article 3).


MNIST = config["mnist"] or {}


study(
    "mnist",
    "MNIST training",
    rules=["mnist_training"],
    targets=lambda: rules.mnist_training.output if MNIST else [],
    findings=dict(mnist="results/mnist/metrics.tsv" if MNIST else []),
)


use rule model_stage as mnist_training with:
    output:
        metrics=reported(
            "results/mnist/metrics.tsv",
            "mnist_table",
            "mnist",
            "metrics table",
            model="small CNN",
        ),
        figure=reported(
            "results/mnist/training.png",
            "mnist",
            "mnist",
            "training curves",
            model="small CNN",
        ),
        grid=reported(
            "results/mnist/grid.png",
            "mnist",
            "mnist",
            "recovered digits",
            model="small CNN",
        ),
    log:
        "results/logs/mnist/training.log",
    benchmark:
        "results/benchmarks/mnist_training/mnist_training.tsv"
    resources:
        **gpu_job("mnist_training"),
    params:
        **stage_params(
            "mnist-training",
            lambda wildcards: pick("mnist-training", MNIST, seed=config["seed"]),
        ),
