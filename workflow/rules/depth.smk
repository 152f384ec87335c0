# Depth and representation (source article 3): layer autoencoding of trained and untrained
# models, fully connected nets on small photos, conditioning of composed layers, and the exactly
# invertible linear net with its random output neighbours.


rule autoencode:
    input:
        photos="results/data/photos.safetensors",
        weights=weights_file,
    output:
        metrics="results/autoencoding/{model}/metrics.tsv",
        images="results/autoencoding/{model}/images.safetensors",
        figure=report(
            "results/autoencoding/{model}/curves.png",
            caption="../report/autoencoding_curves.rst",
            category="Layer autoencoding",
            subcategory="{model}",
            labels={"figure": "curves", "model": "{model}"},
        ),
    log:
        "results/logs/autoencoding/{model}.log",
    benchmark:
        "results/benchmarks/autoencode/{model}.tsv"
    conda:
        ENV
    threads: 4
    resources:
        **job_resources("autoencode"),
        gpu=1,
        device=RUNTIME["device"],
        batch_size=RUNTIME["batch_size"],
    params:
        code=study_code("depth"),
        model=model_spec,
        layers=autoencoding_layers,
        photo=AUTOENCODING.get("photo"),
        size=AUTOENCODING.get("size"),
        steps=AUTOENCODING.get("steps"),
        descent=descent_args(AUTOENCODING) if AUTOENCODING else "",
        priors=json.dumps(AUTOENCODING.get("priors", {}), sort_keys=True),
        reference_std=AUTOENCODING.get("reference_std", 0.04),
        seed=config["seed"],
    shell:
        "python -m inputgen autoencode --name {wildcards.model} --model {params.model:q}"
        " --photos {input.photos} --photo {params.photo} --size {params.size}"
        " --layers {params.layers} --priors {params.priors:q} --steps {params.steps}"
        " {params.descent} --reference-std {params.reference_std} --seed {params.seed}"
        " --metrics {output.metrics} --images {output.images} --figure {output.figure}"
        " --device {resources.device} --batch-size {resources.batch_size} --threads {threads}"
        " 2> {log}"


rule autoencoding_summary:
    input:
        metrics=expand(
            "results/autoencoding/{model}/metrics.tsv", model=AUTOENCODING_MODELS
        ),
        images=expand(
            "results/autoencoding/{model}/images.safetensors",
            model=AUTOENCODING_MODELS,
        ),
    output:
        summary=report(
            "results/autoencoding/summary.tsv",
            caption="../report/autoencoding_summary.rst",
            category="Layer autoencoding",
            subcategory="all models",
            labels={"figure": "summary table", "model": "all models"},
        ),
        claims=report(
            "results/autoencoding/claims.tsv",
            caption="../report/autoencoding_claims.rst",
            category="Layer autoencoding",
            subcategory="all models",
            labels={"figure": "claims table", "model": "all models"},
        ),
        grid=report(
            "results/autoencoding/grid.png",
            caption="../report/autoencoding_grid.rst",
            category="Layer autoencoding",
            subcategory="all models",
            labels={"figure": "recovered inputs", "model": "all models"},
        ),
    log:
        "results/logs/autoencoding/summary.log",
    conda:
        ENV
    params:
        code=study_code("depth"),
        models=lambda wildcards, input: " ".join(
            f"{name}={metrics},{images}"
            for name, metrics, images in zip(
                AUTOENCODING_MODELS, input.metrics, input.images
            )
        ),
        untrained=[name for name in AUTOENCODING_MODELS if name in UNTRAINED],
    shell:
        "python -m inputgen autoencoding-summary --models {params.models}"
        " --untrained {params.untrained} --summary {output.summary}"
        " --claims {output.claims} --grid {output.grid} 2> {log}"


rule fully_connected:
    input:
        photos="results/data/photos.safetensors",
    output:
        table=report(
            "results/fully_connected/{study}.tsv",
            caption="../report/fully_connected_table.rst",
            category="Fully connected nets",
            subcategory="{study} study",
            labels={"figure": "table", "model": "nets of the {study} study"},
        ),
        figure=report(
            "results/fully_connected/{study}.png",
            caption="../report/fully_connected.rst",
            category="Fully connected nets",
            subcategory="{study} study",
            labels={"figure": "input distance", "model": "nets of the {study} study"},
        ),
    log:
        "results/logs/fully_connected/{study}.log",
    benchmark:
        "results/benchmarks/fully_connected/{study}.tsv"
    conda:
        ENV
    threads: 4
    resources:
        **job_resources("fully_connected"),
        gpu=1,
        device=RUNTIME["device"],
        batch_size=RUNTIME["batch_size"],
    params:
        code=study_code("depth"),
        nets=lambda wildcards: json.dumps(FC_STUDIES[wildcards.study]["nets"]),
        steps=lambda wildcards: FC_STUDIES[wildcards.study]["steps"],
        photos=FULLY_CONNECTED.get("photos"),
        size=FULLY_CONNECTED.get("size", 29),
        relu="--relu" if FULLY_CONNECTED.get("relu") else "",
        descent=descent_args(FULLY_CONNECTED) if FULLY_CONNECTED else "",
        seed=config["seed"],
    shell:
        "python -m inputgen fully-connected --study {wildcards.study} --nets {params.nets:q}"
        " {params.relu} --photos {input.photos} --names {params.photos} --size {params.size}"
        " --steps {params.steps} {params.descent} --seed {params.seed}"
        " --table {output.table} --figure {output.figure}"
        " --device {resources.device} --batch-size {resources.batch_size} --threads {threads}"
        " 2> {log}"


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


rule invertible:
    input:
        photos="results/data/photos.safetensors",
    output:
        invertible=report(
            "results/linear/invertible.tsv",
            caption="../report/invertible.rst",
            category="Linear nets",
            subcategory="square linear net",
            labels={"figure": "exact inversion table", "model": "square linear net"},
        ),
        neighbours="results/linear/neighbours.tsv",
        summary=report(
            "results/linear/neighbours_summary.tsv",
            caption="../report/neighbours.rst",
            category="Linear nets",
            subcategory="square linear net",
            labels={"figure": "neighbours summary", "model": "square linear net"},
        ),
        figure=report(
            "results/linear/neighbours.png",
            caption="../report/neighbours.rst",
            category="Linear nets",
            subcategory="square linear net",
            labels={"figure": "random neighbours", "model": "square linear net"},
        ),
    log:
        "results/logs/linear/invertible.log",
    benchmark:
        "results/benchmarks/invertible/invertible.tsv"
    conda:
        ENV
    threads: 4
    resources:
        **job_resources("invertible"),
        gpu=1,
        device=RUNTIME["device"],
        batch_size=RUNTIME["batch_size"],
    params:
        code=study_code("depth"),
        photos=INVERTIBLE.get("photos"),
        size=INVERTIBLE.get("size", 29),
        depth=INVERTIBLE.get("depth", 4),
        neighbours=INVERTIBLE.get("neighbours"),
        output_std=INVERTIBLE.get("output_std", 0.001),
        reference_std=INVERTIBLE.get("reference_std", 0.04),
        steps=INVERTIBLE.get("steps"),
        descent=descent_args(INVERTIBLE) if INVERTIBLE else "",
        seed=config["seed"],
    shell:
        "python -m inputgen invertible --photos {input.photos} --names {params.photos}"
        " --size {params.size} --depth {params.depth} --neighbours {params.neighbours}"
        " --output-std {params.output_std} --reference-std {params.reference_std}"
        " --steps {params.steps} {params.descent} --seed {params.seed}"
        " --invertible {output.invertible} --neighbours-table {output.neighbours}"
        " --summary {output.summary} --figure {output.figure}"
        " --device {resources.device} --batch-size {resources.batch_size} --threads {threads}"
        " 2> {log}"


rule mnist_training:
    output:
        metrics=report(
            "results/mnist/metrics.tsv",
            caption="../report/mnist_table.rst",
            category="MNIST training",
            subcategory="small CNN",
            labels={"figure": "metrics table", "model": "small CNN"},
        ),
        figure=report(
            "results/mnist/training.png",
            caption="../report/mnist.rst",
            category="MNIST training",
            subcategory="small CNN",
            labels={"figure": "training curves", "model": "small CNN"},
        ),
        grid=report(
            "results/mnist/grid.png",
            caption="../report/mnist.rst",
            category="MNIST training",
            subcategory="small CNN",
            labels={"figure": "recovered digits", "model": "small CNN"},
        ),
    log:
        "results/logs/mnist/training.log",
    benchmark:
        "results/benchmarks/mnist_training/mnist_training.tsv"
    conda:
        ENV
    threads: 4
    resources:
        **job_resources("mnist_training"),
        gpu=1,
        device=RUNTIME["device"],
        batch_size=RUNTIME["batch_size"],
    params:
        code=study_code("depth"),
        train_images=MNIST.get("train_images", 50000),
        epochs=MNIST.get("epochs"),
        train_batch=MNIST.get("train_batch", 64),
        train_lr=MNIST.get("train_lr", 0.01),
        checkpoints=MNIST.get("checkpoints", []),
        digits=MNIST.get("digits", 8),
        layers=MNIST.get("layers", ["conv1", "conv2", "fc1", "fc2"]),
        steps=MNIST.get("steps"),
        descent=descent_args(MNIST) if MNIST else "",
        priors=json.dumps(MNIST.get("priors", {}), sort_keys=True),
        reference_std=MNIST.get("reference_std", 0.04),
        seed=config["seed"],
    shell:
        "python -m inputgen mnist-training --train-images {params.train_images}"
        " --epochs {params.epochs} --train-batch {params.train_batch}"
        " --train-lr {params.train_lr} --checkpoints {params.checkpoints}"
        " --digits {params.digits} --layers {params.layers} --priors {params.priors:q}"
        " --reference-std {params.reference_std} --steps {params.steps} {params.descent}"
        " --seed {params.seed} --metrics {output.metrics} --figure {output.figure}"
        " --grid {output.grid}"
        " --device {resources.device} --batch-size {resources.batch_size} --threads {threads}"
        " 2> {log}"
