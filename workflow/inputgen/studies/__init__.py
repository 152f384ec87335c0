"""Studies that are one unit: each module here is a whole study (its tables from plain values,
its figure, its stage and, where it has one, its section of the findings page), registered by
being here. Its rule is workflow/rules/<study>.smk and its settings the config schema's section
of the same name (docs/adding_a_study.md). The code digests count every module here as an
import of this package (inputgen.provenance.LOADS_ITS_FOLDER)."""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType


def modules() -> list[ModuleType]:
    """Every study module here, imported (which registers its stage), by name."""
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
