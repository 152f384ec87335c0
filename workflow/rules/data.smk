# The resolved config of the run: what every job received (a param, so it follows any change).
# Without `runtime` (device, batch size, resources): those never change a result, so changing
# them must rerun nothing.
rule run_config:
    output:
        report(
            "results/config.yaml",
            caption="../report/run_config.rst",
            category="Configuration and provenance",
            subcategory="this run",
            labels={"figure": "resolved config", "model": "all models"},
        ),
    log:
        "results/logs/config.log",
    conda:
        ENV
    params:
        code=study_code("audit"),
        config=json.dumps(
            {key: value for key, value in config.items() if key != "runtime"},
            sort_keys=True,
        ),
    shell:
        "python -m inputgen config --config {params.config:q} --out {output} 2> {log}"


rule photos:
    output:
        photos="results/data/photos.safetensors",
        natural="results/data/natural.safetensors",
        figure=report(
            "results/data/photos.png",
            caption="../report/photos.rst",
            category="Data",
            subcategory="photos",
            labels={"figure": "photos and first crop", "model": "no model"},
        ),
    log:
        "results/logs/photos.log",
    conda:
        ENV
    params:
        code=study_code("data"),
        size=config["photos"]["size"],
        crops=config["photos"]["crops"],
        scale=" ".join(map(str, config["photos"]["crop_scale"])),
        seed=config["seed"],
        source=photo_source_args(),
    shell:
        "python -m inputgen photos --size {params.size} --crops {params.crops}"
        " --crop-scale {params.scale} --seed {params.seed} {params.source}"
        " --out {output.photos} --natural {output.natural} --figure {output.figure}"
        " 2> {log}"
