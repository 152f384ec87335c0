"""Audit a finished run: does every artifact still match the lineage its record names?

For each artifact, :func:`verify` checks, in order: its own bytes against the digest written
with it (a tensor file's tensor digest, a sidecar's file digest), its record against the
record's seal (so edited config values show), each weight file and each input file against
the sha256 the record holds, and then, recursively, the inputs made by inputgen. The first
link that does not hold is the answer; an artifact whose upstream is broken is stale through
it. Snakemake decides what to rerun from params and mtimes; this checks the bytes.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from inputgen.platform import artifacts, provenance


@dataclass(frozen=True)
class Broken:
    """Why an artifact no longer matches its lineage: ``chain`` leads from it to the link."""

    chain: tuple[Path, ...]
    problem: str

    def __str__(self) -> str:
        via = " <- ".join(map(str, self.chain))
        return f"{self.problem} (lineage: {via})" if len(self.chain) > 1 else self.problem


def artifacts_under(root: str | os.PathLike) -> Iterator[Path]:
    """Every artifact under ``root``: tensor files, and files that have a provenance sidecar
    (a sidecar whose file is gone is yielded too, as the file it describes)."""
    for path in sorted(Path(root).rglob("*")):
        if path.name.startswith("."):  # temporaries of writes in progress, or killed ones
            continue
        if path.suffix == ".safetensors" and path.is_file():
            yield path
        elif path.name.endswith(artifacts.SIDECAR_SUFFIX):
            yield path.with_name(path.name.removesuffix(artifacts.SIDECAR_SUFFIX))


def _own_bytes(path: Path) -> str | None:
    """What is wrong with the artifact itself, or None."""
    if path.suffix == ".safetensors":
        try:
            artifacts.load_tensors(path)  # checks the tensors against their digest
        except (artifacts.ArtifactError, FileNotFoundError) as error:
            return str(error)
        return None
    record = artifacts.read_provenance(path)
    recorded = record.get(artifacts.ARTIFACT_DIGEST_KEY)
    if recorded is not None and provenance.sha256(path) != recorded:
        return f"{path} was changed after it was made (its bytes no longer match its record)"
    return None


def _missing(kind: str, item: str, workdir: str | None) -> str:
    hint = ""
    if workdir and not Path(item).is_absolute() and Path(workdir) != Path.cwd():
        hint = f" (paths are relative to the run's folder, {workdir}: run verify there)"
    return f"{kind} {item} is missing{hint}"


class Verifier:
    """Checks artifacts, remembering each file's answer so a shared upstream is read once."""

    def __init__(self):
        self._answers: dict[Path, Broken | None] = {}

    def verify(self, path: str | os.PathLike) -> Broken | None:
        """The first broken link of ``path``'s lineage, or None when all of it holds."""
        path = Path(path)
        key = path.resolve()
        if key not in self._answers:
            self._answers[key] = None  # a cycle cannot happen in a DAG; this guards anyway
            self._answers[key] = self._check(path)
        return self._answers[key]

    def _check(self, path: Path) -> Broken | None:
        try:
            problem = _own_bytes(path)
            record = artifacts.read_provenance(path)
        except (artifacts.ArtifactError, FileNotFoundError) as error:
            return Broken((path,), str(error))
        if problem:
            return Broken((path,), problem)
        sealed = provenance.is_sealed(record)
        if sealed is False:
            return Broken((path,), f"the provenance record of {path} was edited after it was made")
        if sealed is None:  # every record is sealed when written: its seal was removed
            return Broken((path,), f"the provenance record of {path} has no seal: it was edited")
        workdir = record.get("workdir")
        for kind, items in (("weights", record["weights"]), ("input", record["inputs"])):
            for item in items:
                # Relative paths are the run folder's (Snakemake's --directory): the current one.
                found = Path(item["path"])
                if not found.is_file():
                    if item.get("temporary"):
                        continue  # a gathered temp() chunk: its inputs were recorded with it
                    return Broken((path, found), _missing(kind, item["path"], workdir))
                if provenance.sha256(found) != item["sha256"]:
                    return Broken(
                        (path, found), f"{kind} {item['path']} changed after {path} was made"
                    )
                if kind == "input" and _has_record(found):
                    upstream = self.verify(found)
                    if upstream is not None:
                        return Broken((path, *upstream.chain), upstream.problem)
        return None


def _has_record(path: Path) -> bool:
    return path.suffix == ".safetensors" or artifacts.sidecar_path(path).is_file()


# What a run folder holds besides artifacts: Snakemake's logs and benchmarks, and the report
# Snakemake writes (`--report`); every other file is a stage's and has a record.
_WITHOUT_RECORD = ("logs", "benchmarks")
_REPORT_NAMES = ("report.html", "report.zip")


def unrecorded_under(root: str | os.PathLike) -> list[Path]:
    """The files under ``root`` that a stage made (nothing else writes there) but that have no
    provenance record: a deleted sidecar, or a file put there by hand. They cannot be verified."""
    root = Path(root)
    found = []
    for path in sorted(root.rglob("*")):
        parts = path.relative_to(root).parts
        if (
            not path.is_file()
            or any(part.startswith(".") for part in parts)
            or set(parts[:-1]) & set(_WITHOUT_RECORD)
            or path.name in _REPORT_NAMES
            or path.name.endswith(artifacts.SIDECAR_SUFFIX)
            or _has_record(path)
        ):
            continue
        found.append(path)
    return found


def verify_all(paths: Iterable[str | os.PathLike]) -> list[tuple[Path, Broken | None]]:
    """(artifact, first broken link or None) for each artifact of ``paths`` (files, or
    folders searched for artifacts; a folder's files without a record are unverifiable, and
    broken)."""
    verifier = Verifier()
    found = []
    for path in map(Path, paths):
        if not path.exists() and not artifacts.sidecar_path(path).exists():
            raise FileNotFoundError(f"{path}: no such artifact or folder")
        targets = artifacts_under(path) if path.is_dir() else [path]
        found += [(target, verifier.verify(target)) for target in targets]
        if path.is_dir():
            found += [
                (lost, Broken((lost,), f"{lost} has no provenance record: it cannot be verified"))
                for lost in unrecorded_under(path)
            ]
        elif not _has_record(path):
            found[-1] = (path, Broken((path,), f"{path} has no provenance record"))
    return found


RUN_SUMMARY_STAGE = "run-summary"


def expected_by_run_summaries(checked: Iterable[Path]) -> dict[Path, list[Path]]:
    """For each run summary among ``checked`` (the run-summary stage's record names every
    target of the run as an input): the artifacts it expects."""
    expected = {}
    for path in checked:
        if path.suffix == ".safetensors" or not artifacts.sidecar_path(path).is_file():
            continue
        try:
            record = artifacts.read_provenance(path)
        except (artifacts.ArtifactError, FileNotFoundError):
            continue  # verify names it
        named = [Path(item["path"]) for item in record.get("inputs", [])]
        # One summary stage writes several pages of one list: each list is said once.
        if record.get("stage") == RUN_SUMMARY_STAGE and named not in expected.values():
            expected[path] = named
    return expected
