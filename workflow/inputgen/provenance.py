"""Provenance records: who made an artifact, from what, with which code, weights and device.

A :class:`Run` is opened by the CLI for one stage; it collects the resolved config slice,
input files and weight files, and produces the record that every artifact of the stage
carries. :func:`lineage` walks the records of an artifact's inputs back to the weights.
"""

from __future__ import annotations

import functools
import hashlib
import os
import platform
import subprocess
import sys
import time
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

import torch

from inputgen.artifacts import ArtifactError, read_provenance

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

REPO_ROOT = Path(__file__).resolve().parents[2]


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


def determinism_flags() -> dict:
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
        self._start = time.perf_counter()
        self._created = datetime.now(UTC).isoformat(timespec="seconds")

    def add_input(self, path: str | os.PathLike) -> None:
        if not os.path.isfile(path):
            raise FileNotFoundError(
                f"input {path} does not exist: make it first, e.g. `snakemake {path}`"
            )
        self.inputs[str(path)] = sha256(path)

    def add_weights(self, path: str | os.PathLike | None) -> None:
        if path is not None:
            self.weights[str(path)] = sha256(path)

    def record(self) -> dict:
        return {
            "stage": self.stage,
            "config": self.config,
            "seed": self.seed,
            "device": self.device,
            "inputs": [{"path": p, "sha256": h} for p, h in self.inputs.items()],
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


def _resolve(path: str, record_workdir: str | None) -> Path | None:
    candidates = [Path(path)]
    if record_workdir and not Path(path).is_absolute():
        candidates.append(Path(record_workdir) / path)
    return next((c for c in candidates if c.exists()), None)


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
        found = _resolve(item["path"], record.get("workdir"))
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
