"""inputgen: input-space interpretability studies of image classifiers (library + CLI)."""

from importlib import metadata

try:
    __version__ = metadata.version("inputgen")
except metadata.PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0+unknown"
