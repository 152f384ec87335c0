"""Execution settings that never change a result: device choice and determinism switches."""

from __future__ import annotations

import os
import sys

import torch


def resolve_device(name: str = "auto") -> torch.device:
    """``auto`` -> cuda when present, else cpu; says which on stderr (the job log)."""
    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
    device = torch.device(name)
    if device.type == "cuda" and not torch.cuda.is_available():
        raise RuntimeError(f"device {name!r} requested but CUDA is not available here")
    print(f"inputgen: running on {device}", file=sys.stderr)
    return device


def make_deterministic() -> None:
    """Deterministic kernels where PyTorch has them (warn, don't fail, where it has none)."""
    # cuBLAS needs this set before its first use to be deterministic.
    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    torch.use_deterministic_algorithms(True, warn_only=True)
    torch.backends.cudnn.benchmark = False
