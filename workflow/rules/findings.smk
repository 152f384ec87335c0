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


rule findings:
    input:
        config="results/config.yaml",
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
        coherence="results/graphs/coherence.tsv",
        vectorisation=study_outputs(
            "vectorisation", "results/vectorisation/{model}/vectorisation.tsv"
        ),
        merging=study_outputs("merging", "results/merging/{model}/merging.tsv"),
        cka="results/cka/summary.tsv",
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
        markdown=report(
            "results/findings.md",
            caption="../report/findings.rst",
            category="Findings",
            subcategory="all studies",
            labels={"figure": "findings (Markdown)", "model": "all models"},
        ),
        html=report(
            "results/findings.html",
            caption="../report/findings.rst",
            category="Findings",
            subcategory="all studies",
            labels={"figure": "findings", "model": "all models"},
        ),
    log:
        "results/logs/findings.log",
    conda:
        ENV
    params:
        code=study_code("findings"),
        config_files=CONFIG_FILES,
    shell:
        "python -m inputgen findings --config {input.config}"
        " --config-files {params.config_files:q} --quality {input.quality}"
        " --ablation {input.ablation} --commutativity {input.commutativity}"
        " --transfiguration {input.transfiguration}"
        " --transfiguration-transfer {input.transfiguration_transfer}"
        " --interpolation {input.interpolation} --coherence {input.coherence}"
        " --vectorisation {input.vectorisation} --merging {input.merging}"
        " --cka {input.cka} --inversion {input.inversion} --claims {input.claims}"
        " --fully-connected {input.fully_connected} --conditioning {input.conditioning}"
        " --invertible {input.invertible} --neighbours {input.neighbours}"
        " --mnist {input.mnist} --out {output.markdown} --html {output.html} 2> {log}"


# The run's provenance on one page: every artifact the run makes (rule all's targets, taken
# when the DAG is built, so this job runs last) and what they were made from, each with its
# stage, code commit, device, host, wall time and weights, read from its record.
rule run_summary:
    input:
        run_artifacts,
    output:
        markdown=RUN_SUMMARY[0],
        html=report(
            RUN_SUMMARY[1],
            caption="../report/provenance.rst",
            category="Configuration and provenance",
            subcategory="this run",
            labels={"figure": "provenance of every artifact", "model": "all models"},
        ),
    log:
        "results/logs/provenance.log",
    conda:
        ENV
    params:
        code=study_code("run_summary"),
    shell:
        "python -m inputgen run-summary --artifacts {input:q}"
        " --out {output.markdown} --html {output.html} 2> {log}"
