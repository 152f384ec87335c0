"""Writing and reading artifacts: atomically, each with its provenance record.

Tensors go to safetensors with the record in the header metadata; tables (TSV), figures
(PNG/PDF) and graphs get a ``<file>.prov.json`` sidecar. Every write goes to a temporary
name in the same directory and is renamed into place, so a killed job never leaves a
half-written file at the final path; the next write of that path removes what a killed job
left behind. A sidecar is written only once its file is in place.

Reading checks what it reads: a tensor file carries a digest of its tensors (name, dtype,
shape, bytes), and :func:`load_tensors` refuses one whose tensors no longer match it, one that
holds NaN or inf, and one that is not a whole safetensors file, naming the file, what is
wrong, the stage that made it and the way out (rerun the rule that makes it).
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import re
import shlex
import struct
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from safetensors import SafetensorError, safe_open

if TYPE_CHECKING:
    import numpy as np
    import torch

PROVENANCE_KEY = "provenance"
DIGEST_KEY = "tensors_sha256"
# A sidecar's digest of the file it describes (tensor files carry DIGEST_KEY instead).
ARTIFACT_DIGEST_KEY = "artifact_sha256"
# A tensor file's record holds the digest of the rest of its header (the extra metadata and
# DIGEST_KEY), so that the record's seal covers every header byte: a changed metadata value,
# or a renamed key, no longer reads as the file that was written.
METADATA_DIGEST_KEY = "metadata_sha256"
SIDECAR_SUFFIX = ".prov.json"

# safetensors' header length bound (its loader refuses larger headers as garbage).
_MAX_HEADER_BYTES = 100_000_000
# safetensors.torch.save_file (0.4+) writes .tmpXXXXXX next to its target and renames it; a job
# killed meanwhile left those behind. Nothing here writes them now (save_tensors serialises to
# bytes and writes them through atomic_path), so old ones are removed, once surely abandoned.
_SAFETENSORS_TEMPORARY = re.compile(r"\.tmp[A-Za-z0-9]{6}")
_ABANDONED_AFTER_S = 60.0


class ArtifactError(ValueError):
    """An artifact that exists but cannot be trusted: damaged, changed or not what it claims."""

    def __init__(self, path: str | os.PathLike, message: str):
        super().__init__(message)
        self.path = Path(path)


# A record carries the digest of its own canonical JSON, so a later edit of it shows.
SEAL_KEY = "record_sha256"


def seal(record: dict) -> dict:
    """The record with a digest of its own canonical JSON: a later edit of it shows, also of a
    sidecar's digest of its file (sealed with the record when the file is written)."""
    body = {key: value for key, value in record.items() if key != SEAL_KEY}
    text = json.dumps(body, sort_keys=True, default=str, separators=(",", ":"))
    return {**body, SEAL_KEY: hashlib.sha256(text.encode()).hexdigest()}


def is_sealed(record: dict) -> bool | None:
    """True when the record matches its seal, False when not, None for an unsealed record."""
    if SEAL_KEY not in record:
        return None
    return seal(record)[SEAL_KEY] == record[SEAL_KEY]


def _way_out(path: str | os.PathLike, stage: str | None) -> str:
    stage = stage or _maker_from_snakemake(path)
    who = f"the rule that makes it (stage {stage!r})" if stage else "the stage that wrote it"
    return f"rerun {who}, e.g. `snakemake --force {shlex.quote(str(path))}`"


def _maker_from_snakemake(path: str | os.PathLike) -> str | None:
    """The stage that made ``path`` by Snakemake's own record of the job (its shell command,
    ``python -m inputgen STAGE ...``), for a file too damaged to hold its own record.

    Snakemake keeps one JSON per output under .snakemake/metadata, named by the url-safe
    base64 of the path as the rule spelled it (split into 254-character folders past the
    name limit); no API reads it without building the whole workflow, so this reads the file,
    best effort: None when there is none.
    """
    try:
        name = os.path.relpath(path)
        encoded = base64.urlsafe_b64encode(name.encode()).decode()
        parts = [encoded[i : i + 254] for i in range(0, len(encoded), 254)]
        record = Path(".snakemake", "metadata", *["@" + p for p in parts[:-1]], parts[-1])
        command = json.loads(record.read_text()).get("shellcmd") or ""
    except (OSError, ValueError, AttributeError):
        return None
    found = re.search(r"-m inputgen ([a-z_]+)|\binputgen ([a-z_]+)", command)
    return (found.group(1) or found.group(2)) if found else None


# ---------------------------------------------------------------------------------- writing


def _temporary_pattern(final: Path) -> re.Pattern:
    # tempfile.mkstemp's names: 8 characters of [a-z0-9_] between our prefix and suffix.
    return re.compile(rf"\.{re.escape(final.stem)}\.[a-z0-9_]{{8}}{re.escape(final.suffix)}")


def remove_stale_temporaries(final: str | os.PathLike) -> list[Path]:
    """Remove the temporaries that earlier, killed writes of ``final`` left beside it.

    Only names of :func:`atomic_path`'s exact pattern for this final name are touched (a
    workflow never runs two writers of one path at once); returns what was removed.
    """
    final = Path(final)
    pattern = _temporary_pattern(final)
    removed = []
    with contextlib.suppress(FileNotFoundError), os.scandir(final.parent) as entries:
        for entry in entries:
            if pattern.fullmatch(entry.name) and entry.is_file(follow_symlinks=False):
                Path(entry.path).unlink(missing_ok=True)
                removed.append(Path(entry.path))
    return removed


def _remove_abandoned_safetensors_temporaries(directory: Path) -> list[Path]:
    """safetensors' own .tmpXXXXXX files (older writers), when clearly a dead write of ours."""
    removed = []
    now = time.time()
    with contextlib.suppress(FileNotFoundError), os.scandir(directory) as entries:
        for entry in entries:
            if not (
                _SAFETENSORS_TEMPORARY.fullmatch(entry.name)
                and entry.is_file(follow_symlinks=False)
            ):
                continue
            try:
                stat = entry.stat(follow_symlinks=False)
                with open(entry.path, "rb") as f:
                    head = f.read(9)
            except OSError:
                continue
            # Untouched for a while, and empty or begun as a safetensors file (length, "{").
            looks_ours = len(head) < 9 or head[8:9] == b"{"
            if looks_ours and now - stat.st_mtime > _ABANDONED_AFTER_S:
                Path(entry.path).unlink(missing_ok=True)
                removed.append(Path(entry.path))
    return removed


@contextlib.contextmanager
def atomic_path(final: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path next to ``final``; rename it into place only on success.

    The temporary has the permissions of any new file (0666 less the umask), and the
    temporaries that killed earlier writes of ``final`` left are removed first.
    """
    final = Path(final)
    final.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(final)
    # Keep the real suffix last: writers such as matplotlib pick the format from it.
    fd, tmp = tempfile.mkstemp(dir=final.parent, prefix=f".{final.stem}.", suffix=final.suffix)
    os.close(fd)
    tmp = Path(tmp)
    os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; artifacts are for sharing
    try:
        yield tmp
        os.replace(tmp, final)
    finally:
        tmp.unlink(missing_ok=True)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def sidecar_path(path: str | os.PathLike) -> Path:
    return Path(f"{path}{SIDECAR_SUFFIX}")


def remove_orphan_sidecar(path: str | os.PathLike) -> bool:
    """Remove the record of ``path`` when ``path`` itself is gone; True when one was."""
    sidecar = sidecar_path(path)
    if Path(path).exists() or not sidecar.is_file():
        return False
    sidecar.unlink(missing_ok=True)
    return True


def write_sidecar(path: str | os.PathLike, provenance: Mapping) -> None:
    with atomic_path(sidecar_path(path)) as tmp:
        tmp.write_text(json.dumps(provenance, indent=2, sort_keys=True, default=str) + "\n")


def _write_with_sidecar(
    path: str | os.PathLike, provenance: Mapping, write: Callable[[Path], None]
) -> None:
    """``write`` the file atomically, then its sidecar: never a record without its file."""
    path = Path(path)
    sidecar = sidecar_path(path)
    try:
        with atomic_path(path) as tmp:
            write(tmp)
            digest = _file_sha256(tmp)
            # The old record describes the file about to be replaced: drop it first, so that a
            # kill before the new record lands leaves no record rather than a wrong one.
            sidecar.unlink(missing_ok=True)
    except BaseException:
        if not path.exists():  # a failed (re)run: no record of a file that is not there
            sidecar.unlink(missing_ok=True)
        raise

    # The file's digest inside the seal: a changed file with a rewritten digest shows.
    write_sidecar(path, seal({**provenance, ARTIFACT_DIGEST_KEY: digest}))


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _header_digest(entries: Mapping[str, str]) -> str:
    """sha256 over a tensor file's header entries (key -> JSON text) but its record."""
    kept = {key: value for key, value in entries.items() if key != PROVENANCE_KEY}
    return hashlib.sha256(json.dumps(kept, sort_keys=True).encode()).hexdigest()


def tensors_digest(tensors: Mapping[str, torch.Tensor | np.ndarray]) -> str:
    """sha256 over each tensor's name, dtype, shape and bytes, in name order (a numpy array
    digests as the tensor it was read from: the dtype names agree)."""
    import numpy as np

    digest = hashlib.sha256()
    for name in sorted(tensors):
        value = tensors[name]
        if isinstance(value, np.ndarray):
            dtype, data = str(value.dtype), np.ascontiguousarray(value).reshape(-1).view(np.uint8)
        else:  # torch, imported only by whoever made the tensor
            tensor = value.detach().cpu().contiguous()
            dtype = str(tensor.dtype).removeprefix("torch.")
            data = tensor.reshape(-1).view(_torch().uint8).numpy()
        digest.update(json.dumps([name, dtype, list(value.shape)]).encode() + b"\n")
        if data.size:
            digest.update(memoryview(data))
    return digest.hexdigest()


def _torch():
    import torch  # here, not at the top: the Snakefile and table stages import no torch

    return torch


def save_tensors(
    path: str | os.PathLike,
    tensors: Mapping[str, torch.Tensor],
    provenance: Mapping,
    metadata: Mapping[str, object] | None = None,
) -> None:
    """Save tensors with the provenance record (and JSON-encoded extra metadata) in the header,
    and the digest of the tensors that :func:`load_tensors` checks; the record, sealed, holds
    the digest of the rest of the header."""
    from safetensors.torch import save as serialise

    for name, tensor in tensors.items():
        if not _all_finite(tensor):
            raise ValueError(f"refusing to write {path}: tensor {name!r} holds NaN or inf")
    contiguous = {name: t.detach().cpu().contiguous() for name, t in tensors.items()}
    header = {key: json.dumps(value) for key, value in (metadata or {}).items()}
    header[DIGEST_KEY] = json.dumps(tensors_digest(contiguous))
    record = seal({**provenance, METADATA_DIGEST_KEY: _header_digest(header)})
    header[PROVENANCE_KEY] = json.dumps(record, sort_keys=True, default=str)
    # Serialise here and write through atomic_path: one temporary scheme, the usual mode
    # (safetensors' save_file renames its own 0600 temporary over the target).
    payload = serialise(contiguous, metadata=header)
    _remove_abandoned_safetensors_temporaries(Path(path).parent)
    with atomic_path(path) as tmp:
        tmp.write_bytes(payload)


# ---------------------------------------------------------------------------------- reading


def _damage(path: Path, error: Exception) -> str:
    """In words: why safetensors cannot read ``path``."""
    size = path.stat().st_size
    if size == 0:
        return "it is empty (0 bytes): its writer was killed, or something emptied it"
    with open(path, "rb") as f:
        head = f.read(8)
        if size < 8:
            return f"it holds only {size} bytes, too few for a safetensors header: it was cut off"
        (length,) = struct.unpack("<Q", head)
        if length > _MAX_HEADER_BYTES:
            return "its first bytes are no safetensors header: it is not a safetensors file"
        if length > size - 8:
            return (
                f"its header should take {length} bytes but only {size - 8} follow: "
                "it was cut off while it was written"
            )
        raw = f.read(length)
    try:
        header = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError):
        header = None
    if not isinstance(header, dict):
        return (
            "its header is not a safetensors header (not a JSON object): it is not a "
            "safetensors file, or it was overwritten"
        )
    try:
        expected = max(
            (int(v["data_offsets"][1]) for k, v in header.items() if k != "__metadata__"),
            default=0,
        )
    except (KeyError, TypeError, ValueError, IndexError):
        return f"its header does not describe tensors as safetensors does ({error})"
    found = size - 8 - length
    if found < expected:
        return (
            f"it holds {found} bytes of tensor data where its header describes {expected}: "
            "it was cut off while it was written"
        )
    if found > expected:
        return (
            f"it holds {found - expected} bytes more than its header describes: "
            "it was changed after it was made"
        )
    return f"safetensors cannot read it ({error})"


def _stage_in_header(path: Path) -> str | None:
    """The stage a safetensors header names, when the header survived (a file cut off in its
    tensor data still has it)."""
    try:
        with open(path, "rb") as f:
            (length,) = struct.unpack("<Q", f.read(8))
            if length > _MAX_HEADER_BYTES:
                return None
            header = json.loads(f.read(length))
        return json.loads(header["__metadata__"][PROVENANCE_KEY])["stage"]
    except (OSError, struct.error, ValueError, KeyError, TypeError):
        return None


@contextlib.contextmanager
def _open(path: Path, framework: str = "pt"):
    """safe_open, with a damaged file reported by name, in words, with the way out."""
    try:
        handle = safe_open(str(path), framework=framework)
    except SafetensorError as error:
        raise ArtifactError(
            path,
            f"{path} is not a readable safetensors file: {_damage(path, error)}; "
            f"{_way_out(path, _stage_in_header(path))}",
        ) from None
    with handle as f:
        yield f


def _missing(path: Path, what: str) -> FileNotFoundError:
    return FileNotFoundError(
        f"no {what} at {path}: make it first, e.g. `snakemake {shlex.quote(str(path))}`"
    )


def load_tensors(
    path: str | os.PathLike, framework: str = "pt"
) -> tuple[dict[str, torch.Tensor | np.ndarray], dict[str, object]]:
    """Return (tensors, metadata) with metadata values JSON-decoded (provenance included);
    ``framework="numpy"`` returns numpy arrays, checked alike, for a reader that needs no torch.

    Raises :class:`ArtifactError` (a ValueError) for a file that is damaged, whose tensors do
    not match the digest written with them, or that holds NaN or inf.
    """
    if framework not in ("pt", "numpy"):
        raise ValueError(f"framework must be 'pt' or 'numpy', got {framework!r}")
    path = Path(path)
    if not path.is_file():
        raise _missing(path, "tensor file")
    with _open(path, framework) as f:
        tensors = {name: f.get_tensor(name) for name in f.keys()}
        header = f.metadata() or {}
    try:
        metadata = {key: json.loads(value) for key, value in header.items()}
    except json.JSONDecodeError as error:
        raise ArtifactError(
            path,
            f"{path}: its header metadata is not the JSON that inputgen writes ({error}); "
            f"{_way_out(path, None)}",
        ) from None
    record = metadata.get(PROVENANCE_KEY)
    stage = record.get("stage") if isinstance(record, dict) else None

    if isinstance(record, dict) and is_sealed(record) is False:
        raise ArtifactError(
            path,
            f"{path}: its provenance record does not match its seal: the record was edited "
            f"after it was made; {_way_out(path, stage)}",
        )
    expected = record.get(METADATA_DIGEST_KEY) if isinstance(record, dict) else None
    if expected is not None and expected != _header_digest(header):
        raise ArtifactError(
            path,
            f"{path}: its header metadata does not match the digest in its record: the file "
            f"was changed after it was made; {_way_out(path, stage)}",
        )
    recorded = metadata.pop(DIGEST_KEY, None)
    if recorded is not None and recorded != tensors_digest(tensors):
        raise ArtifactError(
            path,
            f"{path}: its tensors do not match the digest recorded when it was written: the "
            f"file was changed after it was made; {_way_out(path, stage)}",
        )
    for name, tensor in tensors.items():
        if not _all_finite(tensor):
            raise ArtifactError(
                path,
                f"{path}: tensor {name!r} holds NaN or inf, which no stage writes: the file was "
                f"changed after it was made; {_way_out(path, stage)}",
            )
    return tensors, metadata


def _all_finite(value) -> bool:
    """No NaN or inf in a float tensor or array (other dtypes hold none)."""
    import numpy as np

    if isinstance(value, np.ndarray):
        return not np.issubdtype(value.dtype, np.floating) or bool(np.isfinite(value).all())
    return not value.is_floating_point() or bool(_torch().isfinite(value).all())


def read_table(path: str | os.PathLike):
    """A TSV another stage wrote, checked first against the digest sealed in its record, as
    :func:`load_tensors` checks tensors: a table edited by hand fails its reader, naming the
    file and the stage that made it, instead of flowing into later tables."""
    import pandas as pd

    path = Path(path)
    if not path.is_file():
        raise _missing(path, "table")
    record = read_provenance(path)
    stage = record.get("stage")
    if is_sealed(record) is not True:
        raise ArtifactError(
            path,
            f"{path}: its provenance record was edited or has no seal; {_way_out(path, stage)}",
        )
    if record.get(ARTIFACT_DIGEST_KEY) != _file_sha256(path):
        raise ArtifactError(
            path,
            f"{path}: its bytes do not match the digest sealed in its record: the table was "
            f"changed after it was made; {_way_out(path, stage)}",
        )
    return pd.read_csv(path, sep="\t")


def write_table(path: str | os.PathLike, frame, provenance: Mapping) -> None:
    """Write a pandas DataFrame as TSV (with header, no index) plus its sidecar."""
    _write_with_sidecar(path, provenance, lambda tmp: frame.to_csv(tmp, sep="\t", index=False))


def write_text(path: str | os.PathLike, text: str, provenance: Mapping) -> None:
    """Write a text file (YAML, Markdown) plus its sidecar."""
    _write_with_sidecar(path, provenance, lambda tmp: tmp.write_text(text))


def write_figure(path: str | os.PathLike, figure, provenance: Mapping, dpi: int = 120) -> None:
    """Save a matplotlib figure (format from the suffix) plus its sidecar, then close it."""
    import matplotlib.pyplot as plt

    try:
        _write_with_sidecar(
            path, provenance, lambda tmp: figure.savefig(tmp, dpi=dpi, bbox_inches="tight")
        )
    finally:
        plt.close(figure)


def write_graph(path: str | os.PathLike, graph, provenance: Mapping) -> None:
    """Write a networkx graph as GraphML plus its sidecar."""
    import networkx as nx

    _write_with_sidecar(path, provenance, lambda tmp: nx.write_graphml(graph, tmp))


def write_gif(path: str | os.PathLike, frames, provenance: Mapping, ms_per_frame: int = 250):
    """An animated GIF of (F, 3, H, W) [0,1] frames, looping, plus its sidecar."""
    from PIL import Image

    pictures = [
        Image.fromarray((frame.permute(1, 2, 0).clamp(0, 1) * 255).round().byte().numpy())
        for frame in frames
    ]
    _write_with_sidecar(
        path,
        provenance,
        lambda tmp: pictures[0].save(
            tmp,
            format="GIF",
            save_all=True,
            append_images=pictures[1:],
            duration=ms_per_frame,
            loop=0,
        ),
    )


def read_provenance(path: str | os.PathLike) -> dict:
    """The provenance record of any artifact: safetensors header or JSON sidecar.

    Refuses a file that does not exist, even where a sidecar (left by a failed run) does.
    """
    path = Path(path)
    sidecar = sidecar_path(path)
    if not path.is_file():
        if sidecar.is_file():
            raise FileNotFoundError(
                f"{path} does not exist: its provenance sidecar {sidecar} is left over from a "
                f"run that failed or from a file since removed, and describes nothing; make "
                f"the file, e.g. `snakemake {shlex.quote(str(path))}`"
            )
        raise FileNotFoundError(f"{path} does not exist and has no provenance sidecar")
    if path.suffix == ".safetensors":
        with _open(path, "numpy") as f:  # the header only: no torch to import for it
            metadata = f.metadata() or {}
        if PROVENANCE_KEY not in metadata:
            raise KeyError(f"{path} carries no provenance record in its header")
        try:
            record = json.loads(metadata[PROVENANCE_KEY])
        except json.JSONDecodeError as error:
            raise ArtifactError(
                path, f"{path}: its provenance record is not valid JSON ({error})"
            ) from None
        if not isinstance(record, dict):
            raise ArtifactError(path, f"{path}: its provenance record is not a JSON object")
        return record
    if not sidecar.is_file():
        raise FileNotFoundError(f"{path} has no provenance sidecar (looked for {sidecar})")
    try:
        record = json.loads(sidecar.read_bytes())
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ArtifactError(
            path,
            f"{sidecar}: the provenance record of {path} is not valid JSON ({error}); "
            f"{_way_out(path, None)}",
        ) from None
    if not isinstance(record, dict):
        raise ArtifactError(
            path, f"{sidecar}: the provenance record of {path} is not a JSON object"
        )
    return record
