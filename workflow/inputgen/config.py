"""Config validation with messages that name the key, the bad value and what is allowed.

The Snakefile calls :func:`validate` before any job: the JSON schema (through
``snakemake.utils.validate``, which also fills the schema's defaults) and then the
cross-key checks a schema cannot express. Study code never sees the config file.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

import jsonschema
import yaml


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


def schema_errors(config: Mapping, schema: Mapping) -> list[str]:
    validator = jsonschema.validators.validator_for(schema)(schema)
    errors = [leaf for error in validator.iter_errors(config) for leaf in _specific(error)]
    errors.sort(key=lambda e: list(map(str, e.absolute_path)))
    return [_describe(error) for error in errors]


def validate(config: dict, schema_path: str | Path) -> dict:
    """Validate ``config`` in place (defaults filled) or raise ConfigError listing every problem."""
    from snakemake.utils import validate as snakemake_validate

    schema = yaml.safe_load(Path(schema_path).read_text())
    problems = schema_errors(config, schema)
    if not problems:
        snakemake_validate(config, str(schema_path), set_default=True)
        problems = reference_errors(config) + ablation_errors(config, schema)
    if problems:
        raise ConfigError("invalid config:\n  " + "\n  ".join(problems))
    if config["classes"] == "all":
        config["classes"] = list(range(1000))
    return config


def reference_errors(config: Mapping) -> list[str]:
    """Checks across keys: names that must refer to configured models, arch/weights fit."""
    from inputgen.models import resolve_spec

    problems = []
    models = config.get("models", {})
    for name, spec in models.items():
        try:
            resolve_spec(spec)
        except ValueError as error:
            problems.append(f"config key models.{name}: {error}")
    low, high = config.get("photos", {}).get("crop_scale", (0.25, 1.0))
    if low > high:
        problems.append(f"config key photos.crop_scale = [{low}, {high}]: low must not exceed high")
    for section in ("classify", "representations", "opposites"):
        problems += _model_list_errors(config, section)
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
    represented = config.get("representations", {}).get("models") or [
        name for name, spec in models.items() if spec.get("weights", "random") != "random"
    ]
    if embedding and embedding["model"] not in represented:
        problems.append(
            f"config key embedding.model = {embedding['model']!r}: embeds that model's class "
            f"representations, so it must be one of representations.models ({represented})"
        )
    problems += _opposite_errors(config, represented)
    problems += _output_space_errors(config, represented)
    problems += _similarity_errors(config)
    problems += _autoencoding_errors(config)
    octaves = config.get("generation", {}).get("octaves", [1.0])
    if sorted(octaves) != list(octaves) or octaves[-1] != 1:
        problems.append(f"config key generation.octaves = {octaves}: must increase and end at 1")
    resize = (config.get("generation", {}).get("priors") or {}).get("resize") or {}
    if resize.get("low", 0) > resize.get("high", 1):
        problems.append(f"config key generation.priors.resize = {resize}: low must not exceed high")
    return problems


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
    pretrained = [n for n, spec in models.items() if spec.get("weights", "random") != "random"]
    inversion = config.get("inversion") or {}
    cka = config.get("cka") or {}
    problems = _model_list_errors(config, "inversion")
    compared = cka.get("models") or pretrained
    problems += [
        f"config key cka.models[{i}] = {name!r}: not a configured model"
        for i, name in enumerate(cka.get("models") or [])
        if name not in models
    ]
    for name in inversion.get("models") or pretrained:
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
    names = config.get(section, {}).get("models") or []
    return [
        problem
        for index, name in enumerate(names)
        for problem in _pretrained_errors(models, name, f"{section}.models[{index}]")
    ]


def ablation_errors(config: Mapping, schema: Mapping) -> list[str]:
    """Each ablation configuration, merged over the generation section, must be valid."""
    ablation = config.get("ablation")
    if not ablation:
        return []
    generation_schema = {"$defs": schema["$defs"], "$ref": "#/$defs/generation"}
    problems = []
    for name, overrides in ablation["configs"].items():
        merged = {**config["generation"], **overrides}
        for problem in schema_errors(merged, generation_schema):
            problems.append(
                problem.replace("config key ", f"config key ablation.configs.{name}.", 1).replace(
                    "(top level)", ""
                )
            )
    return problems
