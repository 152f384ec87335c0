"""Stages that make one model (theta1) take another's (theta2) view: vectorisation toward its
pictures and photos, and merging by parameters."""

from __future__ import annotations

import argparse
import zlib

import torch

from inputgen import artifacts
from inputgen.cli.common import (
    add_runtime_args,
    batches,
    check_classes,
    generation_setup,
    json_object,
    model_spec,
    resize,
    select_classes,
    select_photos,
)


def photo_id(name: str) -> int:
    """A seed id per photo from its name (stable under reordering), clear of class ids."""
    return 1000 + zlib.crc32(name.encode()) % 1_000_000


def setup_pair(args: argparse.Namespace, stage: str, extra: dict):
    """theta1 (with settings and provenance), theta2, and both models' pictures of the classes."""
    from inputgen import models

    check_classes(args.classes)
    pair = {"toward_name": args.toward_name, "toward": args.toward, "classes": args.classes}
    zoo, settings, run = generation_setup(args, stage, {**pair, **extra})
    toward = models.load_model(args.toward).to(zoo.preprocess.mean.device)
    run.add_weights(toward.weights_path)
    theirs = select_classes(args.target_images, args.classes, run)
    own = select_classes(args.own, args.classes, run)
    return zoo, toward, settings, run, theirs, own


def top1_names(zoo, images: torch.Tensor, batch_size: int) -> list[str]:
    return [zoo.class_names[i] for i in zoo.batched_logits(images, batch_size).argmax(dim=1)]


def side_by_side(columns: list[torch.Tensor], captions: list[str], title: str, size: int):
    """One row per target, one column per image set (resized to ``size`` for display)."""
    from inputgen.figures import images as plots

    rows = torch.stack([resize(images, size) for images in columns], dim=1)
    return plots.image_grid(
        rows.flatten(0, 1),
        captions,
        columns=len(columns),
        title=title,
        cell_inches=3 if len(columns) == 2 else 2.2,
    )


def cmd_vectorise(args: argparse.Namespace) -> None:
    import pandas as pd

    from inputgen.output_space import correlation_distance
    from inputgen.vectorisation import l1_distance, vectorise

    zoo, toward, settings, run, theirs, own = setup_pair(
        args, "vectorise", {"photos": args.photo_names}
    )
    photos = select_photos(args.photos, args.photo_names, run)
    size = zoo.spec["input_size"]
    targets_images = torch.cat([resize(theirs, size), resize(photos, size)])
    targets = zoo.batched_logits(targets_images, args.batch_size)
    ids = [*args.classes, *map(photo_id, args.photo_names)]
    result, start = vectorise(zoo, targets, ids, settings, args.seed)
    images = result.images
    n = len(args.classes)
    names = zoo.class_names
    # theta2's view, a check the optimisation never saw: is the vectorised image closer to
    # theta2's own picture than theta1's own picture is?
    theirs_seen = toward.batched_logits(theirs, args.batch_size)
    vectorised_seen = toward.batched_logits(images[:n], args.batch_size)
    own_seen = toward.batched_logits(own, args.batch_size)
    toward_own = correlation_distance(own_seen, theirs_seen)
    toward_vectorised = correlation_distance(vectorised_seen, theirs_seen)
    start_distance = l1_distance(zoo, start, targets, args.batch_size)
    end_distance = l1_distance(zoo, images, targets, args.batch_size)
    own_distance = l1_distance(zoo, own, targets[:n], args.batch_size)
    toward_top1 = vectorised_seen.argmax(1).tolist()
    pad = [float("nan")] * len(args.photo_names)
    table = pd.DataFrame(
        {
            "kind": ["class"] * n + ["photo"] * len(args.photo_names),
            "target": [*map(str, args.classes), *args.photo_names],
            "name": [names[c] for c in args.classes] + list(args.photo_names),
            "start_distance": start_distance.numpy().round(2),
            "end_distance": end_distance.numpy().round(2),
            "reduction": (start_distance / end_distance).numpy().round(3),
            "own_distance": [*own_distance.double().numpy().round(2), *pad],
            "target_top1": top1_names(zoo, targets_images, args.batch_size),
            "vectorised_top1": top1_names(zoo, images, args.batch_size),
            "toward_top1": [names[i] for i in toward_top1] + [""] * len(pad),
            "toward_recognises": [t == c for t, c in zip(toward_top1, args.classes, strict=True)]
            + [None] * len(pad),
            "toward_distance_own": [*toward_own.round(4), *pad],
            "toward_distance_vectorised": [*toward_vectorised.round(4), *pad],
        }
    )
    table["moved_toward"] = [*(toward_vectorised < toward_own), *[None] * len(pad)]
    record = run.record()
    artifacts.save_tensors(
        args.out,
        {"images": images, "targets": targets, "classes": torch.tensor(args.classes)},
        record,
        {"model": args.name, "toward": args.toward_name, "photos": args.photo_names},
    )
    artifacts.write_table(args.table, table, record)
    captions = [
        caption
        for row in table.iloc[:n].itertuples()
        for caption in (
            f"{args.name}'s {row.name[:20]}",
            f"{args.toward_name}'s {row.name[:20]}",
            f"{args.name} vectorised\n{args.toward_name} sees {row.toward_top1[:16]}",
        )
    ]
    figure = side_by_side(
        [own, theirs, images[:n]],
        captions,
        f"{args.name} vectorised to be {args.toward_name}",
        size,
    )
    artifacts.write_figure(args.figure, figure, record)
    captions = [
        caption
        for row in table.iloc[n:].itertuples()
        for caption in (
            f"photo {row.name}: {row.target_top1[:18]}",
            f"{args.name} vectorised: {row.vectorised_top1[:18]}",
        )
    ]
    figure = side_by_side(
        [photos, images[n:]],
        captions,
        f"{args.name} vectorised to photos\n(caption: what {args.name} sees)",
        size,
    )
    artifacts.write_figure(args.photo_figure, figure, record)


MERGING_FIGURE_ROWS = 16


def cmd_merge(args: argparse.Namespace) -> None:
    import pandas as pd

    from inputgen.figures import output_space as output_plots
    from inputgen.merging import match_outputs, rss
    from inputgen.output_space import correlation_distance
    from inputgen.representations import class_representations

    zoo, toward, settings, run, theirs, before = setup_pair(
        args, "merge", {"steps": args.steps, "lr": args.lr, "batch": args.batch}
    )
    targets = toward.batched_logits(theirs, args.batch_size)
    merged, history = match_outputs(
        zoo,
        theirs,
        targets,
        steps=args.steps,
        lr=args.lr,
        batch_size=args.batch_size,
        batch=args.batch,
    )
    rss_before = rss(zoo.batched_logits(theirs, args.batch_size), targets)
    rss_after = rss(merged.batched_logits(theirs, args.batch_size), targets)
    # The same settings and seed as the class representations: only the parameters differ.
    after = torch.cat(
        [
            class_representations(merged, batch, settings, args.seed).images
            for batch in batches(args.classes, args.batch_size)
        ]
    )
    seen = {
        label: toward.batched_logits(images, args.batch_size)
        for label, images in (("before", before), ("after", after), ("theirs", theirs))
    }
    names, classes = zoo.class_names, torch.tensor(args.classes)
    table = pd.DataFrame(
        {
            "class": args.classes,
            "name": [names[c] for c in args.classes],
            "rss_before": rss_before.numpy().round(2),
            "rss_after": rss_after.numpy().round(2),
            "rss_reduction": (rss_before / rss_after).numpy().round(3),
            "toward_top1_before": [names[i] for i in seen["before"].argmax(1)],
            "toward_top1_after": [names[i] for i in seen["after"].argmax(1)],
            "toward_recognises_before": (seen["before"].argmax(1) == classes).numpy(),
            "toward_recognises_after": (seen["after"].argmax(1) == classes).numpy(),
            "toward_distance_before": correlation_distance(seen["before"], seen["theirs"]).round(4),
            "toward_distance_after": correlation_distance(seen["after"], seen["theirs"]).round(4),
        }
    )
    table["moved_toward"] = table["toward_distance_after"] < table["toward_distance_before"]
    record = run.record()
    artifacts.save_tensors(
        args.out,
        {"images": after, "classes": torch.tensor(args.classes), "loss": history},
        record,
        {"model": args.name, "toward": args.toward_name},
    )
    artifacts.write_table(args.table, table, record)
    shown = slice(0, MERGING_FIGURE_ROWS)  # 1000 classes would make an unreadable figure
    captions = [
        caption
        for row in table.iloc[shown].itertuples()
        for caption in (
            f"{args.name} before: {row.toward_top1_before[:16]}",
            f"{args.toward_name}'s {row.name[:20]}",
            f"{args.name} merged: {row.toward_top1_after[:16]}",
        )
    ]
    figure = side_by_side(
        [before[shown], theirs[shown], after[shown]],
        captions,
        f"{args.name} trained toward {args.toward_name}'s outputs, then generating again"
        f"\n(caption: what {args.toward_name} sees)",
        zoo.spec["input_size"],
    )
    artifacts.write_figure(args.figure, figure, record)
    figure = output_plots.loss_curve(
        history.tolist(),
        title=f"{args.name} -> {args.toward_name}: RSS fell {history[0] / history[-1]:.1f}x "
        f"in {len(history) - 1} SGD steps"
        + (f" ({args.steps} per group of {args.batch} images)" if args.batch else ""),
        ylabel="mean RSS per image",
    )
    artifacts.write_figure(args.loss_figure, figure, record)


def _pair_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--name", required=True, help="theta1's name in the config")
    p.add_argument("--model", type=model_spec, required=True, help="theta1's spec as JSON")
    p.add_argument("--toward-name", required=True, help="theta2's name in the config")
    p.add_argument("--toward", type=model_spec, required=True, help="theta2's spec as JSON")
    p.add_argument("--own", required=True, help="theta1's class representations .safetensors")
    p.add_argument(
        "--target-images", required=True, help="theta2's class representations .safetensors"
    )
    p.add_argument(
        "--classes",
        type=int,
        nargs="+",
        required=True,
        help="ImageNet classes whose theta2 images are matched",
    )
    p.add_argument(
        "--settings", type=json_object, required=True, help="generation settings as JSON"
    )
    p.add_argument("--seed", type=int, default=0, help="master seed")


def register(commands) -> None:
    p = commands.add_parser("vectorise", help="theta1 draws theta2's pictures (and photos)")
    _pair_args(p)
    p.add_argument("--photos", required=True, help="photos .safetensors")
    p.add_argument(
        "--photo-names",
        nargs="+",
        required=True,
        help="photos (names in --photos) whose theta1 outputs are also matched",
    )
    p.add_argument("--out", required=True, help="vectorised images .safetensors")
    p.add_argument("--table", required=True, help="distances and recognition .tsv")
    p.add_argument("--figure", required=True, help="own | theirs | vectorised .png")
    p.add_argument("--photo-figure", required=True, help="photo | vectorised .png")
    add_runtime_args(p)
    p.set_defaults(func=cmd_vectorise)

    p = commands.add_parser("merge", help="train theta1's parameters toward theta2's outputs")
    _pair_args(p)
    p.add_argument(
        "--steps", type=int, required=True, help="SGD steps (per group of --batch images)"
    )
    p.add_argument(
        "--batch",
        type=int,
        help="images per SGD step, each group trained --steps steps in turn (source article 3: "
        "1); omitted: every image in each step",
    )
    p.add_argument("--lr", type=float, required=True, help="SGD learning rate")
    p.add_argument("--out", required=True, help="regenerated images .safetensors")
    p.add_argument("--table", required=True, help="per-class merging results .tsv")
    p.add_argument("--figure", required=True, help="before | theirs | after .png")
    p.add_argument("--loss-figure", required=True, help="RSS curve .png")
    add_runtime_args(p)
    p.set_defaults(func=cmd_merge)
