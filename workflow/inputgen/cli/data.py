"""Stages of the data: the natural photos and their classification."""

from __future__ import annotations

import argparse
import os

import torch

from inputgen import artifacts, provenance
from inputgen.cli.common import (
    add_runtime_args,
    model_spec,
    start_runtime,
)


def cmd_photos(args: argparse.Namespace) -> None:
    from inputgen import photos
    from inputgen.figures import images as plots

    config = {
        "size": args.size,
        "crops": args.crops,
        "crop_scale": list(args.crop_scale),
        "seed": args.seed,
        "folder": args.folder,
        "names": args.names,
    }
    run = provenance.Run("photos", config, seed=args.seed)
    # The named photos (transfiguration, autoencoding, ...) are always the shipped ones; a
    # folder replaces only the source of the natural set (CKA, inversion), with its labels.
    names, originals = photos.sample_photos(args.names)
    for name in names:
        run.add_input(photos.source_file(name))
    labels, class_names, label_space = None, None, None
    if args.folder:
        sources_names, sources_images, labels, class_names = photos.image_folder(args.folder)
        if not sources_names:
            raise ValueError(f"no images found under {args.folder}")
        for name in sources_names:
            run.add_input(os.path.join(args.folder, name))
        # True labels: ImageNet-1k indices where the class directories are ImageNet WordNet ids
        # or class names, else the folder's class indices (into class_names).
        mapped = photos.imagenet_indices(class_names)
        label_space = "imagenet" if mapped is not None else "folder"
        if mapped is not None:
            labels = [mapped[label] for label in labels]
    else:
        sources_names, sources_images = names, originals
    images = torch.stack([photos.fit_square(image, args.size) for image in originals])
    generator = torch.Generator().manual_seed(args.seed)
    crops, sources = photos.random_crops(
        sources_images, args.crops, args.size, tuple(args.crop_scale), generator
    )
    record = run.record()
    natural = {"images": crops, "source": sources}
    natural_metadata = {"names": sources_names}
    if labels is not None:  # the bundled photos have none: later stages use a model's top-1
        natural["labels"] = torch.tensor(labels, dtype=torch.int64)[sources]
        natural_metadata["class_names"] = class_names  # the folder's classes, in folder order
        natural_metadata["label_space"] = label_space  # "imagenet" (ImageNet-1k) or "folder"
    artifacts.save_tensors(args.out, {"images": images}, record, {"names": names})
    artifacts.save_tensors(args.natural, natural, record, natural_metadata)
    shown = min(len(crops), 12)
    figure = plots.image_grid(
        torch.cat([images, crops[:shown]]),
        names + [f"crop {i} of {sources_names[int(sources[i])]}" for i in range(shown)],
        title=f"{len(names)} photos and the first {shown} of {len(crops)} random crops"
        + (f" of {len(sources_names)} images in {args.folder}" if args.folder else ""),
    )
    artifacts.write_figure(args.figure, figure, record)


def cmd_classify(args: argparse.Namespace) -> None:
    from inputgen import classify, models
    from inputgen.figures import images as plots

    device = start_runtime(args)
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


def register(commands) -> None:
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
    p.add_argument("--seed", type=int, default=0, help="seed of the random crops")
    p.add_argument(
        "--folder",
        help="an ImageFolder tree whose labelled images feed the natural set instead of the "
        "shipped photos (the named photos stay the shipped ones)",
    )
    p.add_argument("--names", nargs="+", help="a subset of the shipped photos (default: all)")
    p.add_argument("--out", required=True, help="photos .safetensors")
    p.add_argument("--natural", required=True, help="random-crop dataset .safetensors")
    p.add_argument("--figure", required=True, help="contact sheet .png")
    p.set_defaults(func=cmd_photos)

    p = commands.add_parser("classify", help="top-k classes of every photo under one model")
    p.add_argument("--name", required=True, help="the model's name in the config")
    p.add_argument("--model", type=model_spec, required=True, help="model spec as JSON")
    p.add_argument("--photos", required=True, help="photos .safetensors")
    p.add_argument("--topk", type=int, default=5, help="classes listed per photo")
    p.add_argument("--out", required=True, help="table .tsv")
    p.add_argument("--figure", required=True, help="figure .png")
    add_runtime_args(p)
    p.set_defaults(func=cmd_classify)
