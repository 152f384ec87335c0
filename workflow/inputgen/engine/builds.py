"""An architecture's network built without weights, and what a build tells: its module names and
its number of outputs (built on the meta device: no memory, no weights).

``inputgen.engine.model_specs`` answers these from ``architectures.json`` for the studies' own
architectures, without torch, and asks here for any other; :mod:`inputgen.engine.models` builds
here and loads the weights. This module takes an architecture as a ``model_specs.Arch`` and
imports neither of them, so the two do not import each other.
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import json
from collections.abc import Iterator

import torch
import torchvision
from torch import nn


def import_timm():
    try:
        import timm
    except ImportError:
        raise ValueError("timm: models need the timm package: pip install --no-deps timm") from None
    return timm


# Constructor options that make an architecture match torchvision's pretrained variant, so that
# an untrained control and a checkpoint file build exactly the network the official weights use.
TORCHVISION_BUILD = {
    "googlenet": {"transform_input": True, "aux_logits": False},
    "inception_v3": {"transform_input": True, "aux_logits": True},
}


def build(arch, *, aux_logits: bool | None = None, init: bool = True) -> nn.Module:
    """The network of ``arch`` (a :class:`model_specs.Arch`), without weights."""
    options = json.loads(arch.options)
    if arch.family == "efficientnet_lite":
        from efficientnet_lite_pytorch import EfficientNet

        return EfficientNet.from_name(arch.name.replace("_", "-"))
    if arch.family == "timm":
        return import_timm().create_model(arch.target, pretrained=False, **options)
    if arch.family == "python":
        module_name, _, factory = arch.target.partition(":")
        try:
            module = importlib.import_module(module_name)
            build = functools.reduce(getattr, factory.split("."), module)
        except (ImportError, AttributeError) as error:
            raise ValueError(f"arch {arch.name}: cannot import {arch.target} ({error})") from None
        model = build(**options)
        if not isinstance(model, nn.Module):
            raise ValueError(f"arch {arch.name}: {arch.target} returned a "
                             f"{type(model).__name__}, not a torch.nn.Module")  # fmt: skip
        return model
    name = arch.builder
    kwargs = dict(TORCHVISION_BUILD.get(name, {}))
    if name in TORCHVISION_BUILD:
        kwargs["init_weights"] = init
        if aux_logits is not None:
            kwargs["aux_logits"] = aux_logits
    return torchvision.models.get_model(name, weights=None, **{**kwargs, **options})


@functools.cache
def output_count(arch, input_size: int) -> int:
    """How many outputs the architecture has: one forward pass on the meta device (no memory,
    no weights), else the width of its last Linear layer."""
    with on_meta():
        model = build(arch, init=False)
        try:
            return int(model.eval()(torch.zeros(1, 3, input_size, input_size)).shape[-1])
        except Exception:  # noqa: BLE001 - an op without a meta kernel: read the head instead
            head = classifier_layer(model)
            return getattr(head, "out_features", None) or head.out_channels


def layer_names(model: nn.Module) -> list[str]:
    return [name for name, _ in model.named_modules() if name]


@functools.cache
def built_layer_names(arch) -> tuple[str, ...]:
    """The module names of ``arch`` as :func:`load_model` builds it (torchvision's pretrained
    variant: InceptionV3 with its AuxLogits head, GoogLeNet without aux heads), built on the
    meta device without initialising it: no memory, no weights, a tenth of a second."""
    with on_meta():
        return tuple(layer_names(build(arch, init=False)))


def classifier_layer(model: nn.Module) -> nn.Module:
    """The model's output layer: its last ``nn.Linear`` (torchvision and timm define the head
    last), else its last convolution (a fully convolutional head, as SqueezeNet's)."""
    for kind in (nn.Linear, nn.Conv2d):
        layers = [module for module in model.modules() if isinstance(module, kind)]
        if layers:
            return layers[-1]
    raise KeyError(f"{type(model).__name__} has no Linear or Conv2d layer: no 'penultimate'")


@contextlib.contextmanager
def on_meta() -> Iterator[None]:
    """Build modules on the meta device, uninitialised (there is nothing to initialise)."""
    with torch.device("meta"), NoInit():
        yield


class NoInit(torch.overrides.TorchFunctionMode):
    """Skips weight initialisation (``torch.nn.init`` and the in-place random fills), which on
    meta tensors computes nothing but still costs most of a model's construction."""

    _FILLS = frozenset(
        {torch.Tensor.normal_, torch.Tensor.uniform_, torch.Tensor.fill_, torch.Tensor.zero_}
    )

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        if func in self._FILLS or getattr(func, "__module__", None) == "torch.nn.init":
            return args[0] if args else kwargs["tensor"]
        return func(*args, **kwargs)
