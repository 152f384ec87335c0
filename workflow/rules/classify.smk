rule classify:
    input:
        photos="results/data/photos.safetensors",
        weights=weights_file,
    output:
        table=report(
            "results/classify/{model}.tsv",
            caption="../report/classify_table.rst",
            category="Classification",
            subcategory="{model}",
            labels={"figure": "top-k table", "model": "{model}"},
        ),
        figure=report(
            "results/classify/{model}.png",
            caption="../report/classify.rst",
            category="Classification",
            subcategory="{model}",
            labels={"figure": "top-3 per photo", "model": "{model}"},
        ),
    log:
        "results/logs/classify/{model}.log",
    conda:
        ENV
    threads: 4
    resources:
        device=RUNTIME["device"],
        batch_size=RUNTIME["batch_size"],
    params:
        code=study_code("data"),
        model=model_spec,
        topk=config["classify"]["topk"],
    shell:
        "python -m inputgen classify --name {wildcards.model} --model {params.model:q}"
        " --photos {input.photos} --topk {params.topk}"
        " --out {output.table} --figure {output.figure}"
        " --device {resources.device} --batch-size {resources.batch_size} --threads {threads}"
        " 2> {log}"
