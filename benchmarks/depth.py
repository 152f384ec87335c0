"""Depth-study benchmark (linear algebra on the CPU default), measured side by side in one run.

1. Random neighbours: all neighbours inverted through one solve per layer (many right-hand
   sides) against one solve per neighbour (the loop a direct port would write).
2. Exact inversion in float32 against float64: the price of the precision the study needs.
3. Input recovery through a fully connected net: photos recovered in one batch against one at
   a time (the nets are memory-bound, so a batch costs about what one image does).

    .venv/bin/python benchmarks/depth.py [--width 2523] [--neighbours 200] [--steps 20]
"""

from __future__ import annotations

import argparse
import platform
import time

import torch
from inputgen.engine import dense, reconstruction
from inputgen.engine.optimize import Descent
from inputgen.studies.invertible import science as invertible


def timed(function, repeats: int) -> float:
    function()  # warm-up
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--width", type=int, default=2523, help="29x29x3")
    parser.add_argument("--depth", type=int, default=4)
    parser.add_argument("--neighbours", type=int, default=200)
    parser.add_argument("--photos", type=int, default=4)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    print(f"{platform.processor() or platform.machine()}, {torch.get_num_threads()} threads")

    stack = invertible.LinearStack.random(args.width, args.depth, seed=0)
    image = torch.rand(args.width, generator=torch.Generator().manual_seed(0))
    outputs = (
        stack.forward(image[None])
        + torch.randn(args.neighbours, args.width, dtype=torch.float64, generator=torch.Generator())
        * 1e-3
    )
    batched = timed(lambda: stack.invert(outputs), args.repeats)
    looped = timed(lambda: [stack.invert(row[None]) for row in outputs], 1)
    print(f"\n1. {args.neighbours} random neighbours, {args.depth} layers of {args.width}")
    print(f"   one solve per layer (batched)   {batched:8.2f} s   1.00")
    print(f"   one solve per neighbour         {looped:8.2f} s   {looped / batched:.1f}x slower")

    inputs = image[None].repeat(args.photos, 1)
    times = {
        dtype: timed(lambda d=dtype: stack.invert(stack.forward(inputs, d), d), args.repeats)
        for dtype in (torch.float32, torch.float64)
    }
    errors = invertible.reconstruction_errors(stack, inputs[:1])
    print(f"\n2. forward + exact inverse of {args.photos} inputs")
    for dtype, seconds in times.items():
        name = str(dtype).removeprefix("torch.")
        ratio = seconds / times[torch.float32]
        print(f"   {name:8s} {seconds:8.3f} s   {ratio:.2f}   relative error "
              f"{float(errors[name][0]):.1e}")  # fmt: skip

    side = round((args.width / 3) ** 0.5)
    net = reconstruction.as_zoo(dense.mlp(3 * side * side, [3000, 3000, 3000], seed=0), side)
    photos = torch.rand(args.photos, 3, side, side, generator=torch.Generator().manual_seed(1))

    descent = Descent(steps=args.steps, lr=0.01, rule="normalized")

    def recover(batch):
        reconstruction.reconstruct(net, batch, None, descent, progress=None)

    together = timed(lambda: recover(photos), args.repeats)
    alone = timed(lambda: [recover(photo[None]) for photo in photos], args.repeats)
    print(f"\n3. {args.photos} photos ({side}x{side}x3), 3 layers of 3000, {args.steps} steps")
    print(f"   one batch        {1000 * together / args.steps:8.1f} ms/step   1.00")
    print(f"   one at a time    {1000 * alone / args.steps:8.1f} ms/step   "
          f"{alone / together:.1f}x slower")  # fmt: skip


if __name__ == "__main__":
    main()
