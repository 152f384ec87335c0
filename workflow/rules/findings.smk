# The findings page: every study's headline numbers, drawn from its tables (never typed by
# hand), for README.md's "What the default run finds". Its inputs are the tables of the studies
# the config enables; a study that is off passes no table and the page says so.


# The config files this run read (--configfile, else the embedded default), relative to the
# repository where they lie in it: the page's header names them.
REPOSITORY = Path(workflow.basedir).resolve()
CONFIG_FILES = [
    str(path.relative_to(REPOSITORY) if path.is_relative_to(REPOSITORY) else path)
    for path in (Path(name).resolve() for name in workflow.configfiles)
]


use rule stage as claims with:
    input:
        opposites=expand(
            "results/opposites/{model}/opposites.tsv", model=OPPOSITE_MODELS
        ),
        commutativity=expand(
            "results/opposites/{model}/commutativity.tsv", model=OPPOSITE_MODELS
        ),
        embedding=study_outputs("embedding", "results/embedding/{model}/embedding.tsv"),
        components=expand(
            "results/graphs/{model}/{model}/components.tsv", model=SELF_GRAPHS
        ),
        drift=study_outputs("starts", "results/starts/{model}/drift.tsv"),
        transfiguration=study_outputs(
            "transfiguration", "results/transfiguration/{model}/transfer.tsv"
        ),
        interpolation=study_outputs(
            "interpolation", "results/interpolation/{model}/transfer.tsv"
        ),
        vectorisation=study_outputs(
            "vectorisation", "results/vectorisation/{model}/vectorisation.tsv"
        ),
        merging=study_outputs("merging", "results/merging/{model}/merging.tsv"),
        width="results/fully_connected/width.tsv" if "width" in FC_STUDIES else [],
        flowers_noise="results/flowers/noise.tsv" if FLOWERS else [],
        flowers_random="results/flowers/random.tsv" if FLOWERS else [],
        flowers_transfigured="results/flowers/transfigured.tsv" if FLOWERS else [],
    output:
        table=reported(
            "results/claims.tsv",
            "claims",
            "Findings",
            "the articles' claims",
            model="all studies",
        ),
    log:
        "results/logs/claims.log",
    params:
        **stage_params(
            "claims", lambda wildcards: dict(relu=FULLY_CONNECTED.get("relu", False))
        ),


use rule stage as findings with:
    input:
        config="results/config.yaml",
        article_claims="results/claims.tsv",
        quality=expand(
            "results/representations/{model}/quality.tsv", model=REPRESENT_MODELS
        ),
        ablation=study_outputs("ablation", "results/ablation/{model}/ablation.tsv"),
        commutativity=expand(
            "results/opposites/{model}/commutativity.tsv", model=OPPOSITE_MODELS
        ),
        transfiguration=study_outputs(
            "transfiguration", "results/transfiguration/{model}/transfiguration.tsv"
        ),
        transfiguration_transfer=study_outputs(
            "transfiguration", "results/transfiguration/{model}/transfer.tsv"
        ),
        interpolation=study_outputs(
            "interpolation", "results/interpolation/{model}/transfer.tsv"
        ),
        coherence=(
            "results/graphs/coherence.tsv"
            if GRAPH_GENERATORS and OUTPUT_EVALUATORS
            else []
        ),
        vectorisation=study_outputs(
            "vectorisation", "results/vectorisation/{model}/vectorisation.tsv"
        ),
        merging=study_outputs("merging", "results/merging/{model}/merging.tsv"),
        cka="results/cka/summary.tsv" if CKA_MODELS else [],
        inversion=expand(
            "results/inversion/{model}/summary.tsv", model=INVERSION_MODELS
        ),
        claims="results/autoencoding/claims.tsv" if AUTOENCODING_MODELS else [],
        fully_connected=expand("results/fully_connected/{study}.tsv", study=FC_STUDIES),
        conditioning="results/linear/conditioning.tsv" if CONDITIONING else [],
        invertible="results/linear/invertible.tsv" if INVERTIBLE else [],
        neighbours="results/linear/neighbours_summary.tsv" if INVERTIBLE else [],
        mnist="results/mnist/metrics.tsv" if MNIST else [],
    output:
        out=reported(
            "results/findings.md",
            "findings",
            "Findings",
            "findings (Markdown)",
            model="all studies",
        ),
        html=reported(
            "results/findings.html",
            "findings",
            "Findings",
            "findings",
            model="all studies",
        ),
    log:
        "results/logs/findings.log",
    params:
        **stage_params("findings", lambda wildcards: dict(config_files=CONFIG_FILES)),


# The run's provenance on one page: every artifact the run makes (rule all's targets, taken
# when the DAG is built, so this job runs last) and what they were made from, each with its
# stage, code commit, device, host, wall time and weights, read from its record.
use rule stage as run_summary with:
    input:
        artifacts=run_artifacts,
    output:
        out=RUN_SUMMARY[0],
        html=reported(
            RUN_SUMMARY[1],
            "provenance",
            "Configuration and provenance",
            "provenance of every artifact",
            model="this run",
        ),
    log:
        "results/logs/provenance.log",
    params:
        **stage_params("run-summary", lambda wildcards: {}),
