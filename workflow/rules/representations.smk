# Class representations and opposites: one job per chunk of classes, gathered per model.


rule represent_chunk:
    input:
        weights=weights_file,
    output:
        temp("results/representations/{model}/chunks/{chunk}.safetensors"),
    log:
        "results/logs/representations/{model}/{chunk}.log",
    benchmark:
        "results/benchmarks/represent_chunk/{model}/{chunk}.tsv"
    wildcard_constraints:
        chunk=r"\d+",
    conda:
        ENV
    threads: 4
    resources:
        **job_resources("represent_chunk"),
        gpu=1,
        device=RUNTIME["device"],
        batch_size=RUNTIME["batch_size"],
    params:
        code=study_code("generation"),
        model=model_spec,
        classes=chunk_classes(config["classes"]),
        objective="target",
        settings=GENERATION,
        seed=config["seed"],
    shell:
        "python -m inputgen represent --name {wildcards.model} --model {params.model:q}"
        " --classes {params.classes} --objective {params.objective}"
        " --settings {params.settings:q}"
        " --seed {params.seed} --out {output}"
        " --device {resources.device} --batch-size {resources.batch_size} --threads {threads}"
        " 2> {log}"


rule represent_gather:
    input:
        chunks=chunk_files(
            "results/representations/{model}/chunks/{chunk}.safetensors",
            config["classes"],
        ),
        weights=weights_file,
    output:
        images="results/representations/{model}/images.safetensors",
        summary=report(
            "results/representations/{model}/summary.tsv",
            caption="../report/representations_table.rst",
            category="Class representations",
            subcategory="{model}",
            labels={"figure": "summary table", "model": "{model}"},
        ),
        quality=report(
            "results/representations/{model}/quality.tsv",
            caption="../report/quality.rst",
            category="Class representations",
            subcategory="{model}",
            labels={"figure": "quality table", "model": "{model}"},
        ),
        grid=report(
            "results/representations/{model}/grid.png",
            caption="../report/representations.rst",
            category="Class representations",
            subcategory="{model}",
            labels={"figure": "class images", "model": "{model}"},
        ),
    log:
        "results/logs/representations/{model}/summarise.log",
    conda:
        ENV
    threads: 4
    resources:
        device=RUNTIME["device"],
        batch_size=RUNTIME["batch_size"],
    params:
        code=study_code("generation"),
        model=model_spec,
        evaluators=evaluators,
    shell:
        "python -m inputgen summarise --name {wildcards.model} --model {params.model:q}"
        " --evaluators {params.evaluators:q} --chunks {input.chunks}"
        " --images {output.images} --summary {output.summary} --quality {output.quality}"
        " --grid {output.grid}"
        " --device {resources.device} --batch-size {resources.batch_size} --threads {threads}"
        " 2> {log}"


use rule represent_chunk as opposites_chunk with:
    output:
        temp("results/opposites/{model}/chunks/{chunk}.safetensors"),
    log:
        "results/logs/opposites/{model}/{chunk}.log",
    benchmark:
        "results/benchmarks/opposites_chunk/{model}/{chunk}.tsv"
    resources:
        **job_resources("opposites_chunk"),
        gpu=1,
        device=RUNTIME["device"],
        batch_size=RUNTIME["batch_size"],
    params:
        model=model_spec,
        classes=chunk_classes(OPPOSITE_CLASSES),
        objective="minimum",
        settings=GENERATION,
        seed=config["seed"],


rule opposites:
    input:
        chunks=chunk_files(
            "results/opposites/{model}/chunks/{chunk}.safetensors", OPPOSITE_CLASSES
        ),
        representations="results/representations/{model}/images.safetensors",
        weights=weights_file,
        evaluator_weights=lambda wildcards: [
            path
            for name in PRETRAINED
            if name != wildcards.model
            for path in weights_of(name)
        ],
    output:
        images="results/opposites/{model}/images.safetensors",
        table=report(
            "results/opposites/{model}/opposites.tsv",
            caption="../report/opposites_table.rst",
            category="Opposites",
            subcategory="{model}",
            labels={"figure": "opposites table", "model": "{model}"},
        ),
        commutativity=report(
            "results/opposites/{model}/commutativity.tsv",
            caption="../report/commutativity.rst",
            category="Opposites",
            subcategory="{model}",
            labels={"figure": "commutativity table", "model": "{model}"},
        ),
        graph="results/opposites/{model}/opposites.graphml",
        grid=report(
            "results/opposites/{model}/grid.png",
            caption="../report/opposites.rst",
            category="Opposites",
            subcategory="{model}",
            labels={"figure": "opposite images", "model": "{model}"},
        ),
        naive=report(
            "results/opposites/{model}/naive.png",
            caption="../report/opposites_naive.rst",
            category="Opposites",
            subcategory="{model}",
            labels={"figure": "naive and minimised opposites", "model": "{model}"},
        ),
    log:
        "results/logs/opposites/{model}/opposites.log",
    benchmark:
        "results/benchmarks/opposites/{model}.tsv"
    conda:
        ENV
    threads: 4
    resources:
        **job_resources("opposites"),
        gpu=1,
        device=RUNTIME["device"],
        batch_size=RUNTIME["batch_size"],
    params:
        code=study_code("generation"),
        model=model_spec,
        evaluators=evaluators,
        settings=GENERATION,
        seed=config["seed"],
    shell:
        "python -m inputgen opposites --name {wildcards.model} --model {params.model:q}"
        " --chunks {input.chunks} --settings {params.settings:q} --seed {params.seed}"
        " --images {output.images} --table {output.table}"
        " --commutativity {output.commutativity} --graph {output.graph} --grid {output.grid}"
        " --representations {input.representations} --naive {output.naive}"
        " --evaluators {params.evaluators:q}"
        " --device {resources.device} --batch-size {resources.batch_size} --threads {threads}"
        " 2> {log}"


use rule represent_chunk as ablation_generate with:
    output:
        temp("results/ablation/{model}/{config}.safetensors"),
    log:
        "results/logs/ablation/{model}/{config}.log",
    benchmark:
        "results/benchmarks/ablation_generate/{model}/{config}.tsv"
    wildcard_constraints:
        config="|".join(ABLATION["configs"]) or "NONE",
    resources:
        **job_resources("ablation_generate"),
        gpu=1,
        device=RUNTIME["device"],
        batch_size=RUNTIME["batch_size"],
    params:
        model=model_spec,
        classes=" ".join(map(str, ABLATION.get("classes", []))),
        objective="target",
        settings=ablation_settings,
        seed=config["seed"],


rule ablation:
    input:
        runs=expand(
            "results/ablation/{{model}}/{config}.safetensors",
            config=ABLATION["configs"],
        ),
        weights=weights_file,
    output:
        table=report(
            "results/ablation/{model}/ablation.tsv",
            caption="../report/ablation.rst",
            category="Prior ablation",
            subcategory="{model}",
            labels={"figure": "table", "model": "{model}"},
        ),
        figure=report(
            "results/ablation/{model}/ablation.png",
            caption="../report/ablation.rst",
            category="Prior ablation",
            subcategory="{model}",
            labels={"figure": "images and rates", "model": "{model}"},
        ),
    log:
        "results/logs/ablation/{model}/ablation.log",
    conda:
        ENV
    threads: 4
    resources:
        device=RUNTIME["device"],
        batch_size=RUNTIME["batch_size"],
    params:
        code=study_code("generation"),
        model=model_spec,
        evaluators=evaluators,
        runs=lambda wildcards, input: " ".join(
            f"{name}={path}" for name, path in zip(ABLATION["configs"], input.runs)
        ),
        seed=config["seed"],
    shell:
        "python -m inputgen ablation --name {wildcards.model} --model {params.model:q}"
        " --evaluators {params.evaluators:q} --runs {params.runs} --seed {params.seed}"
        " --table {output.table} --figure {output.figure}"
        " --device {resources.device} --batch-size {resources.batch_size} --threads {threads}"
        " 2> {log}"


# Figures of source article 1 beyond one image per class: several random starts per class, an
# auxiliary head's class images, and inputs that maximise chosen channels of a layer.
rule starts:
    input:
        weights=weights_file,
    output:
        images="results/starts/{model}/images.safetensors",
        table="results/starts/{model}/starts.tsv",
        figure=report(
            "results/starts/{model}/grid.png",
            caption="../report/starts.rst",
            category="Class representations",
            subcategory="{model}",
            labels={"figure": "random starts", "model": "{model}"},
        ),
    log:
        "results/logs/starts/{model}.log",
    benchmark:
        "results/benchmarks/starts/{model}.tsv"
    conda:
        ENV
    threads: 4
    resources:
        **job_resources("starts"),
        gpu=1,
        device=RUNTIME["device"],
        batch_size=RUNTIME["batch_size"],
    params:
        code=study_code("generation"),
        model=model_spec,
        classes=" ".join(map(str, STARTS.get("classes", []))),
        starts=STARTS.get("starts"),
        settings=GENERATION,
        seed=config["seed"],
    shell:
        "python -m inputgen starts --name {wildcards.model} --model {params.model:q}"
        " --classes {params.classes} --starts {params.starts}"
        " --settings {params.settings:q} --seed {params.seed}"
        " --out {output.images} --table {output.table} --figure {output.figure}"
        " --device {resources.device} --batch-size {resources.batch_size} --threads {threads}"
        " 2> {log}"


rule auxiliary:
    input:
        weights=weights_file,
    output:
        images="results/auxiliary/{model}/images.safetensors",
        table="results/auxiliary/{model}/summary.tsv",
        figure=report(
            "results/auxiliary/{model}/grid.png",
            caption="../report/auxiliary.rst",
            category="Class representations",
            subcategory="{model}",
            labels={"figure": "auxiliary-head images", "model": "{model}"},
        ),
    log:
        "results/logs/auxiliary/{model}.log",
    benchmark:
        "results/benchmarks/auxiliary/{model}.tsv"
    conda:
        ENV
    threads: 4
    resources:
        **job_resources("auxiliary"),
        gpu=1,
        device=RUNTIME["device"],
        batch_size=RUNTIME["batch_size"],
    params:
        code=study_code("generation"),
        model=model_spec,
        classes=" ".join(map(str, AUXILIARY.get("classes", []))),
        layer=AUXILIARY.get("layer"),
        head=AUXILIARY.get("head"),
        settings=GENERATION,
        seed=config["seed"],
    shell:
        "python -m inputgen auxiliary --name {wildcards.model} --model {params.model:q}"
        " --classes {params.classes} --layer {params.layer} --head {params.head}"
        " --settings {params.settings:q} --seed {params.seed}"
        " --out {output.images} --table {output.table} --figure {output.figure}"
        " --device {resources.device} --batch-size {resources.batch_size} --threads {threads}"
        " 2> {log}"


rule features:
    input:
        weights=weights_file,
    output:
        images="results/features/{model}/images.safetensors",
        table="results/features/{model}/features.tsv",
        figure=report(
            "results/features/{model}/grid.png",
            caption="../report/features.rst",
            category="Class representations",
            subcategory="{model}",
            labels={"figure": "feature-map images", "model": "{model}"},
        ),
    log:
        "results/logs/features/{model}.log",
    benchmark:
        "results/benchmarks/features/{model}.tsv"
    conda:
        ENV
    threads: 4
    resources:
        **job_resources("features"),
        gpu=1,
        device=RUNTIME["device"],
        batch_size=RUNTIME["batch_size"],
    params:
        code=study_code("generation"),
        model=model_spec,
        layer=FEATURES.get("layer"),
        channels=" ".join(map(str, FEATURES.get("channels", []))),
        settings=GENERATION,
        seed=config["seed"],
    shell:
        "python -m inputgen features --name {wildcards.model} --model {params.model:q}"
        " --layer {params.layer} --channels {params.channels}"
        " --settings {params.settings:q} --seed {params.seed}"
        " --out {output.images} --table {output.table} --figure {output.figure}"
        " --device {resources.device} --batch-size {resources.batch_size} --threads {threads}"
        " 2> {log}"
