"""A job's process ends with the process that started it.

Snakemake runs each job as ``bash -c "... python -m inputgen STAGE ..."``. Killed (or its
shell killed), it leaves the job orphaned: the job would run on and then write complete
outputs that the next run, having lost track of it, calls incomplete. Linux's parent-death
signal ends the job with its parent instead; the write it was doing never lands (writes are
atomic) and the next run redoes the job. The standard library has no wrapper for it, hence
prctl through ctypes; elsewhere this does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
import sys

_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
_INIT = 1


def die_with_parent() -> bool:
    """Ask Linux to send this process SIGTERM when its parent dies; True when it will."""
    if not sys.platform.startswith("linux"):
        return False
    parent = os.getppid()
    libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    if libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0) != 0:
        return False
    # The parent may have died before the request was made: then nothing would come.
    if parent == _INIT or os.getppid() != parent:
        os.kill(os.getpid(), signal.SIGTERM)
    return True
