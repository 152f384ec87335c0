"""The library in a few lines, for a notebook: class images of any classifier, linear CKA
between two models layer by layer, and any model of the workflow as a plain module.

    >>> import inputgen
    >>> images = inputgen.class_images(my_model, ["goldfinch", 11])  # (2, 3, 224, 224), [0, 1]
    >>> table = inputgen.compare(model_a, model_b, images, ["layer3"], ["features.10"])

Every function takes a model as an ``nn.Module`` (with its normalisation and input size; the
ImageNet ones by default), a model spec of the workflow (``"efficientnet_lite0"``, or a mapping
as in config/config.yaml), or what :func:`load` returned. Images are in [0, 1]: each model
resizes and normalises them itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace

import pandas as pd
import torch
from torch import nn

from inputgen.engine import cka as cka_study
from inputgen.engine.generation import class_representations
from inputgen.engine.generation_settings import GenerationSettings
from inputgen.engine.models import (
    _PACKAGE_WEIGHTS,
    IMAGENET_MEAN,
    IMAGENET_STD,
    Preprocess,
    ZooModel,
    activations,
    imagenet_class_names,
    load_model,
)


def load(spec: str | Mapping) -> ZooModel:
    """A model of the workflow, frozen, in eval mode: ``.model`` is the plain module and
    ``.preprocess`` its resize and normalisation. ``spec`` is a mapping as in the config's
    ``models`` section, or an architecture's name: its shipped weights where a package ships
    them (EfficientNet-Lite0/1/2, MobileNetV2), else torchvision's (the torch cache)."""
    if isinstance(spec, str):
        weights = "package" if spec in _PACKAGE_WEIGHTS else "torchvision"
        spec = {"arch": spec, "weights": weights}
    return load_model(spec)


def wrap(
    module: nn.Module,
    *,
    mean: Sequence[float] = IMAGENET_MEAN,
    std: Sequence[float] = IMAGENET_STD,
    input_size: int = 224,
    class_names: Sequence[str] | None = None,
) -> ZooModel:
    """A classifier of your own as the studies take it: ``module`` maps normalised
    ``input_size`` images to logits. It is put in eval mode and left otherwise untouched (its
    parameters get no gradients). ``class_names``: one per output (ImageNet's by default)."""
    if not isinstance(module, nn.Module):
        raise TypeError(f"expected a torch.nn.Module, got {type(module).__name__}")
    module.eval()
    device = next((p.device for p in module.parameters()), torch.device("cpu"))
    preprocess = Preprocess(mean, std, input_size).to(device)
    names = tuple(class_names) if class_names is not None else imagenet_class_names()
    spec = {"arch": type(module).__name__, "input_size": input_size, "layers": []}
    return ZooModel(spec=spec, model=module, preprocess=preprocess, class_names=names)


def _as_zoo(model, **wrapping) -> ZooModel:
    if isinstance(model, ZooModel):
        return model
    if isinstance(model, str | Mapping):
        return load(model)
    return wrap(model, **wrapping)


def class_indices(zoo: ZooModel, classes: Iterable[int | str]) -> list[int]:
    """Classes by index or by name (as the model's ``class_names`` spell them, any case)."""
    names = {name.lower(): index for index, name in enumerate(zoo.class_names)}
    outputs = len(zoo.class_names)
    indices = []
    for cls in classes:
        if isinstance(cls, str):
            if cls.lower() not in names:
                import difflib

                close = difflib.get_close_matches(cls.lower(), names, n=3)
                hint = f"; did you mean {', '.join(close)}?" if close else ""
                raise KeyError(f"no class named {cls!r} among the model's {outputs}{hint}")
            indices.append(names[cls.lower()])
        elif not 0 <= int(cls) < outputs:
            raise ValueError(f"class {cls} is outside the model's {outputs} outputs")
        else:
            indices.append(int(cls))
    return indices


def class_images(
    model,
    classes: Iterable[int | str],
    settings: GenerationSettings | None = None,
    *,
    seed: int = 0,
    mean: Sequence[float] = IMAGENET_MEAN,
    std: Sequence[float] = IMAGENET_STD,
    input_size: int = 224,
    class_names: Sequence[str] | None = None,
    **changes,
) -> torch.Tensor:
    """One image per class that the model takes for it, (len(classes), 3, s, s) in [0, 1].

    The recipe is the default run's (``GenerationSettings()``: maco's phase over the shipped
    photos' spectrum, the margin objective, 40 Adam steps); ``changes`` override it by name
    (``steps=100``) and ``settings`` replaces it. Runs on the model's device; the same seed
    gives the same images. ``mean``, ``std``, ``input_size``, ``class_names``: those of an
    ``nn.Module`` (:func:`wrap`)."""
    zoo = _as_zoo(model, mean=mean, std=std, input_size=input_size, class_names=class_names)
    known = set(GenerationSettings.__dataclass_fields__) - {"magnitude"}
    unknown = sorted(set(changes) - known)
    if unknown:
        raise TypeError(f"unknown generation settings {unknown}; known: {', '.join(sorted(known))}")
    settings = replace(settings or GenerationSettings(), **changes)
    indices = class_indices(zoo, classes)
    return class_representations(zoo, indices, settings, seed).images


def compare(
    model_a,
    model_b,
    images: torch.Tensor | Iterable,
    layers_a: Sequence[str],
    layers_b: Sequence[str] | None = None,
    *,
    batch_size: int = 64,
    exact: bool = False,
    mean: Sequence[float] = IMAGENET_MEAN,
    std: Sequence[float] = IMAGENET_STD,
    input_size: int = 224,
) -> pd.DataFrame:
    """Linear CKA between every layer of ``layers_a`` (of ``model_a``) and every layer of
    ``layers_b`` (of ``model_b``; ``layers_a`` when None), streamed over ``images``: a tensor
    (N, 3, H, W) in [0, 1] or an iterable of such batches (a DataLoader; a (images, labels)
    batch is taken by its images). ``"penultimate"`` names the input of the output layer.

    ``exact``: the exact CKA over all images (it keeps d x d sums per layer, so for narrow
    layers); else minibatch CKA (Nguyen et al. 2021, as torch-cka), an unbiased estimate that
    fits any width, over batches of at least 4 images. Returns a table, ``layers_a`` x
    ``layers_b``; with ``model_b`` the same object as ``model_a``, a model against itself."""
    zoo_a = _as_zoo(model_a, mean=mean, std=std, input_size=input_size)
    zoo_b = (
        zoo_a if model_b is model_a else _as_zoo(model_b, mean=mean, std=std, input_size=input_size)
    )
    layers_b = list(layers_a if layers_b is None else layers_b)
    layers_a = list(layers_a)
    stream = cka_study.StreamingCKA() if exact else cka_study.MinibatchCKA()
    for batch in _batches(images, batch_size):
        (part_a,) = activations(zoo_a, batch, layers_a, len(batch))
        (part_b,) = activations(zoo_b, batch, layers_b, len(batch))
        stream.update({**{("a", k): v for k, v in part_a.items()},
                       **{("b", k): v for k, v in part_b.items()}})  # fmt: skip
    values = [[stream.cka(("a", a), ("b", b)) for b in layers_b] for a in layers_a]
    return pd.DataFrame(values, index=pd.Index(layers_a, name="layer_a"), columns=layers_b)


def _batches(images, batch_size: int):
    if isinstance(images, torch.Tensor):
        yield from torch.split(images, batch_size)
        return
    for batch in images:
        yield batch[0] if isinstance(batch, list | tuple) else batch
