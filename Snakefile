# inputgen: input-space interpretability studies of image classifiers.
# Thin rules: each declares its files and passes its settings as one value to an `inputgen`
# stage (workflow/inputgen/stages); the science is in the library. See README.md.
import sys
from pathlib import Path

from snakemake.utils import min_version

# The library beside this Snakefile, whatever else is installed: the jobs run it (common.smk),
# and the code digests that rules pass as params must be of the same files.
sys.path.insert(0, str(Path(workflow.basedir) / "workflow"))

from inputgen.config import check_start, validate as validate_config

min_version("9.0")


# The embedded default is the config only when none is given: a config passed with
# --configfile stands on its own (the schema fills its defaults), so the full reproduction
# never inherits a default-only key. Several --configfile files merge in order (later wins).
if not workflow.overwrite_configfiles:

    configfile: "config/config.yaml"


validate_config(
    config,
    Path(workflow.basedir) / "workflow/inputgen/config.schema.yaml",
    configfiles=workflow.configfiles,  # re-read for the duplicate keys YAML drops
)


# A real run, before its first job: checks of this machine (a GPU for runtime.device: cuda
# when the jobs run here, the photo folder). A dry run skips them.
onstart:
    check_start(config, workflow.dag.needrun_jobs(), local=workflow.local_exec)


report: "workflow/report/workflow.rst"


include: "workflow/rules/common.smk"
include: "workflow/rules/templates.smk"
include: "workflow/rules/data.smk"
include: "workflow/rules/classify.smk"
include: "workflow/rules/representations.smk"
include: "workflow/rules/arithmetic.smk"
include: "workflow/rules/output_space.smk"
include: "workflow/rules/similarity.smk"
include: "workflow/rules/depth.smk"
include: "workflow/rules/flowers.smk"
include: "workflow/rules/findings.smk"


rule all:
    default_target: True
    input:
        rules.run_config.output,
        rules.photos.output,
        expand(rules.classify.output, model=CLASSIFY_MODELS),
        expand(rules.represent_gather.output, model=REPRESENT_MODELS),
        expand(rules.opposites.output, model=OPPOSITE_MODELS),
        expand("{pair}/{file}", pair=PAIR_DIRS, file=["pairs.tsv", "grid.png"]),
        study_outputs("transfiguration", "results/transfiguration/{model}/frames.png"),
        study_outputs(
            "interpolation", "results/interpolation/{model}/interpolation.gif"
        ),
        study_outputs("addition", "results/addition/{model}/grid.png"),
        study_outputs("embedding", "results/embedding/{model}/embedding.png"),
        study_outputs("ablation", "results/ablation/{model}/ablation.tsv"),
        study_outputs(
            "starts",
            "results/starts/{model}/grid.png",
            "results/starts/{model}/drift.tsv",
        ),
        study_outputs("auxiliary", "results/auxiliary/{model}/grid.png"),
        study_outputs("features", "results/features/{model}/grid.png"),
        expand(
            rules.graphs.output,
            generator=GRAPH_GENERATORS,
            model=OUTPUT_EVALUATORS,
        ),
        expand(rules.pca.output, generator=GRAPH_GENERATORS, model=OUTPUT_EVALUATORS),
        rules.coherence.output if GRAPH_GENERATORS and OUTPUT_EVALUATORS else [],
        expand(rules.compare.output, generator=OUTPUT_GENERATORS)
        if len(OUTPUT_EVALUATORS) > 1
        else [],
        study_outputs(
            "vectorisation", "results/vectorisation/{model}/vectorisation.tsv"
        ),
        study_outputs("merging", "results/merging/{model}/merging.tsv"),
        rules.cka.output if CKA_MODELS else [],
        rules.cka_layers.output if LAYER_PAIR else [],
        rules.autoencoding_summary.output if AUTOENCODING_MODELS else [],
        expand(rules.fully_connected.output, study=FC_STUDIES),
        rules.conditioning.output if CONDITIONING else [],
        rules.invertible.output if INVERTIBLE else [],
        rules.mnist_training.output if MNIST else [],
        rules.flowers.output if FLOWERS else [],
        rules.findings.output,
        rules.run_summary.output,
