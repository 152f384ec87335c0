# Model similarity (source article 4): representation-inversion datasets and linear CKA between
# models on natural and on inverted images; a layer x layer CKA of two models.


rule invert:
    input:
        natural="results/data/natural.safetensors",
        weights=weights_file,
    output:
        images="results/inversion/{model}/inverted.safetensors",
        summary=report(
            "results/inversion/{model}/summary.tsv",
            caption="../report/inversion_table.rst",
            category="Model similarity",
            subcategory="{model}",
            labels={"figure": "inversion summary", "model": "{model}"},
        ),
        figure=report(
            "results/inversion/{model}/grid.png",
            caption="../report/inversion.rst",
            category="Model similarity",
            subcategory="{model}",
            labels={"figure": "inverted pairs", "model": "{model}"},
        ),
    log:
        "results/logs/inversion/{model}.log",
    benchmark:
        "results/benchmarks/invert/{model}.tsv"
    conda:
        ENV
    threads: 4
    resources:
        **job_resources("invert"),
        gpu=1,
        device=RUNTIME["device"],
        batch_size=RUNTIME["batch_size"],
    params:
        code=study_code("similarity"),
        model=model_spec,
        pairs=INVERSION["pairs"],
        steps=INVERSION["steps"],
        step_size=INVERSION["step_size"],
        momentum=INVERSION["momentum"],
        seed=config["seed"],
    shell:
        "python -m inputgen invert --name {wildcards.model} --model {params.model:q}"
        " --natural {input.natural} --pairs {params.pairs} --steps {params.steps}"
        " --step-size {params.step_size} --momentum {params.momentum} --seed {params.seed}"
        " --out {output.images} --summary {output.summary} --figure {output.figure}"
        " --device {resources.device} --batch-size {resources.batch_size} --threads {threads}"
        " 2> {log}"


rule cka:
    input:
        natural="results/data/natural.safetensors",
        inverted=expand(
            "results/inversion/{model}/inverted.safetensors", model=INVERSION_MODELS
        ),
        weights=[path for name in CKA_MODELS for path in weights_of(name)],
    output:
        natural=report(
            "results/cka/natural.tsv",
            caption="../report/cka_table.rst",
            category="Model similarity",
            subcategory="CKA between models",
            labels={
                "figure": "CKA table, natural images",
                "model": ", ".join(CKA_MODELS),
            },
        ),
        inverted=report(
            "results/cka/inverted.tsv",
            caption="../report/cka_table.rst",
            category="Model similarity",
            subcategory="CKA between models",
            labels={
                "figure": "CKA table, inverted images",
                "model": ", ".join(CKA_MODELS),
            },
        ),
        summary=report(
            "results/cka/summary.tsv",
            caption="../report/cka_summary.rst",
            category="Model similarity",
            subcategory="CKA between models",
            labels={"figure": "CKA summary", "model": ", ".join(CKA_MODELS)},
        ),
        figure=report(
            "results/cka/heatmaps.png",
            caption="../report/cka_heatmaps.rst",
            category="Model similarity",
            subcategory="CKA between models",
            labels={"figure": "CKA heatmaps", "model": ", ".join(CKA_MODELS)},
        ),
    log:
        "results/logs/cka/cka.log",
    benchmark:
        "results/benchmarks/cka/cka.tsv"
    conda:
        ENV
    threads: 4
    resources:
        **job_resources("cka"),
        gpu=1,
        device=RUNTIME["device"],
        batch_size=RUNTIME["batch_size"],
    params:
        code=study_code("similarity"),
        models=specs_of(CKA_MODELS),
        layers=json.dumps(CKA["layers"], sort_keys=True),
        debiased="--debiased" if CKA["debiased"] else "",
        images=CKA_IMAGES,
        inverted=lambda wildcards, input: " ".join(
            f"{name}={path}" for name, path in zip(INVERSION_MODELS, input.inverted)
        ),
    shell:
        "python -m inputgen cka --models {params.models:q} --layers {params.layers:q}"
        " {params.debiased} --natural {input.natural} {params.images}"
        " --inverted {params.inverted}"
        " --natural-table {output.natural} --inverted-table {output.inverted}"
        " --summary {output.summary} --figure {output.figure}"
        " --device {resources.device} --batch-size {resources.batch_size} --threads {threads}"
        " 2> {log}"


rule cka_layers:
    input:
        natural="results/data/natural.safetensors",
        weights=[
            path for name in LAYER_PAIR.get("models", []) for path in weights_of(name)
        ],
    output:
        table="results/cka/layers.tsv",
        figure=report(
            "results/cka/layers.png",
            caption="../report/cka_layers.rst",
            category="Model similarity",
            subcategory="layer x layer CKA",
            labels={
                "figure": "layer x layer CKA",
                "model": " vs ".join(LAYER_PAIR.get("models", [])),
            },
        ),
    log:
        "results/logs/cka/layers.log",
    benchmark:
        "results/benchmarks/cka_layers/cka_layers.tsv"
    conda:
        ENV
    threads: 4
    resources:
        **job_resources("cka_layers"),
        gpu=1,
        device=RUNTIME["device"],
        batch_size=RUNTIME["batch_size"],
    params:
        code=study_code("similarity"),
        models=specs_of(LAYER_PAIR.get("models", [])),
        layers=json.dumps(LAYER_PAIR.get("layers", {}), sort_keys=True),
        images=CKA_IMAGES,
    shell:
        "python -m inputgen cka-layers --models {params.models:q} --layers {params.layers:q}"
        " --natural {input.natural} {params.images} --table {output.table} --figure {output.figure}"
        " --device {resources.device} --batch-size {resources.batch_size} --threads {threads}"
        " 2> {log}"
