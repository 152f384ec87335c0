# The findings page: every study's headline numbers, drawn from its tables (never typed by
# hand), for README.md's "What the default run finds". Its inputs, and the claims', are the
# tables the studies register (common.smk's study()); a study that is off passes none and the
# page says so.


# The config files this run read (--configfile, else the embedded default), relative to the
# repository where they lie in it: the page's header names them.
REPOSITORY = Path(workflow.basedir).resolve()
CONFIG_FILES = [
    str(path.relative_to(REPOSITORY) if path.is_relative_to(REPOSITORY) else path)
    for path in (Path(name).resolve() for name in workflow.configfiles)
]


use rule stage as claims with:
    input:
        **study_tables("claims"),
    output:
        table=reported(
            "results/claims.tsv",
            "claims",
            "findings",
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
        **study_tables("findings"),
        config="results/config.yaml",
        article_claims="results/claims.tsv",
    output:
        out=reported(
            "results/findings.md",
            "findings",
            "findings",
            "findings (Markdown)",
            model="all studies",
        ),
        html=reported(
            "results/findings.html",
            "findings",
            "findings",
            "findings",
            model="all studies",
        ),
    log:
        "results/logs/findings.log",
    params:
        **stage_params("findings", lambda wildcards: dict(config_files=CONFIG_FILES)),


# The provenance page's own files: every other target of rule all is its input.
RUN_SUMMARY = ["results/provenance.md", "results/provenance.html"]


# The run's provenance on one page: every artifact the run makes (rule all's targets, taken
# when the DAG is built, so this job runs last) and what they were made from, each with its
# stage, code commit, device, host, wall time and weights, read from its record.
use rule stage as run_summary with:
    input:
        artifacts=lambda wildcards: list(
            dict.fromkeys(p for p in rules.all.input if p not in RUN_SUMMARY)
        ),
    output:
        out=RUN_SUMMARY[0],
        html=reported(
            RUN_SUMMARY[1],
            "provenance",
            "provenance",
            "provenance of every artifact",
            model="this run",
        ),
    log:
        "results/logs/provenance.log",
    params:
        **stage_params("run-summary", lambda wildcards: {}),
