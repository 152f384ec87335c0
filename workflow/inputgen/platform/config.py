"""Config validation with messages that name the key, the bad value and what is allowed.

The Snakefile calls :func:`validate` before any job: duplicate keys in the config files
(which YAML loaders silently drop), the JSON schema (through ``snakemake.utils.validate``,
which also fills the schema's defaults), then the checks a schema cannot express: names that
refer to models, layer names against the architecture (built on the meta device), ``file:``
checkpoints against it (their keys and shapes only), an image folder without images. Its
``onstart`` calls :func:`check_start` once a real run has its jobs: a local run refuses a CUDA
device this machine lacks, and a photos job a folder that is not there. Study code never sees
the config file.
"""

from __future__ import annotations

import copy
import difflib
import functools
import json
import math
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from importlib import resources
from pathlib import Path

import jsonschema
import yaml

# libyaml's loader where PyYAML has it: the schema is read at every snakemake invocation.
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class ConfigError(ValueError):
    """A config that would fail later; raised before any job runs."""


def _key(path) -> str:
    key = ""
    for part in path:
        key += f"[{part}]" if isinstance(part, int) else (f".{part}" if key else str(part))
    return key or "(top level)"


def _describe(error: jsonschema.ValidationError) -> str:
    key = _key(error.absolute_path)
    if error.validator == "additionalProperties":
        allowed = ", ".join(sorted(error.schema.get("properties", {})))
        unknown = sorted(set(error.instance) - set(error.schema.get("properties", {})))
        return (
            f"config key {key}: unknown key(s) {', '.join(map(repr, unknown))}; allowed: {allowed}"
        )
    value = json.dumps(error.instance, default=str)
    if len(value) > 80:
        value = value[:77] + "..."
    allowed = error.schema.get("description")
    message = f"config key {key} = {value}: {error.message}"
    return f"{message} (allowed: {allowed})" if allowed else message


def _specific(error: jsonschema.ValidationError) -> list[jsonschema.ValidationError]:
    """For a value that fits no branch of a oneOf/anyOf: the errors of the branch it was meant
    for (the ones that did not fail on type alone), so the message names the exact item."""
    if error.validator in ("oneOf", "anyOf") and error.context:
        meant = [e for e in error.context if e.validator not in ("type", "const", "enum")]
        if meant:
            return [leaf for e in meant for leaf in _specific(e)]
    return [error]


def _strict_integers(schema: Mapping):
    """The schema's validator, with "integer" meaning an int: JSON Schema counts 1.0 as an
    integer, and a stage given 1.0 where it takes an int refuses it later, inside a rule."""
    return _with_strict_integers(jsonschema.validators.validator_for(schema))


@functools.cache  # one class per draft: a DAG build checks every job's settings with it
def _with_strict_integers(base: type) -> type:
    checker = base.TYPE_CHECKER.redefine(
        "integer", lambda _, value: isinstance(value, int) and not isinstance(value, bool)
    )
    return jsonschema.validators.extend(base, type_checker=checker)


def schema_errors(config: Mapping, schema: Mapping) -> list[str]:
    validator = _strict_integers(schema)(schema)
    errors = [leaf for error in validator.iter_errors(config) for leaf in _specific(error)]
    errors.sort(key=lambda e: list(map(str, e.absolute_path)))
    return [_describe(error) for error in errors]


# The package's own schema, shipped inside it (an installed wheel reads the same file the
# Snakefile validates against).
SCHEMA_RESOURCE = resources.files("inputgen.platform") / "config.schema.yaml"


@functools.lru_cache(maxsize=8)
def _parsed_schema(path: str, mtime_ns: int, size: int) -> dict:
    return yaml.load(Path(path).read_text(), Loader=_YAML_LOADER)


def read_schema(path: str | os.PathLike) -> dict:
    """The schema at ``path``, parsed once per process while the file is unchanged (a new
    modification time or size reads it again). Shared, so read-only: every default filled
    into a config is a copy. Parsing is most of a validation's time, and the rerun tests
    validate about a thousand configs."""
    path = Path(path).resolve()
    stat = path.stat()
    return _parsed_schema(str(path), stat.st_mtime_ns, stat.st_size)


@functools.cache
def _package_schema() -> dict:
    return read_schema(str(SCHEMA_RESOURCE))


def schema_defaults(section: str) -> dict:
    """The defaults the config schema gives the keys of ``section``: the one place a default
    is spelled. Settings dataclasses take theirs from here, so a stage called by hand gets
    what a config that leaves the key out gets."""
    schema = _package_schema()
    node = schema["properties"][section]
    if "$ref" in node:  # "#/$defs/name"
        node = schema["$defs"][node["$ref"].rsplit("/", 1)[-1]]
    return {
        key: copy.deepcopy(spec["default"])
        for key, spec in node.get("properties", {}).items()
        if "default" in spec
    }


def schema_default(key: str):
    """The schema's default of one key, ``section.key`` or a top-level key (``seed``): what a
    settings dataclass's knob defaults to, so a default is spelled in the schema alone."""
    section, _, name = key.partition(".")
    if not name:
        return copy.deepcopy(_package_schema()["properties"][section]["default"])
    return schema_defaults(section)[name]


def validate(
    config: dict, schema_path: str | Path, configfiles: Sequence[str | os.PathLike] = ()
) -> dict:
    """Validate ``config`` in place (defaults filled) or raise ConfigError listing every problem.

    ``configfiles``: the files ``config`` was read from (Snakemake's ``workflow.configfiles``),
    re-read to find the duplicate keys that the YAML loader dropped.
    """
    schema = read_schema(schema_path)
    switch_studies(config)
    problems = value_errors(config)
    if not problems:
        problems = duplicate_key_errors(configfiles) + schema_errors(config, schema)
    if not problems:
        fill_defaults(config, schema)
        problems = dependency_errors(config)
    if not problems:
        problems = class_errors(config)  # names and "all" to indices: the checks compare them
    if not problems:  # an override's values are checked by the schema before its keys
        problems = recipe_errors(config, schema)
    if not problems:
        problems = reference_errors(config) + generation_errors(config)
    if not problems:  # the names are right: check what they name
        problems = layer_errors(config) + weights_file_errors(config) + photo_folder_errors(config)
    if not problems:
        problems = label_errors(config)
    if problems:
        raise ConfigError("invalid config:\n  " + "\n  ".join(problems))
    return config


# The sections that switch a study on, as the schema declares them (an object or null, off by
# default): absent, it is off; null, it is on with its defaults. Each registers its rules in
# workflow/rules/<study>.smk (a test checks the two agree).
STUDIES = tuple(
    name
    for name, node in _package_schema()["properties"].items()
    if node.get("type") == ["object", "null"] and node.get("default", 0) is None
)


def switch_studies(config: dict) -> dict:
    """A study section given as null (``cka:`` with nothing after it) means the study with its
    documented defaults; an absent section is off (the schema's default, null, after this)."""
    for section in STUDIES:
        if section in config and config[section] is None:
            config[section] = {}
    return config


def study_models(config: Mapping, section: str) -> list[str]:
    """The models a study runs on: none where the section is off or says ``models: []``; its
    list; where it says null, every pretrained model (``outputs``: generators default to the
    represented models, evaluators to the pretrained ones)."""
    models = config.get("models", {})
    pretrained = [name for name, spec in models.items() if spec.get("weights") != "random"]
    study = config.get(section.split(".")[0])
    if not study:
        return []
    if section == "outputs.generators":
        named, default = study.get("generators"), study_models(config, "representations")
    elif section == "outputs.evaluators":
        named, default = study.get("evaluators"), pretrained
    else:
        named, default = study.get("models"), pretrained
    return list(default if named is None else named)


# Studies that read another's results: (study, the section it needs, why).
_NEEDS = (
    ("opposites", "representations", "the naive opposite is read off the class images"),
    ("embedding", "representations", "it embeds the class images"),
    ("outputs", "representations", "its output vectors are of the class images"),
    ("graphs", "outputs", "the graphs are of the output vectors"),
    ("vectorisation", "representations", "its targets are another model's class images"),
    ("merging", "representations", "its targets are another model's class images"),
    ("cka", "inversion", "it compares models on natural and on inverted images"),
)


def dependency_errors(config: Mapping) -> list[str]:
    return [
        f"config key {study}: needs the {needed} section ({why}); add `{needed}:` (its "
        f"defaults) or leave {study} out"
        for study, needed, why in _NEEDS
        if config.get(study) and not config.get(needed)
    ]


def fill_defaults(config: dict, schema: Mapping) -> dict:
    """Fill the schema's defaults into ``config`` in place, as ``snakemake.utils.validate(...,
    set_default=True)`` does (jsonschema's FAQ recipe), from the schema already read; each
    default is a copy, never the schema's own object."""
    base = jsonschema.validators.validator_for(schema)
    check_properties = base.VALIDATORS["properties"]

    def set_defaults(validator, properties, instance, subschema):
        if isinstance(instance, dict):
            for name, property_schema in properties.items():
                if "default" in property_schema:
                    instance.setdefault(name, copy.deepcopy(property_schema["default"]))
        yield from check_properties(validator, properties, instance, subschema)

    jsonschema.validators.extend(base, {"properties": set_defaults})(schema).validate(config)
    return config


def reference_errors(config: Mapping) -> list[str]:
    """Checks across keys: names that must refer to configured models, arch/weights fit."""
    from inputgen.engine.model_specs import arch_of, resolve_spec

    problems = []
    models = config.get("models", {})
    for name, spec in models.items():
        try:
            arch_of(spec["arch"], spec.get("options"))
        except ValueError as error:
            problems.append(f"config key models.{name}.arch = {json.dumps(spec['arch'])}: {error}")
            continue
        try:
            resolve_spec(spec)
        except ValueError as error:
            problems.append(f"config key models.{name}: {error}")
    low, high = config.get("photos", {}).get("crop_scale", (0.25, 1.0))
    if low > high:
        problems.append(f"config key photos.crop_scale = [{low}, {high}]: low must not exceed high")
    for section in ("classify", "representations", "opposites"):
        problems += _model_list_errors(config, section)
    problems += _photo_name_errors(config)
    studies = ("transfiguration", "interpolation", "addition", "embedding", "ablation", "starts")
    for section in studies + ("features",):
        if config.get(section):
            problems += _pretrained_errors(models, config[section]["model"], f"{section}.model")
    auxiliary = config.get("auxiliary")
    if auxiliary and auxiliary["model"] not in models:  # random weights allowed: no offline
        problems.append(  # model with an auxiliary head ships pretrained
            f"config key auxiliary.model = {auxiliary['model']!r}: not a configured model "
            f"(configured: {', '.join(models)})"
        )
    for index, names in enumerate((config.get("pairs") or {}).get("models", [])):
        for position, name in enumerate(names):
            problems += _pretrained_errors(models, name, f"pairs.models[{index}][{position}]")
    embedding = config.get("embedding")
    represented = study_models(config, "representations")
    if embedding and embedding["model"] not in represented:
        problems.append(
            f"config key embedding.model = {embedding['model']!r}: embeds that model's class "
            f"representations, so it must be one of representations.models ({represented})"
        )
    problems += _opposite_errors(config, represented)
    problems += _output_space_errors(config, represented)
    problems += _similarity_errors(config)
    problems += _autoencoding_errors(config)
    problems += _flowers_errors(config)
    for where, settings in _descents(config):
        problems += _descent_errors(where, settings)
    return problems


def _flowers_errors(config: Mapping) -> list[str]:
    """The flowers study transfigures toward classes it has."""
    flowers = config.get("flowers") or {}
    classes, targets = flowers.get("classes") or [], flowers.get("targets") or []
    unknown = [t for t in targets if t not in classes]
    if not unknown:
        return []
    return [
        f"config key flowers.targets = {targets}: {unknown} not among flowers.classes {classes}"
    ]


def _descents(config: Mapping) -> list[tuple[str, Mapping]]:
    """Every place a descent with priors is configured: generation, each override of it
    (generation_recipes), and the depth studies' own."""
    found = list(generation_recipes(config).items())
    for section in ("autoencoding", "mnist", "fully_connected"):
        if config.get(section):
            found.append((section, config[section]))
    return found


def _descent_errors(where: str, settings: Mapping) -> list[str]:
    """The cross-key rules of a descent that the schema cannot say: octaves that increase and
    end at 1, and each prior's [low, high] range in order."""
    problems = []
    octaves = settings.get("octaves")
    if isinstance(octaves, list) and octaves and all(_is_number(o) for o in octaves):
        if sorted(octaves) != octaves or octaves[-1] != 1:
            problems.append(f"config key {where}.octaves = {octaves}: must increase and end at 1")
    priors = settings.get("priors")
    for prior, options in (priors if isinstance(priors, Mapping) else {}).items():
        options = options or {}  # both given: a prior's defaults are its own (robust: 0.9-1.1)
        # Values of the wrong type are the schema's to name (checked first); these are its.
        if not isinstance(options, Mapping) or not all(
            _is_number(options.get(bound)) for bound in ("low", "high")
        ):
            continue
        if options["low"] > options["high"]:
            problems.append(
                f"config key {where}.priors.{prior} = {json.dumps(options)}: low must not "
                "exceed high"
            )
    return problems


def _is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _opposite_errors(config: Mapping, represented: list[str]) -> list[str]:
    """The naive opposite (argmin of the output) is read off the model's class representations:
    opposite models must be generated, their classes among the configured ones."""
    opposites = config.get("opposites") or {}
    problems = [
        f"config key opposites.models[{i}] = {name!r}: must be one of representations.models "
        f"({represented}); its class images give the naive opposite"
        for i, name in enumerate(opposites.get("models") or [])
        if name not in represented
    ]
    classes = config.get("classes")
    if classes != "all" and opposites.get("classes"):
        missing = [c for c in opposites["classes"] if c not in classes]
        if missing:
            problems.append(
                f"config key opposites.classes: {missing} are not among the configured classes "
                "(their class representations give the naive opposite)"
            )
    return problems


def _output_space_errors(config: Mapping, represented: list[str]) -> list[str]:
    """Output vectors, vectorisation and merging read class representations: their models must
    be generated, their classes among the generated ones."""
    models = config.get("models", {})
    problems = []
    outputs = config.get("outputs") or {}
    for index, name in enumerate(outputs.get("generators") or []):
        if name not in represented:
            problems.append(
                f"config key outputs.generators[{index}] = {name!r}: must be one of "
                f"representations.models ({represented})"
            )
    for index, name in enumerate(outputs.get("evaluators") or []):
        if name not in models:
            problems.append(
                f"config key outputs.evaluators[{index}] = {name!r}: not a configured model "
                f"(configured: {', '.join(models)})"
            )
    classes = config.get("classes")
    for section in ("vectorisation", "merging"):
        study = config.get(section)
        if not study:
            continue
        for key in ("model", "toward"):
            if study[key] not in represented:
                problems.append(
                    f"config key {section}.{key} = {study[key]!r}: must be one of "
                    f"representations.models ({represented})"
                )
        if study["model"] == study["toward"]:
            problems.append(f"config key {section}.toward: must differ from {section}.model")
        if classes != "all" and study["classes"]:
            missing = [c for c in study["classes"] if c not in classes]
            if missing:
                problems.append(
                    f"config key {section}.classes: {missing} are not among the configured "
                    "classes (their class representations are the targets)"
                )
    return problems


def _similarity_errors(config: Mapping) -> list[str]:
    """Inverted datasets are rows of the CKA matrix; layer choices must name compared models."""
    models = config.get("models", {})
    cka = config.get("cka") or {}
    problems = _model_list_errors(config, "inversion")
    compared = study_models(config, "cka")
    problems += [
        f"config key cka.models[{i}] = {name!r}: not a configured model"
        for i, name in enumerate(cka.get("models") or [])
        if name not in models
    ]
    for name in study_models(config, "inversion") if compared else []:
        if name in models and name not in compared:
            problems.append(
                f"config key inversion.models: {name!r} is inverted but not in cka.models "
                f"({compared}); its inverted dataset is a row of the CKA matrix"
            )
    for name in cka.get("layers") or {}:
        if name not in compared:
            problems.append(f"config key cka.layers.{name}: not one of cka.models ({compared})")
    pair = cka.get("layer_pair") or {}
    for name in pair.get("models", []):
        if name not in models:
            problems.append(f"config key cka.layer_pair.models: {name!r} is not a configured model")
        elif name not in pair["layers"]:
            problems.append(f"config key cka.layer_pair.layers: no layers for {name!r}")
    problems += [
        f"config key cka.layer_pair.layers.{name}: not one of cka.layer_pair.models "
        f"({pair['models']})"
        for name in pair.get("layers", {})
        if name not in pair["models"]
    ]
    return problems


def _autoencoding_errors(config: Mapping) -> list[str]:
    """Every autoencoded model is configured and has layers to invert."""
    models = config.get("models", {})
    study = config.get("autoencoding") or {}
    layers = study.get("layers") or {}
    problems = []
    for index, name in enumerate(study.get("models", [])):
        where = f"config key autoencoding.models[{index}] = {name!r}"
        if name not in models:
            problems.append(f"{where}: not a configured model (configured: {', '.join(models)})")
        elif not layers.get(name) and not models[name].get("layers"):
            problems.append(
                f"{where}: no layers to invert; list them in autoencoding.layers.{name} or "
                f"models.{name}.layers"
            )
    problems += [
        f"config key autoencoding.layers.{name}: not one of autoencoding.models"
        for name in layers
        if name not in study.get("models", [])
    ]
    return problems


# The keys that name photos of results/data/photos.safetensors (photos.names, else all shipped).
_PHOTO_KEYS = (
    ("transfiguration", "photos"),
    ("interpolation", "photo"),
    ("vectorisation", "photos"),
    ("autoencoding", "photo"),
    ("fully_connected", "photos"),
    ("invertible", "photos"),
)


def _photo_name_errors(config: Mapping) -> list[str]:
    from inputgen.engine.photo_sources import SAMPLE_PHOTOS

    photos = config.get("photos") or {}
    shipped = photos.get("names") or list(SAMPLE_PHOTOS)
    from_folder = photos.get("from_folder") or []
    available = [*shipped, *from_folder]
    problems = []
    if from_folder and not photos.get("folder"):
        problems.append(
            f"config key photos.from_folder = {from_folder}: folder photos need photos.folder"
        )
    clashes = sorted(set(shipped) & set(from_folder))
    if clashes:
        problems.append(f"config key photos.from_folder: {clashes} are shipped photos' names")
    for section, key in _PHOTO_KEYS:
        named = (config.get(section) or {}).get(key)
        for name in [named] if isinstance(named, str) else named or []:
            if name not in available:
                problems.append(
                    f"config key {section}.{key}: photo {name!r} is not in "
                    f"results/data/photos.safetensors, which holds photos.names and "
                    f"photos.from_folder: {', '.join(available)}"
                )
    return problems


def _pretrained_errors(models: Mapping, name: str, key: str) -> list[str]:
    """``name`` must be a configured model with pretrained weights."""
    where = f"config key {key} = {name!r}"
    if name not in models:
        return [f"{where}: not a configured model (configured: {', '.join(models)})"]
    if models[name].get("weights", "random") == "random":
        return [f"{where}: has random weights; this study needs a pretrained model"]
    return []


def _model_list_errors(config: Mapping, section: str) -> list[str]:
    models = config.get("models", {})
    names = (config.get(section) or {}).get("models") or []
    return [
        problem
        for index, name in enumerate(names)
        for problem in _pretrained_errors(models, name, f"{section}.models[{index}]")
    ]


# The studies whose figures the articles made with their own settings (the schema gives their
# sections a ``recipe``): a recipe overrides generation keys for that study alone.
RECIPE_STUDIES = tuple(
    name for name in STUDIES if "recipe" in _package_schema()["properties"][name]["properties"]
)


def generation_recipes(config: Mapping) -> dict[str, Mapping]:
    """Every set of generation settings a run uses, by config key: the generation section,
    each ablation row and each study's ``recipe``, merged over the generation section."""
    generation = config.get("generation") or {}
    recipes = {"generation": generation}
    for name, row in ((config.get("ablation") or {}).get("configs") or {}).items():
        recipes[f"ablation.configs.{name}"] = {**generation, **row}
    for study in RECIPE_STUDIES:
        section = config.get(study)
        if isinstance(section, Mapping) and isinstance(section.get("recipe"), Mapping):
            recipes[f"{study}.recipe"] = {**generation, **section["recipe"]}
    return recipes


def recipe_errors(config: Mapping, schema: Mapping) -> list[str]:
    """Each ablation row and study recipe, merged over the generation section, must be valid
    generation settings."""
    generation_schema = {"$defs": schema["$defs"], "$ref": "#/$defs/generation"}
    problems = []
    for key, merged in generation_recipes(config).items():
        if key == "generation":
            continue
        where = f"config key {key}"
        for problem in schema_errors(merged, generation_schema):
            top = problem.startswith("config key (top level)")
            problem = problem.replace("config key (top level)", where, 1)
            problems.append(problem if top else problem.replace("config key ", f"{where}.", 1))
    return problems


# Generation keys that change maco's colour magnitude, and the value that leaves it the photos'
# (the only one another parameterisation accepts).
MACO_COLOUR_KEYS = {"chroma": 1, "chroma_cutoff": 0}


def generation_errors(config: Mapping) -> list[str]:
    """Combinations of generation settings the schema cannot express, in the generation
    section and in each override of it (the same refusal ``GenerationSettings`` makes, here
    before any DAG is built)."""
    problems = []
    for where, settings in generation_recipes(config).items():
        maco = settings.get("parameterisation") == "maco"
        if maco and not settings.get("decorrelate"):
            problems.append(
                f"config key {where}: parameterisation maco needs decorrelate: true (its "
                "magnitude spectrum is estimated in decorrelated colour)"
            )
        for key, neutral in MACO_COLOUR_KEYS.items():
            if not maco and settings.get(key, neutral) != neutral:
                problems.append(
                    f"config key {where}.{key} = {settings[key]}: {key} changes maco's colour "
                    f"magnitude; parameterisation {settings.get('parameterisation')} has none "
                    f"(set {key}: {neutral})"
                )
    return problems


# ------------------------------------------------------------------------------ labels

# Sections that draw classes of their one model: (section, key of the model, keys of classes).
_CLASSES_OF_MODEL = {
    "transfiguration": ("model", ("targets",)),
    "interpolation": ("model", ("start", "end")),
    "addition": ("model", ("pairs",)),
    "starts": ("model", ("classes",)),
    "auxiliary": ("model", ("classes",)),
    "ablation": ("model", ("classes",)),
    "vectorisation": ("model", ("classes",)),
    "merging": ("model", ("classes",)),
}


def _flat(value) -> list:
    return [v for item in value for v in _flat(item)] if isinstance(value, list) else [value]


def _labels(config: Mapping) -> tuple[dict, list[str]]:
    """Each model's class names (what resolves), and the problems of those that do not."""
    from inputgen.engine.model_specs import arch_of, class_names_of, resolve_spec

    labels, problems = {}, []
    for name, spec in config.get("models", {}).items():
        try:
            arch_of(spec["arch"], spec.get("options"))
        except ValueError:
            continue  # reported by the reference checks
        try:
            labels[name] = class_names_of(resolve_spec(spec))
        except ValueError as error:
            problems.append(f"config key models.{name}: {error}")
    return labels, problems


def _represented(config: Mapping) -> list[str]:
    return study_models(config, "representations")


def class_errors(config: dict) -> list[str]:
    """The top-level ``classes`` against the generating models' labels, resolved in place:
    ``all`` and names become indices. The generating models share one label set."""
    labels, problems = _labels(config)
    represented = [name for name in _represented(config) if name in labels]
    why = "representations.models (or the pretrained models): the classes are drawn for each"
    problems += _one_label_set(labels, represented, why)
    if problems:
        return problems
    names = labels[represented[0]] if represented else next(iter(labels.values()), ())
    return _resolve_classes(config, names)


def label_errors(config: Mapping) -> list[str]:
    """The classes every study draws against its model's outputs, and one label set where a
    study compares models class by class."""
    labels, problems = _labels(config)
    generators = study_models(config, "outputs.generators")
    compared = list(dict.fromkeys(generators + study_models(config, "outputs.evaluators")))
    why = "outputs.generators and outputs.evaluators: output vectors are compared class by class"
    problems += _one_label_set(labels, compared, why)
    for section, (model_key, keys) in _CLASSES_OF_MODEL.items():
        study = config.get(section)
        if not study or study.get(model_key) not in labels:
            continue
        count = len(labels[study[model_key]])
        for key in keys:
            outside = [c for c in _flat(study.get(key) or []) if not 0 <= c < count]
            if outside:
                problems.append(
                    f"config key {section}.{key}: {outside} are outside model "
                    f"{study[model_key]}'s {count} classes"
                )
    for index, pair in enumerate((config.get("pairs") or {}).get("models", [])):
        if all(name in labels for name in pair):
            why = f"pairs.models[{index}]: the two models are driven toward the same classes"
            problems += _one_label_set(labels, pair, why)
    return problems


def _one_label_set(labels: Mapping, names: Sequence[str], why: str) -> list[str]:
    names = [name for name in names if name in labels]
    sets = {labels[name] for name in names}
    if len(sets) <= 1:
        return []
    described = ", ".join(f"{name} ({_label_summary(labels[name])})" for name in names)
    return [f"config key {why}; these models have different labels: {described}"]


def _label_summary(names: Sequence[str]) -> str:
    from inputgen.engine.model_specs import imagenet_class_names

    return "ImageNet's" if tuple(names) == imagenet_class_names() else f"{len(names)} classes"


def _resolve_classes(config: dict, names: Sequence[str]) -> list[str]:
    """``classes``: ``all`` -> every index, a name -> its index (any case), an index checked."""
    if config.get("classes") == "all":
        config["classes"] = list(range(len(names)))
        return []
    index = {name.lower(): i for i, name in enumerate(names)}
    problems, resolved = [], []
    for position, cls in enumerate(config.get("classes", [])):
        where = f"config key classes[{position}] = {cls!r}"
        if isinstance(cls, str):
            if cls.lower() in index:
                resolved.append(index[cls.lower()])
                continue
            close = difflib.get_close_matches(cls.lower(), list(index), n=3)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            problems.append(f"{where}: no class of that name among the models' labels{hint}")
        elif cls >= len(names):
            problems.append(
                f"{where}: outside the models' {len(names)} classes (0..{len(names) - 1})"
            )
        else:
            resolved.append(cls)
    if not problems and len(set(resolved)) != len(resolved):
        problems.append("config key classes: a class is given twice (by name and by index?)")
    if not problems:
        config["classes"] = resolved
    return problems


# ------------------------------------------------------------------------ stage settings

# Settings the workflow fills from the config in another form (a model's name becomes its
# spec, class names become indices, a model -> layers map its list): the config checks them
# in theirs, the stage by its types.
_RESOLVED_SETTINGS = frozenset(
    {"model", "models", "classes", "toward", "evaluators", "configs", "layers"}
)


def setting_errors(section: str | None, values: Mapping) -> list[str]:
    """A stage's settings (``inputgen STAGE --settings JSON``) checked by the rules the config
    schema gives the keys they are filled from: those of the same name in ``section``, the
    generation recipe (``settings``) and the seed; and, like every config value, finite,
    within 64 bits and free of control characters. One source of rules for both."""
    schema = _package_schema()
    node = schema["properties"].get(section, {}) if section else {}
    if "$ref" in node:
        node = schema["$defs"][node["$ref"].rsplit("/", 1)[-1]]
    rules = {
        key: rule
        for key, rule in node.get("properties", {}).items()
        if key in values and key not in _RESOLVED_SETTINGS
    }
    if "seed" in values:
        rules["seed"] = schema["properties"]["seed"]
    if isinstance(values.get("settings"), Mapping):
        rules["settings"] = {"$ref": "#/$defs/generation"}
    checked = {"type": "object", "$defs": schema["$defs"], "properties": rules}
    problems = value_errors(values) or schema_errors(values, checked)
    if not problems and isinstance(values.get("settings"), Mapping):
        problems = _descent_errors("settings", values["settings"])
    if not problems and {"steps", "priors"} <= set(values):  # the depth studies' own descent
        problems = _descent_errors(section or "settings", values)
    return [_as_setting(problem, section) for problem in problems]


def _as_setting(problem: str, section: str | None) -> str:
    """A config message ("config key size = -3: ...") said of a stage setting, with the config
    key it comes from."""
    found = re.match(r"config key ([^\s:=]+)(.*)", problem, re.S)
    if not found:
        return problem
    key, rest = found.groups()
    if section and key.startswith(f"{section}."):  # a cross-key check's own spelling
        key = key.removeprefix(f"{section}.")
    if key.startswith("settings"):
        origin = "generation" + key.removeprefix("settings")
    else:
        origin = f"{section}.{key}" if section and key != "seed" else key
    return f"setting {key} (config key {origin}){rest}"


# ------------------------------------------------------------------------ values themselves

_MAX_ITEMS = 100_000  # a config is hundreds of values; more is an alias bomb or a mistake
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_INT64 = 2**63 - 1


def _expanded_sizes(node, sizes: dict) -> int:
    """How many values ``node`` holds once every YAML alias is expanded, counted once per
    object (linear in the file, however far the aliases multiply)."""
    if id(node) in sizes:
        return sizes[id(node)]
    sizes[id(node)] = 1  # a cycle counts once
    children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else ()
    size = 1
    for child in children:
        size = min(size + _expanded_sizes(child, sizes), 10 * _MAX_ITEMS)
    sizes[id(node)] = size
    return size


def value_errors(config: Mapping) -> list[str]:
    """What no schema keyword catches, checked before the schema so that its messages stay
    short: a value that expands to too many items (YAML aliases), a string or key with a
    control character (a trailing newline passes a pattern's ``$``), NaN and infinities, and
    integers beyond 64 bits."""
    sizes: dict = {}
    for key, value in config.items():
        if _expanded_sizes(value, sizes) > _MAX_ITEMS:
            return [
                f"config key {key}: its value expands to more than {_MAX_ITEMS} items "
                "(YAML aliases that multiply?); refused unread"
            ]
    problems: list[str] = []
    _walk_values(config, (), problems)
    return problems


def _walk_values(node, path: tuple, problems: list[str]) -> None:
    where = f"config key {_key(path)}" if path else "config"
    if isinstance(node, dict):
        for key, value in node.items():
            if isinstance(key, str) and _CONTROL.search(key):
                problems.append(f"{where}: the key {key!r} holds a control character")
            _walk_values(value, (*path, key), problems)
    elif isinstance(node, list):
        for index, value in enumerate(node):
            _walk_values(value, (*path, index), problems)
    elif isinstance(node, str) and _CONTROL.search(node):
        problems.append(
            f"{where} = {node[:60]!r}: holds a control character (a line break, a tab?); "
            "write the value on one line"
        )
    elif isinstance(node, float) and not math.isfinite(node):
        problems.append(f"{where} = {node}: not a finite number")
    elif isinstance(node, int) and not isinstance(node, bool) and abs(node) > _INT64:
        problems.append(f"{where} = {str(node)[:30]}: does not fit in 64 bits")


# ------------------------------------------------------------------------ duplicate keys


def duplicate_key_errors(paths: Iterable[str | os.PathLike]) -> list[str]:
    """Keys given twice in one mapping of a config file (two models of one name, a section
    twice): YAML loaders keep the last silently, so the files are re-read node by node."""
    problems = []
    for path in map(Path, paths):
        try:
            root = yaml.compose(path.read_text(), Loader=_YAML_LOADER)
        except (OSError, yaml.YAMLError):
            continue  # Snakemake read it already and reports what it cannot read
        for key, line, first in _duplicates(root, ""):
            problems.append(
                f"config key {key} is given twice in {path} (lines {first} and {line}); "
                "YAML would silently keep only the last: rename or remove one"
            )
    return problems


def _duplicates(node, where: str, seen_nodes=None) -> Iterable[tuple[str, int, int]]:
    seen_nodes = set() if seen_nodes is None else seen_nodes
    if id(node) in seen_nodes:  # an alias of a node already walked
        return
    seen_nodes.add(id(node))
    if isinstance(node, yaml.MappingNode):
        lines: dict[str, int] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":  # <<: *anchor
                continue
            name = str(key_node.value)
            key = f"{where}.{name}" if where else name
            line = key_node.start_mark.line + 1
            if isinstance(key_node, yaml.ScalarNode) and name in lines:
                yield key, line, lines[name]
            lines.setdefault(name, line)
            yield from _duplicates(value_node, key, seen_nodes)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            yield from _duplicates(item, f"{where}[{index}]", seen_nodes)


# ------------------------------------------------------------- what the names refer to


def _named_layers(config: Mapping) -> list[tuple[str, str, str, bool]]:
    """Every layer name in the config: (config key, model name, layer, penultimate allowed)."""
    named = [
        (f"models.{name}.layers[{i}]", name, layer, False)
        for name, spec in config.get("models", {}).items()
        for i, layer in enumerate(spec.get("layers") or [])
    ]
    for section, keys in (("embedding", ["layer"]), ("features", ["layer"]),
                          ("auxiliary", ["layer", "head"])):  # fmt: skip
        study = config.get(section)
        if study:
            named += [(f"{section}.{key}", study["model"], study[key], False) for key in keys]
    cka = config.get("cka") or {}
    named += [
        (f"cka.layers.{name}", name, layer, True)
        for name, layer in (cka.get("layers") or {}).items()
    ]
    maps = {
        "cka.layer_pair.layers": (cka.get("layer_pair") or {}).get("layers") or {},
        "autoencoding.layers": (config.get("autoencoding") or {}).get("layers") or {},
    }
    for where, layers in maps.items():
        named += [
            (f"{where}.{name}[{i}]", name, layer, True)
            for name, names in layers.items()
            for i, layer in enumerate(names)
        ]
    return named


def layer_errors(config: Mapping) -> list[str]:
    """Layer names must be module names of their model's architecture (``named_modules``, or
    ``penultimate`` where a study taps the input of the output layer). Only the architectures
    that some layer names are built, once each, on the meta device."""
    from inputgen.engine.model_specs import PENULTIMATE, arch_layer_names, arch_of

    models = config.get("models", {})
    problems = []
    for key, name, layer, penultimate in _named_layers(config):
        if name not in models or (penultimate and layer == PENULTIMATE):
            continue  # an unknown model is reported by the reference checks
        arch = models[name]["arch"]
        try:
            known = arch_layer_names(arch_of(arch, models[name].get("options")))
        except ValueError:
            continue  # an unknown architecture is reported by the reference checks
        if layer not in known:
            close = difflib.get_close_matches(layer, known, n=4)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            also = f" or {PENULTIMATE!r}" if penultimate else ""
            problems.append(
                f"config key {key} = {layer!r}: {arch} (model {name}) has no such layer; "
                f"layers are module names as in named_modules(){also}{hint}"
            )
    return problems


def weights_file_errors(config: Mapping) -> list[str]:
    """A ``file:`` checkpoint must exist, be readable and fit its arch under a strict load (its
    keys and shapes, read without its tensors). Skipped under ``weights_override``."""
    files = {
        name: spec
        for name, spec in config.get("models", {}).items()
        if spec["weights"].startswith("file:")
    }
    if config.get("weights_override") or not files:
        return []
    from inputgen.engine.models import WeightsError, arch_of, check_checkpoint  # torch: files only

    problems = []
    for name, spec in files.items():
        weights = spec["weights"]
        path = Path(weights.removeprefix("file:")).expanduser()
        try:
            check_checkpoint(arch_of(spec["arch"], spec.get("options")), path)
        except WeightsError as error:
            where = "" if path.is_absolute() else f" (relative to {Path.cwd()}, the workdir)"
            problems.append(f"config key models.{name}.weights = {weights!r}{where}: {error}")
    return problems


def photo_folder_errors(config: Mapping) -> list[str]:
    """``photos.folder`` and ``flowers.folder``, where they exist, must be ImageFolder trees
    with an image in each class folder (what torchvision's ImageFolder demands), holding the
    classes the config names from them. A missing folder is refused by :func:`check_start`
    when the job that reads it is about to run (a dry run of a config whose folder lives
    elsewhere still shows its DAG)."""
    photos, flowers = config.get("photos") or {}, config.get("flowers") or {}
    problems, classes = _image_folder_errors("photos.folder", photos.get("folder"))
    if classes:
        problems += _folder_photo_errors(classes, photos.get("from_folder"))
    flower_problems, classes = _image_folder_errors("flowers.folder", flowers.get("folder"))
    missing = [name for name in flowers.get("classes") or [] if classes and name not in classes]
    if missing:
        flower_problems.append(
            f"config key flowers.classes: {missing} are not class folders of flowers.folder "
            f"= {flowers['folder']!r} (its classes: {', '.join(classes[:8])}"
            f"{', ...' if len(classes) > 8 else ''})"
        )
    return problems + flower_problems


def _image_folder_errors(key: str, folder: str | None) -> tuple[list[str], list[str]]:
    """The problems of the ImageFolder tree at config key ``key`` (none when it is absent or
    not there yet), and its class folders when it has no problems."""
    if not folder or not os.path.exists(folder):
        return [], []
    where = f"config key {key} = {folder!r}"
    if not os.path.isdir(folder):
        return [f"{where}: not a folder; expected an ImageFolder tree root/<class>/<image>"], []
    from torchvision.datasets.folder import IMG_EXTENSIONS

    classes = sorted(entry.name for entry in os.scandir(folder) if entry.is_dir())
    empty = [name for name in classes if not _has_image(Path(folder, name), IMG_EXTENSIONS)]
    if classes and not empty:
        return [], classes
    layout = f"an ImageFolder tree root/<class>/<image> ({', '.join(IMG_EXTENSIONS)})"
    if not classes:
        return [f"{where}: no class folders, so no images; expected {layout}"], []
    shown = ", ".join(empty[:5]) + (f", ... ({len(empty) - 5} more)" if len(empty) > 5 else "")
    return [f"{where}: class folders without images: {shown}; expected {layout}"], []


def _folder_photo_errors(classes: list[str], specs: list[str] | None) -> list[str]:
    """Each folder photo's class must be a class folder or the ImageNet class of one (its
    image is found, or refused by rank or file name, by the photos job)."""
    from inputgen.engine.photo_sources import folder_class

    return [
        f"config key photos.from_folder: {spec!r} names no class folder (the folder's "
        f"classes: {', '.join(classes[:8])}{', ...' if len(classes) > 8 else ''})"
        for spec in specs or []
        if folder_class(classes, spec.partition("/")[0].partition("#")[0]) is None
    ]


def _has_image(directory: Path, extensions: tuple[str, ...]) -> bool:
    for _, _, files in os.walk(directory, followlinks=True):
        if any(name.lower().endswith(extensions) for name in files):
            return True
    return False


# ------------------------------------------------------------------ before the first job


def check_start(config: Mapping, jobs: Iterable, local: bool) -> None:
    """Checks of this machine before the first job of a real run (the Snakefile's ``onstart``;
    a dry run runs nothing and checks nothing here). ``jobs``: the Snakemake jobs to run (their
    ``rule.name`` and ``rule.resources`` are read); ``local``: Snakemake runs them here (no
    cluster executor).

    - ``runtime.device`` cuda/cuda:N on a machine without it, when jobs that take a device
      would run here. On a cluster the head node may lack the GPU its nodes have: the job
      checks there, failing at once (:func:`inputgen.platform.runtime.resolve_device`).
    - ``photos.folder`` or ``flowers.folder`` missing when the job that reads it is to run.
    """
    from inputgen.platform import runtime

    jobs = [(job.rule.name, set(job.rule.resources)) for job in jobs]
    problems = []
    device = config["runtime"]["device"]
    on_device = sorted({rule for rule, resources in jobs if "device" in resources})
    problem = runtime.cuda_problem(device) if local and on_device else None
    if problem:
        shown = ", ".join(on_device[:6]) + (", ..." if len(on_device) > 6 else "")
        problems.append(
            f"config key runtime.device = {device!r}: {problem}, and this Snakemake runs its "
            f"jobs here (no cluster executor), {shown} among them; {runtime.ADVICE}, or run "
            "with a cluster profile whose nodes have the GPU"
        )
    readers = {"photos": "the natural images", "flowers": "the small CNN's classes"}
    for rule, what in readers.items():
        folder = (config.get(rule) or {}).get("folder")
        if folder and any(name == rule for name, _ in jobs) and not os.path.isdir(folder):
            problems.append(
                f"config key {rule}.folder = {folder!r}: no such folder (relative to "
                f"{Path.cwd()}, the workdir); the {rule} job reads {what} from it"
            )
    if problems:
        raise ConfigError("cannot start:\n  " + "\n  ".join(problems))
