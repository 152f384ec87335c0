import contextlib
import functools
import os
import sys
import tempfile
from pathlib import Path

import pytest
import torch
from inputgen.engine.photos import fit_square, sample_photos
from inputgen.platform import cli

REPO = Path(__file__).resolve().parents[1]
SNAKEMAKE = str(Path(sys.executable).with_name("snakemake"))  # the one beside this Python
# Source article 1's pixel recipe, cheap to run on a random model and without the spectrum
# artifact maco needs: what the study tests take where the defaults (the maco recipe) are not
# their subject.
PIXEL_RECIPE = {
    "parameterisation": "pixels",
    "decorrelate": False,
    "rule": "sign",
    "lr": 0.01,
    "lr_end": None,
    "class_objective": "constant",
    "priors": {},
}
CAT_CLASSES = set(range(281, 286))  # tabby, tiger cat, Persian, Siamese, Egyptian cat


def snakemake_command(workdir, configs, *args, cores=2) -> list[str]:
    """Snakemake on ``workdir`` with config files (merged in order), this repository's Snakefile."""
    return [
        SNAKEMAKE,
        "--snakefile",
        str(REPO / "Snakefile"),
        "--directory",
        str(workdir),
        "--configfile",
        *map(str, configs),
        "--cores",
        str(cores),
        *args,
    ]


@contextlib.contextmanager
def workflow_api(configfile: Path, workdir: Path):
    """This repository's workflow on ``configfile`` through Snakemake's API, in this process."""
    from snakemake.api import SnakemakeApi
    from snakemake.settings.types import (
        ConfigSettings,
        OutputSettings,
        Quietness,
        ResourceSettings,
        StorageSettings,
    )

    # The Snakefile sets PYTHONPATH (its jobs run the library beside it) and PATH, and adds to
    # sys.path: in this process they would reach every later test's subprocesses (an installed
    # wheel's test would import the source tree instead). Put both back.
    environment, path = dict(os.environ), list(sys.path)
    try:
        with SnakemakeApi(OutputSettings(quiet={Quietness.ALL})) as api:
            yield api.workflow(
                resource_settings=ResourceSettings(cores=1),
                config_settings=ConfigSettings(configfiles=[configfile]),
                storage_settings=StorageSettings(),
                snakefile=REPO / "Snakefile",
                workdir=workdir,
            )
    finally:
        os.environ.clear()
        os.environ.update(environment)
        sys.path[:] = path


def build_dag(configfile: Path, workdir: Path) -> None:
    """Snakemake's dry run of this repository's workflow on ``configfile``, in this process
    (Snakemake's API): seconds faster than a subprocess, for tests that build many DAGs."""
    from snakemake.settings.types import DAGSettings

    with workflow_api(configfile, workdir) as workflow:
        workflow.dag(DAGSettings()).execute_workflow(executor="dryrun")


@functools.cache
def parsed_workflow() -> tuple[dict, frozenset]:
    """(the studies the rule files register with common.smk's ``study()``: name -> its title,
    its rules and the other sections they read; every rule's name), from the paper config's
    workflow."""
    with (
        tempfile.TemporaryDirectory() as workdir,
        workflow_api(REPO / "config/paper.yaml", Path(workdir)) as api,
    ):
        workflow = api._workflow  # the parsed workflow (Snakemake's API has no public name)
        studies = {
            name: {
                "title": study["title"],
                "rules": set(study["rules"]),
                "reads": dict(study["reads"]),
            }
            for name, study in workflow.globals["STUDY_REGISTRATIONS"].items()
        }
        return studies, frozenset(rule.name for rule in workflow.rules)


def study_rules() -> dict[str, set[str]]:
    """What a config section's knobs may rerun: the rules of its study and of every study
    whose rules read it (the generation section: every generation study's)."""
    found: dict[str, set[str]] = {}
    for name, study in parsed_workflow()[0].items():
        found.setdefault(name, set()).update(study["rules"])
        for section, rules in study["reads"].items():
            found.setdefault(section, set()).update(rules)
    return found


@pytest.fixture(scope="session")
def cat_photo() -> torch.Tensor:
    """skimage's chelsea, 224 x 224, as a batch of one."""
    _, (image,) = sample_photos(["chelsea"])
    return fit_square(image, 224)[None]


@pytest.fixture
def torch_home(tmp_path, monkeypatch) -> Path:
    """An empty torch cache; downloads fail at once, as they do offline."""
    import urllib.error

    def offline(*args, **kwargs):
        raise urllib.error.URLError("no network in this test")

    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))
    monkeypatch.setattr(torch.hub, "download_url_to_file", offline)
    checkpoints = tmp_path / "torch" / "hub" / "checkpoints"
    checkpoints.mkdir(parents=True)
    return checkpoints


@pytest.fixture(scope="session")
def tiny_run(tmp_path_factory) -> Path:
    """One run of the tiny DAG (tests/config/tiny.yaml) that the whole session reads: minutes,
    so tests/test_workflow.py and tests/test_findings.py share it."""
    from test_workflow import snakemake

    workdir = tmp_path_factory.mktemp("tiny")
    snakemake(workdir)
    return workdir


def run_stage(name: str, settings: dict, **files) -> int:
    """Run the stage ``name`` as its rule does: settings as one JSON value, files by name (a
    list for a many-file argument); returns the exit code."""
    import json

    argv = [name, "--settings", json.dumps(settings)]
    for key, value in files.items():
        paths = value if isinstance(value, list | tuple) else [value]
        argv += ["--" + key.replace("_", "-"), *map(str, paths)]
    return cli.main(argv)


def benchmark_script(name: str):
    """benchmarks/<name>.py as a module (the scripts are no package): its functions to test."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(name, REPO / "benchmarks" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def make_photos(directory: Path, names=("chelsea", "rocket"), crops=4, size=96) -> Path:
    """Run the photos stage into ``directory`` (p.safetensors, n.safetensors, p.png)."""
    code = run_stage(
        "photos",
        {"names": list(names), "crops": crops, "size": size},
        photos=directory / "p.safetensors",
        natural=directory / "n.safetensors",
        figure=directory / "p.png",
    )
    assert code == 0
    return directory


def split_comment(line: str) -> tuple[str, str | None]:
    """(code, comment or None): a comment starts at a `#` outside quotes that begins a word
    (YAML's and the shell's rule)."""
    quote = None
    for i, char in enumerate(line):
        if quote:
            quote = None if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "#" and (i == 0 or line[i - 1].isspace()):
            return line[:i], line[i + 1 :]
    return line, None


# The fast tier (`make test-fast`, for development; `make test` runs everything): the tests
# that run Snakemake workflows, build many DAGs, install the wheel or start SLURM are "slow".
SLOW_FIXTURES = {
    "tiny_run",  # the tiny DAG, minutes
    "own_run",  # your own models' run
    "smoke_run",  # the paper config's smoke run
    "second_run",  # the nightly determinism run
    "installed",  # the wheel in a fresh venv
    "dry_runs",  # the README's snakemake commands
}
# and the modules whose every test runs snakemake or the README's commands; a single test
# of more than a few seconds is marked where it is defined (@pytest.mark.slow).
SLOW_MODULES = {
    "test_slurm",
    "test_fuzz_config",
    "test_rerun",
    "test_report",
    "test_paper",
    "test_readme",
}


def pytest_collection_modifyitems(config, items):
    for item in items:
        module = item.module.__name__ if item.module else ""
        if module in SLOW_MODULES or SLOW_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)
