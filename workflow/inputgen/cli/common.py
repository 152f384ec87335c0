"""Helpers the stage commands share: runtime resources, JSON arguments, generated chunks."""

from __future__ import annotations

import argparse
import json

import torch

from inputgen import artifacts, provenance, runtime


def add_runtime_args(parser: argparse.ArgumentParser) -> None:
    """Resources: they decide where and how fast, never what comes out."""
    group = parser.add_argument_group("runtime (does not change results)")
    group.add_argument("--device", default="auto", help="auto, cpu, cuda or cuda:N (default auto)")
    group.add_argument("--batch-size", type=int, default=32, help="images per forward pass")
    group.add_argument("--threads", type=int, default=0, help="CPU threads (default: torch's)")


def start_runtime(args: argparse.Namespace) -> torch.device:
    """The device, threads and determinism switches of a stage that runs models (the switches
    import torch's compiler stack, seconds that stages without models skip)."""
    return runtime.start_runtime(args.device, args.batch_size, args.threads)


def json_object(text: str) -> dict:
    """argparse type of the JSON arguments: model specs, settings, evaluator maps."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        raise argparse.ArgumentTypeError(f"expected a JSON object: {error}") from None
    if not isinstance(value, dict):
        raise argparse.ArgumentTypeError(
            'expected a JSON object such as {"arch": "resnet18", "weights": "random"}'
        )
    return value


model_spec = json_object


def batches(values: list[int], size: int) -> list[list[int]]:
    return [values[i : i + size] for i in range(0, len(values), size)]


def check_classes(classes: list[int]) -> None:
    bad = [c for c in classes if not 0 <= c < 1000]
    if bad:
        raise ValueError(f"class indices must be in 0..999, got {bad}")


def load_generated(paths: list[str], run: provenance.Run) -> tuple[torch.Tensor, torch.Tensor]:
    images, classes = [], []
    for path in paths:
        # Scattered chunks are temp(): deleted once gathered, so their lineage moves here.
        run.add_input(path, temporary=True)
        tensors, _ = artifacts.load_tensors(path)
        images.append(tensors["images"])
        classes.append(tensors["classes"])
    return torch.cat(images), torch.cat(classes)


def select_classes(path: str, classes: list[int], run: provenance.Run) -> torch.Tensor:
    """The images of ``classes`` from a class-representations file, in that order."""
    run.add_input(path)
    tensors, _ = artifacts.load_tensors(path)
    have = tensors["classes"].tolist()
    missing = [c for c in classes if c not in have]
    if missing:
        raise KeyError(f"classes {missing} are not in {path}; it has {have}")
    return tensors["images"][[have.index(c) for c in classes]]


def resize(images: torch.Tensor, size: int) -> torch.Tensor:
    """Square images to ``size`` (bilinear, antialiased), kept in [0, 1]."""
    if images.shape[-1] == size and images.shape[-2] == size:
        return images
    return torch.nn.functional.interpolate(
        images, size=(size, size), mode="bilinear", antialias=True, align_corners=False
    ).clamp(0, 1)


def select_photos(path: str, names: list[str], run: provenance.Run) -> torch.Tensor:
    """The named photos of a photos file, in that order."""
    run.add_input(path)
    tensors, metadata = artifacts.load_tensors(path)
    missing = [n for n in names if n not in metadata["names"]]
    if missing:
        raise KeyError(f"photos {missing} are not in {path}; it has {metadata['names']}")
    return tensors["images"][[metadata["names"].index(n) for n in names]]


def generation_setup(args, stage: str, extra: dict):
    from inputgen import models
    from inputgen.representations import GenerationSettings

    device = start_runtime(args)
    zoo = models.load_model(args.model).to(device)
    settings = GenerationSettings.from_dict(args.settings)
    config = {"name": args.name, "model": zoo.spec, "settings": args.settings, **extra}
    run = provenance.Run(stage, config, seed=args.seed, device=str(device))
    run.add_weights(zoo.weights_path)
    return zoo, settings, run


def generation_parser(commands, name: str, help_text: str, func) -> argparse.ArgumentParser:
    """A stage that generates images under the generation settings: its shared arguments."""
    p = commands.add_parser(name, help=help_text)
    p.add_argument("--name", required=True, help="the model's name in the config")
    p.add_argument("--model", type=model_spec, required=True, help="model spec as JSON")
    p.add_argument("--settings", type=json_object, required=True, help="generation settings JSON")
    p.add_argument("--seed", type=int, default=0, help="master seed")
    p.add_argument("--out", required=True, help="tensors .safetensors")
    p.add_argument("--table", required=True, help="table .tsv")
    p.add_argument("--figure", required=True, help="figure .png")
    add_runtime_args(p)
    p.set_defaults(func=func)
    return p


def write_grid(path, images, captions, title: str, record: dict, columns: int = 8) -> None:
    """An image grid of the images as saved (never contrast-stretched) and its sidecar."""
    from inputgen.figures import images as plots

    figure = plots.image_grid(images, captions, columns=columns, title=title)
    artifacts.write_figure(path, figure, record)


def seen_by_others(
    generator: str,
    specs: dict,
    images: torch.Tensor,
    classes: list[int],
    batch_size: int,
    run: provenance.Run,
    device,
    probabilities: bool = False,
) -> tuple[dict, dict]:
    """How every model other than ``generator`` (name -> spec) sees the images: ``recognition``
    against ``classes`` and, with ``probabilities``, its softmax over the 1000 classes. One
    model is loaded at a time; each one's weights go into the provenance."""
    from inputgen import models
    from inputgen.representations import recognition

    for name in ("self", generator):  # "self" names the generator's columns
        if name in specs:
            raise ValueError(f"the other models (--evaluators) may not include {name!r}")
    seen, probs = {}, {}
    for name, spec in specs.items():
        zoo = models.load_model(spec).to(device)
        run.add_weights(zoo.weights_path)
        seen[name] = recognition(zoo, images, classes, batch_size)
        if probabilities:
            probs[name] = zoo.batched_logits(images, batch_size).softmax(dim=1)
        del zoo
    return seen, probs


def add_evaluators_arg(parser) -> None:
    parser.add_argument(
        "--evaluators",
        type=json_object,
        default={},
        help="JSON map of the other models that rate the images: name -> spec (default: none)",
    )
