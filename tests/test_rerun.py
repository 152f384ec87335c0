"""Rerun only what changed: one change per knob of the config, derived from the schema.

On the finished tiny run, each change is dry-run through Snakemake's API (in this process:
one DAG build per knob, about a second) and the jobs it would rerun must be that study's
jobs and their dependants, and at least one. A knob that a rule reads but does not pass as a
param reruns nothing and fails here by name; a knob no rule may read reruns nothing.
"""

from __future__ import annotations

import copy
import logging
import shutil
from pathlib import Path

import pytest
import yaml
from conftest import REPO, build_dag, study_rules
from inputgen.platform.config import STUDIES, ConfigError, validate
from test_workflow import job_counts

SCHEMA = REPO / "workflow/inputgen/platform/config.schema.yaml"
TINY = REPO / "tests/config/tiny.yaml"

# What a knob may rerun: the rules of its section's study and of the studies that read its section,
# as the rule files register them (conftest.study_rules). Sections every study reads (the
# models, photos, classes, seed) may rerun any rule. The run's resolved config (run_config) and
# everything that reads the jobs' outputs (the findings page) rerun as dependants.
EVERY_STUDY = {"seed", "models", "classes", "photos", "weights_override"}
# Resources: where and how fast, never what comes out.
RERUNS_NOTHING = {"runtime"}
ALWAYS = {"run_config"}


def dry_run(workdir: Path, configfile: Path) -> list[dict]:
    """The jobs Snakemake would run: rule, inputs, outputs, reason (Snakemake's API)."""
    records = []

    class Jobs(logging.Handler):
        def emit(self, record):
            if str(getattr(record, "event", "")).lower().endswith("job_info"):
                records.append(record)

    handler = Jobs()
    logger = logging.getLogger("snakemake")
    logger.addHandler(handler)
    try:
        build_dag(configfile, workdir)
    finally:
        logger.removeHandler(handler)
    return [
        {
            "rule": r.rule_name,
            "input": set(r.input or []),
            "output": set(r.output or []),
            "reason": str(r.reason),
        }
        for r in records
        if r.rule_name != "all"
    ]


def unexplained(jobs: list[dict], allowed_rules: set[str]) -> list[dict]:
    """The jobs that are neither of ``allowed_rules`` nor read an output of an explained job."""
    explained = [job for job in jobs if job["rule"] in allowed_rules]
    rest = [job for job in jobs if job["rule"] not in allowed_rules]
    grew = True
    while grew:
        made = set().union(*(job["output"] for job in explained))
        now = [job for job in rest if job["input"] & made]
        rest = [job for job in rest if not job["input"] & made]
        explained += now
        grew = bool(now)
    return rest


def _resolve(schema: dict, root: dict) -> dict:
    while "$ref" in schema:  # "#/$defs/name"
        node = root
        for part in schema["$ref"].removeprefix("#/").split("/"):
            node = node[part]
        schema = {**node, **{k: v for k, v in schema.items() if k != "$ref"}}
    return schema


def _options(schema: dict, root: dict) -> list[dict]:
    schema = _resolve(schema, root)
    found = [schema]
    for option in [*schema.get("anyOf", []), *schema.get("oneOf", []), *schema.get("allOf", [])]:
        found += _options(option, root)
    return found


def _leaves(value, schema, root, path=()):
    """(path, value, schema of the value) for every leaf of the config."""
    if isinstance(value, dict) and value:
        for key, child in value.items():
            yield from _leaves(child, _child_schema(schema, key, root), root, (*path, key))
    else:
        yield path, value, schema


def _child_schema(schema: dict, key: str, root: dict) -> dict:
    for option in _options(schema, root):
        if key in option.get("properties", {}):
            return option["properties"][key]
        extra = option.get("additionalProperties")
        if isinstance(extra, dict):
            return extra
        for pattern in option.get("patternProperties", {}).values():
            return pattern
    return {}


def _pool(config) -> list:
    """Every scalar of the config: other values a knob of the same type may take."""
    if isinstance(config, dict):
        return [v for child in config.values() for v in _pool(child)]
    if isinstance(config, list):
        return [v for child in config for v in _pool(child)]
    return [] if config is None else [config]


def candidates(value, schema: dict, root: dict, pool: list):
    """Changed values to try for a knob, most natural first (the first valid one is used)."""
    for option in _options(schema, root):
        yield from option.get("enum", [])
    same_type = [v for v in dict.fromkeys(pool) if type(v) is type(value)]
    if isinstance(value, bool):
        yield not value
    elif isinstance(value, int):
        yield from (value + 1, value - 1, value * 2)
    elif isinstance(value, float):
        yield from (value * 2, value / 2, value + 0.1, 0.5)
    elif isinstance(value, str):
        head = value.rstrip("0123456789")
        if head != value:  # a numbered name: its neighbour (a layer "_blocks.10" -> 11)
            yield f"{head}{int(value[len(head) :]) + 1}"
        yield from same_type
        yield "auto"
    elif isinstance(value, list) and value:
        if len(value) > 1:  # an empty list often means "the default" (every model, ...)
            yield value[:-1]
            yield value[1:]
        if all(isinstance(v, int | float) and not isinstance(v, bool) for v in value):
            yield [v * 0.5 for v in value]
            if all(isinstance(v, int) for v in value):
                yield [*value, max(value) + 1]
                yield [*value[:-1], value[-1] - 1]
        if all(isinstance(v, list) for v in value):
            yield [v[::-1] for v in value]
            yield [[*v, *v[-1:]] for v in value]
        for option in _options(schema, root):  # one more of the values items may take
            items = _options(option.get("items", {}), root)
            extra = [e for item in items for e in item.get("enum", []) if e not in value]
            yield from ([*value, e] for e in extra[:1])
        kinds = {type(v) for v in value}
        yield from ([v] for v in dict.fromkeys(pool) if {type(v)} == kinds and v not in value)
    elif isinstance(value, dict):  # an empty map: a prior with its defaults
        yield _DROP
    elif value is None:  # an optional setting that is off
        yield from (0.001, 1, True)


_DROP = object()  # a candidate that removes the knob's key


def without_off_studies(config: dict) -> dict:
    """A validated config as a file would say it: the studies that are off left out (null
    would switch them on, with their defaults)."""
    return {key: value for key, value in config.items() if not (key in STUDIES and value is None)}


def _set(config: dict, path: tuple, value) -> None:
    node = config
    for key in path[:-1]:
        node = node[key]
    if value is _DROP:
        del node[path[-1]]
    else:
        node[path[-1]] = value


def one_change_per_knob(config: dict, schema: dict):
    """(knob, changed config) for every leaf that has a valid change; (knob, None) if none."""
    pool = _pool(config)
    for path, value, leaf_schema in _leaves(config, schema, schema):
        for candidate in candidates(value, leaf_schema, schema, pool):
            if candidate == value:
                continue
            changed = copy.deepcopy(config)
            _set(changed, path, candidate if candidate is _DROP else copy.deepcopy(candidate))
            try:
                validate(changed, SCHEMA)
            except ConfigError:
                continue
            changed = without_off_studies(changed)
            if changed != config:  # a dropped default comes back: no change
                yield ".".join(path), changed
                break
        else:
            yield ".".join(path), None


# Knobs no derived change can move within the tiny config, each with why.
NO_VALID_CHANGE = {
    "pairs": "off in the tiny config (tested through the CLI)",
    "vectorisation": "off in the tiny config",
    "merging": "off in the tiny config",
    "cka.layer_pair": "off in the tiny config",
    "cka.images": "null: a photos file of the user's would be needed",
    "photos.folder": "null: a folder of the user's would be needed",
    "photos.from_folder": "empty: folder photos need a folder of the user's",
    "flowers.folder": "null: a folder of the user's would be needed",
    "cka.layers": "an empty map: layers are a per-model choice",
    "mnist.priors": "an empty map (the schema default); autoencoding's priors move",
    "runtime.resources": "an empty map here",
    "classify.models": "null means every pretrained model: one list, the same jobs",
    "representations.models": "one pretrained model, and [] means the same one",
    "opposites.models": "one pretrained model, and [] means the same one",
    "inversion.models": "one pretrained model, and [] means the same one",
    "outputs.generators": "null means the generators: the same list, the same jobs",
    "autoencoding.models": "no other model of the config has layers named for it",
    "models.lite0.weights": "package weights only: no other source ships them offline",
    "models.resnet18_random.weights": "no package ships resnet18 weights",
    "models.inception_v3_random.weights": "no package ships inception_v3 weights",
    "models.inception_v3_random.arch": "the auxiliary head names its layers",
    "ablation.configs.maco.decorrelate": "maco needs decorrelated colour: false is refused",
    "generation.chroma": "the tiny generation is pixels: chroma (maco's) is refused there; "
    "the maco ablation row's moves",
    "generation.chroma_cutoff": "the tiny generation is pixels: a cutoff (maco's) is refused "
    "there; the maco ablation row's moves",
    "ablation.configs.none.octaves": "[1.0]: every derived list breaks the octave rule",
    "models.resnet18_random.arch": "a pattern now, not a list: the config's other archs lack "
    "the layers autoencoding names",
    **{
        f"{study}.model": "the tiny config has one pretrained model"
        for study in (
            "transfiguration",
            "interpolation",
            "addition",
            "embedding",
            "starts",
            "auxiliary",
            "features",
            "ablation",
        )
    },
}


@pytest.fixture(scope="module")
def knobs(tiny_run, tmp_path_factory):
    """(a copy of the tiny run, the config file it was settled with, the config, the schema).

    The findings page names the config file it was made from: a copy of the run is brought up
    to date once with the tiny config written whole to the file every change is then written
    to, so that only the changes differ."""
    from test_workflow import snakemake

    schema = yaml.safe_load(SCHEMA.read_text())
    base = without_off_studies(validate(yaml.safe_load(TINY.read_text()), SCHEMA))
    workdir = tmp_path_factory.mktemp("settled")
    shutil.copytree(tiny_run, workdir, symlinks=True, dirs_exist_ok=True)
    configfile = workdir / "knob.yaml"
    # In the config's own order: the order of a map can be a setting (the ablation's rows
    # follow its configs), so a sorted copy would rerun the ablation.
    configfile.write_text(yaml.safe_dump(base, sort_keys=False))
    settled = job_counts(snakemake(workdir, config=configfile))
    assert set(settled) - {"total"} <= {"findings", "run_summary", "all"}, settled
    return workdir, configfile, base, schema


def test_the_tiny_config_written_out_whole_reruns_nothing(knobs):
    workdir, configfile, _, _ = knobs
    assert dry_run(workdir, configfile) == []


def test_every_knob_reruns_its_study_and_its_dependants_only(knobs):
    workdir, path, base, schema = knobs
    failures, unmoved, moved = [], [], 0
    study_rules_of = study_rules()
    for knob, changed in one_change_per_knob(base, schema):
        if changed is None:
            unmoved.append(knob)
            continue
        moved += 1
        path.write_text(yaml.safe_dump(changed, sort_keys=False))
        jobs = dry_run(workdir, path)
        section = knob.split(".")[0]
        rules = sorted({job["rule"] for job in jobs})
        if section in RERUNS_NOTHING:
            if jobs:
                failures.append(f"{knob}: a resource, yet it reruns {rules}")
            continue
        if not jobs:
            failures.append(f"{knob}: changing it reruns nothing (read but not a param?)")
            continue
        if section in EVERY_STUDY:
            continue
        stray = unexplained(jobs, study_rules_of[section] | ALWAYS)
        if stray:
            failures.append(
                f"{knob}: reruns {sorted({job['rule'] for job in stray})} outside its study "
                f"{sorted(study_rules_of[section])} and their dependants"
            )
        if not {job["rule"] for job in jobs} & study_rules_of[section]:
            failures.append(f"{knob}: reruns {rules} but none of its study's rules")
    assert not failures, "\n".join(failures)
    assert set(unmoved) <= set(NO_VALID_CHANGE), sorted(set(unmoved) - set(NO_VALID_CHANGE))
    assert moved >= 90


def test_editing_a_study_module_reruns_that_studys_rules(tiny_run, tmp_path, monkeypatch):
    """The study code is a param (its digest): an edit of the engine's CKA (inputgen/engine/cka.py)
    reruns the CKA study only; the inversion study, which imports no CKA, does not rerun."""
    import shutil

    from inputgen.platform import provenance

    edited = tmp_path / "inputgen"
    shutil.copytree(provenance.PACKAGE_DIR, edited, ignore=shutil.ignore_patterns("__pycache__"))
    cka = edited / "engine" / "cka.py"
    cka.write_text(cka.read_text() + "\n# an edit\n")
    monkeypatch.setattr(provenance, "PACKAGE_DIR", edited)
    provenance.module_closure.cache_clear()
    provenance.code_digest.cache_clear()
    try:
        jobs = dry_run(tiny_run, TINY)
    finally:
        monkeypatch.undo()
        provenance.module_closure.cache_clear()
        provenance.code_digest.cache_clear()
    rules = {job["rule"] for job in jobs}
    assert "cka" in rules, rules
    assert not unexplained(jobs, study_rules()["cka"])
    assert not {"inversion", "representations_chunk", "classify"} & rules, rules
    assert dry_run(tiny_run, TINY) == []
