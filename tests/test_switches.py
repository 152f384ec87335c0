"""Study switches, the same in every section: absent = off, null = on with the documented
defaults, ``models: []`` = off. Each study alone (with the studies it reads) runs its own rules
and no other study's; a config of models and classes only runs no study at all."""

from __future__ import annotations

import copy

import pytest
import yaml
from conftest import REPO, study_rules
from inputgen.platform.config import ConfigError, validate
from test_rerun import dry_run

SCHEMA = REPO / "workflow/inputgen/platform/config.schema.yaml"
TINY = yaml.safe_load((REPO / "tests/config/tiny.yaml").read_text())
BASE_KEYS = ("seed", "runtime", "models", "classes", "photos", "generation")
# What every run makes: its config, the claims table, the findings and provenance pages (and
# the data a study reads, which the study's own rules pull in).
ALWAYS = {"run_config", "claims", "findings", "run_summary", "photos", "spectrum"}
TWO = {"models": ["lite0", "mobilenet_v2"]}
SECTIONS = {
    **{key: TINY[key] for key in TINY if key not in BASE_KEYS},
    "pairs": {"models": [["lite0", "mobilenet_v2"]], "weights": [1.0, 1.0], "classes": [0]},
    "vectorisation": {
        "model": "mobilenet_v2",
        "toward": "lite0",
        "classes": [0],
        "photos": ["chelsea"],
    },  # fmt: skip
    "merging": {
        "model": "mobilenet_v2",
        "toward": "lite0",
        "classes": [0],
        "steps": 1,
        "lr": 1e-6,
    },  # fmt: skip
}
NEEDS = {
    "opposites": ["representations"],
    "embedding": ["representations"],
    "outputs": ["representations"],
    "graphs": ["outputs", "representations"],
    "vectorisation": ["representations"],
    "merging": ["representations"],
    "cka": ["inversion"],
}
STUDIES = sorted(SECTIONS)


def base() -> dict:
    config = {key: copy.deepcopy(TINY[key]) for key in BASE_KEYS}
    config["models"]["mobilenet_v2"] = {"arch": "mobilenet_v2", "weights": "package"}
    return config


def rules_of(config: dict, tmp_path, name: str) -> set[str]:
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return {job["rule"] for job in dry_run(tmp_path / name, path)}


def with_studies(*studies: str, **changes) -> dict:
    config = base()
    for study in studies:
        for section in [study, *NEEDS.get(study, [])]:
            config[section] = copy.deepcopy(SECTIONS[section])
    if {"vectorisation", "merging"} & set(studies) or "representations" in config:
        config["representations"] = {**config.get("representations", {}), **TWO}
        if "opposites" in config:
            config["opposites"]["models"] = ["lite0"]
    config.update(copy.deepcopy(changes))
    return config


def test_models_and_classes_alone_run_no_study(tmp_path):
    expected = {"run_config", "photos", "claims", "findings", "run_summary"}  # photos: data
    assert rules_of(base(), tmp_path, "none") == expected


@pytest.mark.parametrize("study", STUDIES)
def test_each_study_alone_runs_its_rules_and_no_others(study, tmp_path):
    rules = rules_of(with_studies(study), tmp_path, study)
    registered = study_rules()
    allowed = set().union(*(registered[s] for s in [study, *NEEDS.get(study, [])]))
    own = registered[study]
    assert rules & own, (study, rules)
    assert rules <= allowed | ALWAYS, (study, sorted(rules - allowed - ALWAYS))


@pytest.mark.parametrize("study", ["classify", "representations", "inversion", "cka"])
def test_models_empty_switches_a_study_off(study, tmp_path):
    config = with_studies(study)
    config[study] = {**config[study], "models": []}
    assert not rules_of(config, tmp_path, study) & study_rules()[study] - {"opposites"}


def test_null_is_the_study_with_its_defaults(tmp_path):
    config = with_studies("cka", classify=None)
    config["cka"] = None  # every pretrained model, the penultimate layers
    rules = rules_of(config, tmp_path, "null")
    assert {"classify", "cka", "inversion"} <= rules
    validated = validate(copy.deepcopy(config), SCHEMA)
    assert validated["classify"]["topk"] == 5 and validated["cka"]["debiased"] is False


def test_a_study_without_the_one_it_reads_is_refused_saying_which():
    config = base()
    config["graphs"] = {}
    with pytest.raises(ConfigError, match="config key graphs: needs the outputs section"):
        validate(config, SCHEMA)
    config = base()
    config["cka"] = {}
    with pytest.raises(ConfigError, match="config key cka: needs the inversion section"):
        validate(config, SCHEMA)
