# The output space (source articles 2 and 3): output vectors of generated images, class graphs
# and their coherence, PCA, cross-model comparison; vectorisation and merging by parameters.


rule outputs:
    input:
        images="results/representations/{generator}/images.safetensors",
        weights=weights_file,
    output:
        "results/outputs/{generator}/{model}.safetensors",
    log:
        "results/logs/outputs/{generator}/{model}.log",
    conda:
        ENV
    threads: 2
    resources:
        device=RUNTIME["device"],
        batch_size=RUNTIME["batch_size"],
    params:
        code=study_code("output_space"),
        model=model_spec,
    shell:
        "python -m inputgen outputs --generator {wildcards.generator} --name {wildcards.model}"
        " --model {params.model:q} --images {input.images} --out {output}"
        " --device {resources.device} --batch-size {resources.batch_size} --threads {threads}"
        " 2> {log}"


rule graphs:
    input:
        "results/outputs/{generator}/{model}.safetensors",
    output:
        nearest_graph=f"{GRAPH_DIR}/nearest.graphml",
        metric_graph=f"{GRAPH_DIR}/metric.graphml",
        components=f"{GRAPH_DIR}/components.tsv",
        coherence=graph_report("coherence.tsv", "coherence_table"),
        nearest_figure=graph_report("nearest.png", "nearest_graph"),
        metric_figure=graph_report("metric.png", "metric_graph"),
    log:
        "results/logs/graphs/{generator}/{model}.log",
    conda:
        ENV
    params:
        code=study_code("output_space"),
        metric=GRAPHS["metric"],
        permutations=GRAPHS["permutations"],
        max_components=GRAPHS["max_components"],
        seed=config["seed"],
    shell:
        "python -m inputgen graphs --outputs {input} --metric {params.metric}"
        " --permutations {params.permutations} --seed {params.seed}"
        " --max-components {params.max_components}"
        " --nearest-graph {output.nearest_graph} --metric-graph {output.metric_graph}"
        " --nearest-figure {output.nearest_figure} --metric-figure {output.metric_figure}"
        " --components {output.components} --coherence {output.coherence}"
        " 2> {log}"


rule pca:
    input:
        "results/outputs/{generator}/{model}.safetensors",
    output:
        table=f"{GRAPH_DIR}/pca.tsv",
        figure=graph_report("pca.png", "pca"),
    log:
        "results/logs/pca/{generator}/{model}.log",
    conda:
        ENV
    params:
        code=study_code("output_space"),
    shell:
        "python -m inputgen pca --outputs {input} --table {output.table} --figure {output.figure}"
        " 2> {log}"


rule coherence:
    input:
        expand(
            f"{GRAPH_DIR}/coherence.tsv",
            generator=OUTPUT_GENERATORS,
            model=OUTPUT_EVALUATORS,
        ),
    output:
        table=report(
            "results/graphs/coherence.tsv",
            caption="../report/coherence.rst",
            category="Output space",
            subcategory="all generators and evaluators",
            labels={
                "figure": "coherence table",
                "model": "all generators and evaluators",
            },
        ),
        figure=report(
            "results/graphs/coherence.png",
            caption="../report/coherence.rst",
            category="Output space",
            subcategory="all generators and evaluators",
            labels={
                "figure": "coherence figure",
                "model": "all generators and evaluators",
            },
        ),
    log:
        "results/logs/graphs/coherence.log",
    conda:
        ENV
    params:
        code=study_code("output_space"),
    shell:
        "python -m inputgen coherence --tables {input} --table {output.table}"
        " --figure {output.figure} 2> {log}"


rule compare:
    input:
        expand(
            "results/outputs/{{generator}}/{model}.safetensors",
            model=OUTPUT_EVALUATORS,
        ),
    output:
        table=report(
            "results/comparison/{generator}/comparison.tsv",
            caption="../report/comparison.rst",
            category="Output space",
            subcategory="{generator} images, all evaluators",
            labels={
                "figure": "comparison table",
                "model": "{generator} images, all evaluators",
            },
        ),
        figure=report(
            "results/comparison/{generator}/comparison.png",
            caption="../report/comparison.rst",
            category="Output space",
            subcategory="{generator} images, all evaluators",
            labels={
                "figure": "comparison figure",
                "model": "{generator} images, all evaluators",
            },
        ),
    log:
        "results/logs/comparison/{generator}.log",
    conda:
        ENV
    params:
        code=study_code("output_space"),
        outputs=lambda wildcards, input: " ".join(
            f"{name}={path}" for name, path in zip(OUTPUT_EVALUATORS, input)
        ),
    shell:
        "python -m inputgen compare --generator {wildcards.generator} --outputs {params.outputs}"
        " --table {output.table} --figure {output.figure} 2> {log}"


rule vectorise:
    input:
        target_images=target_images(VECTORISATION),
        toward_weights=toward_weights(VECTORISATION),
        own="results/representations/{model}/images.safetensors",
        photos="results/data/photos.safetensors",
        weights=weights_file,
    output:
        images="results/vectorisation/{model}/vectorised.safetensors",
        table=report(
            "results/vectorisation/{model}/vectorisation.tsv",
            caption="../report/vectorisation_table.rst",
            category="Vectorisation and merging",
            subcategory="{model}",
            labels={"figure": "vectorisation: table", "model": "{model}"},
        ),
        figure=report(
            "results/vectorisation/{model}/vectorised.png",
            caption="../report/vectorisation.rst",
            category="Vectorisation and merging",
            subcategory="{model}",
            labels={"figure": "vectorisation: class images", "model": "{model}"},
        ),
        photo_figure=report(
            "results/vectorisation/{model}/photos.png",
            caption="../report/vectorisation_photos.rst",
            category="Vectorisation and merging",
            subcategory="{model}",
            labels={"figure": "vectorisation: photos", "model": "{model}"},
        ),
    log:
        "results/logs/vectorisation/{model}.log",
    benchmark:
        "results/benchmarks/vectorise/{model}.tsv"
    conda:
        ENV
    threads: 4
    resources:
        **job_resources("vectorise"),
        gpu=1,
        device=RUNTIME["device"],
        batch_size=RUNTIME["batch_size"],
    params:
        code=study_code("vectorisation"),
        model=model_spec,
        toward_name=VECTORISATION.get("toward"),
        toward=lambda wildcards: spec_of(VECTORISATION["toward"]),
        classes=" ".join(map(str, VECTORISATION.get("classes", []))),
        photos=" ".join(VECTORISATION.get("photos", [])),
        settings=GENERATION,
        seed=config["seed"],
    shell:
        "python -m inputgen vectorise --name {wildcards.model} --model {params.model:q}"
        " --toward-name {params.toward_name} --toward {params.toward:q}"
        " --own {input.own} --target-images {input.target_images}"
        " --classes {params.classes} --photos {input.photos} --photo-names {params.photos}"
        " --settings {params.settings:q} --seed {params.seed}"
        " --out {output.images} --table {output.table} --figure {output.figure}"
        " --photo-figure {output.photo_figure}"
        " --device {resources.device} --batch-size {resources.batch_size} --threads {threads}"
        " 2> {log}"


rule merge:
    input:
        target_images=target_images(MERGING),
        toward_weights=toward_weights(MERGING),
        own="results/representations/{model}/images.safetensors",
        weights=weights_file,
    output:
        images="results/merging/{model}/regenerated.safetensors",
        table=report(
            "results/merging/{model}/merging.tsv",
            caption="../report/merging_table.rst",
            category="Vectorisation and merging",
            subcategory="{model}",
            labels={"figure": "merging: table", "model": "{model}"},
        ),
        figure=report(
            "results/merging/{model}/merged.png",
            caption="../report/merging.rst",
            category="Vectorisation and merging",
            subcategory="{model}",
            labels={"figure": "merging: class images", "model": "{model}"},
        ),
        loss=report(
            "results/merging/{model}/loss.png",
            caption="../report/merging_loss.rst",
            category="Vectorisation and merging",
            subcategory="{model}",
            labels={"figure": "merging: loss", "model": "{model}"},
        ),
    log:
        "results/logs/merging/{model}.log",
    benchmark:
        "results/benchmarks/merge/{model}.tsv"
    conda:
        ENV
    threads: 4
    resources:
        **job_resources("merge"),
        gpu=1,
        device=RUNTIME["device"],
        batch_size=RUNTIME["batch_size"],
    params:
        code=study_code("vectorisation"),
        model=model_spec,
        toward_name=MERGING.get("toward"),
        toward=lambda wildcards: spec_of(MERGING["toward"]),
        classes=" ".join(map(str, MERGING.get("classes") or config["classes"])),
        steps=MERGING.get("steps"),
        lr=MERGING.get("lr"),
        batch=f"--batch {MERGING['batch']}" if MERGING.get("batch") else "",
        settings=GENERATION,
        seed=config["seed"],
    shell:
        "python -m inputgen merge --name {wildcards.model} --model {params.model:q}"
        " --toward-name {params.toward_name} --toward {params.toward:q}"
        " --own {input.own} --target-images {input.target_images}"
        " --classes {params.classes} --steps {params.steps} --lr {params.lr} {params.batch}"
        " --settings {params.settings:q} --seed {params.seed}"
        " --out {output.images} --table {output.table} --figure {output.figure}"
        " --loss-figure {output.loss}"
        " --device {resources.device} --batch-size {resources.batch_size} --threads {threads}"
        " 2> {log}"
