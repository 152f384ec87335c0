# Shared values of the rules: derived from the validated config, never from paths.
import json
import os
import sys
from pathlib import Path

from snakemake.exceptions import WorkflowError

import inputgen.stages  # registers every stage
from inputgen.platform.config import study_models
from inputgen.engine.model_specs import class_names_of, resolve_spec
from inputgen.platform.provenance import code_digest
from inputgen.platform.stage import STAGES, command_line, pick, settings_json

MODELS = config["models"]
PRETRAINED = [name for name, spec in MODELS.items() if spec["weights"] != "random"]
RUNTIME = config["runtime"]


def model_threads() -> int:
    """A model job's threads. Given --cores N (a local run), half of them, up to 4: two model
    jobs run at once, and one's single-threaded start-up (imports, model build) overlaps the
    other's work, where one job of all the cores left them idle for seconds per job. Without
    --cores (a cluster run; Snakemake then refuses to say a total) each job gets 4."""
    try:
        cores = workflow.cores
    except WorkflowError:
        return 4
    return max(1, min(4, cores // 2)) if isinstance(cores, int) else 4


MODEL_THREADS = model_threads()
ENV = "../../envs/inputgen.yaml"


def job_resources(rule):
    """A gpu=1 rule's cluster request (mem_mb, runtime in minutes,
    cpus_per_task) from runtime.resources, measured by benchmarks/resources.py;
    none when the config names none (the profile's default-resources apply).
    No command reads them: they never change a result."""
    return dict(RUNTIME["resources"].get(rule, {}))


wildcard_constraints:
    model="|".join(MODELS),


def stage_params(name, settings):
    """A rule's params for the stage ``name`` (inputgen.stages): the digest of the stage's code
    (editing it reruns the rule), its settings as one JSON value (``settings``: a function of
    the wildcards returning a dict, evaluated only for jobs in the DAG and checked against the
    stage's settings dataclass), and its command line, built from the rule's named files and
    resources (Snakemake leaves a param made from files out of its rerun check: the files are
    triggers of their own, and the resources never change a result)."""
    stage = STAGES[name]

    def command(wildcards, input, output, threads, resources):
        runtime = {}
        if stage.models:
            runtime = dict(
                device=resources.device,
                batch_size=resources.batch_size,
                threads=threads,
            )
        return command_line(
            name, {**dict(input.items()), **dict(output.items())}, runtime
        )

    return {
        "code": code_digest(stage.module),
        "settings": lambda wildcards: settings_json(name, settings(wildcards)),
        "command": command,
    }


def model_params(stage, *sections, evaluators=False, **values):
    """``stage_params`` of a stage run on one model, the job's {model}: the shared wiring of
    every such rule. Its settings are the model's name and resolved spec, the run's seed (where
    the stage takes one), with ``evaluators`` the specs of the other models that rate its
    images, then the keys of the config ``sections`` the stage has and ``values`` (a function
    is called with the job's wildcards)."""

    def settings(wildcards):
        own = {
            key: value(wildcards) if callable(value) else value
            for key, value in values.items()
        }
        if evaluators:
            own["evaluators"] = evaluator_specs(wildcards.model)
        return pick(
            stage,
            {"seed": config["seed"]},
            *sections,
            name=wildcards.model,
            model=job_spec(wildcards.model),
            **own,
        )

    return stage_params(stage, settings)


def model_inputs(generation=None, *, evaluators=False, **files):
    """The inputs of a stage run on {model}: ``files``, maco's spectrum where the
    ``generation`` settings use it (settings, or a function of the wildcards that returns
    them), the model's own weight and label files, and with ``evaluators`` those of the models
    that rate its images (replacing one reruns the job)."""
    found = dict(files)
    if callable(generation):  # settings that depend on the job's wildcards
        found["spectrum"] = lambda wildcards: spectrum_for(generation(wildcards))
    elif generation is not None:
        found["spectrum"] = spectrum_for(generation)
    found["weights"] = weights_file
    if evaluators:
        found["evaluator_weights"] = evaluator_weights
    return found


def gpu_job(rule):
    """The resources of a rule that runs on a GPU where there is one."""
    return dict(
        **job_resources(rule),
        gpu=1,
        device=RUNTIME["device"],
        batch_size=RUNTIME["batch_size"],
    )


# ------------------------------------------------------------------------------------ studies
# Each study registers itself at the top of its rule file (workflow/rules/<study>.smk), before
# its rules. rule all's targets, the findings page's and the claims' inputs, the report's
# categories and the tests' lists of each study's rules are read from these registrations.
STUDY_REGISTRATIONS = {}
# The report's categories in reading order (Snakemake sorts them by name, so each is numbered):
# the run's own pages, then one per study in the order the Snakefile includes them.
CATEGORIES = {
    "findings": "Findings",
    "provenance": "Configuration and provenance",
    "data": "Data",
}


def study(name, title, *, rules, reads=(), targets=(), findings=None, claims=None):
    """Register the study ``name`` (its config section) with the report category ``title``.
    ``rules``: the rules whose settings its section sets; ``reads``: the other config sections
    its rules take settings or jobs from (generation, another study's), a list (all its rules
    read them) or a map section -> its rules that do; ``targets``: what rule all asks of it,
    none when it is off (a function where they are rules' outputs, defined after this);
    ``findings``, ``claims``: the named tables the findings page and the claims read."""
    if name in STUDY_REGISTRATIONS:
        raise WorkflowError(f"study {name!r} is registered twice")
    CATEGORIES[name] = title
    STUDY_REGISTRATIONS[name] = dict(
        title=title,
        rules=list(rules),
        reads=(
            reads if isinstance(reads, dict) else {section: rules for section in reads}
        ),
        targets=targets,
        findings=dict(findings or {}),
        claims=dict(claims or {}),
    )


def study_targets():
    """The inputs of the default target from the studies: every registered study's targets."""
    targets = []
    for registered in STUDY_REGISTRATIONS.values():
        found = registered["targets"]
        targets += list(found() if callable(found) else found)
    return targets


def study_tables(kind):
    """The named inputs of the findings page or the claims (``kind``) from the studies."""
    tables = {}
    for name, registered in STUDY_REGISTRATIONS.items():
        for table, paths in registered[kind].items():
            if table in tables:
                raise WorkflowError(
                    f"study {name!r}: {kind} table {table!r} is registered twice"
                )
            tables[table] = paths
    return tables


def report_category(name):
    return f"{list(CATEGORIES).index(name) + 1:02d} {CATEGORIES[name]}"


def reported(path, caption, category, figure, model="{model}"):
    """An output shown in the report, under its study or page (``category``: a name of
    CATEGORIES) and model, with its caption (workflow/report/CAPTION.rst)."""
    return report(
        path,
        caption=f"../report/{caption}.rst",
        category=report_category(category),
        subcategory=model,
        labels={"figure": figure, "model": model},
    )


# `--config weights_override=random` runs any config's DAG with seeded random weights (a smoke
# run where the weight files are absent): the studies keep their roles, only the jobs' specs
# change. Nothing such a run makes is a result.
WEIGHTS_OVERRIDE = config["weights_override"]


def job_spec(name):
    """The resolved spec a job gets."""
    spec = dict(MODELS[name])
    if WEIGHTS_OVERRIDE:
        spec["weights"] = WEIGHTS_OVERRIDE
    return resolve_spec(spec)


def weights_of(name):
    """The files a model reads, inputs of its jobs so that replacing one reruns them: a file:
    checkpoint, and a labels file (which names the classes in every table)."""
    weights, labels = MODELS[name]["weights"], MODELS[name].get("labels", "imagenet")
    files = [labels.removeprefix("file:")] if labels.startswith("file:") else []
    if WEIGHTS_OVERRIDE or not weights.startswith("file:"):
        return files
    return [weights.removeprefix("file:"), *files]


def weights_of_models(*keys):
    """The input function of a rule that loads the models its wildcards ``keys`` name ({model},
    or the two of a pair): their weight and label files, so that replacing one reruns the job.
    """
    return lambda wildcards: [
        path for key in keys for path in weights_of(wildcards[key])
    ]


weights_file = weights_of_models("model")


# Jobs run `python -m inputgen` from this source tree, with the Python of the environment this
# Snakemake runs in (the project's .venv, activated or not) or, with --sdm conda, of the rule's
# conda env (activated after this, so it comes first on PATH).
def _prepend(variable, entry):
    return os.pathsep.join(filter(None, [entry, os.getenv(variable)]))


os.environ.update(
    PATH=_prepend("PATH", str(Path(sys.executable).parent)),
    PYTHONPATH=_prepend("PYTHONPATH", str(Path(workflow.basedir) / "workflow")),
)


def chunks(classes):
    """Split a class list into the configured chunk size: one job per chunk (scatter)."""
    size = config["representations"]["chunk_size"]  # read only where a study is on
    return [classes[i : i + size] for i in range(0, len(classes), size)]


def chunk_files(pattern, classes):
    """Input function: every chunk file of the job's {model} (gather)."""
    return lambda wildcards: expand(
        pattern, model=wildcards.model, chunk=range(len(chunks(classes)))
    )


def same_labels(first, second):
    """Whether two models share one label set: only then does one rate the other's classes."""
    return class_names_of(job_spec(first)) == class_names_of(job_spec(second))


def evaluators_of(model):
    """Every other pretrained model of the same labels: those that rate its images."""
    return [name for name in PRETRAINED if name != model and same_labels(name, model)]


def evaluator_specs(model):
    """``evaluators_of`` as name -> resolved spec: a stage's ``evaluators`` setting."""
    return {name: job_spec(name) for name in evaluators_of(model)}


def recipe(study):
    """The generation settings of a study: the generation section with the study's ``recipe``
    overrides (source article 1 made each figure with its own priors; config.generation_recipes
    checks them)."""
    return {**config["generation"], **((config[study] or {}).get("recipe") or {})}


def spectrum_for(settings):
    """The spectrum input of a generation rule: maco's magnitude spectrum, only when the
    settings use the maco parameterisation (so no other run depends on the natural set).
    """
    if settings.get("parameterisation") == "maco":
        return "results/data/spectrum.safetensors"
    return []


def evaluator_weights(wildcards):
    """The file: checkpoints of the other pretrained models that rate a study's images."""
    return [
        path for name in evaluators_of(wildcards.model) for path in weights_of(name)
    ]


def study_outputs(section, *patterns):
    """The outputs of an optional study: none when its config section is null."""
    study = config[section]
    return (
        [pattern.format(model=study["model"]) for pattern in patterns] if study else []
    )


# wildcard_constraints of the output-space rules: {generator} is a model too.
wildcard_constraints:
    generator="|".join(MODELS),


def target_images(section):
    """theta2's class images: the targets of vectorisation and merging."""
    return f"results/representations/{section.get('toward')}/images.safetensors"


def toward_weights(section):
    return weights_of(section["toward"]) if section else []
