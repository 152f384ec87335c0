"""Every value that changes an artifact is in its provenance record: each param of each job of
the tiny run (as Snakemake stored it) is among the arguments its outputs' records carry."""

import ast
import base64
import json
import shlex

from inputgen.platform import artifacts


def job_metadata(workdir):
    """(output path, Snakemake's record of the job that made it) for every output."""
    root = workdir / ".snakemake/metadata"
    for entry in root.rglob("*"):
        if entry.is_file():  # long names are split into folders, each part prefixed "@"
            encoded = "".join(part.removeprefix("@") for part in entry.relative_to(root).parts)
            yield base64.urlsafe_b64decode(encoded).decode(), json.loads(entry.read_text())


def as_shell(param: str) -> str:
    """A stored param as the shell command shows it: Snakemake stores a list param as its
    repr and writes it into the command space-separated."""
    if param.startswith("["):
        return " ".join(map(str, ast.literal_eval(param)))
    return " ".join(shlex.split(param))


def test_every_param_of_every_rule_is_in_its_outputs_records(tiny_run):
    checked, missing, rules = 0, [], set()
    for output, job in job_metadata(tiny_run):
        path = tiny_run / output
        if not path.is_file() or not (
            path.suffix == ".safetensors" or artifacts.sidecar_path(path).is_file()
        ):
            continue  # a temp() chunk Snakemake removed, or a log
        record = artifacts.read_provenance(path)
        params = [as_shell(param) for param in job["params"]]
        assert record["code"]["sha256"] in params, f"{output}: its code digest is not a param"
        command = " ".join(record["command"])
        for param, value in zip(job["params"], params, strict=True):
            if value and value != record["code"]["sha256"] and value not in command:
                missing.append(f"{job['rule']} -> {output}: param {param[:80]} not in its record")
        checked += 1
        rules.add(job["rule"])
    assert not missing, "\n".join(missing)
    assert checked > 50 and len(rules) >= 25, (checked, sorted(rules))


def test_records_carry_the_parsed_arguments(tiny_run):
    record = artifacts.read_provenance(tiny_run / "results/linear/conditioning.tsv")
    arguments = record["arguments"]
    assert arguments["command"] == "conditioning"
    assert arguments["width"] == 8 and arguments["depth"] == 3  # tests/config/tiny.yaml
    assert arguments["schemes"] == ["default", "orthogonal"]
    assert record["code"]["module"] == "inputgen.studies.conditioning"
