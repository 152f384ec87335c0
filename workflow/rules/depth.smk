# Depth and representation (source article 3): layer autoencoding of trained and untrained
# models, fully connected nets on small photos, conditioning of composed layers, and the exactly
# invertible linear net with its random output neighbours.


use rule model_stage as autoencode with:
    input:
        photos="results/data/photos.safetensors",
        weights=weights_file,
    output:
        metrics="results/autoencoding/{model}/metrics.tsv",
        images="results/autoencoding/{model}/images.safetensors",
        figure=reported(
            "results/autoencoding/{model}/curves.png",
            "autoencoding_curves",
            "Layer autoencoding",
            "curves",
        ),
    log:
        "results/logs/autoencoding/{model}.log",
    benchmark:
        "results/benchmarks/autoencode/{model}.tsv"
    resources:
        **gpu_job("autoencode"),
    params:
        **stage_params(
            "autoencode",
            lambda wildcards: pick(
                "autoencode",
                AUTOENCODING,
                name=wildcards.model,
                model=job_spec(wildcards.model),
                layers=autoencoding_layers(wildcards),
                seed=config["seed"],
            ),
        ),


use rule stage as autoencoding_summary with:
    input:
        metrics=expand(
            "results/autoencoding/{model}/metrics.tsv", model=AUTOENCODING_MODELS
        ),
        images=expand(
            "results/autoencoding/{model}/images.safetensors",
            model=AUTOENCODING_MODELS,
        ),
    output:
        summary=reported(
            "results/autoencoding/summary.tsv",
            "autoencoding_summary",
            "Layer autoencoding",
            "summary table",
            model="all models",
        ),
        claims=reported(
            "results/autoencoding/claims.tsv",
            "autoencoding_claims",
            "Layer autoencoding",
            "claims table",
            model="all models",
        ),
        grid=reported(
            "results/autoencoding/grid.png",
            "autoencoding_grid",
            "Layer autoencoding",
            "recovered inputs",
            model="all models",
        ),
    log:
        "results/logs/autoencoding/summary.log",
    params:
        **stage_params(
            "autoencoding-summary",
            lambda wildcards: pick(
                "autoencoding-summary",
                AUTOENCODING,
                untrained=[name for name in AUTOENCODING_MODELS if name in UNTRAINED],
            ),
        ),


use rule model_stage as fully_connected with:
    input:
        photos="results/data/photos.safetensors",
    output:
        table=reported(
            "results/fully_connected/{study}.tsv",
            "fully_connected_table",
            "Fully connected nets",
            "table",
            model="{study} study",
        ),
        figure=reported(
            "results/fully_connected/{study}.png",
            "fully_connected",
            "Fully connected nets",
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


use rule stage as conditioning with:
    output:
        table=reported(
            "results/linear/conditioning.tsv",
            "conditioning",
            "Linear nets",
            "conditioning table",
            model="random square layers",
        ),
        spectra="results/linear/spectra.tsv",
        figure=reported(
            "results/linear/conditioning.png",
            "conditioning",
            "Linear nets",
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


use rule model_stage as invertible with:
    input:
        photos="results/data/photos.safetensors",
    output:
        invertible=reported(
            "results/linear/invertible.tsv",
            "invertible",
            "Linear nets",
            "exact inversion table",
            model="square linear net",
        ),
        neighbours_table="results/linear/neighbours.tsv",
        summary=reported(
            "results/linear/neighbours_summary.tsv",
            "neighbours",
            "Linear nets",
            "neighbours summary",
            model="square linear net",
        ),
        figure=reported(
            "results/linear/neighbours.png",
            "neighbours",
            "Linear nets",
            "random neighbours",
            model="square linear net",
        ),
    log:
        "results/logs/linear/invertible.log",
    benchmark:
        "results/benchmarks/invertible/invertible.tsv"
    resources:
        **gpu_job("invertible"),
    params:
        **stage_params(
            "invertible",
            lambda wildcards: pick(
                "invertible",
                INVERTIBLE,
                names=INVERTIBLE["photos"],
                seed=config["seed"],
            ),
        ),


use rule model_stage as mnist_training with:
    output:
        metrics=reported(
            "results/mnist/metrics.tsv",
            "mnist_table",
            "MNIST training",
            "metrics table",
            model="small CNN",
        ),
        figure=reported(
            "results/mnist/training.png",
            "mnist",
            "MNIST training",
            "training curves",
            model="small CNN",
        ),
        grid=reported(
            "results/mnist/grid.png",
            "mnist",
            "MNIST training",
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
