"""Studies that are one unit: each module here is a whole study (its tables from plain values,
its stage and its figure), registered by being here. Its rule is workflow/rules/<study>.smk and
its settings the config schema's section of the same name (docs/adding_a_study.md)."""

import importlib
import pkgutil


def register_all() -> None:
    """Import every study module here, which registers its stage (inputgen.stage.STAGES)."""
    for module in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{module.name}")
