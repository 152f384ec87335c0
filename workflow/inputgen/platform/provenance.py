"""Provenance records: who made an artifact, from what, with which code, weights and device.

A :class:`Run` is opened by the CLI for one stage; it collects the resolved config slice,
input files and weight files, and produces the record that every artifact of the stage
carries, with every argument the stage was called with and a digest of the code it ran
(:func:`code_digest`). :func:`lineage` walks the records of an artifact's inputs back to the
weights; :mod:`inputgen.platform.verify` checks that they still match.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import platform
import re
import subprocess
import sys
import time
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

from inputgen.platform.artifacts import (  # noqa: F401 - the seal is re-exported
    SEAL_KEY,
    ArtifactError,
    is_sealed,
    read_provenance,
    seal,
)

# Packages whose versions can change a number in an artifact.
TRACKED_PACKAGES = (
    "inputgen",
    "torch",
    "torchvision",
    "numpy",
    "safetensors",
    "pandas",
    "scipy",
    "networkx",
    "scikit-image",
    "scikit-learn",
    "matplotlib",
    "pillow",
    "efficientnet-lite-pytorch",
)

# This file is inputgen/platform/provenance.py, in the checkout's workflow/ folder.
PACKAGE_DIR = Path(__file__).resolve().parents[1]
REPO_ROOT = PACKAGE_DIR.parents[1]


@functools.lru_cache(maxsize=256)
def _sha256_cached(path: str, size: int, mtime_ns: int) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def sha256(path: str | os.PathLike) -> str:
    """sha256 of a file, cached per (path, size, mtime) within a process."""
    stat = os.stat(path)
    return _sha256_cached(os.path.realpath(path), stat.st_size, stat.st_mtime_ns)


@functools.cache
def package_versions() -> dict[str, str | None]:
    versions: dict[str, str | None] = {"python": platform.python_version()}
    for name in TRACKED_PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


@functools.cache
def git_state(root: str = str(REPO_ROOT)) -> dict | None:
    """Commit and dirty flag of the checkout that holds this code (None outside git)."""
    try:
        commit = subprocess.run(
            ["git", "-C", root, "rev-parse", "HEAD"], capture_output=True, text=True, check=True
        ).stdout.strip()
        status = subprocess.run(
            ["git", "-C", root, "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    return {"commit": commit, "dirty": bool(status.strip())}


def _module_file(module: str) -> Path | None:
    parts = module.split(".")
    if parts[0] != "inputgen":
        return None
    base = PACKAGE_DIR.joinpath(*parts[1:])
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


# Packages whose __init__ imports every module of its folder (pkgutil), so that a module that
# imports the package depends on each of them.
LOADS_ITS_FOLDER = ("inputgen.studies",)


def _imports_of(module: str, source: Path) -> set[str]:
    """The inputgen modules a module imports anywhere (also inside functions)."""
    found = _imported_names(source.read_text())
    names = {name for name in found if name != module and _module_file(name) is not None}
    if module in LOADS_ITS_FOLDER:  # its modules and its packages (a study's folder)
        names |= {f"{module}.{path.stem}" for path in source.parent.glob("[!_]*.py")}
        names |= {
            f"{module}.{path.parent.name}" for path in source.parent.glob("[!_]*/__init__.py")
        }
    return names


# An import statement at the start of a line (also inside a function): `import a.b`, or
# `from a.b import c, d` with the names in parentheses over several lines or not (a comment
# inside the parentheses may hold parentheses of its own).
_IMPORT = re.compile(
    r"^[ \t]*(?:import[ \t]+([\w.]+)|from[ \t]+([\w.]+)[ \t]+import[ \t]+"
    r"(\((?:[^)#]|#[^\n]*)*\)|[^\n]*))",
    re.MULTILINE,
)


@functools.cache
def _imported_names(text: str) -> frozenset[str]:
    """Every module name a source imports, and ``module.name`` for each name a ``from`` import
    takes (``from inputgen import models`` names a module). Read with a regular expression,
    not ``ast``: parsing every module's closure was half the DAG's build time, and
    ``tests/test_stage.py`` checks that both read the same imports from every module."""
    found = set()
    for match in _IMPORT.finditer(text):
        plain, module, names = match.groups()
        if plain:
            found.add(plain)
            continue
        found.add(module)
        names = names.split("#")[0] if not names.startswith("(") else names
        for name in re.sub(r"#[^\n]*", "", names).strip("()").split(","):
            name = name.split(" as ")[0].strip()
            if name:
                found.add(f"{module}.{name}")
    return frozenset(found)


@functools.cache
def module_closure(module: str) -> tuple[str, ...]:
    """``module`` and every inputgen module it imports, transitively, sorted.

    Read from the source (not by importing), so Snakemake can hash a stage's code cheaply.
    A package's ``__init__`` counts only where it is imported by name, so the CLI's registry
    of every command does not tie each stage to all the others.
    """
    if _module_file(module) is None:
        raise ValueError(f"{module!r} is not a module of inputgen (looked under {PACKAGE_DIR})")
    seen, todo = set(), [module]
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo.extend(_imports_of(name, _module_file(name)))
    return tuple(sorted(seen))


@functools.cache
def code_digest(module: str) -> str:
    """sha256 over the source of ``module`` and of every inputgen module it imports.

    Rules pass it as a param (so editing a study's code reruns that study's jobs, which
    Snakemake's own code trigger, watching only the shell string, would miss), and the stage
    records it, so the two can be compared.
    """
    digest = hashlib.sha256()
    for name in module_closure(module):
        digest.update(name.encode() + b"\n" + _module_file(name).read_bytes() + b"\n")
    return digest.hexdigest()


# What the process was called with, set once by the CLI (``inputgen.platform.cli.main``) before the
# stage runs, so every record carries every argument: nothing can be left out by hand.
_invocation: dict = {}


def set_invocation(arguments: dict, module: str | None) -> None:
    """Record the parsed arguments and the code (by module) of this process's stage."""
    _invocation.clear()
    _invocation["arguments"] = json.loads(json.dumps(arguments, default=str))
    _invocation["code"] = {"module": module, "sha256": code_digest(module)} if module else None


def determinism_flags() -> dict | None:
    """torch's determinism switches; None for a job that never imported torch (a stage that
    only reads and writes tables: no torch switch applied, and importing torch to read them
    would cost the job seconds). The Snakefile digests code with this module, without torch."""
    if "torch" not in sys.modules:
        return None
    import torch

    return {
        "deterministic_algorithms": torch.are_deterministic_algorithms_enabled(),
        "cudnn_deterministic": torch.backends.cudnn.deterministic,
        "cudnn_benchmark": torch.backends.cudnn.benchmark,
        "float32_matmul_precision": torch.get_float32_matmul_precision(),
    }


class Run:
    """Provenance of one stage invocation; ``record()`` is what its artifacts carry."""

    def __init__(self, stage: str, config: dict, *, seed: int | None = None, device: str = "cpu"):
        self.stage = stage
        self.config = config
        self.seed = seed
        self.device = device
        self.inputs: dict[str, str] = {}
        self.weights: dict[str, str] = {}
        self.temporary: set[str] = set()
        self._start = time.perf_counter()
        self._created = datetime.now(UTC).isoformat(timespec="seconds")

    def add_input(self, path: str | os.PathLike, temporary: bool = False) -> None:
        """An input file, by hash. A ``temporary`` one (a temp() chunk Snakemake deletes once
        gathered) also hands its own inputs and weights on, so the lineage survives it."""
        if not os.path.isfile(path):
            raise FileNotFoundError(
                f"input {path} does not exist: make it first, e.g. `snakemake {path}`"
            )
        self.inputs[str(path)] = sha256(path)
        if temporary:
            self.temporary.add(str(path))
            record = read_provenance(path)
            self.inputs.update({item["path"]: item["sha256"] for item in record["inputs"]})
            self.weights.update({item["path"]: item["sha256"] for item in record["weights"]})

    def add_weights(self, path: str | os.PathLike | None) -> None:
        if path is not None:
            self.weights[str(path)] = sha256(path)

    def record(self) -> dict:
        return seal(
            {
                "stage": self.stage,
                "config": self.config,
                "arguments": _invocation.get("arguments"),
                "code": _invocation.get("code"),
                "seed": self.seed,
                "device": self.device,
                "inputs": [
                    {"path": p, "sha256": h, **({"temporary": True} if p in self.temporary else {})}
                    for p, h in self.inputs.items()
                ],
                "weights": [{"path": p, "sha256": h} for p, h in self.weights.items()],
                "packages": package_versions(),
                "git": git_state(),
                "determinism": determinism_flags(),
                "workdir": os.getcwd(),
                "host": platform.node(),
                "command": sys.argv,
                "created": self._created,
                "wall_time_s": round(time.perf_counter() - self._start, 3),
            }
        )


def made_on(paths: list[str]) -> str:
    """What the records of ``paths`` say about where they were made: devices, torch versions,
    hosts and code (files without a record, such as tables made by hand, are skipped)."""
    seen: dict[str, set] = {"device": set(), "torch": set(), "host": set(), "code": set()}
    for path in paths:
        try:
            record = read_provenance(path)
        except (FileNotFoundError, KeyError, ValueError):
            continue
        git = record.get("git") or {}
        seen["device"].add(str(record.get("device")))
        seen["torch"].add(str((record.get("packages") or {}).get("torch")))
        seen["host"].add(str(record.get("host")))
        commit = (git.get("commit") or "no git")[:12]
        seen["code"].add(commit + (" (dirty)" if git.get("dirty") else ""))
    return "; ".join(f"{key} {', '.join(sorted(values))}" for key, values in seen.items() if values)


def resolve_recorded(path: str, record_workdir: str | None) -> Path | None:
    """A file a record names, where it lies now: as given, else in the record's workdir."""
    candidates = [Path(path)]
    if record_workdir and not Path(path).is_absolute():
        candidates.append(Path(record_workdir) / path)
    return next((c for c in candidates if c.is_file()), None)


def lineage(path: str | os.PathLike, _depth: int = 0, _seen: set | None = None) -> list[str]:
    """Human-readable lines: the artifact's record, then its inputs' records, recursively.

    Refuses (FileNotFoundError) an artifact that does not exist, even where an orphan
    sidecar of it does; an input whose record is unreadable is reported in its line.
    """
    seen = _seen if _seen is not None else set()
    pad = "  " * _depth
    record = read_provenance(path)
    git = record.get("git") or {}
    commit = (git.get("commit") or "no git")[:12] + (" (dirty)" if git.get("dirty") else "")
    lines = [
        f"{pad}{path}",
        f"{pad}  stage {record['stage']} | created {record['created']} | "
        f"{record['wall_time_s']} s on {record['device']} | seed {record['seed']} | code {commit}",
        f"{pad}  config {record['config']}",
    ]
    for weight in record["weights"]:
        lines.append(f"{pad}  weights {weight['path']} sha256 {weight['sha256'][:16]}")
    for item in record["inputs"]:
        found = resolve_recorded(item["path"], record.get("workdir"))
        if found is None:
            lines.append(f"{pad}  input {item['path']} (missing now)")
            continue
        state = "unchanged" if sha256(found) == item["sha256"] else "CHANGED since"
        lines.append(f"{pad}  input {item['path']} ({state})")
        if found.resolve() not in seen:
            seen.add(found.resolve())
            try:
                lines += lineage(found, _depth + 2, seen)
            except (FileNotFoundError, KeyError):
                lines.append(f"{pad}    (no provenance record: not made by inputgen)")
            except ArtifactError as error:
                lines.append(f"{pad}    (its provenance record cannot be read: {error})")
    return lines
