"""inputgen: input-space interpretability studies of image classifiers (library + CLI)."""

import os
from importlib import metadata

# Intel MKL's conditional numerical reproducibility, set before torch loads MKL (a stage runs
# as `python -m inputgen`, so this comes first): without it a CPU backward pass on several
# threads (ResNet18's layer4 in layer autoencoding) differs in its last bits from run to run.
os.environ.setdefault("MKL_CBWR", "AUTO")

try:
    __version__ = metadata.version("inputgen")
except metadata.PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0+unknown"

# The library's entry points (inputgen.api), imported on first use: the command line and every
# stage import this package, and need not load torch for it. By name, not by an import
# statement: the stages' code digests (provenance.module_closure) follow import statements, and
# no stage uses the API.
__all__ = ["class_images", "compare", "load", "wrap", "GenerationSettings"]


def __getattr__(name: str):
    if name in __all__:
        import importlib

        return getattr(importlib.import_module("inputgen.api"), name)
    raise AttributeError(f"module 'inputgen' has no attribute {name!r}")
