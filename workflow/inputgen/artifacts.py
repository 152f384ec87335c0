"""Writing and reading artifacts: atomically, each with its provenance record.

Tensors go to safetensors with the record in the header metadata; tables (TSV), figures
(PNG/PDF) and graphs get a ``<file>.prov.json`` sidecar. Every write goes to a temporary
name in the same directory and is renamed into place, so a killed job never leaves a
half-written file at the final path.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path

import torch
from safetensors import safe_open
from safetensors.torch import save_file

PROVENANCE_KEY = "provenance"
SIDECAR_SUFFIX = ".prov.json"


@contextlib.contextmanager
def atomic_path(final: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path next to ``final``; rename it into place only on success."""
    final = Path(final)
    final.parent.mkdir(parents=True, exist_ok=True)
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


def write_sidecar(path: str | os.PathLike, provenance: Mapping) -> None:
    with atomic_path(sidecar_path(path)) as tmp:
        tmp.write_text(json.dumps(provenance, indent=2, sort_keys=True, default=str) + "\n")


def save_tensors(
    path: str | os.PathLike,
    tensors: Mapping[str, torch.Tensor],
    provenance: Mapping,
    metadata: Mapping[str, object] | None = None,
) -> None:
    """Save tensors with the provenance record (and JSON-encoded extra metadata) in the header."""
    for name, tensor in tensors.items():
        if tensor.is_floating_point() and not torch.isfinite(tensor).all():
            raise ValueError(f"refusing to write {path}: tensor {name!r} holds NaN or inf")
    header = {key: json.dumps(value) for key, value in (metadata or {}).items()}
    header[PROVENANCE_KEY] = json.dumps(provenance, sort_keys=True, default=str)
    contiguous = {name: t.detach().cpu().contiguous() for name, t in tensors.items()}
    with atomic_path(path) as tmp:
        save_file(contiguous, str(tmp), metadata=header)


def load_tensors(path: str | os.PathLike) -> tuple[dict[str, torch.Tensor], dict[str, object]]:
    """Return (tensors, metadata) with metadata values JSON-decoded (provenance included)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no tensor file at {path}")
    with safe_open(str(path), framework="pt") as f:
        tensors = {name: f.get_tensor(name) for name in f.keys()}
        header = f.metadata() or {}
    return tensors, {key: json.loads(value) for key, value in header.items()}


def write_table(path: str | os.PathLike, frame, provenance: Mapping) -> None:
    """Write a pandas DataFrame as TSV (with header, no index) plus its sidecar."""
    with atomic_path(path) as tmp:
        frame.to_csv(tmp, sep="\t", index=False)
        write_sidecar(path, provenance)


def write_text(path: str | os.PathLike, text: str, provenance: Mapping) -> None:
    """Write a text file (YAML, Markdown) plus its sidecar."""
    with atomic_path(path) as tmp:
        tmp.write_text(text)
        write_sidecar(path, provenance)


def write_figure(path: str | os.PathLike, figure, provenance: Mapping, dpi: int = 120) -> None:
    """Save a matplotlib figure (format from the suffix) plus its sidecar, then close it."""
    import matplotlib.pyplot as plt

    try:
        with atomic_path(path) as tmp:
            figure.savefig(tmp, dpi=dpi, bbox_inches="tight")
            write_sidecar(path, provenance)
    finally:
        plt.close(figure)


def write_graph(path: str | os.PathLike, graph, provenance: Mapping) -> None:
    """Write a networkx graph as GraphML plus its sidecar."""
    import networkx as nx

    with atomic_path(path) as tmp:
        nx.write_graphml(graph, tmp)
        write_sidecar(path, provenance)


def write_gif(path: str | os.PathLike, frames, provenance: Mapping, ms_per_frame: int = 250):
    """An animated GIF of (F, 3, H, W) [0,1] frames, looping, plus its sidecar."""
    from PIL import Image

    pictures = [
        Image.fromarray((frame.permute(1, 2, 0).clamp(0, 1) * 255).round().byte().numpy())
        for frame in frames
    ]
    with atomic_path(path) as tmp:
        pictures[0].save(
            tmp,
            format="GIF",
            save_all=True,
            append_images=pictures[1:],
            duration=ms_per_frame,
            loop=0,
        )
        write_sidecar(path, provenance)


def read_provenance(path: str | os.PathLike) -> dict:
    """The provenance record of any artifact: safetensors header or JSON sidecar."""
    path = Path(path)
    if path.suffix == ".safetensors":
        with safe_open(str(path), framework="pt") as f:
            metadata = f.metadata() or {}
        if PROVENANCE_KEY not in metadata:
            raise KeyError(f"{path} carries no provenance record in its header")
        return json.loads(metadata[PROVENANCE_KEY])
    sidecar = sidecar_path(path)
    if not sidecar.is_file():
        raise FileNotFoundError(f"{path} has no provenance sidecar (looked for {sidecar})")
    return json.loads(sidecar.read_text())
