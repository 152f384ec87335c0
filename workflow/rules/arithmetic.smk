# Two-model objectives, transfiguration, interpolation, vector addition, embeddings.


rule pair:
    output:
        images="results/pairs/{first}{op}{second}/images.safetensors",
        table=report(
            "results/pairs/{first}{op}{second}/pairs.tsv",
            caption="../report/pairs_table.rst",
            category="Two-model objectives",
            subcategory="{first}{op}{second}",
            labels={"figure": "table", "model": "{first}{op}{second}"},
        ),
        grid=report(
            "results/pairs/{first}{op}{second}/grid.png",
            caption="../report/pairs.rst",
            category="Two-model objectives",
            subcategory="{first}{op}{second}",
            labels={"figure": "class images", "model": "{first}{op}{second}"},
        ),
    log:
        "results/logs/pairs/{first}{op}{second}.log",
    benchmark:
        "results/benchmarks/pair/{first}{op}{second}.tsv"
    wildcard_constraints:
        first="[A-Za-z][A-Za-z0-9_]*",
        second="[A-Za-z][A-Za-z0-9_]*",
        op="[+-]",
    conda:
        ENV
    threads: 4
    resources:
        **job_resources("pair"),
        gpu=1,
        device=RUNTIME["device"],
        batch_size=RUNTIME["batch_size"],
    params:
        code=study_code("generation"),
        first=lambda wildcards: spec_of(wildcards.first),
        second=lambda wildcards: spec_of(wildcards.second),
        weights=" ".join(map(str, (config["pairs"] or {}).get("weights", []))),
        classes=" ".join(map(str, (config["pairs"] or {}).get("classes", []))),
        settings=GENERATION,
        seed=config["seed"],
    shell:
        "python -m inputgen pair --first-name {wildcards.first} --first {params.first:q}"
        " --second-name {wildcards.second} --second {params.second:q}"
        " --operation '{wildcards.op}' --weights {params.weights} --classes {params.classes}"
        " --settings {params.settings:q} --seed {params.seed}"
        " --images {output.images} --table {output.table} --grid {output.grid}"
        " --device {resources.device} --batch-size {resources.batch_size} --threads {threads}"
        " 2> {log}"


rule transfigure:
    input:
        photos="results/data/photos.safetensors",
        weights=weights_file,
        evaluator_weights=evaluator_weights,
    output:
        tensors="results/transfiguration/{model}/transfiguration.safetensors",
        table=report(
            "results/transfiguration/{model}/transfiguration.tsv",
            caption="../report/transfiguration_table.rst",
            category="Transfiguration and arithmetic",
            subcategory="{model}",
            labels={"figure": "transfiguration: table", "model": "{model}"},
        ),
        figure=report(
            "results/transfiguration/{model}/frames.png",
            caption="../report/transfiguration.rst",
            category="Transfiguration and arithmetic",
            subcategory="{model}",
            labels={"figure": "transfiguration: frames", "model": "{model}"},
        ),
        trajectory_table="results/transfiguration/{model}/trajectory.tsv",
        trajectory=report(
            "results/transfiguration/{model}/trajectory.png",
            caption="../report/transfiguration_trajectory.rst",
            category="Transfiguration and arithmetic",
            subcategory="{model}",
            labels={"figure": "transfiguration: logits", "model": "{model}"},
        ),
        transfer=report(
            "results/transfiguration/{model}/transfer.tsv",
            caption="../report/transfiguration_transfer.rst",
            category="Transfiguration and arithmetic",
            subcategory="{model}",
            labels={"figure": "transfiguration: transfer table", "model": "{model}"},
        ),
    log:
        "results/logs/transfiguration/{model}.log",
    benchmark:
        "results/benchmarks/transfigure/{model}.tsv"
    conda:
        ENV
    threads: 4
    resources:
        **job_resources("transfigure"),
        gpu=1,
        device=RUNTIME["device"],
        batch_size=RUNTIME["batch_size"],
    params:
        code=study_code("arithmetic"),
        model=model_spec,
        photos=" ".join((config["transfiguration"] or {}).get("photos", [])),
        targets=" ".join(map(str, (config["transfiguration"] or {}).get("targets", []))),
        frames=(config["transfiguration"] or {}).get("frames"),
        evaluators=evaluators,
        settings=GENERATION,
        seed=config["seed"],
    shell:
        "python -m inputgen transfigure --name {wildcards.model} --model {params.model:q}"
        " --photos {input.photos} --photo-names {params.photos} --targets {params.targets}"
        " --frames {params.frames} --settings {params.settings:q} --seed {params.seed}"
        " --out {output.tensors} --table {output.table} --figure {output.figure}"
        " --trajectory-table {output.trajectory_table} --trajectory {output.trajectory}"
        " --transfer {output.transfer} --evaluators {params.evaluators:q}"
        " --device {resources.device} --batch-size {resources.batch_size} --threads {threads}"
        " 2> {log}"


rule interpolate:
    input:
        photos="results/data/photos.safetensors",
        weights=weights_file,
        evaluator_weights=evaluator_weights,
    output:
        tensors="results/interpolation/{model}/frames.safetensors",
        table=report(
            "results/interpolation/{model}/interpolation.tsv",
            caption="../report/interpolation.rst",
            category="Transfiguration and arithmetic",
            subcategory="{model}",
            labels={"figure": "interpolation: table", "model": "{model}"},
        ),
        figure=report(
            "results/interpolation/{model}/frames.png",
            caption="../report/interpolation.rst",
            category="Transfiguration and arithmetic",
            subcategory="{model}",
            labels={"figure": "interpolation: frames", "model": "{model}"},
        ),
        gif=report(
            "results/interpolation/{model}/interpolation.gif",
            caption="../report/interpolation.rst",
            category="Transfiguration and arithmetic",
            subcategory="{model}",
            labels={"figure": "interpolation: GIF", "model": "{model}"},
        ),
        probabilities=report(
            "results/interpolation/{model}/probabilities.png",
            caption="../report/interpolation_probabilities.rst",
            category="Transfiguration and arithmetic",
            subcategory="{model}",
            labels={"figure": "interpolation: probabilities", "model": "{model}"},
        ),
        transfer=report(
            "results/interpolation/{model}/transfer.tsv",
            caption="../report/interpolation_probabilities.rst",
            category="Transfiguration and arithmetic",
            subcategory="{model}",
            labels={"figure": "interpolation: transfer table", "model": "{model}"},
        ),
    log:
        "results/logs/interpolation/{model}.log",
    benchmark:
        "results/benchmarks/interpolate/{model}.tsv"
    conda:
        ENV
    threads: 4
    resources:
        **job_resources("interpolate"),
        gpu=1,
        device=RUNTIME["device"],
        batch_size=RUNTIME["batch_size"],
    params:
        code=study_code("arithmetic"),
        model=model_spec,
        # With their flags, so that swapping start and end reruns (see rule add).
        start=f"--start {(config['interpolation'] or {}).get('start')}",
        end=f"--end {(config['interpolation'] or {}).get('end')}",
        frames=(config["interpolation"] or {}).get("frames"),
        photo=interpolation_photo_args(),
        evaluators=evaluators,
        settings=GENERATION,
        seed=config["seed"],
    shell:
        "python -m inputgen interpolate --name {wildcards.model} --model {params.model:q}"
        " {params.start} {params.end} --frames {params.frames} {params.photo}"
        " --settings {params.settings:q} --seed {params.seed}"
        " --out {output.tensors} --table {output.table} --figure {output.figure}"
        " --gif {output.gif} --probabilities {output.probabilities}"
        " --transfer {output.transfer} --evaluators {params.evaluators:q}"
        " --device {resources.device} --batch-size {resources.batch_size} --threads {threads}"
        " 2> {log}"


rule add:
    input:
        weights=weights_file,
        evaluator_weights=evaluator_weights,
    output:
        tensors="results/addition/{model}/addition.safetensors",
        table=report(
            "results/addition/{model}/addition.tsv",
            caption="../report/addition.rst",
            category="Transfiguration and arithmetic",
            subcategory="{model}",
            labels={"figure": "addition: table", "model": "{model}"},
        ),
        figure=report(
            "results/addition/{model}/grid.png",
            caption="../report/addition.rst",
            category="Transfiguration and arithmetic",
            subcategory="{model}",
            labels={"figure": "addition: images", "model": "{model}"},
        ),
    log:
        "results/logs/addition/{model}.log",
    benchmark:
        "results/benchmarks/add/{model}.tsv"
    conda:
        ENV
    threads: 4
    resources:
        **job_resources("add"),
        gpu=1,
        device=RUNTIME["device"],
        batch_size=RUNTIME["batch_size"],
    params:
        code=study_code("arithmetic"),
        model=model_spec,
        # Each value carries its flag: Snakemake compares a job's params as a sorted list of
        # values without names, so swapping the two classes would otherwise rerun nothing.
        firsts="--firsts "
        + " ".join(str(p[0]) for p in (config["addition"] or {}).get("pairs", [])),
        seconds="--seconds "
        + " ".join(str(p[1]) for p in (config["addition"] or {}).get("pairs", [])),
        evaluators=evaluators,
        settings=GENERATION,
        seed=config["seed"],
    shell:
        "python -m inputgen add --name {wildcards.model} --model {params.model:q}"
        " {params.firsts} {params.seconds}"
        " --evaluators {params.evaluators:q}"
        " --settings {params.settings:q} --seed {params.seed}"
        " --out {output.tensors} --table {output.table} --figure {output.figure}"
        " --device {resources.device} --batch-size {resources.batch_size} --threads {threads}"
        " 2> {log}"


rule embed:
    input:
        representations="results/representations/{model}/images.safetensors",
        weights=weights_file,
    output:
        table="results/embedding/{model}/embedding.tsv",
        figure=report(
            "results/embedding/{model}/embedding.png",
            caption="../report/embedding.rst",
            category="Class representations",
            subcategory="{model}",
            labels={"figure": "two-feature embedding", "model": "{model}"},
        ),
    log:
        "results/logs/embedding/{model}.log",
    conda:
        ENV
    threads: 4
    resources:
        device=RUNTIME["device"],
        batch_size=RUNTIME["batch_size"],
    params:
        code=study_code("arithmetic"),
        model=model_spec,
        layer=(config["embedding"] or {}).get("layer"),
        features=" ".join(map(str, (config["embedding"] or {}).get("features", []))),
    shell:
        "python -m inputgen embed --name {wildcards.model} --model {params.model:q}"
        " --representations {input.representations} --layer {params.layer}"
        " --features {params.features} --table {output.table} --figure {output.figure}"
        " --device {resources.device} --batch-size {resources.batch_size} --threads {threads}"
        " 2> {log}"
