"""Generation stages: class representations, opposites, two-model objectives, the prior ablation."""

from __future__ import annotations

import argparse

import torch

from inputgen import artifacts, provenance
from inputgen.cli.common import (
    add_evaluators_arg,
    add_runtime_args,
    batches,
    check_classes,
    generation_parser,
    generation_setup,
    json_object,
    load_generated,
    model_spec,
    seen_by_others,
    select_classes,
    start_runtime,
    write_grid,
)


def cmd_represent(args: argparse.Namespace) -> None:
    from inputgen import models
    from inputgen.representations import GenerationSettings, class_representations, opposites

    check_classes(args.classes)
    device = start_runtime(args)
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
        for batch in batches(args.classes, args.batch_size)
    ]
    tensors = {
        "images": torch.cat([r.images for r in results]),
        "classes": torch.tensor(args.classes, dtype=torch.int64),
        "loss": torch.cat([r.history["loss"] for r in results], dim=1),
        "logit": torch.cat([r.history["logit:model"] for r in results], dim=1),
    }
    artifacts.save_tensors(args.out, tensors, run.record(), {"model": args.name})


def cmd_summarise(args: argparse.Namespace) -> None:
    """Gather chunks of class representations; how the generator and every other model see them."""
    from inputgen import models
    from inputgen.figures import images as plots
    from inputgen.image_stats import image_statistics
    from inputgen.imagenet_groups import groups_of
    from inputgen.representations import quality_table, recognition, summary_table

    device = start_runtime(args)
    config = {"name": args.name, "model": args.model, "evaluators": args.evaluators}
    run = provenance.Run("summarise", config, device=str(device))
    images, classes = load_generated(args.chunks, run)
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
    # whether each picture is an image or a perturbation of grey (photos: ~0.2 and ~-2)
    summary = summary.join(image_statistics(images).round(4))
    record = run.record()
    artifacts.save_tensors(
        args.images, {"images": images, "classes": classes}, record, {"model": args.name}
    )
    artifacts.write_table(args.summary, summary, record)
    artifacts.write_table(args.quality, quality_table(summary, args.name, list(seen_by)), record)
    captions = [
        f"{row.name[:22]}\n{'ok' if row.self_top1 else row.top1_name[:18]} {row.top1_prob:.0%}"
        for row in summary.itertuples()
    ]
    figure = plots.grouped_grid(
        images,
        captions,
        grid_rows(groups_of(classes.tolist())),
        title=f"{args.name}: class representations, one row per coarse group, as saved\n"
        "(caption: class, then 'ok' or what the model sees, and its probability)",
    )
    artifacts.write_figure(args.grid, figure, record)


def grid_rows(groups: list[str | None]) -> list[str | None]:
    """Groups with one member share the "other" row rather than each taking a row."""
    return [g if groups.count(g) > 1 else None for g in groups]


def cmd_opposites(args: argparse.Namespace) -> None:
    import pandas as pd

    from inputgen import models
    from inputgen.arithmetic import agreement_columns
    from inputgen.figures import images as plots
    from inputgen.representations import (
        GenerationSettings,
        commutativity,
        opposite_graph,
        opposite_table,
        opposites,
        recognition,
    )

    device = start_runtime(args)
    config = {
        "name": args.name,
        "model": args.model,
        "settings": args.settings,
        "evaluators": args.evaluators,
    }
    run = provenance.Run("opposites", config, seed=args.seed, device=str(device))
    images, classes = load_generated(args.chunks, run)
    zoo = models.load_model(args.model).to(device)
    run.add_weights(zoo.weights_path)
    seen = recognition(zoo, images, classes.tolist(), args.batch_size)
    table = opposite_table(seen, torch.tensor(seen["target_logit"].values), zoo.class_names)
    # The opposites that were not targets get their own opposite (seeded by class, so exactly
    # what a run targeting them would make): commutativity then covers every target.
    settings = GenerationSettings.from_dict(args.settings)
    second = sorted(set(table["opposite"]) - set(table["class"]))
    extra = {}
    for batch in batches(second, args.batch_size):
        result = opposites(zoo, batch, settings, args.seed)
        extra.update(
            zip(
                batch,
                zoo.batched_logits(result.images, args.batch_size).argmax(dim=1).tolist(),
                strict=True,
            )
        )
    mapping = {**extra, **dict(zip(table["class"], table["opposite"], strict=True))}
    table["opposite_of_opposite"] = [mapping[o] for o in table["opposite"]]
    rate, count = commutativity(table, extra)
    representations = None
    if args.representations:  # the naive opposite: argmin of the output on the class's image
        representations = select_classes(args.representations, classes.tolist(), run)
        lowest = zoo.batched_logits(representations, args.batch_size).argmin(dim=1).tolist()
        table["naive_opposite"] = lowest
        table["naive_opposite_name"] = [zoo.class_names[c] for c in lowest]
    # How every other pretrained model sees each opposite image, and whether it agrees.
    others, _ = seen_by_others(
        args.name, args.evaluators, images, classes.tolist(), args.batch_size, run, device
    )
    agreement = agreement_columns(table["opposite"].tolist(), others, zoo.class_names)
    table = pd.concat([table, agreement], axis=1)
    record = run.record()
    artifacts.save_tensors(
        args.images,
        {"images": images, "classes": classes, "opposites": torch.tensor(table["opposite"].values)},
        record,
        {"model": args.name},
    )
    artifacts.write_table(args.table, table, record)
    commutes = pd.DataFrame({"rate": [rate], "classes": [count]})
    artifacts.write_table(args.commutativity, commutes, record)
    artifacts.write_graph(args.graph, opposite_graph(table), record)
    captions = [f"{row.name[:20]}\n-> {row.opposite_name[:20]}" for row in table.itertuples()]
    figure = plots.image_grid(
        images,
        captions,
        columns=8,
        title=f"{args.name}: opposites (class -> what the model sees after minimising it)",
    )
    artifacts.write_figure(args.grid, figure, record)
    if args.naive:
        if representations is None:
            raise ValueError("--naive needs --representations (the class images)")
        shown = torch.stack([im for two in zip(representations, images, strict=True) for im in two])
        captions = [
            text
            for row in table.itertuples()
            for text in (
                f"{row.name[:20]}\nnaive: {row.naive_opposite_name[:18]}",
                f"minimised\nours: {row.opposite_name[:18]}",
            )
        ]
        title = (
            f"{args.name}: naive opposite (argmin of the output on the class image, left) next "
            "to ours (the image that minimises the class, right)"
        )
        write_grid(args.naive, shown, captions, title, record)


def cmd_pair(args: argparse.Namespace) -> None:
    from inputgen import models
    from inputgen.figures import images as plots
    from inputgen.representations import GenerationSettings, pair, pair_table

    check_classes(args.classes)
    device = start_runtime(args)
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
        for batch in batches(args.classes, args.batch_size)
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
    figure = plots.image_grid(images, captions, columns=8, title=title)
    artifacts.write_figure(args.grid, figure, record)


def cmd_ablation(args: argparse.Namespace) -> None:
    """One row per prior configuration, with bootstrap intervals over classes: which prior
    buys what."""
    from inputgen import models
    from inputgen.ablation import ablation_table, class_scores
    from inputgen.figures import generation as generation_figures
    from inputgen.image_stats import image_statistics
    from inputgen.representations import recognition, summary_table

    device = start_runtime(args)
    runs = dict(item.split("=", 1) for item in args.runs)
    config = {
        "name": args.name,
        "model": args.model,
        "evaluators": args.evaluators,
        "configs": list(runs),
    }
    run = provenance.Run("ablation", config, seed=args.seed, device=str(device))
    generator = models.load_model(args.model).to(device)
    evaluators = {
        name: models.load_model(spec).to(device) for name, spec in args.evaluators.items()
    }
    for zoo in [generator, *evaluators.values()]:
        run.add_weights(zoo.weights_path)
    scores, shown = {}, []
    for label, path in runs.items():
        images, classes = load_generated([path], run)
        classes = classes.tolist()
        seen = {
            name: recognition(zoo, images, classes, args.batch_size)
            for name, zoo in evaluators.items()
        }
        own = recognition(generator, images, classes, args.batch_size)
        summary = summary_table(own, seen, generator.class_names).join(image_statistics(images))
        scores[label] = class_scores(summary, list(evaluators))
        shown.append(images[0])
    table = ablation_table(scores, args.seed)
    record = run.record()
    artifacts.write_table(args.table, table, record)
    figure = generation_figures.ablation_figure(
        table,
        torch.stack(shown),
        generator.class_names[classes[0]],
        title=f"{args.name}: prior ablation over {len(classes)} classes",
    )
    artifacts.write_figure(args.figure, figure, record)


def cmd_starts(args: argparse.Namespace) -> None:
    """Several random starts per class, side by side (one class has many images)."""
    import pandas as pd

    from inputgen.representations import random_starts, recognition

    check_classes(args.classes)
    zoo, settings, run = generation_setup(
        args, "starts", {"classes": args.classes, "starts": args.starts}
    )
    result, elements = random_starts(zoo, args.classes, args.starts, settings, args.seed)
    targets = [c for c, _ in elements]
    seen = recognition(zoo, result.images, targets, args.batch_size)
    names = zoo.class_names
    table = pd.DataFrame(
        {
            "class": targets,
            "name": [names[c] for c in targets],
            "start": [k for _, k in elements],
            "top1_name": [names[c] for c in seen["top1"]],
            "top1_prob": seen["top1_prob"].round(4),
            "self_top1": (seen["top1"] == seen["class"]).astype(int),
        }
    )
    record = run.record()
    artifacts.save_tensors(
        args.out,
        {
            "images": result.images,
            "classes": torch.tensor(targets),
            "starts": torch.tensor([k for _, k in elements]),
        },
        record,
        {"model": args.name},
    )
    artifacts.write_table(args.table, table, record)
    captions = [
        f"{row.name[:18]} #{row.start}\n{'ok' if row.self_top1 else row.top1_name[:18]}"
        for row in table.itertuples()
    ]
    title = (
        f"{args.name}: {args.starts} random starts per class (one row per class; caption: 'ok' "
        "or what the model sees)"
    )
    write_grid(args.figure, result.images, captions, title, record, columns=min(args.starts, 8))


def cmd_auxiliary(args: argparse.Namespace) -> None:
    """Class representations from an auxiliary head, and how the main output sees them."""
    import pandas as pd

    from inputgen.representations import auxiliary_representations, head_logits, recognition

    check_classes(args.classes)
    zoo, settings, run = generation_setup(
        args, "auxiliary", {"classes": args.classes, "layer": args.layer, "head": args.head}
    )
    result = auxiliary_representations(
        zoo, args.classes, args.layer, args.head, settings, args.seed
    )
    main = recognition(zoo, result.images, args.classes, args.batch_size)
    auxiliary = head_logits(zoo, result.images, args.layer, args.head, args.batch_size)
    names = zoo.class_names
    index = torch.tensor(args.classes)[:, None]
    table = pd.DataFrame(
        {
            "class": args.classes,
            "name": [names[c] for c in args.classes],
            "head_logit": auxiliary.gather(1, index)[:, 0].round(decimals=4).tolist(),
            "head_top1_name": [names[c] for c in auxiliary.argmax(dim=1).tolist()],
            "head_self_top1": (auxiliary.argmax(dim=1) == index[:, 0]).int().tolist(),
            "main_top1_name": [names[c] for c in main["top1"]],
            "main_top1_prob": main["top1_prob"].round(4),
            "main_self_top1": (main["top1"] == main["class"]).astype(int),
        }
    )
    record = run.record()
    artifacts.save_tensors(
        args.out,
        {"images": result.images, "classes": torch.tensor(args.classes)},
        record,
        {"model": args.name, "head": args.head},
    )
    artifacts.write_table(args.table, table, record)
    captions = [
        f"{row.name[:20]}\nmain output: {'ok' if row.main_self_top1 else row.main_top1_name[:14]}"
        for row in table.itertuples()
    ]
    title = (
        f"{args.name}: class images from the auxiliary head {args.head} (caption: class, then "
        "what the main output sees)"
    )
    write_grid(args.figure, result.images, captions, title, record)


def cmd_features(args: argparse.Namespace) -> None:
    """Inputs that maximise chosen channels of a layer (feature-map visualisations)."""
    import pandas as pd

    from inputgen.representations import feature_visualisations

    zoo, settings, run = generation_setup(
        args, "features", {"layer": args.layer, "channels": args.channels}
    )
    result = feature_visualisations(zoo, args.layer, args.channels, settings, args.seed)
    means = result.history[f"feature:model:{args.layer}"]
    top1 = zoo.batched_logits(result.images, args.batch_size).argmax(dim=1).tolist()
    table = pd.DataFrame(
        {
            "layer": args.layer,
            "channel": args.channels,
            "mean_activation_start": means[0].round(decimals=4).tolist(),
            "mean_activation_end": means[-1].round(decimals=4).tolist(),
            "top1_name": [zoo.class_names[c] for c in top1],
        }
    )
    record = run.record()
    artifacts.save_tensors(
        args.out,
        {"images": result.images, "channels": torch.tensor(args.channels)},
        record,
        {"model": args.name, "layer": args.layer},
    )
    artifacts.write_table(args.table, table, record)
    captions = [f"channel {row.channel}\n{row.top1_name[:20]}" for row in table.itertuples()]
    title = (
        f"{args.name}: inputs that maximise channels of {args.layer} (caption: channel, the "
        "model's top-1)"
    )
    write_grid(args.figure, result.images, captions, title, record)


def register(commands) -> None:
    p = commands.add_parser("represent", help="generate one image per class (chunk of a job)")
    p.add_argument("--name", required=True, help="the model's name in the config")
    p.add_argument("--model", type=model_spec, required=True, help="model spec as JSON")
    p.add_argument(
        "--classes",
        type=int,
        nargs="+",
        required=True,
        help="ImageNet class indices (0..999), one image each",
    )
    p.add_argument(
        "--objective",
        choices=("target", "minimum"),
        default="target",
        help="target: |C - logit| (representations); minimum: logit (opposites)",
    )
    p.add_argument(
        "--settings",
        type=json_object,
        required=True,
        help="generation settings as JSON (see config/README.md, generation)",
    )
    p.add_argument("--seed", type=int, default=0, help="master seed")
    p.add_argument("--out", required=True, help="chunk .safetensors")
    add_runtime_args(p)
    p.set_defaults(func=cmd_represent)

    p = commands.add_parser("summarise", help="gather representation chunks and rate them")
    p.add_argument("--name", required=True, help="the model's name in the config")
    p.add_argument("--model", type=model_spec, required=True, help="the generator's spec as JSON")
    p.add_argument(
        "--evaluators",
        type=json_object,
        required=True,
        help="JSON map of the other models: name -> spec",
    )
    p.add_argument(
        "--chunks", nargs="+", required=True, help="represent chunks .safetensors, in class order"
    )
    p.add_argument("--images", required=True, help="gathered .safetensors")
    p.add_argument("--summary", required=True, help="per-class .tsv")
    p.add_argument("--quality", required=True, help="self and transfer recognition .tsv")
    p.add_argument("--grid", required=True, help="image grid .png")
    add_runtime_args(p)
    p.set_defaults(func=cmd_summarise)

    p = commands.add_parser("opposites", help="label minimised-class images by the model")
    p.add_argument("--name", required=True, help="the model's name in the config")
    p.add_argument("--model", type=model_spec, required=True, help="model spec as JSON")
    p.add_argument(
        "--chunks",
        nargs="+",
        required=True,
        help="represent --objective minimum chunks .safetensors",
    )
    p.add_argument(
        "--settings",
        type=json_object,
        required=True,
        help="generation settings as JSON (to find the opposites' opposites)",
    )
    p.add_argument("--seed", type=int, default=0, help="master seed (as the chunks were made with)")
    p.add_argument("--images", required=True, help="gathered minimised images .safetensors")
    p.add_argument("--table", required=True, help="opposites .tsv")
    p.add_argument("--commutativity", required=True, help="commutativity .tsv")
    p.add_argument("--graph", required=True, help="opposite relation .graphml")
    p.add_argument("--grid", required=True, help="image grid .png")
    p.add_argument(
        "--representations",
        help="the model's class representations .safetensors: adds the naive opposite (argmin)",
    )
    p.add_argument("--naive", help="naive vs minimised opposites figure .png")
    add_evaluators_arg(p)
    add_runtime_args(p)
    p.set_defaults(func=cmd_opposites)

    p = generation_parser(commands, "starts", "several random starts per class", cmd_starts)
    p.add_argument("--classes", type=int, nargs="+", required=True, help="ImageNet indices")
    p.add_argument("--starts", type=int, required=True, help="random starts per class")

    p = generation_parser(
        commands, "auxiliary", "class images from an auxiliary head", cmd_auxiliary
    )
    p.add_argument("--classes", type=int, nargs="+", required=True, help="ImageNet indices")
    p.add_argument("--layer", required=True, help="the layer the head reads, e.g. Mixed_6e")
    p.add_argument("--head", required=True, help="the head module, e.g. AuxLogits")

    p = generation_parser(
        commands, "features", "inputs that maximise channels of a layer", cmd_features
    )
    p.add_argument("--layer", required=True, help="a module name of the model")
    p.add_argument("--channels", type=int, nargs="+", required=True, help="channel indices")

    p = commands.add_parser("pair", help="combined (+) or difference (-) objective of 2 models")
    p.add_argument("--first-name", required=True, help="the first model's name in the config")
    p.add_argument("--first", type=model_spec, required=True, help="model spec as JSON")
    p.add_argument("--second-name", required=True, help="the second model's name in the config")
    p.add_argument("--second", type=model_spec, required=True, help="model spec as JSON")
    p.add_argument(
        "--operation",
        choices=("+", "-"),
        required=True,
        help="+: d*O1 + e*O2 (combined, g'); -: d*O1 - e*O2 (difference, g'')",
    )
    p.add_argument(
        "--weights",
        type=float,
        nargs=2,
        default=(1.0, 1.0),
        metavar=("D", "E"),
        help="weights d and e of the first and second model's logits",
    )
    p.add_argument(
        "--classes",
        type=int,
        nargs="+",
        required=True,
        help="ImageNet class indices (0..999), one image each",
    )
    p.add_argument(
        "--settings", type=json_object, required=True, help="generation settings as JSON"
    )
    p.add_argument("--seed", type=int, default=0, help="master seed")
    p.add_argument("--images", required=True, help="images .safetensors")
    p.add_argument(
        "--table", required=True, help="how each model and the pair classify the images .tsv"
    )
    p.add_argument("--grid", required=True, help="image grid .png")
    add_runtime_args(p)
    p.set_defaults(func=cmd_pair)

    p = commands.add_parser("ablation", help="quality of representations per prior setting")
    p.add_argument("--name", required=True, help="the model's name in the config")
    p.add_argument("--model", type=model_spec, required=True, help="the generator's spec as JSON")
    p.add_argument(
        "--evaluators",
        type=json_object,
        required=True,
        help="JSON map of the other models: name -> spec",
    )
    p.add_argument(
        "--runs",
        nargs="+",
        required=True,
        metavar="CONFIG=PATH",
        help="prior configuration name = its represent .safetensors, one per row",
    )
    p.add_argument("--seed", type=int, default=0, help="seed of the bootstrap over classes")
    p.add_argument(
        "--table", required=True, help="one row per configuration, with 95%% intervals .tsv"
    )
    p.add_argument(
        "--figure", required=True, help="one class per configuration and the intervals .png"
    )
    add_runtime_args(p)
    p.set_defaults(func=cmd_ablation)
