"""Why the depth studies take normalised steps (source article 3's text writes a - eps * g).

Layer autoencoding inverts one photo from several layers with one step size. The gradient of
the L1 layer loss at the start a_0 differs in size from layer to layer, so one plain step size
eps is too large for some layers or too small for others; a normalised step (unit mean |step|)
moves every layer's image by the same amount. Measured side by side in one run, per layer:

1. the mean |g| at a_0, and its ratio to the shallowest layer's;
2. m_i (the distance of the recovered image to the photo) after the same steps, with
   normalised steps (the config's lr, momentum 0.9) and with plain steps whose eps makes the
   shallowest layer's first step the normalised one's (eps = lr / mean |g| there).

    .venv/bin/python benchmarks/step_rule.py [--steps 60] [--out benchmarks/step_rule.tsv]
"""

from __future__ import annotations

import argparse
import platform

import pandas as pd
import torch
from inputgen.engine import models, reconstruction
from inputgen.engine.models import capture
from inputgen.engine.objectives import Context, VectorTarget
from inputgen.engine.optimize import Descent
from inputgen.engine.photos import fit_square, sample_photos

MODEL = {"arch": "efficientnet_lite0", "weights": "package"}  # offline, pretrained
LAYERS = ["_blocks.1", "_blocks.4", "_blocks.10", "_blocks.15"]  # config/config.yaml's


def start_gradient(zoo, target: torch.Tensor, layer: str, start: torch.Tensor) -> float:
    """The mean |g| of sum |O_l(a_0) - O_l(a_t)| at a_0."""
    wanted = reconstruction.layer_outputs(zoo, target, [layer])[layer]
    images = start.clone().requires_grad_(True)
    term = VectorTarget("model", wanted, layer=layer, p=1)
    with capture(zoo.model, [layer]) as taps:
        logits = zoo.logits(images)
    ctx = Context(
        images=images, logits={"model": logits}, taps={("model", layer): taps[layer]}, progress=0
    )
    (gradient,) = torch.autograd.grad(term(ctx).sum(), images)
    return float(gradient.abs().mean())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=60)
    parser.add_argument("--lr", type=float, default=0.01)
    parser.add_argument("--lr-end", type=float, default=0.001)
    parser.add_argument("--photo", default="chelsea")
    parser.add_argument("--out", default="benchmarks/step_rule.tsv")
    args = parser.parse_args()
    print(f"{platform.processor() or platform.machine()}, {torch.get_num_threads()} threads")

    zoo = models.load_model(MODEL)
    size = zoo.spec["input_size"]
    _, (photo,) = sample_photos([args.photo])
    target = fit_square(photo, size)[None]
    start = reconstruction.start_images(target.shape[1:], [0], seed=0)
    gradients = {layer: start_gradient(zoo, target, layer, start) for layer in LAYERS}
    eps = args.lr / gradients[LAYERS[0]]
    blur = {"blur": {"until": 1.0, "sigma": 0.8}}
    rows = []
    for layer in LAYERS:
        final = {}
        for rule, lr, lr_end, momentum in (
            ("normalized", args.lr, args.lr_end, 0.9),
            ("gradient", eps, eps * args.lr_end / args.lr, 0.0),
        ):
            descent = Descent(
                steps=args.steps, lr=lr, lr_end=lr_end, rule=rule, momentum=momentum, priors=blur
            )
            result = reconstruction.reconstruct(
                zoo, target, layer, descent, init=start, ids=[0], progress=f"{rule} {layer}"
            )
            final[rule] = float(result.m_i[-1, 0])
        rows.append(
            {
                "layer": layer,
                "start_mean_abs_gradient": gradients[layer],
                "gradient_ratio_to_first": gradients[layer] / gradients[LAYERS[0]],
                "m_i_start": float((start - target).flatten().norm()),
                "m_i_normalized": final["normalized"],
                "m_i_plain": final["gradient"],
            }
        )
    table = pd.DataFrame(rows)
    print(f"\n{MODEL['arch']}, {args.photo} at {size} px, {args.steps} steps, plain eps {eps:.3g}")
    print(table.to_string(index=False, float_format=lambda v: f"{v:.4g}"))
    table.to_csv(args.out, sep="\t", index=False)
    print(f"\nwritten: {args.out}")


if __name__ == "__main__":
    main()
