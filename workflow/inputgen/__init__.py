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
