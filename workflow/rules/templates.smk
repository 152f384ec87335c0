# The templates of every stage's rule: `use rule stage as NAME with:` gives a rule its files,
# log and settings; the command, the environment and the resources come from here. They never
# run themselves: no file matches their output.
rule stage:
    output:
        "results/.never/{never}",
    log:
        "results/logs/.never/{never}.log",
    wildcard_constraints:
        never="(?!)",
    conda:
        ENV
    params:
        command="",
        settings="",
    shell:
        "python -m inputgen {params.command} --settings {params.settings:q} 2> {log}"


use rule stage as model_stage with:
    threads: MODEL_THREADS
    resources:
        device=RUNTIME["device"],
        batch_size=RUNTIME["batch_size"],
