"""How the findings page writes a table: every number a cell of a table that names its TSV,
either a row of the TSV or an aggregate ``fn(column)`` over its rows (inputgen.findings says
why). A study module writes its own section with these (inputgen.studies), so they import no
study."""

from __future__ import annotations

import numbers
import re
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

Tables = Mapping[str, pd.DataFrame]

SIGNIFICANT = 4  # digits shown of a float: enough to compare runs, short enough to read
ROWS = 12  # rows shown of a per-class table (paper.yaml's merging has 1000)
AGGREGATES = {
    "count": lambda values: len(values),
    "sum": lambda values: values.sum(),
    "mean": lambda values: values.mean(),
    "median": lambda values: values.median(),
    "min": lambda values: values.min(),
    "max": lambda values: values.max(),
}


def fmt(value) -> str:
    """One cell: booleans and strings as they are, integers whole, floats to SIGNIFICANT
    digits, a missing value empty."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    if isinstance(value, bool | np.bool_):
        return str(bool(value))
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):
        value = float(value)
        whole = value.is_integer() and abs(value) < 1e6
        return str(int(value)) if whole else f"{value:.{SIGNIFICANT}g}"
    return str(value).replace("|", "\\|")


def numeric(series: pd.Series) -> pd.Series:
    """A column as numbers: a flag column read back from TSV (True/False, empty where it does
    not apply) counts as 1/0."""
    if series.dtype == bool:
        return series.astype(float)
    flags = {"True": 1.0, "False": 0.0}
    return pd.to_numeric(
        series.map(lambda v: float(v) if isinstance(v, bool) else flags.get(v, v)),
        errors="coerce",
    )


def _grid(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def _source_line(paths: Sequence[str]) -> str:
    return f"Source: `{paths[0]}`" if len(paths) == 1 else ""


def rows_table(tables: Tables, columns: Sequence[str], limit: int | None = None) -> str:
    """The tables' rows (the columns of ``columns`` they have) under the TSV they come from: a
    ``Source:`` line for one TSV, a ``source`` column for several."""
    paths = list(tables)
    present = [c for c in columns if any(c in frame.columns for frame in tables.values())]
    header = present if len(paths) == 1 else ["source", *present]
    rows, more = [], False
    for path, frame in tables.items():
        shown = frame if limit is None else frame.head(limit)
        more |= len(shown) < len(frame)
        for i in range(len(shown)):  # by column, not iterrows: a row Series would upcast ints
            cells = [fmt(shown[c].iloc[i]) if c in frame.columns else "" for c in present]
            rows.append(cells if len(paths) == 1 else [f"`{path}`", *cells])
    note = "\n\nFirst rows only: the aggregates above count them all." if more else ""
    return "\n\n".join(filter(None, [_source_line(paths), _grid(header, rows)])) + note


def aggregate_table(tables: Tables, by: Sequence[str], aggregates: Sequence[str]) -> str:
    """One row per TSV and group of ``by``: each ``fn(column)`` of ``aggregates`` (``count(*)``
    counts rows) over the group's rows."""
    paths = list(tables)
    header = [*by, *aggregates] if len(paths) == 1 else ["source", *by, *aggregates]
    rows = []
    for path, frame in tables.items():
        groups = frame.groupby(list(by), sort=False, dropna=False) if by else [((), frame)]
        for key, group in groups:
            key = key if isinstance(key, tuple) else (key,)
            cells = [fmt(k) for k in key]
            for spec in aggregates:
                fn, column = re.fullmatch(r"(\w+)\((.+)\)", spec).groups()
                values = group.index if column == "*" else numeric(group[column]).dropna()
                cells.append(fmt(AGGREGATES[fn](values)))
            rows.append(cells if len(paths) == 1 else [f"`{path}`", *cells])
    return "\n\n".join(filter(None, [_source_line(paths), _grid(header, rows)]))


def section(title: str, reading: str, *bodies: str, off: str | None = None) -> str:
    """A study's section: what its table says in words, then the tables; or, with no tables,
    the line that says the config switched it off."""
    if off is not None:
        return f"## {title}\n\nNot in this run: {off}"
    return "\n\n".join([f"## {title}", reading, *filter(None, bodies)])


def off_line(section_name: str) -> str:
    return f"the config's `{section_name}` section is off, so it made no table."
