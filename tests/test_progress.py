"""Progress bars reach a job's log: lines, not carriage-return redraws, and the final state."""

from __future__ import annotations

import io

from inputgen.engine.progress import LogLines, progress


class _NotATerminal(io.StringIO):
    def isatty(self) -> bool:
        return False


def test_off_a_terminal_a_bar_writes_lines_a_log_can_follow(monkeypatch):
    stream = _NotATerminal()
    monkeypatch.setattr("sys.stderr", stream)
    assert list(progress(range(3), desc="generating", mininterval=0)) == [0, 1, 2]
    lines = stream.getvalue().splitlines()
    assert "\r" not in stream.getvalue()
    assert lines[0].startswith("generating:   0%") and "0/3" in lines[0]
    assert lines[-1].startswith("generating: 100%") and "3/3" in lines[-1]


def test_a_disabled_bar_writes_nothing(monkeypatch):
    stream = _NotATerminal()
    monkeypatch.setattr("sys.stderr", stream)
    assert list(progress(range(3), desc="x", disable=True)) == [0, 1, 2]
    assert stream.getvalue() == ""


def test_log_lines_split_redraws_and_drop_blank_clears():
    stream = io.StringIO()
    LogLines(stream).write("\ra: 1/3\r      \ra: 2/3\n")
    assert stream.getvalue() == "a: 1/3\na: 2/3\n"
