"""Vector-arithmetic stages: transfiguration, interpolation, addition, and the embedding."""

from __future__ import annotations

import argparse

import torch

from inputgen import artifacts, provenance
from inputgen.cli.common import (
    add_evaluators_arg,
    add_runtime_args,
    check_classes,
    generation_parser,
    generation_setup,
    model_spec,
    resize,
    seen_by_others,
    select_photos,
    start_runtime,
)


def device_of(zoo) -> torch.device:
    return zoo.preprocess.mean.device


def cmd_transfigure(args: argparse.Namespace) -> None:
    import pandas as pd

    from inputgen.arithmetic import transfer_columns, transfer_summary, transfigure
    from inputgen.figures import arithmetic as arithmetic_figures
    from inputgen.figures import images as plots
    from inputgen.representations import recognition

    check_classes(args.targets)
    zoo, settings, run = generation_setup(
        args,
        "transfigure",
        {
            "photos": args.photo_names,
            "targets": args.targets,
            "frames": args.frames,
            "evaluators": args.evaluators,
        },
    )
    originals = select_photos(args.photos, args.photo_names, run)
    before = zoo.batched_logits(originals, args.batch_size).softmax(dim=1)
    # Every photo goes to each target, and to its own class (the model's top-1) as control.
    elements = [(p, t, False) for p in range(len(originals)) for t in args.targets]
    elements += [(p, int(before[p].argmax()), True) for p in range(len(originals))]
    photo_of = [p for p, _, _ in elements]
    targets = [t for _, t, _ in elements]
    start_classes = [int(before[p].argmax()) for p in photo_of]
    result = transfigure(
        zoo,
        originals[photo_of],
        targets,
        settings,
        args.seed,
        photo_of,
        frames=args.frames,
        start_classes=start_classes,
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
    # The generator's flags, then every other model's probability of the target and flags.
    own = recognition(zoo, result.images, targets, args.batch_size)
    seen, probabilities = seen_by_others(
        args.name,
        args.evaluators,
        result.images,
        targets,
        args.batch_size,
        run,
        device_of(zoo),
        True,
    )
    table = pd.concat(
        [table, transfer_columns({"self": own}), transfer_columns(seen, probabilities)], axis=1
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
    artifacts.write_table(args.transfer, transfer_summary(table, args.name, list(seen)), record)
    size = result.images.shape[-1]
    rows, captions = [], []
    for i, (p, t, control) in enumerate(elements):
        start = resize(originals[p : p + 1], size)
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
    labels = [
        f"{args.photo_names[p]} -> {names[t]}" + (" (control)" if c else "") for p, t, c in elements
    ]
    trajectory = transfiguration_trajectory(
        result.history, labels, [names[c] for c in start_classes]
    )
    artifacts.write_table(args.trajectory_table, trajectory, record)
    artifacts.write_figure(args.trajectory, arithmetic_figures.trajectories(trajectory), record)


def transfiguration_trajectory(history: dict, labels: list[str], start_names: list[str]):
    """Long table: per element and step, the target's and the start class's logit."""
    import pandas as pd

    target, start = history["logit:model"], history["logit:start"]
    steps = range(target.shape[0])
    return pd.DataFrame(
        [
            {
                "element": label,
                "start_class": start_names[i],
                "step": step,
                "target_logit": round(float(target[step, i]), 4),
                "start_logit": round(float(start[step, i]), 4),
            }
            for i, label in enumerate(labels)
            for step in steps
        ]
    )


def cmd_interpolate(args: argparse.Namespace) -> None:
    import pandas as pd

    from inputgen.arithmetic import (
        interpolate,
        interpolation_columns,
        passage_table,
    )
    from inputgen.figures import arithmetic as arithmetic_figures
    from inputgen.figures import images as plots
    from inputgen.representations import recognition

    check_classes([args.start, args.end])
    zoo, settings, run = generation_setup(
        args,
        "interpolate",
        {
            "start": args.start,
            "end": args.end,
            "frames": args.frames,
            "photo": args.photo,
            "evaluators": args.evaluators,
        },
    )
    photos = None
    if args.photo:
        photos = select_photos(args.photos, [args.photo], run)
    result = interpolate(
        zoo, [args.start], [args.end], settings, args.seed, args.frames, photos=photos
    )
    frames = result.history["frames"][:, 0]
    names = zoo.class_names
    # Every model's view of every frame: the generator's first, then each other model's.
    starts = [args.start] * len(frames)
    seen, probabilities = seen_by_others(
        args.name, args.evaluators, frames, starts, args.batch_size, run, device_of(zoo), True
    )
    seen = {args.name: recognition(zoo, frames, starts, args.batch_size), **seen}
    probabilities = {
        args.name: zoo.batched_logits(frames, args.batch_size).softmax(dim=1),
        **probabilities,
    }
    evaluators = [model for model in seen if model != args.name]
    table = pd.concat(
        [
            pd.DataFrame(
                {
                    "frame": range(1, args.frames + 1),
                    "fraction": [round(f, 4) for f in torch.linspace(0, 1, args.frames).tolist()],
                }
            ),
            *(
                interpolation_columns(
                    model, args.name, seen[model], probabilities[model], args.start, args.end, names
                )
                for model in seen
            ),
        ],
        axis=1,
    )
    record = run.record()
    artifacts.save_tensors(
        args.out, {"frames": frames}, record, {"start": args.start, "end": args.end}
    )
    artifacts.write_table(args.table, table, record)
    passage = passage_table(table, args.name, evaluators, args.start, args.end)
    artifacts.write_table(args.transfer, passage, record)
    figure = arithmetic_figures.interpolation_figure(
        table, args.name, evaluators, args.start, args.end, names
    )
    artifacts.write_figure(args.probabilities, figure, record)
    captions = [
        f"{k}/{args.frames}: {row.top1_name[:18]}"
        for k, row in enumerate(table.itertuples(), start=1)
    ]
    origin = f"from the photo {args.photo!r}" if args.photo else "from noise"
    title = (
        f"{args.name}: {names[args.start]} -> {names[args.end]} {origin} (caption: what it sees)"
    )
    figure = plots.image_grid(frames, captions, columns=min(args.frames, 8), title=title)
    artifacts.write_figure(args.figure, figure, record)
    artifacts.write_gif(args.gif, frames, record)


def cmd_add(args: argparse.Namespace) -> None:
    import pandas as pd

    from inputgen.arithmetic import add, addition_columns
    from inputgen.figures import images as plots
    from inputgen.representations import recognition

    if len(args.firsts) != len(args.seconds):
        raise ValueError(f"{len(args.firsts)} first classes for {len(args.seconds)} second ones")
    check_classes(args.firsts + args.seconds)
    zoo, settings, run = generation_setup(
        args,
        "add",
        {"firsts": args.firsts, "seconds": args.seconds, "evaluators": args.evaluators},
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
    # Whether each model's top-5 holds each class; the other models' top-1 names too.
    own = recognition(zoo, result.images, args.firsts, args.batch_size)
    generator = addition_columns({"self": own}, args.seconds, names)
    seen, _ = seen_by_others(
        args.name, args.evaluators, result.images, args.firsts, args.batch_size, run, device_of(zoo)
    )
    table = pd.concat(
        [
            table,
            generator.drop(columns="self_top1_name"),  # the table's top1_name
            addition_columns(seen, args.seconds, names),
        ],
        axis=1,
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
        title=f"{args.name}: vector addition (caption: the two classes' probabilities)",
    )
    artifacts.write_figure(args.figure, figure, record)


def cmd_embed(args: argparse.Namespace) -> None:
    from inputgen import models
    from inputgen.embedding import embedding_table, feature_means
    from inputgen.figures import arithmetic as arithmetic_figures

    device = start_runtime(args)
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
    figure = arithmetic_figures.labelled_scatter(
        means[:, 0].numpy(),
        means[:, 1].numpy(),
        list(table["name"]),
        xlabel=f"{args.layer} feature {args.features[0]} (mean activation)",
        ylabel=f"{args.layer} feature {args.features[1]} (mean activation)",
        title=f"{args.name}: class representations embedded by two feature maps",
    )
    artifacts.write_figure(args.figure, figure, record)


def register(commands) -> None:
    p = generation_parser(
        commands, "transfigure", "push real photos toward classes", cmd_transfigure
    )
    p.add_argument("--photos", required=True, help="photos .safetensors")
    p.add_argument(
        "--photo-names", nargs="+", required=True, help="photos (names in --photos) to transfigure"
    )
    p.add_argument(
        "--targets",
        type=int,
        nargs="+",
        required=True,
        help="ImageNet classes every photo is pushed toward",
    )
    p.add_argument(
        "--frames", type=int, default=6, help="intermediate images kept per photo and target"
    )
    p.add_argument("--trajectory-table", required=True, help="logits per step .tsv")
    p.add_argument("--trajectory", required=True, help="logits per step .png")
    p.add_argument(
        "--transfer",
        required=True,
        help="fractions of transfigured photos each model calls the target .tsv",
    )
    add_evaluators_arg(p)

    p = generation_parser(
        commands, "interpolate", "move the target from one class to another", cmd_interpolate
    )
    p.add_argument("--start", type=int, required=True, help="ImageNet class the target starts at")
    p.add_argument("--end", type=int, required=True, help="ImageNet class the target ends at")
    p.add_argument("--photos", help="photos .safetensors (with --photo)")
    p.add_argument("--photo", help="start from this photo instead of noise (source article 1)")
    p.add_argument("--frames", type=int, default=8, help="frames from start to end")
    p.add_argument("--gif", required=True, help="animation .gif")
    p.add_argument(
        "--probabilities",
        required=True,
        help="the start and end classes' probabilities per frame, every model .png",
    )
    p.add_argument(
        "--transfer",
        required=True,
        help="per model: frames seen as start / end, whether it passes through both .tsv",
    )
    add_evaluators_arg(p)

    p = generation_parser(commands, "add", "vector addition (merging) of class pairs", cmd_add)
    p.add_argument("--firsts", type=int, nargs="+", required=True, help="first class of each pair")
    p.add_argument(
        "--seconds",
        type=int,
        nargs="+",
        required=True,
        help="second class of each pair (as many as --firsts)",
    )
    add_evaluators_arg(p)

    p = commands.add_parser("embed", help="two-feature embedding of class representations")
    p.add_argument("--name", required=True, help="the model's name in the config")
    p.add_argument("--model", type=model_spec, required=True, help="model spec as JSON")
    p.add_argument("--representations", required=True, help="images .safetensors")
    p.add_argument(
        "--layer",
        required=True,
        help="module name of the layer whose feature maps place the images",
    )
    p.add_argument(
        "--features",
        type=int,
        nargs=2,
        required=True,
        help="two channels of --layer: the x and y coordinates",
    )
    p.add_argument("--table", required=True, help="embedding .tsv")
    p.add_argument("--figure", required=True, help="embedding .png")
    add_runtime_args(p)
    p.set_defaults(func=cmd_embed)
