"""Studies that are one unit: each module or folder here is a whole study (its tables from plain
values, its figures, its stage and, where it has one, its section of the findings page),
registered by being here. A folder holds the stage and findings section in its ``__init__``,
the science in ``science.py`` and the figures in ``figures.py``. Its rule is
workflow/rules/<study>.smk and its settings the config schema's section of the same name
(docs/adding_a_study.md). The code digests count every module and folder here as an import of
this package (inputgen.platform.provenance.LOADS_ITS_FOLDER)."""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType


def modules() -> list[ModuleType]:
    """Every study here (a module, or a folder's package), imported (which registers its
    stage), by name."""
    return [
        importlib.import_module(f"{__name__}.{module.name}")
        for module in sorted(pkgutil.iter_modules(__path__), key=lambda module: module.name)
    ]


def findings_tables() -> dict[str, str]:
    """The findings page's tables of the study modules: kind (the findings stage's file
    argument) -> what, from each module's ``FINDINGS_TABLES``."""
    tables: dict[str, str] = {}
    for module in modules():
        for kind, what in getattr(module, "FINDINGS_TABLES", {}).items():
            if kind in tables:
                raise ValueError(f"{module.__name__}: findings table {kind!r} is declared twice")
            tables[kind] = what
    return tables
