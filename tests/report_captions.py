"""Every report() output of a config's DAG, with its caption rendered as ``snakemake --report``
renders it, but strictly: a caption that names a config key, param or wildcard the job lacks
fails here (the report itself would print nothing in its place), and docutils' warnings are kept.

    python tests/report_captions.py OUT.json WORKDIR CONFIG [CONFIG ...]

Builds the DAG only (no job runs, no output needs to exist), so it covers the rules of configs
too big to run in a test, such as config/paper.yaml. A separate process: the Snakefile changes
the environment and Snakemake the working directory.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def captions(workdir: Path, configs: list[Path]) -> list[dict]:
    from docutils.core import publish_parts
    from jinja2 import Environment, StrictUndefined
    from snakemake.api import SnakemakeApi
    from snakemake.io import apply_wildcards, get_flag_value, is_flagged
    from snakemake.script import Snakemake
    from snakemake.settings.types import (
        ConfigSettings,
        DAGSettings,
        OutputSettings,
        ResourceSettings,
        StorageSettings,
    )

    # As Snakemake's report renders captions (snakemake.report), but undefined names fail.
    env = Environment(trim_blocks=True, lstrip_blocks=True, undefined=StrictUndefined)
    found = []
    with SnakemakeApi(OutputSettings()) as api:
        workflow_api = api.workflow(
            resource_settings=ResourceSettings(cores=1),
            config_settings=ConfigSettings(configfiles=configs),
            storage_settings=StorageSettings(),
            snakefile=REPO / "Snakefile",
            workdir=workdir,
        )
        workflow_api.dag(DAGSettings())
        workflow = workflow_api._workflow
        workflow._prepare_dag(forceall=False, ignore_incomplete=True, lock_warn_only=True)
        workflow._build_dag()
        for job in workflow.dag.jobs:
            for path in job.output:
                if not is_flagged(path, "report"):
                    continue
                flag = get_flag_value(path, "report")
                context = Snakemake(
                    job.input,
                    job.output,
                    job.params,
                    job.wildcards,
                    job.threads,
                    job.resources,
                    job.log,
                    job.rule.module_globals["config"],
                    job.rule.name,
                    None,
                )
                source = workflow.sourcecache.open(flag.caption).read() if flag.caption else ""
                item = {
                    "rule": job.rule.name,
                    "path": str(path),
                    "caption_file": str(flag.caption),
                    "category": flag.category and apply_wildcards(flag.category, job.wildcards),
                    "subcategory": flag.subcategory
                    and apply_wildcards(flag.subcategory, job.wildcards),
                    "labels": {
                        key: apply_wildcards(str(value), job.wildcards)
                        for key, value in (flag.labels or {}).items()
                    },
                }
                try:
                    item["text"] = env.from_string(source).render(
                        snakemake=context, categories={}, files={}
                    )
                except Exception as error:  # reported, so one run lists every broken caption
                    item["error"] = f"{type(error).__name__}: {error}"
                else:
                    item["html"] = publish_parts(
                        item["text"], writer_name="html", settings_overrides={"report_level": 2}
                    )["body"]
                found.append(item)
    return found


if __name__ == "__main__":
    out, workdir, *configs = sys.argv[1:]
    result = captions(Path(workdir), [Path(config).resolve() for config in configs])
    Path(out).write_text(json.dumps(result, indent=1))
