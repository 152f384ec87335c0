"""The ``inputgen`` command line: one subcommand per workflow stage.

Snakemake rules call these with every knob as an explicit argument; this is the only layer
that touches paths and turns arguments into the plain values the study modules take.
"""

from __future__ import annotations

import argparse
import json
import sys

import torch

from inputgen import artifacts, provenance
from inputgen.runtime import make_deterministic, resolve_device


def _runtime_args(parser: argparse.ArgumentParser) -> None:
    """Resources: they decide where and how fast, never what comes out."""
    group = parser.add_argument_group("runtime (does not change results)")
    group.add_argument("--device", default="auto", help="auto, cpu, cuda or cuda:N (default auto)")
    group.add_argument("--batch-size", type=int, default=32, help="images per forward pass")
    group.add_argument("--threads", type=int, default=0, help="CPU threads (default: torch's)")


def _start_runtime(args: argparse.Namespace) -> torch.device:
    if args.batch_size < 1:
        raise ValueError(f"--batch-size must be >= 1, got {args.batch_size}")
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    return resolve_device(args.device)


def _model_spec(text: str) -> dict:
    try:
        spec = json.loads(text)
    except json.JSONDecodeError as error:
        raise argparse.ArgumentTypeError(f"--model must be a JSON object: {error}") from None
    if not isinstance(spec, dict):
        raise argparse.ArgumentTypeError(
            '--model must be a JSON object such as {"arch": "resnet18", "weights": "random"}'
        )
    return spec


# ---------------------------------------------------------------------------------- photos
def cmd_photos(args: argparse.Namespace) -> None:
    from inputgen import photos, plots

    config = {
        "size": args.size,
        "crops": args.crops,
        "crop_scale": list(args.crop_scale),
        "seed": args.seed,
        "folder": args.folder,
        "names": args.names,
    }
    run = provenance.Run("photos", config, seed=args.seed)
    labels, class_names = None, None
    if args.folder:
        names, originals, labels, class_names = photos.image_folder(args.folder)
        if not names:
            raise ValueError(f"no images found under {args.folder}")
    else:
        names, originals = photos.sample_photos(args.names)
    images = torch.stack([photos.fit_square(image, args.size) for image in originals])
    generator = torch.Generator().manual_seed(args.seed)
    crops, sources = photos.random_crops(
        originals, args.crops, args.size, tuple(args.crop_scale), generator
    )
    record = run.record()
    tensors = {"images": images}
    natural = {"images": crops, "source": sources}
    metadata = {"names": names}
    if labels is not None:
        tensors["labels"] = torch.tensor(labels, dtype=torch.int64)
        natural["labels"] = tensors["labels"][sources]
        metadata["class_names"] = class_names
    artifacts.save_tensors(args.out, tensors, record, metadata)
    artifacts.save_tensors(args.natural, natural, record, metadata)
    shown = min(len(crops), 12)
    figure = plots.image_grid(
        torch.cat([images, crops[:shown]]),
        names + [f"crop {i} of {names[int(sources[i])]}" for i in range(shown)],
        title=f"{len(names)} photos and the first {shown} of {len(crops)} random crops",
    )
    artifacts.write_figure(args.figure, figure, record)


# -------------------------------------------------------------------------------- classify
def cmd_classify(args: argparse.Namespace) -> None:
    from inputgen import classify, models, plots

    device = _start_runtime(args)
    zoo = models.load_model(args.model)
    config = {"name": args.name, "model": zoo.spec, "topk": args.topk}
    run = provenance.Run("classify", config, device=str(device))
    run.add_input(args.photos)
    run.add_weights(zoo.weights_path)
    tensors, metadata = artifacts.load_tensors(args.photos)
    table = classify.top_k(
        zoo.to(device), tensors["images"], metadata["names"], args.topk, args.batch_size
    )
    record = run.record()
    artifacts.write_table(args.out, table, record)
    shown = min(3, args.topk)
    captions = [
        row.photo
        + "".join(
            f"\n{k}. {getattr(row, f'top{k}_name')[:22]} {getattr(row, f'top{k}_prob'):.0%}"
            for k in range(1, shown + 1)
        )
        for row in table.itertuples()
    ]
    figure = plots.image_grid(tensors["images"], captions, title=f"{args.name}: top-{shown}")
    artifacts.write_figure(args.figure, figure, record)


# ------------------------------------------------------------------------- representations
def _json_object(text: str) -> dict:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        raise argparse.ArgumentTypeError(f"expected a JSON object: {error}") from None
    if not isinstance(value, dict):
        raise argparse.ArgumentTypeError("expected a JSON object")
    return value


def _batches(values: list[int], size: int) -> list[list[int]]:
    return [values[i : i + size] for i in range(0, len(values), size)]


def _check_classes(classes: list[int]) -> None:
    bad = [c for c in classes if not 0 <= c < 1000]
    if bad:
        raise ValueError(f"class indices must be in 0..999, got {bad}")


def cmd_represent(args: argparse.Namespace) -> None:
    from inputgen import models
    from inputgen.representations import GenerationSettings, class_representations, opposites

    _check_classes(args.classes)
    device = _start_runtime(args)
    zoo = models.load_model(args.model).to(device)
    settings = GenerationSettings.from_dict(args.settings)
    config = {
        "name": args.name,
        "model": zoo.spec,
        "classes": args.classes,
        "objective": args.objective,
        "settings": args.settings,
    }
    run = provenance.Run(f"represent:{args.objective}", config, seed=args.seed, device=str(device))
    run.add_weights(zoo.weights_path)
    generate = class_representations if args.objective == "target" else opposites
    # Each element is seeded by its class, so how the classes are batched changes nothing.
    results = [
        generate(zoo, batch, settings, args.seed)
        for batch in _batches(args.classes, args.batch_size)
    ]
    tensors = {
        "images": torch.cat([r.images for r in results]),
        "classes": torch.tensor(args.classes, dtype=torch.int64),
        "loss": torch.cat([r.history["loss"] for r in results], dim=1),
        "logit": torch.cat([r.history["logit:model"] for r in results], dim=1),
    }
    artifacts.save_tensors(args.out, tensors, run.record(), {"model": args.name})


def _load_generated(paths: list[str], run: provenance.Run) -> tuple[torch.Tensor, torch.Tensor]:
    images, classes = [], []
    for path in paths:
        run.add_input(path)
        tensors, _ = artifacts.load_tensors(path)
        images.append(tensors["images"])
        classes.append(tensors["classes"])
    return torch.cat(images), torch.cat(classes)


def cmd_summarise(args: argparse.Namespace) -> None:
    """Gather chunks of class representations; how the generator and every other model see them."""
    from inputgen import models, plots
    from inputgen.representations import quality_table, recognition, summary_table

    device = _start_runtime(args)
    config = {"name": args.name, "model": args.model, "evaluators": args.evaluators}
    run = provenance.Run("summarise", config, device=str(device))
    images, classes = _load_generated(args.chunks, run)
    generator = models.load_model(args.model).to(device)
    run.add_weights(generator.weights_path)
    names = generator.class_names
    seen_by = {}
    for evaluator, spec in args.evaluators.items():
        zoo = models.load_model(spec).to(device)
        run.add_weights(zoo.weights_path)
        seen_by[evaluator] = recognition(zoo, images, classes.tolist(), args.batch_size)
    summary = summary_table(
        recognition(generator, images, classes.tolist(), args.batch_size), seen_by, names
    )
    record = run.record()
    artifacts.save_tensors(
        args.images, {"images": images, "classes": classes}, record, {"model": args.name}
    )
    artifacts.write_table(args.summary, summary, record)
    artifacts.write_table(args.quality, quality_table(summary, args.name, list(seen_by)), record)
    captions = [
        f"{row.name[:24]}\n{'ok' if row.self_top1 else row.top1_name[:18]} {row.top1_prob:.0%}"
        for row in summary.itertuples()
    ]
    figure = plots.image_grid(
        images,
        captions,
        columns=8,
        stretch=True,
        title=f"{args.name}: class representations (caption: class, "
        "then 'ok' or what the model sees, and its probability)",
    )
    artifacts.write_figure(args.grid, figure, record)


def cmd_opposites(args: argparse.Namespace) -> None:
    import pandas as pd

    from inputgen import models, plots
    from inputgen.representations import (
        commutativity,
        opposite_graph,
        opposite_table,
        recognition,
    )

    device = _start_runtime(args)
    config = {"name": args.name, "model": args.model, "chunks": args.chunks}
    run = provenance.Run("opposites", config, device=str(device))
    images, classes = _load_generated(args.chunks, run)
    zoo = models.load_model(args.model).to(device)
    run.add_weights(zoo.weights_path)
    seen = recognition(zoo, images, classes.tolist(), args.batch_size)
    table = opposite_table(seen, torch.tensor(seen["target_logit"].values), zoo.class_names)
    rate, count = commutativity(table)
    record = run.record()
    artifacts.save_tensors(
        args.images,
        {"images": images, "classes": classes, "opposites": torch.tensor(table["opposite"].values)},
        record,
        {"model": args.name},
    )
    artifacts.write_table(args.table, table, record)
    commutes = pd.DataFrame({"rate": [rate], "closed_classes": [count]})
    artifacts.write_table(args.commutativity, commutes, record)
    artifacts.write_graph(args.graph, opposite_graph(table), record)
    captions = [f"{row.name[:20]}\n-> {row.opposite_name[:20]}" for row in table.itertuples()]
    figure = plots.image_grid(
        images,
        captions,
        columns=8,
        stretch=True,
        title=f"{args.name}: opposites (class -> what the model sees after minimising it)",
    )
    artifacts.write_figure(args.grid, figure, record)


def cmd_pair(args: argparse.Namespace) -> None:
    from inputgen import models, plots
    from inputgen.representations import GenerationSettings, pair, pair_table

    _check_classes(args.classes)
    device = _start_runtime(args)
    first = models.load_model(args.first).to(device)
    second = models.load_model(args.second).to(device)
    settings = GenerationSettings.from_dict(args.settings)
    config = {
        "first": [args.first_name, first.spec],
        "second": [args.second_name, second.spec],
        "operation": args.operation,
        "weights": args.weights,
        "classes": args.classes,
        "settings": args.settings,
    }
    run = provenance.Run("pair", config, seed=args.seed, device=str(device))
    run.add_weights(first.weights_path)
    run.add_weights(second.weights_path)
    results = [
        pair(first, second, batch, args.operation, tuple(args.weights), settings, args.seed)
        for batch in _batches(args.classes, args.batch_size)
    ]
    images = torch.cat([r.images for r in results])
    logits = {
        args.first_name: first.batched_logits(images, args.batch_size),
        args.second_name: second.batched_logits(images, args.batch_size),
    }
    d, e = args.weights
    sign = 1 if args.operation == "+" else -1
    combined = d * logits[args.first_name] + sign * e * logits[args.second_name]
    table = pair_table(args.classes, logits, combined, first.class_names)
    record = run.record()
    artifacts.save_tensors(
        args.images, {"images": images, "classes": torch.tensor(args.classes)}, record
    )
    artifacts.write_table(args.table, table, record)
    captions = [
        f"{name[:22]}\n{args.first_name}: {seen_first[:16]}\n{args.second_name}: {seen_second[:16]}"
        for name, seen_first, seen_second in zip(
            table["name"],
            table[f"{args.first_name}_top1_name"],
            table[f"{args.second_name}_top1_name"],
            strict=True,
        )
    ]
    title = (
        f"{args.first_name} {args.operation} {args.second_name} "
        f"(d={d}, e={e}): caption = class, then each model's top-1"
    )
    figure = plots.image_grid(images, captions, columns=8, stretch=True, title=title)
    artifacts.write_figure(args.grid, figure, record)


# ----------------------------------------------------------------------- vector arithmetic
def _generation_setup(args, stage: str, extra: dict):
    from inputgen import models
    from inputgen.representations import GenerationSettings

    device = _start_runtime(args)
    zoo = models.load_model(args.model).to(device)
    settings = GenerationSettings.from_dict(args.settings)
    config = {"name": args.name, "model": zoo.spec, "settings": args.settings, **extra}
    run = provenance.Run(stage, config, seed=args.seed, device=str(device))
    run.add_weights(zoo.weights_path)
    return zoo, settings, run


def cmd_transfigure(args: argparse.Namespace) -> None:
    import pandas as pd

    from inputgen import plots
    from inputgen.arithmetic import transfigure

    _check_classes(args.targets)
    zoo, settings, run = _generation_setup(
        args,
        "transfigure",
        {"photos": args.photo_names, "targets": args.targets, "frames": args.frames},
    )
    run.add_input(args.photos)
    tensors, metadata = artifacts.load_tensors(args.photos)
    index = {name: i for i, name in enumerate(metadata["names"])}
    missing = [n for n in args.photo_names if n not in index]
    if missing:
        raise KeyError(f"photos {missing} are not in {args.photos}; it has {metadata['names']}")
    originals = tensors["images"][[index[n] for n in args.photo_names]]
    before = zoo.batched_logits(originals, args.batch_size).softmax(dim=1)
    # Every photo goes to each target, and to its own class (the model's top-1) as control.
    elements = [(p, t, False) for p in range(len(originals)) for t in args.targets]
    elements += [(p, int(before[p].argmax()), True) for p in range(len(originals))]
    photo_of = [p for p, _, _ in elements]
    targets = [t for _, t, _ in elements]
    result = transfigure(
        zoo, originals[photo_of], targets, settings, args.seed, photo_of, frames=args.frames
    )
    after = zoo.batched_logits(result.images, args.batch_size).softmax(dim=1)
    names = zoo.class_names
    table = pd.DataFrame(
        {
            "photo": [args.photo_names[p] for p in photo_of],
            "target": targets,
            "target_name": [names[t] for t in targets],
            "control": [c for _, _, c in elements],
            "start_prob": [
                round(float(before[p, t]), 4) for p, t in zip(photo_of, targets, strict=True)
            ],
            "end_prob": [round(float(after[i, t]), 4) for i, t in enumerate(targets)],
            "end_top1_name": [names[int(c)] for c in after.argmax(dim=1)],
        }
    )
    record = run.record()
    artifacts.save_tensors(
        args.out,
        {
            "images": result.images,
            "frames": result.history["frames"],
            "targets": torch.tensor(targets),
            "photo": torch.tensor(photo_of),
        },
        record,
        {"photos": args.photo_names},
    )
    artifacts.write_table(args.table, table, record)
    size = result.images.shape[-1]
    rows, captions = [], []
    for i, (p, t, control) in enumerate(elements):
        start = torch.nn.functional.interpolate(
            originals[p : p + 1], size=(size, size), mode="bilinear", antialias=True
        )
        rows += [start[0], *result.history["frames"][:, i]]
        label = f"{args.photo_names[p]} -> {names[t][:18]}" + (" (control)" if control else "")
        captions += [label] + [f"frame {k + 1}" for k in range(args.frames)]
    figure = plots.image_grid(
        torch.stack(rows),
        captions,
        columns=args.frames + 1,
        title=f"{args.name}: transfiguration of photos (left) over the steps",
    )
    artifacts.write_figure(args.figure, figure, record)


def cmd_interpolate(args: argparse.Namespace) -> None:
    import pandas as pd

    from inputgen import plots
    from inputgen.arithmetic import interpolate

    _check_classes([args.start, args.end])
    zoo, settings, run = _generation_setup(
        args, "interpolate", {"start": args.start, "end": args.end, "frames": args.frames}
    )
    result = interpolate(zoo, [args.start], [args.end], settings, args.seed, args.frames)
    frames = result.history["frames"][:, 0]
    probabilities = zoo.batched_logits(frames, args.batch_size).softmax(dim=1)
    names = zoo.class_names
    table = pd.DataFrame(
        {
            "frame": range(1, args.frames + 1),
            "fraction": [round(f, 4) for f in torch.linspace(0, 1, args.frames).tolist()],
            f"prob_{args.start}": probabilities[:, args.start].round(decimals=4).tolist(),
            f"prob_{args.end}": probabilities[:, args.end].round(decimals=4).tolist(),
            "top1_name": [names[int(c)] for c in probabilities.argmax(dim=1)],
        }
    )
    record = run.record()
    artifacts.save_tensors(
        args.out, {"frames": frames}, record, {"start": args.start, "end": args.end}
    )
    artifacts.write_table(args.table, table, record)
    captions = [
        f"{k}/{args.frames}: {row.top1_name[:18]}"
        for k, row in enumerate(table.itertuples(), start=1)
    ]
    title = f"{args.name}: {names[args.start]} -> {names[args.end]} (caption: what it sees)"
    figure = plots.image_grid(
        frames, captions, columns=min(args.frames, 6), stretch=True, title=title
    )
    artifacts.write_figure(args.figure, figure, record)
    artifacts.write_gif(args.gif, plots.stretch_contrast(frames), record)


def cmd_add(args: argparse.Namespace) -> None:
    import pandas as pd

    from inputgen import plots
    from inputgen.arithmetic import add

    if len(args.firsts) != len(args.seconds):
        raise ValueError(f"{len(args.firsts)} first classes for {len(args.seconds)} second ones")
    _check_classes(args.firsts + args.seconds)
    zoo, settings, run = _generation_setup(
        args, "add", {"firsts": args.firsts, "seconds": args.seconds}
    )
    result = add(zoo, args.firsts, args.seconds, settings, args.seed)
    logits = zoo.batched_logits(result.images, args.batch_size)
    probabilities = logits.softmax(dim=1)
    names = zoo.class_names
    rows = range(len(args.firsts))
    table = pd.DataFrame(
        {
            "first": args.firsts,
            "first_name": [names[c] for c in args.firsts],
            "second": args.seconds,
            "second_name": [names[c] for c in args.seconds],
            "first_prob": [
                round(float(probabilities[i, c]), 4) for i, c in zip(rows, args.firsts, strict=True)
            ],
            "second_prob": [
                round(float(probabilities[i, c]), 4)
                for i, c in zip(rows, args.seconds, strict=True)
            ],
            "top1_name": [names[int(c)] for c in logits.argmax(dim=1)],
        }
    )
    record = run.record()
    artifacts.save_tensors(
        args.out,
        {
            "images": result.images,
            "firsts": torch.tensor(args.firsts),
            "seconds": torch.tensor(args.seconds),
        },
        record,
    )
    artifacts.write_table(args.table, table, record)
    captions = [
        f"{a[:16]} + {b[:16]}\n{p:.0%} / {q:.0%}"
        for a, b, p, q in zip(
            table["first_name"],
            table["second_name"],
            table["first_prob"],
            table["second_prob"],
            strict=True,
        )
    ]
    figure = plots.image_grid(
        result.images,
        captions,
        columns=6,
        stretch=True,
        title=f"{args.name}: vector addition (caption: the two classes' probabilities)",
    )
    artifacts.write_figure(args.figure, figure, record)


def cmd_embed(args: argparse.Namespace) -> None:
    from inputgen import models, plots
    from inputgen.embedding import embedding_table, feature_means

    device = _start_runtime(args)
    zoo = models.load_model(args.model).to(device)
    config = {"name": args.name, "model": zoo.spec, "layer": args.layer, "features": args.features}
    run = provenance.Run("embed", config, device=str(device))
    run.add_input(args.representations)
    run.add_weights(zoo.weights_path)
    tensors, _ = artifacts.load_tensors(args.representations)
    models.check_layer(zoo.model, args.layer)
    means = feature_means(zoo, tensors["images"], args.layer, args.features, args.batch_size)
    classes = tensors["classes"].tolist()
    table = embedding_table(classes, zoo.class_names, means, args.features)
    record = run.record()
    artifacts.write_table(args.table, table, record)
    figure = plots.labelled_scatter(
        means[:, 0].numpy(),
        means[:, 1].numpy(),
        list(table["name"]),
        xlabel=f"{args.layer} feature {args.features[0]} (mean activation)",
        ylabel=f"{args.layer} feature {args.features[1]} (mean activation)",
        title=f"{args.name}: class representations embedded by two feature maps",
    )
    artifacts.write_figure(args.figure, figure, record)


def cmd_ablation(args: argparse.Namespace) -> None:
    """One quality row per prior configuration: which prior buys what."""
    import pandas as pd

    from inputgen import models, plots
    from inputgen.representations import quality_table, recognition, summary_table

    device = _start_runtime(args)
    runs = dict(item.split("=", 1) for item in args.runs)
    config = {
        "name": args.name,
        "model": args.model,
        "evaluators": args.evaluators,
        "configs": list(runs),
    }
    run = provenance.Run("ablation", config, device=str(device))
    generator = models.load_model(args.model).to(device)
    evaluators = {
        name: models.load_model(spec).to(device) for name, spec in args.evaluators.items()
    }
    for zoo in [generator, *evaluators.values()]:
        run.add_weights(zoo.weights_path)
    rows, grids, captions = [], [], []
    for label, path in runs.items():
        images, classes = _load_generated([path], run)
        classes = classes.tolist()
        seen = {
            name: recognition(zoo, images, classes, args.batch_size)
            for name, zoo in evaluators.items()
        }
        own = recognition(generator, images, classes, args.batch_size)
        summary = summary_table(own, seen, generator.class_names)
        quality = quality_table(summary, args.name, list(evaluators))
        transfer = quality[quality["relation"] == "transfer"]
        rows.append(
            {
                "config": label,
                "self_top1": quality["top1"].iloc[0],
                "transfer_top1": round(transfer["top1"].mean(), 4),
                "transfer_top5": round(transfer["top5"].mean(), 4),
                **{
                    f"{e}_top5": v
                    for e, v in zip(transfer["evaluator"], transfer["top5"], strict=True)
                },
            }
        )
        grids.append(images)
        captions += [f"{label}: {name[:18]}" for name in summary["name"]]
    record = run.record()
    artifacts.write_table(args.table, pd.DataFrame(rows), record)
    figure = plots.image_grid(
        torch.cat(grids),
        captions,
        columns=len(grids[0]),
        stretch=True,
        title=f"{args.name}: one row per prior configuration",
    )
    artifacts.write_figure(args.figure, figure, record)


# ------------------------------------------------------------------------------ provenance
def cmd_provenance(args: argparse.Namespace) -> None:
    if args.json:
        print(json.dumps(artifacts.read_provenance(args.path), indent=2, sort_keys=True))
    else:
        print("\n".join(provenance.lineage(args.path)))


# --------------------------------------------------------------------------------- weights
def cmd_weights(args: argparse.Namespace) -> None:
    from inputgen import models

    path = models.torchvision_cache_file(args.arch, args.weights)
    state = "present" if path.is_file() else "missing"
    print(f"{args.arch} {args.weights}: {path} ({state})")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="inputgen", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True, metavar="STAGE")

    p = commands.add_parser("photos", help="shipped (or ImageFolder) photos + seeded random crops")
    p.add_argument("--size", type=int, default=224, help="square side in pixels")
    p.add_argument("--crops", type=int, default=512, help="number of random crops")
    p.add_argument(
        "--crop-scale",
        type=float,
        nargs=2,
        default=(0.25, 1.0),
        metavar=("LOW", "HIGH"),
        help="area fraction range of a crop",
    )
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--folder", help="an ImageFolder tree to use instead of the shipped photos")
    p.add_argument("--names", nargs="+", help="a subset of the shipped photos (default: all)")
    p.add_argument("--out", required=True, help="photos .safetensors")
    p.add_argument("--natural", required=True, help="random-crop dataset .safetensors")
    p.add_argument("--figure", required=True, help="contact sheet .png")
    p.set_defaults(func=cmd_photos)

    p = commands.add_parser("classify", help="top-k classes of every photo under one model")
    p.add_argument("--name", required=True, help="the model's name in the config")
    p.add_argument("--model", type=_model_spec, required=True, help="model spec as JSON")
    p.add_argument("--photos", required=True, help="photos .safetensors")
    p.add_argument("--topk", type=int, default=5)
    p.add_argument("--out", required=True, help="table .tsv")
    p.add_argument("--figure", required=True, help="figure .png")
    _runtime_args(p)
    p.set_defaults(func=cmd_classify)

    p = commands.add_parser("represent", help="generate one image per class (chunk of a job)")
    p.add_argument("--name", required=True, help="the model's name in the config")
    p.add_argument("--model", type=_model_spec, required=True, help="model spec as JSON")
    p.add_argument("--classes", type=int, nargs="+", required=True)
    p.add_argument(
        "--objective",
        choices=("target", "minimum"),
        default="target",
        help="target: |C - logit| (representations); minimum: logit (opposites)",
    )
    p.add_argument(
        "--settings",
        type=_json_object,
        required=True,
        help="generation settings as JSON (see config/README.md, generation)",
    )
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", required=True, help="chunk .safetensors")
    _runtime_args(p)
    p.set_defaults(func=cmd_represent)

    p = commands.add_parser("summarise", help="gather representation chunks and rate them")
    p.add_argument("--name", required=True)
    p.add_argument("--model", type=_model_spec, required=True)
    p.add_argument(
        "--evaluators",
        type=_json_object,
        required=True,
        help="JSON map of the other models: name -> spec",
    )
    p.add_argument("--chunks", nargs="+", required=True)
    p.add_argument("--images", required=True, help="gathered .safetensors")
    p.add_argument("--summary", required=True, help="per-class .tsv")
    p.add_argument("--quality", required=True, help="self and transfer recognition .tsv")
    p.add_argument("--grid", required=True, help="image grid .png")
    _runtime_args(p)
    p.set_defaults(func=cmd_summarise)

    p = commands.add_parser("opposites", help="label minimised-class images by the model")
    p.add_argument("--name", required=True)
    p.add_argument("--model", type=_model_spec, required=True)
    p.add_argument("--chunks", nargs="+", required=True)
    p.add_argument("--images", required=True)
    p.add_argument("--table", required=True, help="opposites .tsv")
    p.add_argument("--commutativity", required=True, help="commutativity .tsv")
    p.add_argument("--graph", required=True, help="opposite relation .graphml")
    p.add_argument("--grid", required=True, help="image grid .png")
    _runtime_args(p)
    p.set_defaults(func=cmd_opposites)

    p = commands.add_parser("pair", help="combined (+) or difference (-) objective of 2 models")
    p.add_argument("--first-name", required=True)
    p.add_argument("--first", type=_model_spec, required=True, help="model spec as JSON")
    p.add_argument("--second-name", required=True)
    p.add_argument("--second", type=_model_spec, required=True, help="model spec as JSON")
    p.add_argument("--operation", choices=("+", "-"), required=True)
    p.add_argument("--weights", type=float, nargs=2, default=(1.0, 1.0), metavar=("D", "E"))
    p.add_argument("--classes", type=int, nargs="+", required=True)
    p.add_argument("--settings", type=_json_object, required=True)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--images", required=True)
    p.add_argument("--table", required=True)
    p.add_argument("--grid", required=True)
    _runtime_args(p)
    p.set_defaults(func=cmd_pair)

    def generation_parser(name, help_text, func):
        p = commands.add_parser(name, help=help_text)
        p.add_argument("--name", required=True, help="the model's name in the config")
        p.add_argument("--model", type=_model_spec, required=True, help="model spec as JSON")
        p.add_argument("--settings", type=_json_object, required=True)
        p.add_argument("--seed", type=int, default=0)
        p.add_argument("--out", required=True, help="tensors .safetensors")
        p.add_argument("--table", required=True, help="table .tsv")
        p.add_argument("--figure", required=True, help="figure .png")
        _runtime_args(p)
        p.set_defaults(func=func)
        return p

    p = generation_parser("transfigure", "push real photos toward classes", cmd_transfigure)
    p.add_argument("--photos", required=True, help="photos .safetensors")
    p.add_argument("--photo-names", nargs="+", required=True)
    p.add_argument("--targets", type=int, nargs="+", required=True)
    p.add_argument("--frames", type=int, default=6)

    p = generation_parser(
        "interpolate", "move the target from one class to another", cmd_interpolate
    )
    p.add_argument("--start", type=int, required=True)
    p.add_argument("--end", type=int, required=True)
    p.add_argument("--frames", type=int, default=8)
    p.add_argument("--gif", required=True, help="animation .gif")

    p = generation_parser("add", "vector addition (merging) of class pairs", cmd_add)
    p.add_argument("--firsts", type=int, nargs="+", required=True)
    p.add_argument("--seconds", type=int, nargs="+", required=True)

    p = commands.add_parser("embed", help="two-feature embedding of class representations")
    p.add_argument("--name", required=True)
    p.add_argument("--model", type=_model_spec, required=True)
    p.add_argument("--representations", required=True, help="images .safetensors")
    p.add_argument("--layer", required=True)
    p.add_argument("--features", type=int, nargs=2, required=True)
    p.add_argument("--table", required=True)
    p.add_argument("--figure", required=True)
    _runtime_args(p)
    p.set_defaults(func=cmd_embed)

    p = commands.add_parser("ablation", help="quality of representations per prior setting")
    p.add_argument("--name", required=True)
    p.add_argument("--model", type=_model_spec, required=True)
    p.add_argument("--evaluators", type=_json_object, required=True)
    p.add_argument("--runs", nargs="+", required=True, metavar="CONFIG=PATH")
    p.add_argument("--table", required=True)
    p.add_argument("--figure", required=True)
    _runtime_args(p)
    p.set_defaults(func=cmd_ablation)

    p = commands.add_parser("provenance", help="print an artifact's lineage back to the weights")
    p.add_argument("path")
    p.add_argument("--json", action="store_true", help="the raw record of this artifact only")
    p.set_defaults(func=cmd_provenance)

    p = commands.add_parser("weights", help="where the official torchvision weights are looked for")
    p.add_argument("arch")
    p.add_argument("--weights", default="IMAGENET1K_V1")
    p.set_defaults(func=cmd_weights)
    return parser


def main(argv: list[str] | None = None) -> int:
    from inputgen.models import WeightsError

    args = build_parser().parse_args(argv)
    make_deterministic()
    try:
        args.func(args)
    except (WeightsError, ValueError, KeyError, FileNotFoundError) as error:
        message = error.args[0] if isinstance(error, KeyError) and error.args else error
        print(f"inputgen {args.command}: error: {message}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
