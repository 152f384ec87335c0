"""Depth stages (source article 3): layer autoencoding, fully connected nets, conditioning and
the exactly invertible linear net."""

from __future__ import annotations

import argparse
import json

import torch

from inputgen import artifacts, provenance
from inputgen.cli.common import (
    add_runtime_args,
    json_object,
    model_spec,
    resize,
    select_photos,
    start_runtime,
)

DESCENT = ("steps", "lr", "lr_end", "momentum")


def _add_descent_args(p: argparse.ArgumentParser, steps_help: str) -> None:
    p.add_argument("--steps", type=int, required=True, help=steps_help)
    p.add_argument("--lr", type=float, required=True, help="first step size (normalised steps)")
    p.add_argument("--lr-end", type=float, default=None, help="last step size (linear decay)")
    p.add_argument("--momentum", type=float, default=0.0, help="momentum of the normalised steps")
    p.add_argument(
        "--seed", type=int, default=0, help="master seed (start images, shifts, random layers)"
    )


def _descent(args, priors=None):
    """The stage's descent: normalised steps (source article 3) from the descent arguments."""
    from inputgen.optimize import Descent

    return Descent(
        steps=args.steps,
        lr=args.lr,
        lr_end=args.lr_end,
        rule="normalized",
        momentum=args.momentum,
        priors=priors or {},
    )


def _run(args, stage: str, keys: tuple[str, ...], device, **extra) -> provenance.Run:
    """The stage's provenance record: the named arguments, the descent settings, ``extra``."""
    config = {key: getattr(args, key) for key in (*keys, *DESCENT)} | extra
    return provenance.Run(stage, config, seed=args.seed, device=str(device))


def cmd_autoencode(args: argparse.Namespace) -> None:
    import pandas as pd

    from inputgen import autoencoding, models
    from inputgen.figures import depth as depth_plots

    device = start_runtime(args)
    descent = _descent(args, args.priors)
    spec = dict(args.model)
    if models.ARCHS[spec["arch"]].family == "torchvision":
        spec["input_size"] = args.size  # fully convolutional: runs at the optimised image's size
    keys = ("name", "photo", "size", "layers", "priors", "reference_std")
    run = _run(args, "autoencode", keys, device, model=spec)
    zoo = models.load_model(spec).to(device)
    run.add_weights(zoo.weights_path)
    target = resize(select_photos(args.photos, [args.photo], run), args.size)
    m_r = autoencoding.reference_distances(
        zoo, target, args.layers, std=args.reference_std, seed=args.seed
    )
    frames, images = [], []
    for layer in args.layers:
        result = autoencoding.reconstruct(
            zoo,
            target,
            layer,
            descent,
            ids=[0],  # one start a_0 for every layer
            seed=args.seed,
            progress=f"{args.name} {layer}",
        )
        images.append(result.images[0])
        frames.append(
            pd.DataFrame(
                {
                    "layer": layer,
                    "iteration": range(args.steps + 1),
                    "m_g": result.m_g[:, 0].numpy(),
                    "m_i": result.m_i[:, 0].numpy(),
                    "m_r": float(m_r[layer][0]),
                }
            )
        )
    metrics = pd.concat(frames, ignore_index=True)
    record = run.record()
    artifacts.write_table(args.metrics, metrics, record)
    # |a' - a| of the same a' behind m_r: the input-space size of a nearly invisible shift
    shift = float((autoencoding.shifted(target, args.reference_std, args.seed) - target).norm())
    artifacts.save_tensors(
        args.images,
        {"images": torch.stack(images), "target": target[0]},
        record,
        {"model": args.name, "layers": args.layers, "shift_distance": shift},
    )
    figure = depth_plots.autoencoding_curves(
        metrics,
        title=f"{args.name}: autoencoding {args.photo} ({args.size} px) from each layer",
    )
    artifacts.write_figure(args.figure, figure, record)


def cmd_autoencoding_summary(args: argparse.Namespace) -> None:
    import pandas as pd
    from scipy.stats import spearmanr

    from inputgen.figures import images as plots

    run = provenance.Run("autoencoding-summary", {"untrained": args.untrained})
    rows, cells, captions = [], [], []
    width = 0
    loaded = []
    for item in args.models:
        name, paths = item.split("=", 1)
        metrics_path, images_path = paths.split(",")
        run.add_input(metrics_path)
        run.add_input(images_path)
        metrics = pd.read_csv(metrics_path, sep="\t")
        tensors, metadata = artifacts.load_tensors(images_path)
        loaded.append((name, metrics, tensors, metadata))
        width = max(width, len(metadata["layers"]))
    for name, metrics, tensors, metadata in loaded:
        last = metrics[metrics["iteration"] == metrics["iteration"].max()]
        shift = metadata["shift_distance"]
        for depth, row in enumerate(last.itertuples(), start=1):
            rows.append(
                {
                    "model": name,
                    "trained": name not in args.untrained,
                    "layer": row.layer,
                    "depth": depth,
                    "m_g": row.m_g,
                    "m_r": row.m_r,
                    "m_i": row.m_i,
                    "m_g_below_m_r": row.m_g < row.m_r,
                    "m_i_over_shift": row.m_i / shift,
                }
            )
        cells += [tensors["target"], *tensors["images"]]
        kind = "untrained" if name in args.untrained else "trained"
        captions += [f"{name} ({kind})\ntarget"] + [
            f"{row.layer}\nm_g/m_r {row.m_g / row.m_r:.2f}, m_i {row.m_i:.1f}"
            for row in last.itertuples()
        ]
        for _ in range(width - len(metadata["layers"])):  # keep one model per row
            cells.append(torch.ones_like(tensors["target"]))
            captions.append("")
    summary = pd.DataFrame(rows)
    claims = []
    for name, group in summary.groupby("model", sort=False):
        trained = bool(group["trained"].iloc[0])
        rho = spearmanr(group["depth"], group["m_i"]).statistic if len(group) > 1 else float("nan")
        deepest = group.iloc[-1]
        claims += [
            {
                "model": name,
                "trained": trained,
                "claim": "m_i at the last iteration grows with depth",
                "value": round(float(rho), 3),
                "measure": "Spearman rho(depth, m_i)",
                "holds": bool(group["m_i"].is_monotonic_increasing),
            },
            {
                "model": name,
                "trained": trained,
                "claim": "deepest layer: m_g < m_r while m_i > |a' - a|",
                "value": round(float(deepest["m_g"] / deepest["m_r"]), 3),
                "measure": f"m_g / m_r (m_i / |a' - a| = {deepest['m_i_over_shift']:.2f})",
                "holds": bool(deepest["m_g_below_m_r"] and deepest["m_i_over_shift"] > 1),
            },
        ]
    record = run.record()
    artifacts.write_table(args.summary, summary, record)
    artifacts.write_table(args.claims, pd.DataFrame(claims), record)
    figure = plots.image_grid(
        torch.stack(cells),
        captions,
        columns=width + 1,
        title="Layer autoencoding: the target and what each layer's output determines "
        "(shallow -> deep)",
    )
    artifacts.write_figure(args.grid, figure, record)


def _photos_at(path: str, names: list[str], size: int, run) -> torch.Tensor:
    return resize(select_photos(path, names, run), size)


def _recover(net, targets: torch.Tensor, args, device, progress: str):
    """The descent of layer autoencoding (no priors) toward a small net's output."""
    from inputgen import autoencoding

    zoo = autoencoding.as_zoo(net, args.size).to(device)
    return autoencoding.reconstruct(
        zoo, targets, None, _descent(args), seed=args.seed, progress=progress
    )


def cmd_fully_connected(args: argparse.Namespace) -> None:
    import numpy as np
    import pandas as pd

    from inputgen import dense
    from inputgen.figures import depth as depth_plots

    device = start_runtime(args)
    run = _run(args, "fully-connected", ("study", "nets", "relu", "names", "size"), device)
    targets = _photos_at(args.photos, args.names, args.size, run)
    inputs = targets[0].numel()
    kept = np.unique(np.geomspace(1, args.steps, args.points).round().astype(int))
    kept = np.concatenate([[0], kept])
    frames = []
    for index, widths in enumerate(args.nets):
        net = dense.mlp(inputs, widths, seed=args.seed + index, relu=args.relu)
        label = "-".join(map(str, widths))
        result = _recover(net, targets, args, device, f"{args.study} {label}")
        for p, photo in enumerate(args.names):
            frames.append(
                pd.DataFrame(
                    {
                        "net": label,
                        "depth": len(widths),
                        "narrowest": min(widths),
                        "inputs": inputs,
                        "photo": photo,
                        "iteration": kept,
                        "m_i": result.m_i[kept, p].numpy(),
                        "m_g": result.m_g[kept, p].numpy(),
                    }
                )
            )
    table = pd.concat(frames, ignore_index=True)
    record = run.record()
    artifacts.write_table(args.table, table, record)
    activation = "ReLU" if args.relu else "linear"
    figure = depth_plots.fully_connected_figure(
        table,
        title=f"Fully connected ({activation}), {args.study}: {args.size}x{args.size}x3 = "
        f"{inputs} inputs, {len(args.names)} photos",
        reference=float(args.reference_std * inputs**0.5),
    )
    artifacts.write_figure(args.figure, figure, record)


def cmd_invertible(args: argparse.Namespace) -> None:
    import numpy as np
    import pandas as pd

    from inputgen import autoencoding, dense
    from inputgen.figures import depth as depth_plots

    device = start_runtime(args)
    keys = ("names", "size", "depth", "neighbours", "output_std", "reference_std")
    run = _run(args, "invertible", keys, device)
    targets = _photos_at(args.photos, args.names, args.size, run)
    width = targets[0].numel()
    stack = dense.LinearStack.random(width, args.depth, args.seed)
    errors = dense.reconstruction_errors(stack, targets)
    invertible = pd.DataFrame(
        [
            {"photo": photo, "dtype": dtype, "relative_error": float(values[i])}
            for dtype, values in errors.items()
            for i, photo in enumerate(args.names)
        ]
    )
    # Gradient descent on the same net's input (float32), as in layer autoencoding.
    descent = _recover(stack.module(), targets, args, device, "descent")
    rows, summary = [], []
    for i, photo in enumerate(args.names):
        a = targets[i]
        neighbours = dense.random_neighbours(
            stack, a, count=args.neighbours, output_std=args.output_std, seed=args.seed + i
        )
        shifted = autoencoding.shifted(a.double(), args.reference_std, args.seed + i)
        shift = float((shifted - a.double()).norm())
        shift_output = float((stack.forward(shifted[None]) - stack.forward(a[None])).norm())
        found = float(descent.m_i[-1, i])
        rows += [{"photo": photo, "kind": "random", "input_distance": float(d)} for d in neighbours]
        rows += [
            {"photo": photo, "kind": "shifted", "input_distance": shift},
            {"photo": photo, "kind": "descent", "input_distance": found},
        ]
        summary.append(
            {
                "photo": photo,
                "median_random": float(neighbours.median()),
                "shifted": shift,
                "descent": found,
                "descent_percentile": dense.percentile_of(found, neighbours),
                "random_output_distance": args.output_std * width**0.5,
                "shifted_output_distance": shift_output,
                "descent_output_distance": float(descent.m_g[-1, i]),
            }
        )
    neighbours_table, summary = pd.DataFrame(rows), pd.DataFrame(summary)
    record = run.record()
    artifacts.write_table(args.invertible, invertible, record)
    artifacts.write_table(args.neighbours_table, neighbours_table, record)
    artifacts.write_table(args.summary, summary, record)
    first = args.names[0]
    errors_table = (
        invertible.groupby("dtype")["relative_error"].median().rename("median_relative_error")
    ).reset_index()
    figure = depth_plots.neighbours_figure(
        np.asarray(
            neighbours_table.query("photo == @first and kind == 'random'")["input_distance"]
        ),
        shifted=float(summary["shifted"].iloc[0]),
        descent=float(summary["descent"].iloc[0]),
        errors=errors_table,
        note=f"{first}: {args.depth} square linear layers of {width}; O(a'') = O(a) + "
        f"N(0, {args.output_std:g}^2), a' = a + N(0, {args.reference_std:g}^2), a_g after "
        f"{args.steps} steps ({summary['descent_percentile'].iloc[0]:.1f}th percentile)",
    )
    artifacts.write_figure(args.figure, figure, record)


def cmd_mnist_training(args: argparse.Namespace) -> None:
    import pandas as pd

    from inputgen import autoencoding, mnist
    from inputgen.figures import depth as depth_plots
    from inputgen.figures import images as plots

    device = start_runtime(args)
    descent = _descent(args, args.priors)
    keys = ("train_images", "epochs", "train_batch", "train_lr", "checkpoints", "digits")
    run = _run(args, "mnist-training", (*keys, "layers", "priors", "reference_std"), device)
    images, labels = mnist.load("train")
    images, labels = images[: args.train_images], labels[: args.train_images]
    test_images, test_labels = mnist.load("test")
    digits = mnist.grey(test_images[: args.digits])
    total = args.epochs * -(-len(images) // args.train_batch)
    steps = sorted({round(f * total) for f in args.checkpoints})
    model = mnist.build(args.seed).to(device)
    zoo = autoencoding.as_zoo(model, 28).to(device)
    # a grey a' and a grey a_0: the network reads the channel mean, so colour is invisible to it
    shift = mnist.grey(
        autoencoding.shifted(test_images[: args.digits], args.reference_std, args.seed)
    )
    start = mnist.grey(autoencoding.start_images((1, 28, 28), range(args.digits), args.seed))
    rows, grid, captions = [], [], []
    for step in mnist.train(
        model, images, labels, epochs=args.epochs, batch_size=args.train_batch,
        lr=args.train_lr, checkpoints=steps, seed=args.seed,
    ):  # fmt: skip
        accuracy = mnist.accuracy(model, test_images, test_labels)
        m_r = autoencoding.output_distances(zoo, digits, shift, args.layers)
        grid.append(digits[0])
        captions.append(f"step {step}\ntest acc. {accuracy:.3f}")
        for layer in args.layers:
            result = autoencoding.reconstruct(
                zoo, digits, layer, descent, init=start, seed=args.seed,
                progress=f"step {step} {layer}",
            )  # fmt: skip
            grid.append(result.images[0])
            captions.append(f"{layer}\nm_g/m_r {result.m_g[-1, 0] / m_r[layer][0]:.2f}")
            for d in range(args.digits):
                rows.append(
                    {
                        "step": step,
                        "epoch": step / (total / args.epochs),
                        "test_accuracy": accuracy,
                        "layer": layer,
                        "digit": d,
                        "m_g": float(result.m_g[-1, d]),
                        "m_i": float(result.m_i[-1, d]),
                        "m_r": float(m_r[layer][d]),
                    }
                )
    table = pd.DataFrame(rows)
    record = run.record()
    artifacts.write_table(args.metrics, table, record)
    artifacts.write_figure(args.figure, depth_plots.training_figure(table), record)
    figure = plots.image_grid(
        torch.stack(grid),
        captions,
        columns=len(args.layers) + 1,
        title="Test digit 0 recovered from each layer (columns) at each checkpoint (rows)",
        cell_inches=1.6,
    )
    artifacts.write_figure(args.grid, figure, record)


def register(commands) -> None:
    p = commands.add_parser("autoencode", help="invert one photo from each layer of a model")
    p.add_argument("--name", required=True, help="the model's name in the config")
    p.add_argument("--model", type=model_spec, required=True, help="model spec as JSON")
    p.add_argument("--photos", required=True, help="photos .safetensors")
    p.add_argument("--photo", required=True, help="the target photo's name")
    p.add_argument("--size", type=int, required=True, help="side of the optimised image")
    p.add_argument("--layers", nargs="+", required=True, help="module names, shallow to deep")
    p.add_argument("--priors", type=json_object, default={}, help='JSON, e.g. {"blur": {}}')
    p.add_argument("--reference-std", type=float, default=1 / 25, help="a' = a + N(0, std^2)")
    _add_descent_args(p, "iterations per layer")
    p.add_argument("--metrics", required=True, help="metrics .tsv")
    p.add_argument("--images", required=True, help="a_g per layer .safetensors")
    p.add_argument("--figure", required=True, help="m_g / m_i curves .png")
    add_runtime_args(p)
    p.set_defaults(func=cmd_autoencode)

    p = commands.add_parser("autoencoding-summary", help="all models' layers side by side")
    p.add_argument(
        "--models", nargs="+", required=True, metavar="NAME=METRICS,IMAGES", help="in grid order"
    )
    p.add_argument("--untrained", nargs="*", default=[], help="names of the untrained models")
    p.add_argument("--summary", required=True, help="per model and layer .tsv")
    p.add_argument("--claims", required=True, help="the source's claims as numbers .tsv")
    p.add_argument(
        "--grid", required=True, help="inputs recovered from each layer, every model .png"
    )
    p.set_defaults(func=cmd_autoencoding_summary)

    p = commands.add_parser("fully-connected", help="input recovery through fully connected nets")
    p.add_argument("--study", required=True, help="the study's name (titles and provenance)")
    p.add_argument("--nets", type=json.loads, required=True, help="JSON list of layer-width lists")
    p.add_argument("--relu", action="store_true", help="ReLU between layers (default: linear)")
    p.add_argument("--photos", required=True, help="photos .safetensors")
    p.add_argument("--names", nargs="+", required=True, help="photos to recover")
    p.add_argument(
        "--size", type=int, default=29, help="side of the downscaled photos (29: 2523 inputs)"
    )
    p.add_argument("--points", type=int, default=24, help="log-spaced iterations recorded")
    p.add_argument("--reference-std", type=float, default=1 / 25, help="a' = a + N(0, std^2)")
    _add_descent_args(p, "iterations (the largest budget)")
    p.add_argument("--table", required=True, help="m_i, m_g per net and iteration .tsv")
    p.add_argument("--figure", required=True, help="m_i curves .png")
    add_runtime_args(p)
    p.set_defaults(func=cmd_fully_connected)

    p = commands.add_parser("invertible", help="exact inversion and random output neighbours")
    p.add_argument("--photos", required=True, help="photos .safetensors")
    p.add_argument("--names", nargs="+", required=True, help="photos to invert")
    p.add_argument("--size", type=int, default=29, help="side of the downscaled photos")
    p.add_argument("--depth", type=int, default=4, help="square linear layers")
    p.add_argument("--neighbours", type=int, required=True, help="random neighbours per photo")
    p.add_argument("--output-std", type=float, default=1 / 1000, help="O(a'') = O(a) + N(0, s^2)")
    p.add_argument("--reference-std", type=float, default=1 / 25, help="a' = a + N(0, std^2)")
    _add_descent_args(p, "gradient-descent iterations for a_g")
    p.add_argument("--invertible", required=True, help="reconstruction errors .tsv")
    p.add_argument("--neighbours-table", required=True, help="input distances .tsv")
    p.add_argument("--summary", required=True, help="medians and the percentile of |a_g - a| .tsv")
    p.add_argument("--figure", required=True, help="neighbour distances .png")
    add_runtime_args(p)
    p.set_defaults(func=cmd_invertible)

    p = commands.add_parser("mnist-training", help="layer autoencoding while a CNN trains")
    p.add_argument("--train-images", type=int, default=50000, help="first N training images")
    p.add_argument("--epochs", type=int, required=True, help="training epochs")
    p.add_argument("--train-batch", type=int, default=64, help="SGD batch (changes results)")
    p.add_argument("--train-lr", type=float, default=0.01, help="SGD learning rate (momentum 0.9)")
    p.add_argument(
        "--checkpoints", type=float, nargs="+", required=True,
        help="fractions of training (0: untrained, 1: the end)",
    )  # fmt: skip
    p.add_argument("--digits", type=int, default=8, help="test digits autoencoded")
    p.add_argument(
        "--layers", nargs="+", default=["conv1", "conv2", "fc1", "fc2"], help="layers autoencoded"
    )
    p.add_argument("--priors", type=json_object, default={}, help='JSON, e.g. {"blur": {}}')
    p.add_argument("--reference-std", type=float, default=1 / 25, help="a' = a + N(0, std^2)")
    _add_descent_args(p, "autoencoding iterations per layer and checkpoint")
    p.add_argument("--metrics", required=True, help="metrics .tsv")
    p.add_argument("--figure", required=True, help="accuracy and m_g during training .png")
    p.add_argument("--grid", required=True, help="recovered digits .png")
    add_runtime_args(p)
    p.set_defaults(func=cmd_mnist_training)
