"""The run's provenance on one page: for every artifact, the stage that made it, the code
commit (and whether the checkout was dirty), the device, the host, the job's wall time and the
weights it used (sha256, first 16 hex), read from the artifacts' provenance records
(:func:`inputgen.platform.artifacts.read_provenance`); then every weight file and the package
versions, once. :func:`summarise` reads the records, :func:`to_markdown` writes the page.

Given the run's targets, :func:`summarise` also follows each record's inputs (the files a
stage read, such as the class images behind a graph), so the page lists what the targets were
made from too; an input that is gone (a temporary chunk Snakemake removed once gathered) is
left out.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from inputgen.platform.artifacts import ArtifactError, read_provenance
from inputgen.platform.provenance import resolve_recorded

SHA_SHOWN = 16  # hex digits of a sha256 shown: enough to tell two weight files apart
COMMIT_SHOWN = 12


@dataclass
class Artifact:
    """One artifact's line of the page: what its record says (``note`` when it has none)."""

    path: str
    stage: str | None = None
    commit: str | None = None
    dirty: bool | None = None
    device: str | None = None
    host: str | None = None
    wall_time_s: float | None = None
    created: str | None = None
    weights: list[tuple[str, str]] = field(default_factory=list)  # (path, full sha256)
    note: str | None = None

    @property
    def code(self) -> str:
        """The commit, shortened, with ``(dirty)`` for a checkout with uncommitted changes."""
        if self.stage is None:
            return ""
        if not self.commit:
            return "no git"
        return self.commit[:COMMIT_SHOWN] + (" (dirty)" if self.dirty else "")


@dataclass
class RunSummary:
    artifacts: list[Artifact]
    jobs: int  # distinct records: one per stage invocation (a job's outputs share one)
    wall_time_s: float  # summed over the jobs
    weights: dict[tuple[str, str], int]  # (path, sha256) -> artifacts made with it
    packages: dict[str, Counter]  # package -> version -> artifacts whose record names it


def _record_key(record: Mapping) -> str:
    """What identifies one job's record: its outputs share it."""
    return json.dumps(
        {key: record.get(key) for key in ("stage", "created", "command", "host", "workdir")},
        sort_keys=True,
        default=str,
    )


def _artifact(path: str, record: Mapping) -> Artifact:
    git = record.get("git") or {}
    return Artifact(
        path=path,
        stage=record.get("stage"),
        commit=git.get("commit"),
        dirty=git.get("dirty"),
        device=None if record.get("device") is None else str(record.get("device")),
        host=record.get("host"),
        wall_time_s=record.get("wall_time_s"),
        created=record.get("created"),
        weights=[(item["path"], item["sha256"]) for item in record.get("weights") or []],
    )


def summarise(paths: Iterable[str | os.PathLike], follow_inputs: bool = True) -> RunSummary:
    """The records of ``paths`` (and, with ``follow_inputs``, of the files they were made
    from, recursively), one :class:`Artifact` each, sorted by path.

    A file without a record (not made by inputgen) or with an unreadable one gets a ``note``
    instead of a stage; a path that does not exist raises FileNotFoundError.
    """
    todo = [str(path) for path in paths]
    for path in todo:
        if not Path(path).is_file():
            raise FileNotFoundError(f"{path} does not exist: make the run first")
    seen: set[Path] = set()
    artifacts: list[Artifact] = []
    records: dict[str, Mapping] = {}
    weights: Counter = Counter()
    packages: dict[str, Counter] = {}
    while todo:
        path = todo.pop()
        key = Path(path).resolve()
        if key in seen:
            continue
        seen.add(key)
        try:
            record = read_provenance(path)
        except (FileNotFoundError, KeyError):
            artifacts.append(
                Artifact(path, note="no provenance record (a source file, not made by inputgen)")
            )
            continue
        except ArtifactError as error:
            artifacts.append(Artifact(path, note=f"unreadable provenance record: {error}"))
            continue
        artifact = _artifact(path, record)
        artifacts.append(artifact)
        records.setdefault(_record_key(record), record)
        weights.update(artifact.weights)
        for package, version in (record.get("packages") or {}).items():
            packages.setdefault(package, Counter())[str(version)] += 1
        if follow_inputs:
            for item in record.get("inputs") or []:
                found = resolve_recorded(item["path"], record.get("workdir"))
                if found is not None:
                    todo.append(_display_path(found))
    artifacts.sort(key=lambda artifact: artifact.path)
    wall = sum(float(record.get("wall_time_s") or 0.0) for record in records.values())
    return RunSummary(
        artifacts=artifacts,
        jobs=len(records),
        wall_time_s=round(wall, 3),
        weights=dict(sorted(weights.items())),
        packages=dict(sorted(packages.items())),
    )


def _display_path(path: Path) -> str:
    """Relative to the working directory where it lies under it, as the run's paths are."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _cell(value) -> str:
    """A Markdown table cell: ``|`` escaped, None as a dash."""
    return "-" if value is None or value == "" else str(value).replace("|", "\\|")


def _seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def _versions(counts: Counter, total: int) -> str:
    """One version, or each version with how many artifacts' records name it."""
    if len(counts) == 1:
        return next(iter(counts))
    return "; ".join(f"{version} ({count} of {total})" for version, count in sorted(counts.items()))


def to_markdown(summary: RunSummary, title: str = "Provenance of the run") -> str:
    """The page: a header line, one table row per artifact, the weight files, the packages."""
    made = [artifact for artifact in summary.artifacts if artifact.stage is not None]

    def values(attribute: str) -> str:
        found = sorted({str(getattr(artifact, attribute)) for artifact in made})
        return ", ".join(found) or "-"

    lines = [
        f"# {title}",
        "",
        f"{len(summary.artifacts)} artifacts from {summary.jobs} jobs "
        f"({_seconds(summary.wall_time_s)} s of job wall time in all), "
        f"each read from its provenance record (`inputgen provenance PATH` prints one, back to "
        f"the weights). Code: {values('code')}. Devices: {values('device')}. "
        f"Hosts: {values('host')}.",
        "",
        "## Artifacts",
        "",
        "| artifact | stage | code | device | host | wall time (s) | weights (sha256) |",
        "|---|---|---|---|---|---|---|",
    ]
    for artifact in summary.artifacts:
        if artifact.stage is None:
            lines.append(f"| `{_cell(artifact.path)}` | {_cell(artifact.note)} | | | | | |")
            continue
        used = "; ".join(f"{Path(path).name} {sha[:SHA_SHOWN]}" for path, sha in artifact.weights)
        lines.append(
            f"| `{_cell(artifact.path)}` | {_cell(artifact.stage)} | {_cell(artifact.code)} "
            f"| {_cell(artifact.device)} | {_cell(artifact.host)} "
            f"| {_seconds(artifact.wall_time_s)} | {_cell(used or None)} |"
        )
    lines += ["", "## Weights", ""]
    if summary.weights:
        lines += ["| file | sha256 (first 16) | artifacts |", "|---|---|---|"]
        lines += [
            f"| `{_cell(path)}` | {sha[:SHA_SHOWN]} | {count} |"
            for (path, sha), count in summary.weights.items()
        ]
    else:
        lines.append("No artifact of this run read a weight file.")
    lines += ["", "## Packages", ""]
    if summary.packages:
        lines += ["| package | version |", "|---|---|"]
        lines += [
            f"| {_cell(package)} | {_cell(_versions(counts, len(made)))} |"
            for package, counts in summary.packages.items()
        ]
    else:
        lines.append("No record names its packages.")
    return "\n".join(lines) + "\n"
