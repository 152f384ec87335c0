# The resolved config of the run: what every job received (a param, so it follows any change).
rule run_config:
    output:
        report(
            "results/config.yaml",
            caption="../report/run_config.rst",
            category="Configuration",
        ),
    log:
        "results/logs/config.log",
    conda:
        ENV
    params:
        config=json.dumps(config, sort_keys=True),
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
        ),
    log:
        "results/logs/photos.log",
    conda:
        ENV
    params:
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
