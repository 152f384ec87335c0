"""Execution settings that never change a result: device choice and determinism switches.

The device (``runtime.device``, a job's ``--device``):

``auto``    CUDA when this machine has it, else the CPU; the job log says which and why.
``cpu``     the CPU.
``cuda``,   demands CUDA (that GPU). A job on a machine without it fails at once, before it
``cuda:N``  loads anything, naming ``runtime.device`` and suggesting ``auto`` or ``cpu``; and a
            local Snakemake run refuses before its first job (:func:`cuda_problem`, called
            from the Snakefile's ``onstart``). A cluster run does not: its head node may lack
            the GPU that its compute nodes have, so there the job itself checks.
"""

from __future__ import annotations

import os
import socket
import sys

import torch


class DeviceError(ValueError):
    """The configured device is not on this machine; the message says what to set instead."""


ADVICE = "set runtime.device: auto (CUDA when present, else the CPU) or cpu"


def cuda_problem(name: str) -> str | None:
    """Why device ``name`` (a ``runtime.device`` value) cannot run on this machine, or None."""
    device = torch.device("cpu" if name == "auto" else name)
    if device.type != "cuda":
        return None
    host = socket.gethostname()
    if not torch.cuda.is_available():
        return f"CUDA is not available on this machine ({host})"
    count = torch.cuda.device_count()
    if device.index is not None and device.index >= count:
        return f"this machine ({host}) has {count} CUDA device(s), cuda:0..cuda:{count - 1}"
    return None


def resolve_device(name: str = "auto") -> torch.device:
    """``auto`` -> cuda when present, else cpu; says which and why on stderr (the job log). A
    CUDA device this machine lacks raises :class:`DeviceError` (a stage exits 2 with it)."""
    if name == "auto":
        found = torch.cuda.is_available()
        device = torch.device("cuda" if found else "cpu")
        why = "CUDA is available" if found else "CUDA is not available"
        print(f"inputgen: runtime.device auto -> {device} ({why})", file=sys.stderr)
        return device
    problem = cuda_problem(name)
    if problem:
        raise DeviceError(f"runtime.device (--device) is {name!r} but {problem}; {ADVICE}")
    device = torch.device(name)
    print(f"inputgen: running on {device}", file=sys.stderr)
    return device


def make_deterministic() -> None:
    """Deterministic kernels where PyTorch has them (warn, don't fail, where it has none)."""
    # cuBLAS needs this set before its first use to be deterministic.
    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    torch.use_deterministic_algorithms(True, warn_only=True)
    torch.backends.cudnn.benchmark = False


def start_runtime(device: str, batch_size: int, threads: int) -> torch.device:
    """The device, threads and determinism switches of a stage that runs models (the switches
    import torch's compiler stack, seconds that stages without models skip)."""
    if batch_size < 1:
        raise ValueError(f"--batch-size must be >= 1, got {batch_size}")
    resolved = resolve_device(device)  # first: a missing GPU fails before anything loads
    if threads > 0:
        torch.set_num_threads(threads)
    make_deterministic()
    return resolved
