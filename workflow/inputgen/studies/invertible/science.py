"""The invertible linear net (source article 3): a square linear net inverted exactly, in float32
and float64, and random output neighbours of an input, inverted exactly, against the
gradient-descent solution (layer autoencoding's descent, :func:`inputgen.engine.dense.descend`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd
import torch
from torch import nn

from inputgen.engine.dense import descend, linear

if TYPE_CHECKING:
    from inputgen.engine.optimize import Descent


# ------------------------------------------------------------------------- invertible network
@dataclass
class LinearStack:
    """Square affine layers ``o = W x + b`` without nonlinearity, held in float64; the forward
    pass and the exact inverse ``x = W^-1 (o - b)`` run in any precision."""

    weights: list[torch.Tensor]
    biases: list[torch.Tensor]

    @classmethod
    def random(cls, width: int, depth: int, seed: int, scheme: str = "default") -> LinearStack:
        generator = torch.Generator().manual_seed(seed)
        layers = [linear(width, width, generator, scheme, torch.float64) for _ in range(depth)]
        return cls(
            [layer.weight.detach() for layer in layers], [layer.bias.detach() for layer in layers]
        )

    def forward(self, x: torch.Tensor, dtype=torch.float64) -> torch.Tensor:
        x = x.flatten(1).to(dtype)
        for weight, bias in zip(self.weights, self.biases, strict=True):
            x = x @ weight.to(dtype).T + bias.to(dtype)
        return x

    def invert(self, o: torch.Tensor, dtype=torch.float64) -> torch.Tensor:
        """Inputs (N, width) whose outputs are ``o``, layer by layer through LU solves."""
        x = o.to(dtype)
        for weight, bias in zip(reversed(self.weights), reversed(self.biases), strict=True):
            x = torch.linalg.solve(weight.to(dtype), (x - bias.to(dtype)).T).T
        return x

    def module(self) -> nn.Sequential:
        """The float32 network (for gradient descent on its input)."""
        layers: list[nn.Module] = [nn.Flatten()]
        for weight, bias in zip(self.weights, self.biases, strict=True):
            layer = nn.utils.skip_init(nn.Linear, weight.shape[1], weight.shape[0])
            with torch.no_grad():
                layer.weight.copy_(weight)
                layer.bias.copy_(bias)
            layers.append(layer)
        return nn.Sequential(*layers).eval().requires_grad_(False)


def relative_error(estimate: torch.Tensor, truth: torch.Tensor) -> torch.Tensor:
    """``|estimate - truth|_2 / |truth|_2`` per row, in float64."""
    estimate, truth = estimate.flatten(1).double(), truth.flatten(1).double()
    return (estimate - truth).norm(dim=1) / truth.norm(dim=1)


def reconstruction_errors(
    stack: LinearStack, inputs: torch.Tensor, dtypes=(torch.float32, torch.float64)
) -> dict[str, torch.Tensor]:
    """Per input, the relative error of forward-then-exact-inverse in each precision."""
    return {
        str(dtype).removeprefix("torch."): relative_error(
            stack.invert(stack.forward(inputs, dtype), dtype), inputs
        )
        for dtype in dtypes
    }


def random_neighbours(
    stack: LinearStack, image: torch.Tensor, *, count: int, output_std: float, seed: int
) -> torch.Tensor:
    """``|a'' - a|_2`` for ``count`` inputs whose outputs are ``O(a) + N(0, output_std^2)``,
    found by exact float64 inversion."""
    generator = torch.Generator().manual_seed(seed)
    a = image.flatten().double()[None]
    output = stack.forward(a)
    noise = torch.randn(count, output.shape[1], generator=generator, dtype=torch.float64)
    return (stack.invert(output + noise * output_std) - a).norm(dim=1)


def percentile_of(value: float, sample: torch.Tensor) -> float:
    """The percentage of ``sample`` below ``value``."""
    return 100.0 * float((sample < value).double().mean())


# ------------------------------------------------------------------- the invertible net study
@dataclass
class InvertibleStudy:
    invertible: pd.DataFrame  # photo, dtype, relative_error of the exact inversion
    neighbours: pd.DataFrame  # photo, kind (random, shifted, descent), input_distance
    summary: pd.DataFrame  # per photo: medians, the descent's percentile, output distances


def invertible_study(
    targets: torch.Tensor,
    names: Sequence[str],
    descent: Descent,
    *,
    depth: int,
    neighbours: int,
    output_std: float,
    reference_std: float,
    seed: int,
    device="cpu",
) -> InvertibleStudy:
    """A random square linear net of ``depth`` layers on the flattened (B, 3, S, S) targets
    (photos ``names``): its exact inversion in float32 and float64; per photo ``a``, the input
    distances of ``neighbours`` random output neighbours ``O(a'') = O(a) + N(0, output_std^2)``
    (inverted exactly), of the shift ``a' = a + N(0, reference_std^2)`` (seed ``seed + i``),
    and of the descent's ``a_g`` (float32, as in layer autoencoding), with the percentile of
    ``|a_g - a|`` among the neighbours'."""
    from inputgen.engine.reconstruction import shifted as shift_of

    width = targets[0].numel()
    stack = LinearStack.random(width, depth, seed)
    errors = reconstruction_errors(stack, targets)
    invertible = pd.DataFrame(
        [
            {"photo": photo, "dtype": dtype, "relative_error": float(values[i])}
            for dtype, values in errors.items()
            for i, photo in enumerate(names)
        ]
    )
    found = descend(stack.module(), targets, descent, seed=seed, device=device, progress="descent")
    rows, summary = [], []
    for i, photo in enumerate(names):
        a = targets[i]
        distances = random_neighbours(
            stack, a, count=neighbours, output_std=output_std, seed=seed + i
        )
        shifted = shift_of(a.double(), reference_std, seed + i)
        shift = float((shifted - a.double()).norm())
        shift_output = float((stack.forward(shifted[None]) - stack.forward(a[None])).norm())
        descended = float(found.m_i[-1, i])
        rows += [{"photo": photo, "kind": "random", "input_distance": float(d)} for d in distances]
        rows += [
            {"photo": photo, "kind": "shifted", "input_distance": shift},
            {"photo": photo, "kind": "descent", "input_distance": descended},
        ]
        summary.append(
            {
                "photo": photo,
                "median_random": float(distances.median()),
                "shifted": shift,
                "descent": descended,
                "descent_percentile": percentile_of(descended, distances),
                "random_output_distance": output_std * width**0.5,
                "shifted_output_distance": shift_output,
                "descent_output_distance": float(found.m_g[-1, i]),
            }
        )
    return InvertibleStudy(invertible, pd.DataFrame(rows), pd.DataFrame(summary))
