# Shared values of the rules: derived from the validated config, never from paths.
import json
import os
import sys
from pathlib import Path

from snakemake.exceptions import WorkflowError

import inputgen.stages  # registers every stage
from inputgen.config import study_models
from inputgen.model_specs import class_names_of, resolve_spec
from inputgen.provenance import code_digest
from inputgen.stage import STAGES, command_line, pick, settings_json

MODELS = config["models"]
PRETRAINED = [name for name, spec in MODELS.items() if spec["weights"] != "random"]
# A study's models: none where its section is absent or lists none, every pretrained model
# where it says null (inputgen.config.study_models).
CLASSIFY_MODELS = study_models(config, "classify")
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


def gpu_job(rule):
    """The resources of a rule that runs on a GPU where there is one."""
    return dict(
        **job_resources(rule),
        gpu=1,
        device=RUNTIME["device"],
        batch_size=RUNTIME["batch_size"],
    )


# The report's categories in reading order: the findings first, then the studies as the
# articles take them. Snakemake sorts categories by name, so each is numbered.
CATEGORIES = [
    "Findings",
    "Configuration and provenance",
    "Data",
    "Classification",
    "Flowers",
    "Class representations",
    "Prior ablation",
    "Opposites",
    "Two-model objectives",
    "Transfiguration and arithmetic",
    "Output space",
    "Vectorisation and merging",
    "Model similarity",
    "Layer autoencoding",
    "Fully connected nets",
    "Linear nets",
    "MNIST training",
]


def report_category(name):
    return f"{CATEGORIES.index(name) + 1:02d} {name}"


def reported(path, caption, category, figure, model="{model}"):
    """An output shown in the report, under its study (category) and model, with its caption
    (workflow/report/CAPTION.rst)."""
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


def weights_file(wildcards):
    return weights_of(wildcards.model)


# Jobs run `python -m inputgen` from this source tree, with the Python of the environment this
# Snakemake runs in (the project's .venv, activated or not) or, with --sdm conda, of the rule's
# conda env (activated after this, so it comes first on PATH).
def _prepend(variable, entry):
    return os.pathsep.join(filter(None, [entry, os.getenv(variable)]))


os.environ.update(
    PATH=_prepend("PATH", str(Path(sys.executable).parent)),
    PYTHONPATH=_prepend("PYTHONPATH", str(Path(workflow.basedir) / "workflow")),
)


REPRESENT_MODELS = study_models(config, "representations")
OPPOSITE_MODELS = study_models(config, "opposites")
OPPOSITE_CLASSES = (config["opposites"] or {}).get("classes") or config["classes"]


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


STARTS = config["starts"] or {}
AUXILIARY = config["auxiliary"] or {}
FEATURES = config["features"] or {}


PAIR_DIRS = [
    f"results/pairs/{first}{op}{second}"
    for first, second in (config["pairs"] or {}).get("models", [])
    for op in "+-"
]
ABLATION = config["ablation"] or {"configs": {}}


# Output space, vectorisation and merging (output_space.smk)
OUTPUT_GENERATORS = study_models(config, "outputs.generators")
OUTPUT_EVALUATORS = study_models(config, "outputs.evaluators")
GRAPHS = config["graphs"] or {}
GRAPH_GENERATORS = OUTPUT_GENERATORS if GRAPHS else []  # graphs, PCA, coherence
GRAPH_DIR = "results/graphs/{generator}/{model}"
# The source article's graphs: a generator's images under itself (the claims read them).
SELF_GRAPHS = [m for m in GRAPH_GENERATORS if m in OUTPUT_EVALUATORS]


wildcard_constraints:
    generator="|".join(MODELS),


# The report's subcategory of a graph's results.
GRAPH_PAIR = "{generator} images, {model} outputs"


VECTORISATION = config["vectorisation"] or {}
MERGING = config["merging"] or {}


def target_images(study):
    """theta2's class images: the targets of vectorisation and merging."""
    return f"results/representations/{study.get('toward')}/images.safetensors"


def toward_weights(study):
    return weights_of(study["toward"]) if study else []


# Model similarity (similarity.smk)
INVERSION = config["inversion"] or {}
INVERSION_MODELS = study_models(config, "inversion")
CKA = config["cka"] or {}
CKA_MODELS = study_models(config, "cka")
LAYER_PAIR = CKA.get("layer_pair") or {}


# Depth studies (source article 3): a section that is on has its optional keys filled by the
# schema's defaults (inputgen.config.validate); an off (null) section is {} here.
AUTOENCODING = config["autoencoding"] or {}
AUTOENCODING_MODELS = AUTOENCODING.get("models", [])
UNTRAINED = [name for name, spec in MODELS.items() if spec["weights"] == "random"]


def autoencoding_layers(wildcards):
    name = wildcards.model
    return (AUTOENCODING.get("layers") or {}).get(name) or MODELS[name].get(
        "layers", []
    )


FULLY_CONNECTED = config["fully_connected"] or {}
FC_STUDIES = FULLY_CONNECTED.get("studies", {})
CONDITIONING = config["conditioning"]
INVERTIBLE = config["invertible"] or {}


MNIST = config["mnist"] or {}
FLOWERS = config["flowers"] or {}


# The run's provenance page (findings.smk): made from every artifact of rule all but itself.
RUN_SUMMARY = ["results/provenance.md", "results/provenance.html"]


def run_artifacts(wildcards):
    return list(dict.fromkeys(p for p in rules.all.input if p not in RUN_SUMMARY))


def pair_weights(weights, op):
    """[d, e] of one operation: one pair for both, or one each (combined: +, difference: -)."""
    if isinstance(weights, dict):
        return weights["combined" if op == "+" else "difference"]
    return weights
