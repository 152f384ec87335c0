# inputgen: input-space interpretability studies of image classifiers.
# Thin rules: each declares its files and passes its settings as one value to an `inputgen`
# stage (workflow/inputgen/stages, workflow/inputgen/studies); the science is in the library. See
# README.md.
import sys
from pathlib import Path

from snakemake.utils import min_version

# The library beside this Snakefile, whatever else is installed: the jobs run it (common.smk),
# and the code digests that rules pass as params must be of the same files.
sys.path.insert(0, str(Path(workflow.basedir) / "workflow"))

from inputgen.platform.config import STUDIES, check_start, validate as validate_config

min_version("9.0")


# The embedded default is the config only when none is given: a config passed with
# --configfile stands on its own (the schema fills its defaults), so the full reproduction
# never inherits a default-only key. Several --configfile files merge in order (later wins).
if not workflow.overwrite_configfiles:

    configfile: "config/config.yaml"


validate_config(
    config,
    Path(workflow.basedir) / "workflow/inputgen/platform/config.schema.yaml",
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


# The studies: workflow/rules/<section>.smk for each study section of the config schema, in its
# order (the report's reading order); each registers itself (common.smk's study()).
for section in STUDIES:

    include: f"workflow/rules/{section}.smk"


include: "workflow/rules/findings.smk"


rule all:
    default_target: True
    input:
        rules.run_config.output,
        rules.photos.output,
        study_targets(),
        rules.findings.output,
        rules.run_summary.output,
