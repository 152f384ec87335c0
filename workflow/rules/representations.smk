# Class representations and opposites: one job per chunk of classes, gathered per model.


use rule model_stage as represent_chunk with:
    input:
        spectrum=spectrum_for(config["generation"]),
        weights=weights_file,
    output:
        out=temp("results/representations/{model}/chunks/{chunk}.safetensors"),
    log:
        "results/logs/representations/{model}/{chunk}.log",
    benchmark:
        "results/benchmarks/represent_chunk/{model}/{chunk}.tsv"
    wildcard_constraints:
        chunk=r"\d+",
    resources:
        **gpu_job("represent_chunk"),
    params:
        **stage_params(
            "represent",
            lambda wildcards: pick(
                "represent",
                name=wildcards.model,
                model=job_spec(wildcards.model),
                classes=chunks(config["classes"])[int(wildcards.chunk)],
                objective="target",
                settings=config["generation"],
                seed=config["seed"],
            ),
        ),


use rule model_stage as represent_gather with:
    input:
        chunks=chunk_files(
            "results/representations/{model}/chunks/{chunk}.safetensors",
            config["classes"],
        ),
        weights=weights_file,
    output:
        images="results/representations/{model}/images.safetensors",
        summary=reported(
            "results/representations/{model}/summary.tsv",
            "representations_table",
            "Class representations",
            "summary table",
        ),
        quality=reported(
            "results/representations/{model}/quality.tsv",
            "quality",
            "Class representations",
            "quality table",
        ),
        grid=reported(
            "results/representations/{model}/grid.png",
            "representations",
            "Class representations",
            "class images",
        ),
    log:
        "results/logs/representations/{model}/summarise.log",
    params:
        **stage_params(
            "summarise",
            lambda wildcards: pick(
                "summarise",
                name=wildcards.model,
                model=job_spec(wildcards.model),
                evaluators=evaluator_specs(wildcards.model),
            ),
        ),


use rule model_stage as opposites_chunk with:
    input:
        spectrum=spectrum_for(config["generation"]),
        weights=weights_file,
    output:
        out=temp("results/opposites/{model}/chunks/{chunk}.safetensors"),
    log:
        "results/logs/opposites/{model}/{chunk}.log",
    benchmark:
        "results/benchmarks/opposites_chunk/{model}/{chunk}.tsv"
    wildcard_constraints:
        chunk=r"\d+",
    resources:
        **gpu_job("opposites_chunk"),
    params:
        **stage_params(
            "represent",
            lambda wildcards: pick(
                "represent",
                name=wildcards.model,
                model=job_spec(wildcards.model),
                classes=chunks(OPPOSITE_CLASSES)[int(wildcards.chunk)],
                objective="minimum",
                settings=config["generation"],
                seed=config["seed"],
            ),
        ),


use rule model_stage as opposites with:
    input:
        spectrum=spectrum_for(config["generation"]),
        chunks=chunk_files(
            "results/opposites/{model}/chunks/{chunk}.safetensors", OPPOSITE_CLASSES
        ),
        representations="results/representations/{model}/images.safetensors",
        weights=weights_file,
        evaluator_weights=evaluator_weights,
    output:
        images="results/opposites/{model}/images.safetensors",
        table=reported(
            "results/opposites/{model}/opposites.tsv",
            "opposites_table",
            "Opposites",
            "opposites table",
        ),
        commutativity=reported(
            "results/opposites/{model}/commutativity.tsv",
            "commutativity",
            "Opposites",
            "commutativity table",
        ),
        graph="results/opposites/{model}/opposites.graphml",
        grid=reported(
            "results/opposites/{model}/grid.png",
            "opposites",
            "Opposites",
            "opposite images",
        ),
        naive=reported(
            "results/opposites/{model}/naive.png",
            "opposites_naive",
            "Opposites",
            "naive and minimised opposites",
        ),
    log:
        "results/logs/opposites/{model}/opposites.log",
    benchmark:
        "results/benchmarks/opposites/{model}.tsv"
    resources:
        **gpu_job("opposites"),
    params:
        **stage_params(
            "opposites",
            lambda wildcards: pick(
                "opposites",
                name=wildcards.model,
                model=job_spec(wildcards.model),
                settings=config["generation"],
                seed=config["seed"],
                evaluators=evaluator_specs(wildcards.model),
            ),
        ),


# The prior ablation: the ablation's classes under each configuration (the generation settings
# with the configuration's overrides), then one row per configuration.
use rule model_stage as ablation_generate with:
    input:
        spectrum=lambda wildcards: spectrum_for(
            {**config["generation"], **ABLATION["configs"][wildcards.config]}
        ),
        weights=weights_file,
    output:
        out=temp("results/ablation/{model}/{config}.safetensors"),
    log:
        "results/logs/ablation/{model}/{config}.log",
    benchmark:
        "results/benchmarks/ablation_generate/{model}/{config}.tsv"
    wildcard_constraints:
        config="|".join(ABLATION["configs"]) or "NONE",
    resources:
        **gpu_job("ablation_generate"),
    params:
        **stage_params(
            "represent",
            lambda wildcards: pick(
                "represent",
                name=wildcards.model,
                model=job_spec(wildcards.model),
                classes=ABLATION["classes"],
                objective="target",
                settings={
                    **config["generation"],
                    **ABLATION["configs"][wildcards.config],
                },
                seed=config["seed"],
            ),
        ),


use rule model_stage as ablation with:
    input:
        runs=expand(
            "results/ablation/{{model}}/{config}.safetensors",
            config=ABLATION["configs"],
        ),
        weights=weights_file,
    output:
        table=reported(
            "results/ablation/{model}/ablation.tsv",
            "ablation",
            "Prior ablation",
            "table",
        ),
        figure=reported(
            "results/ablation/{model}/ablation.png",
            "ablation",
            "Prior ablation",
            "images and rates",
        ),
    log:
        "results/logs/ablation/{model}/ablation.log",
    params:
        **stage_params(
            "ablation",
            lambda wildcards: pick(
                "ablation",
                name=wildcards.model,
                model=job_spec(wildcards.model),
                evaluators=evaluator_specs(wildcards.model),
                configs=list(ABLATION["configs"]),
                seed=config["seed"],
            ),
        ),


# Figures of source article 1 beyond one image per class: several random starts per class, an
# auxiliary head's class images, and inputs that maximise chosen channels of a layer.
use rule model_stage as starts with:
    input:
        spectrum=spectrum_for(recipe("starts")),
        weights=weights_file,
    output:
        out="results/starts/{model}/images.safetensors",
        table="results/starts/{model}/starts.tsv",
        figure=reported(
            "results/starts/{model}/grid.png",
            "starts",
            "Class representations",
            "random starts",
        ),
    log:
        "results/logs/starts/{model}.log",
    benchmark:
        "results/benchmarks/starts/{model}.tsv"
    resources:
        **gpu_job("starts"),
    params:
        **stage_params(
            "starts",
            lambda wildcards: pick(
                "starts",
                STARTS,
                name=wildcards.model,
                model=job_spec(wildcards.model),
                settings=recipe("starts"),
                seed=config["seed"],
            ),
        ),


# The translation drift of the starts' resize prior: no model runs, only resizing.
use rule stage as drift with:
    output:
        table=reported(
            "results/starts/{model}/drift.tsv",
            "starts_drift",
            "Class representations",
            "translation drift of resizing",
        ),
    log:
        "results/logs/starts/{model}_drift.log",
    params:
        **stage_params(
            "drift",
            lambda wildcards: pick(
                "drift",
                input_size=job_spec(wildcards.model)["input_size"],
                settings=recipe("starts"),
                seed=config["seed"],
            ),
        ),


use rule model_stage as auxiliary with:
    input:
        spectrum=spectrum_for(recipe("auxiliary")),
        weights=weights_file,
    output:
        out="results/auxiliary/{model}/images.safetensors",
        table="results/auxiliary/{model}/summary.tsv",
        figure=reported(
            "results/auxiliary/{model}/grid.png",
            "auxiliary",
            "Class representations",
            "auxiliary-head images",
        ),
    log:
        "results/logs/auxiliary/{model}.log",
    benchmark:
        "results/benchmarks/auxiliary/{model}.tsv"
    resources:
        **gpu_job("auxiliary"),
    params:
        **stage_params(
            "auxiliary",
            lambda wildcards: pick(
                "auxiliary",
                AUXILIARY,
                name=wildcards.model,
                model=job_spec(wildcards.model),
                settings=recipe("auxiliary"),
                seed=config["seed"],
            ),
        ),


use rule model_stage as features with:
    input:
        spectrum=spectrum_for(config["generation"]),
        weights=weights_file,
    output:
        out="results/features/{model}/images.safetensors",
        table="results/features/{model}/features.tsv",
        figure=reported(
            "results/features/{model}/grid.png",
            "features",
            "Class representations",
            "feature-map images",
        ),
    log:
        "results/logs/features/{model}.log",
    benchmark:
        "results/benchmarks/features/{model}.tsv"
    resources:
        **gpu_job("features"),
    params:
        **stage_params(
            "features",
            lambda wildcards: pick(
                "features",
                FEATURES,
                name=wildcards.model,
                model=job_spec(wildcards.model),
                settings=config["generation"],
                seed=config["seed"],
            ),
        ),
