"""Model-similarity stages: representation-inversion datasets and CKA between models."""

from __future__ import annotations

import argparse

import torch

from inputgen import artifacts, provenance
from inputgen.cli.common import add_runtime_args, json_object, model_spec, resize, start_runtime


def cmd_invert(args: argparse.Namespace) -> None:
    import pandas as pd

    from inputgen import models
    from inputgen.figures import images as plots
    from inputgen.inversion import invert, relative_distance, representations, sample_pairs

    device = start_runtime(args)
    config = {
        "name": args.name,
        "model": args.model,
        "pairs": args.pairs,
        "steps": args.steps,
        "step_size": args.step_size,
        "momentum": args.momentum,
    }
    run = provenance.Run("invert", config, seed=args.seed, device=str(device))
    run.add_input(args.natural)
    tensors, metadata = artifacts.load_tensors(args.natural)
    if "source" not in tensors:
        raise ValueError(
            f"{args.natural} does not record each image's source photo (`source`); "
            "rerun the photos stage"
        )
    zoo = models.load_model(args.model).to(device)
    run.add_weights(zoo.weights_path)
    natural = resize(tensors["images"], zoo.spec["input_size"])
    predicted = zoo.batched_logits(natural, args.batch_size, desc="labelling").argmax(dim=1)
    # Pairs differ in label: an ImageFolder's true labels when the photo set has them, else the
    # model's own top-1 (the bundled photos have no labels).
    if "labels" in tensors:
        label_source, labels = "folder", tensors["labels"]
        if metadata.get("label_space") == "imagenet":
            label_names = list(models.imagenet_class_names())
        else:
            label_names = list(metadata["class_names"])
    else:
        label_source, labels, label_names = "model top-1", predicted, list(zoo.class_names)
    sources = tensors["source"]
    seed_index, target_index = sample_pairs(
        labels.tolist(), sources.tolist(), args.pairs, args.seed
    )
    images, best = [], []
    for start in range(0, args.pairs, args.batch_size):
        part = slice(start, start + args.batch_size)
        result = invert(
            zoo,
            natural[seed_index[part]],
            natural[target_index[part]],
            steps=args.steps,
            step_size=args.step_size,
            momentum=args.momentum,
            ids=list(range(start, start + len(seed_index[part]))),
            seed=args.seed,
        )
        images.append(result.images)
        best.append(result.history["best_loss"])
    images = torch.cat(images)
    targets = representations(zoo, natural[target_index], args.batch_size)
    start_distance = relative_distance(zoo, natural[seed_index], targets, args.batch_size)
    distance = relative_distance(zoo, images, targets, args.batch_size)
    seen = zoo.batched_logits(images, args.batch_size).argmax(dim=1)
    as_target = seen == predicted[target_index]
    record = run.record()
    artifacts.save_tensors(
        args.out,
        {
            "images": images,
            "seed_index": torch.tensor(seed_index),
            "target_index": torch.tensor(target_index),
            "seed_source": sources[seed_index],
            "target_source": sources[target_index],
            "seed_label": labels[seed_index],
            "target_label": labels[target_index],
            "rep_distance": distance,
            "start_distance": start_distance,
        },
        record,
        {"model": args.name, "label_source": label_source},
    )
    summary = pd.DataFrame(
        {
            "model": [args.name],
            "pairs": [args.pairs],
            "steps": [args.steps],
            "label_source": [label_source],
            "median_start_distance": [round(float(start_distance.median()), 4)],
            "median_distance": [round(float(distance.median()), 4)],
            "labelled_as_target": [round(float(as_target.float().mean()), 4)],
            "labelled_as_seed": [round(float((seen == predicted[seed_index]).float().mean()), 4)],
        }
    )
    artifacts.write_table(args.summary, summary, record)
    shown = min(args.pairs, args.show)
    names = zoo.class_names
    rows = torch.stack(
        [natural[seed_index[:shown]], natural[target_index[:shown]], images[:shown]], dim=1
    )
    captions = [
        caption
        for i in range(shown)
        for caption in (
            f"seed: {label_names[int(labels[seed_index[i]])][:20]}",
            f"target: {label_names[int(labels[target_index[i]])][:20]}",
            f"inverted: {names[int(seen[i])][:18]}\nrel. distance {float(distance[i]):.2f}",
        )
    ]
    kind = "true (folder) labels" if label_source == "folder" else f"{args.name}'s top-1"
    figure = plots.image_grid(
        rows.flatten(0, 1),
        captions,
        columns=3,
        title=f"{args.name}: seed | target | inverted "
        f"(seed, target: {kind}; inverted: {args.name}'s top-1)",
    )
    artifacts.write_figure(args.figure, figure, record)


def natural_images(path: str, count: int | None, run) -> torch.Tensor:
    """The first ``count`` natural images (all when None): the crops are in seeded random order,
    so a prefix is a random subset."""
    run.add_input(path)
    images = artifacts.load_tensors(path)[0]["images"]
    if count is not None and count > len(images):
        raise ValueError(f"--images {count}, but {path} holds {len(images)} images")
    return images[:count]


def _activations(zoos: dict, layers: dict, images: torch.Tensor, batch_size: int, desc: str):
    """Batches of {(model, layer): activations}, each model's list of layers, every model on
    the same images."""
    from tqdm.auto import tqdm

    from inputgen.models import capture

    for chunk in tqdm(torch.split(images, batch_size), desc=desc, leave=False, disable=None):
        batch = {}
        for name, zoo in zoos.items():
            with torch.no_grad(), capture(zoo.model, layers[name]) as taps:
                zoo.logits(chunk.to(zoo.preprocess.mean.device))
            batch.update({(name, layer): taps[layer] for layer in layers[name]})
        yield batch


def cmd_cka(args: argparse.Namespace) -> None:
    import pandas as pd

    from inputgen import models
    from inputgen.cka import StreamingCKA
    from inputgen.figures import similarity as similarity_plots
    from inputgen.models import PENULTIMATE

    device = start_runtime(args)
    inverted = dict(item.split("=", 1) for item in args.inverted)
    missing = sorted(set(inverted) - set(args.models))
    if missing:
        raise KeyError(f"inverted datasets of {missing}, which are not among --models")
    config = {
        "models": args.models,
        "layers": args.layers,
        "debiased": args.debiased,
        "images": args.images,
    }
    run = provenance.Run("cka", config, device=str(device))
    zoos = {name: models.load_model(spec).to(device) for name, spec in args.models.items()}
    for zoo in zoos.values():
        run.add_weights(zoo.weights_path)
    layers = {name: [args.layers.get(name, PENULTIMATE)] for name in zoos}

    def matrix(images: torch.Tensor, desc: str) -> StreamingCKA:
        stream = StreamingCKA(debiased=args.debiased)
        for batch in _activations(zoos, layers, images, args.batch_size, desc):
            stream.update({name: value for (name, _), value in batch.items()})
        return stream

    natural = matrix(natural_images(args.natural, args.images, run), "natural")
    rows = [{"model_a": a, "model_b": b, "cka": natural.cka(a, b)} for a in zoos for b in zoos]
    natural_table = pd.DataFrame(rows)
    rows, sizes = [], set()
    for a, path in inverted.items():
        run.add_input(path)
        stream = matrix(artifacts.load_tensors(path)[0]["images"], f"{a}'s inverted")
        rows += [{"model_a": a, "model_b": b, "cka": stream.cka(a, b)} for b in zoos]
        sizes.add(stream.n)
    inverted_table = pd.DataFrame(rows)
    record = run.record()
    artifacts.write_table(args.natural_table, natural_table.round(6), record)
    artifacts.write_table(args.inverted_table, inverted_table.round(6), record)
    summary = pd.DataFrame(
        {
            "data": ["natural", "inverted"],
            "mean_off_diagonal_cka": [
                _off_diagonal_mean(natural_table),
                _off_diagonal_mean(inverted_table),
            ],
            "samples": [str(natural.n), "/".join(map(str, sorted(sizes)))],
        }
    )
    artifacts.write_table(args.summary, summary.round(4), record)
    figure = similarity_plots.cka_heatmaps(
        natural_table,
        inverted_table,
        note=f"{'configured layers' if args.layers else 'penultimate layer'}, "
        f"{'debiased' if args.debiased else 'standard'} estimator",
    )
    artifacts.write_figure(args.figure, figure, record)


def _off_diagonal_mean(table) -> float:
    return float(table.loc[table["model_a"] != table["model_b"], "cka"].mean())


def cmd_cka_layers(args: argparse.Namespace) -> None:
    """Layer x layer CKA of two models (Kornblith et al.'s figure), minibatch-streamed."""
    import pandas as pd

    from inputgen import models
    from inputgen.cka import MinibatchCKA
    from inputgen.figures import similarity as similarity_plots

    device = start_runtime(args)
    config = {"models": args.models, "layers": args.layers, "images": args.images}
    run = provenance.Run("cka-layers", config, device=str(device))
    if len(args.models) != 2:
        raise ValueError(f"cka-layers compares two models, got {list(args.models)}")
    zoos = {name: models.load_model(spec).to(device) for name, spec in args.models.items()}
    for zoo in zoos.values():
        run.add_weights(zoo.weights_path)
    images = natural_images(args.natural, args.images, run)
    stream = MinibatchCKA()
    for batch in _activations(zoos, args.layers, images, args.batch_size, "layers"):
        if len(next(iter(batch.values()))) < 4:
            break  # the unbiased HSIC of a batch needs 4 samples; a short tail is dropped
        stream.update(batch)
    first, second = list(zoos)
    table = pd.DataFrame(
        [
            {"layer_a": a, "layer_b": b, "cka": stream.cka((first, a), (second, b))}
            for a in args.layers[first]
            for b in args.layers[second]
        ]
    )
    record = run.record()
    artifacts.write_table(args.table, table.round(6), record)
    figure = similarity_plots.layer_heatmap(table, first, second, batches=stream.batches)
    artifacts.write_figure(args.figure, figure, record)


def register(commands) -> None:
    p = commands.add_parser("invert", help="a representation-inversion dataset of one model")
    p.add_argument("--name", required=True, help="the model's name in the config")
    p.add_argument("--model", type=model_spec, required=True, help="model spec as JSON")
    p.add_argument("--natural", required=True, help="natural images .safetensors")
    p.add_argument("--pairs", type=int, required=True, help="(seed, target) pairs to invert")
    p.add_argument("--steps", type=int, required=True, help="iterations (the paper: 2000)")
    p.add_argument(
        "--step-size", type=float, default=1 / 8, help="L2 length of one step (the paper: 1/8)"
    )
    p.add_argument(
        "--momentum", type=float, default=0.9, help="momentum of the L2-normalised steps"
    )
    p.add_argument("--seed", type=int, default=0, help="seed of the pairs and of the descent")
    p.add_argument("--show", type=int, default=8, help="pairs in the figure")
    p.add_argument("--out", required=True, help="inverted .safetensors")
    p.add_argument("--summary", required=True, help="per-model summary .tsv")
    p.add_argument("--figure", required=True, help="seed | target | inverted .png")
    add_runtime_args(p)
    p.set_defaults(func=cmd_invert)

    p = commands.add_parser("cka", help="CKA between models on natural and inverted data")
    p.add_argument("--models", type=json_object, required=True, help="JSON name -> spec")
    p.add_argument(
        "--layers", type=json_object, default={}, help="JSON name -> layer (default penultimate)"
    )
    p.add_argument("--debiased", action="store_true", help="the debiased (unbiased HSIC) CKA")
    p.add_argument("--natural", required=True, help="natural images .safetensors")
    p.add_argument("--images", type=int, default=None, help="use the first N (default: all)")
    p.add_argument(
        "--inverted",
        nargs="+",
        required=True,
        metavar="MODEL=PATH",
        help="each model's inverted .safetensors",
    )
    p.add_argument("--natural-table", required=True, help="CKA on the natural images .tsv")
    p.add_argument(
        "--inverted-table", required=True, help="CKA on each model's inverted images .tsv"
    )
    p.add_argument("--summary", required=True, help="mean off-diagonal CKA .tsv")
    p.add_argument("--figure", required=True, help="heatmaps .png")
    add_runtime_args(p)
    p.set_defaults(func=cmd_cka)

    p = commands.add_parser("cka-layers", help="layer x layer CKA of two models")
    p.add_argument("--models", type=json_object, required=True, help="JSON name -> spec (two)")
    p.add_argument("--layers", type=json_object, required=True, help="JSON name -> [layers]")
    p.add_argument("--natural", required=True, help="natural images .safetensors")
    p.add_argument("--images", type=int, default=None, help="use the first N (default: all)")
    p.add_argument("--table", required=True, help="layer x layer CKA .tsv")
    p.add_argument("--figure", required=True, help="heatmap .png")
    add_runtime_args(p)
    p.set_defaults(func=cmd_cka_layers)
