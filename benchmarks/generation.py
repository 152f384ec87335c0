"""Generation engine benchmark: measured side by side in one run.

1. Engine overhead: time per image-step of ``optimize`` with every prior and octaves against
   the floor, a bare forward + backward to the input of the same batch (target: <= 15%).
2. Batching: 16 classes in one batch against the source articles' one-image-at-a-time loop.

    .venv/bin/python benchmarks/generation.py [--model efficientnet_lite0] [--steps 8]
"""

from __future__ import annotations

import argparse
import platform
import time
from dataclasses import replace

import torch
from inputgen.engine.models import load_model
from inputgen.engine.objectives import LogitTarget
from inputgen.engine.optimize import Descent, optimize, scaled_random_init
from inputgen.platform.runtime import resolve_device

PRIORS = {"blur": {}, "resize": {}, "affine": {}, "colour": {}}


def sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize()


def timed(function, device, repeats: int) -> float:
    function()  # warm-up (allocator, kernels, caches)
    sync(device)
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        sync(device)
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="efficientnet_lite0")
    parser.add_argument("--weights", default="package")
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--steps", type=int, default=8)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--device", default="auto")
    args = parser.parse_args()

    device = resolve_device(args.device)
    zoo = load_model({"arch": args.model, "weights": args.weights}).to(device)
    size = zoo.spec["input_size"]
    classes = list(range(0, 1000, 1000 // args.batch))[: args.batch]
    init = scaled_random_init(classes, size, seed=0).to(device)
    descent = Descent(steps=args.steps, lr=0.01, priors=PRIORS)

    def floor():
        for _ in range(args.steps):
            images = init.clone().requires_grad_(True)
            logits = zoo.logits(images)
            loss = (30 - logits[torch.arange(len(classes)), classes]).abs().sum()
            torch.autograd.grad(loss, images)

    def engine(batch_classes, start):
        return lambda: optimize(
            {"m": zoo},
            LogitTarget("m", batch_classes, 30.0),
            start,
            descent,
            ids=batch_classes,
            progress=None,
        )

    def engine_octaves():
        optimize(
            {"m": zoo},
            LogitTarget("m", classes, 30.0),
            init,
            replace(descent, octaves=(0.5, 0.75, 1.0)),
            ids=classes,
            progress=None,
        )

    def one_at_a_time():
        for i, cls in enumerate(classes):
            engine([cls], init[i : i + 1])()

    image_steps = args.batch * args.steps
    t_floor = timed(floor, device, args.repeats)
    t_engine = timed(engine(classes, init), device, args.repeats)
    t_octaves = timed(engine_octaves, device, args.repeats)
    t_single = timed(one_at_a_time, device, max(1, args.repeats - 2))

    print(
        f"machine: {platform.node()} | {device} "
        f"{torch.cuda.get_device_name(device) if device.type == 'cuda' else platform.processor()}"
        f" | torch {torch.__version__} | {torch.get_num_threads()} threads"
    )
    print(
        f"model {args.model} at {size}px, batch {args.batch}, {args.steps} steps, best of "
        f"{args.repeats}"
    )
    print(f"{'what':44s} {'ms / image-step':>16s} {'ratio':>8s}")
    rows = [
        ("forward + backward only (floor)", t_floor, 1.0),
        ("engine, all priors", t_engine, t_engine / t_floor),
        ("engine, all priors + octaves 0.5/0.75/1", t_octaves, t_octaves / t_floor),
        ("engine, one image at a time (source loop)", t_single, t_single / t_engine),
    ]
    for what, seconds, ratio in rows:
        print(f"{what:44s} {1000 * seconds / image_steps:16.1f} {ratio:8.2f}")
    print(f"engine overhead over the floor: {100 * (t_engine / t_floor - 1):.1f}%")
    print(f"batching speed-up over one at a time: {t_single / t_engine:.2f}x")


if __name__ == "__main__":
    main()
