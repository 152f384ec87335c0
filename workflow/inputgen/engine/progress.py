"""Progress bars for every long loop, on a terminal, in a notebook, and in a job's log.

tqdm switches itself off (``disable=None``) when its output is not a terminal, which left a
Snakemake job's log with nothing to show for minutes. Off a terminal a bar here writes a plain
line at a steady interval instead, so ``tail -f results/logs/...`` shows where a job is.
"""

from __future__ import annotations

import sys
from typing import TextIO

import tqdm as _tqdm_module
from tqdm.auto import tqdm as _auto_tqdm

LOG_INTERVAL_S = 30.0  # seconds between two progress lines in a log
# tqdm.auto picks the notebook widget where a kernel runs (its class then derives from it).
_IN_NOTEBOOK = any(base.__module__ == "tqdm.notebook" for base in _auto_tqdm.__mro__)


class LogLines:
    """A stream for tqdm off a terminal: each redraw becomes a line of its own. tqdm redraws in
    place with a carriage return, which a log file keeps as one ever-growing line."""

    def __init__(self, stream: TextIO):
        self.stream = stream

    def write(self, text: str) -> None:
        for line in text.replace("\n", "\r").split("\r"):
            if line.strip():
                self.stream.write(line.rstrip() + "\n")

    def flush(self) -> None:
        self.stream.flush()


def progress(iterable=None, *, total: int | None = None, desc: str | None = None, **options):
    """``tqdm`` that a log can follow: a redrawn bar on a terminal (or a notebook widget), a
    line every :data:`LOG_INTERVAL_S` seconds (and the last state) elsewhere. ``disable=True``
    silences it; other options go to tqdm."""
    stream = sys.stderr
    if _IN_NOTEBOOK or stream.isatty():
        return _auto_tqdm(iterable, total=total, desc=desc, leave=False, **options)
    options.setdefault("mininterval", LOG_INTERVAL_S)
    return _tqdm_module.tqdm(
        iterable,
        total=total,
        desc=desc,
        leave=True,  # the final state stays in the log
        file=LogLines(stream),
        ascii=True,
        ncols=100,
        **options,
    )
