# Two-model objectives, transfiguration, interpolation, vector addition, embeddings.


use rule model_stage as pair with:
    input:
        spectrum=spectrum_for(config["generation"]),
    output:
        images="results/pairs/{first}{op}{second}/images.safetensors",
        table=reported(
            "results/pairs/{first}{op}{second}/pairs.tsv",
            "pairs_table",
            "Two-model objectives",
            "table",
            model="{first}{op}{second}",
        ),
        grid=reported(
            "results/pairs/{first}{op}{second}/grid.png",
            "pairs",
            "Two-model objectives",
            "class images",
            model="{first}{op}{second}",
        ),
    log:
        "results/logs/pairs/{first}{op}{second}.log",
    benchmark:
        "results/benchmarks/pair/{first}{op}{second}.tsv"
    wildcard_constraints:
        first="[A-Za-z][A-Za-z0-9_]*",
        second="[A-Za-z][A-Za-z0-9_]*",
        op="[+-]",
    resources:
        **gpu_job("pair"),
    params:
        **stage_params(
            "pair",
            lambda wildcards: pick(
                "pair",
                config["pairs"],
                first_name=wildcards.first,
                first=job_spec(wildcards.first),
                second_name=wildcards.second,
                second=job_spec(wildcards.second),
                operation=wildcards.op,
                weights=pair_weights(config["pairs"]["weights"], wildcards.op),
                settings=config["generation"],
                seed=config["seed"],
            ),
        ),


use rule model_stage as transfigure with:
    input:
        spectrum=spectrum_for(recipe("transfiguration")),
        photos="results/data/photos.safetensors",
        weights=weights_file,
        evaluator_weights=evaluator_weights,
    output:
        out="results/transfiguration/{model}/transfiguration.safetensors",
        table=reported(
            "results/transfiguration/{model}/transfiguration.tsv",
            "transfiguration_table",
            "Transfiguration and arithmetic",
            "transfiguration: table",
        ),
        figure=reported(
            "results/transfiguration/{model}/frames.png",
            "transfiguration",
            "Transfiguration and arithmetic",
            "transfiguration: frames",
        ),
        trajectory_table="results/transfiguration/{model}/trajectory.tsv",
        trajectory=reported(
            "results/transfiguration/{model}/trajectory.png",
            "transfiguration_trajectory",
            "Transfiguration and arithmetic",
            "transfiguration: logits",
        ),
        transfer=reported(
            "results/transfiguration/{model}/transfer.tsv",
            "transfiguration_transfer",
            "Transfiguration and arithmetic",
            "transfiguration: transfer table",
        ),
    log:
        "results/logs/transfiguration/{model}.log",
    benchmark:
        "results/benchmarks/transfigure/{model}.tsv"
    resources:
        **gpu_job("transfigure"),
    params:
        **stage_params(
            "transfigure",
            lambda wildcards: pick(
                "transfigure",
                config["transfiguration"],
                name=wildcards.model,
                model=job_spec(wildcards.model),
                settings=recipe("transfiguration"),
                photo_names=config["transfiguration"]["photos"],
                evaluators=evaluator_specs(wildcards.model),
                seed=config["seed"],
            ),
        ),


# The photos file is an input only when the config starts from a photo; the photo's name is a
# setting (a param that is a function of the input would rerun nothing when it changes).
use rule model_stage as interpolate with:
    input:
        spectrum=spectrum_for(recipe("interpolation")),
        photos=(
            "results/data/photos.safetensors"
            if (config["interpolation"] or {}).get("photo")
            else []
        ),
        weights=weights_file,
        evaluator_weights=evaluator_weights,
    output:
        out="results/interpolation/{model}/frames.safetensors",
        table=reported(
            "results/interpolation/{model}/interpolation.tsv",
            "interpolation",
            "Transfiguration and arithmetic",
            "interpolation: table",
        ),
        figure=reported(
            "results/interpolation/{model}/frames.png",
            "interpolation",
            "Transfiguration and arithmetic",
            "interpolation: frames",
        ),
        gif=reported(
            "results/interpolation/{model}/interpolation.gif",
            "interpolation",
            "Transfiguration and arithmetic",
            "interpolation: GIF",
        ),
        probabilities=reported(
            "results/interpolation/{model}/probabilities.png",
            "interpolation_probabilities",
            "Transfiguration and arithmetic",
            "interpolation: probabilities",
        ),
        transfer=reported(
            "results/interpolation/{model}/transfer.tsv",
            "interpolation_probabilities",
            "Transfiguration and arithmetic",
            "interpolation: transfer table",
        ),
    log:
        "results/logs/interpolation/{model}.log",
    benchmark:
        "results/benchmarks/interpolate/{model}.tsv"
    resources:
        **gpu_job("interpolate"),
    params:
        **stage_params(
            "interpolate",
            lambda wildcards: pick(
                "interpolate",
                config["interpolation"],
                name=wildcards.model,
                model=job_spec(wildcards.model),
                settings=recipe("interpolation"),
                evaluators=evaluator_specs(wildcards.model),
                seed=config["seed"],
            ),
        ),


use rule model_stage as add with:
    input:
        spectrum=spectrum_for(config["generation"]),
        weights=weights_file,
        evaluator_weights=evaluator_weights,
    output:
        out="results/addition/{model}/addition.safetensors",
        table=reported(
            "results/addition/{model}/addition.tsv",
            "addition",
            "Transfiguration and arithmetic",
            "addition: table",
        ),
        figure=reported(
            "results/addition/{model}/grid.png",
            "addition",
            "Transfiguration and arithmetic",
            "addition: images",
        ),
    log:
        "results/logs/addition/{model}.log",
    benchmark:
        "results/benchmarks/add/{model}.tsv"
    resources:
        **gpu_job("add"),
    params:
        **stage_params(
            "add",
            lambda wildcards: pick(
                "add",
                config["addition"],
                name=wildcards.model,
                model=job_spec(wildcards.model),
                settings=config["generation"],
                evaluators=evaluator_specs(wildcards.model),
                seed=config["seed"],
            ),
        ),


use rule model_stage as embed with:
    input:
        representations="results/representations/{model}/images.safetensors",
        weights=weights_file,
    output:
        table="results/embedding/{model}/embedding.tsv",
        figure=reported(
            "results/embedding/{model}/embedding.png",
            "embedding",
            "Class representations",
            "two-feature embedding",
        ),
    log:
        "results/logs/embedding/{model}.log",
    params:
        **stage_params(
            "embed",
            lambda wildcards: pick(
                "embed",
                config["embedding"],
                name=wildcards.model,
                model=job_spec(wildcards.model),
            ),
        ),
