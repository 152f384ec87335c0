"""Fully connected networks and the linear algebra of depth (source article 3).

Small images (29x29x3 = 2523 inputs) through fully connected nets: how the narrowest layer,
the depth and the width of later layers decide how well gradient descent on the input can
recover it; the condition number and singular spectrum of composed layers per init scheme
(the "spiky ball"); a square linear net inverted exactly, in float32 and float64; and random
output neighbours of an input, inverted exactly, against the gradient-descent solution.

Every weight is drawn from an explicit ``torch.Generator`` (``nn.Linear``'s own init would draw
from the global RNG). The descent on a net's input is layer autoencoding's
(inputgen.autoencoding.reconstruct, without priors), the net wrapped as a zoo model.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import torch
from torch import nn

if TYPE_CHECKING:
    from inputgen.engine.optimize import Descent

INIT_SCHEMES = ("default", "xavier", "kaiming", "orthogonal")


def init_weight(weight: torch.Tensor, scheme: str, generator: torch.Generator) -> torch.Tensor:
    """Fill ``weight`` (out, in) in place by one of torch's init schemes, seeded."""
    if scheme == "default":  # nn.Linear's own: kaiming_uniform(a=sqrt(5)) = U(+-1/sqrt(fan_in))
        return nn.init.kaiming_uniform_(weight, a=math.sqrt(5), generator=generator)
    if scheme == "xavier":
        return nn.init.xavier_normal_(weight, generator=generator)
    if scheme == "kaiming":
        return nn.init.kaiming_normal_(weight, nonlinearity="relu", generator=generator)
    if scheme == "orthogonal":
        return nn.init.orthogonal_(weight, generator=generator)
    raise ValueError(f"unknown init scheme {scheme!r}; known: {', '.join(INIT_SCHEMES)}")


def linear(
    fan_in: int,
    fan_out: int,
    generator: torch.Generator,
    scheme: str = "default",
    dtype=torch.float32,
) -> nn.Linear:
    """A Linear layer whose weight follows ``scheme`` and whose bias is nn.Linear's
    U(+-1/sqrt(fan_in)), both from ``generator``."""
    layer = nn.utils.skip_init(nn.Linear, fan_in, fan_out, dtype=dtype)
    with torch.no_grad():
        init_weight(layer.weight, scheme, generator)
        bound = 1 / math.sqrt(fan_in)
        layer.bias.uniform_(-bound, bound, generator=generator)
    return layer


def mlp(
    input_dim: int, widths: Sequence[int], *, seed: int, relu: bool = True, scheme: str = "default"
) -> nn.Sequential:
    """Flatten, then Linear layers of ``widths`` with ReLU between them (the output, the last
    layer's, is linear): the representation gradient descent inverts."""
    if not widths or min(widths) < 1:
        raise ValueError(f"widths must be positive layer sizes, got {list(widths)}")
    generator = torch.Generator().manual_seed(seed)
    layers: list[nn.Module] = [nn.Flatten()]
    for i, (fan_in, fan_out) in enumerate(zip([input_dim, *widths[:-1]], widths, strict=True)):
        layers.append(linear(fan_in, fan_out, generator, scheme))
        if relu and i < len(widths) - 1:
            layers.append(nn.ReLU())
    return nn.Sequential(*layers).eval().requires_grad_(False)


# ------------------------------------------------------------------------------ conditioning
def composed_spectra(width: int, depth: int, scheme: str, seed: int) -> list[torch.Tensor]:
    """Singular values (descending, float64) of ``W_d ... W_1`` for d = 1..depth: square
    ``width`` layers drawn by ``scheme``. Products and SVDs in float64: float32 cannot resolve
    the small singular values of deep products."""
    generator = torch.Generator().manual_seed(seed)
    product = torch.eye(width, dtype=torch.float64)
    spectra = []
    for _ in range(depth):
        weight = init_weight(torch.empty(width, width, dtype=torch.float64), scheme, generator)
        product = weight @ product
        spectra.append(torch.linalg.svdvals(product))
    return spectra


def condition_number(singular_values: torch.Tensor) -> float:
    """sigma_max / sigma_min (inf for a singular map)."""
    smallest = float(singular_values.min())
    return math.inf if smallest == 0 else float(singular_values.max()) / smallest


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


def descend(
    net: nn.Module,
    targets: torch.Tensor,
    descent: Descent,
    *,
    seed: int,
    device="cpu",
    progress: str | None = None,
):
    """Layer autoencoding's descent toward a small net's output for the (B, 3, S, S) targets:
    :class:`inputgen.autoencoding.Reconstruction`."""
    from inputgen import autoencoding

    zoo = autoencoding.as_zoo(net, targets.shape[-1]).to(device)
    return autoencoding.reconstruct(zoo, targets, None, descent, seed=seed, progress=progress)


# --------------------------------------------------------------------------- input recovery
def kept_iterations(steps: int, points: int) -> np.ndarray:
    """The iterations a recovery table keeps: 0, then ``points`` log-spaced ones in 1..steps
    (rounded; fewer where they coincide), ``steps`` the last."""
    kept = np.unique(np.geomspace(1, steps, points).round().astype(int))
    return np.concatenate([[0], kept])


def recovery_table(
    targets: torch.Tensor,
    names: Sequence[str],
    nets: Sequence[Sequence[int]],
    descent: Descent,
    *,
    relu: bool,
    points: int,
    seed: int,
    device="cpu",
    progress: str = "",
) -> pd.DataFrame:
    """How well the descent recovers the (B, 3, S, S) targets (photos ``names``) through each
    fully connected net (its layer widths, input side first; net i seeded ``seed + i``):
    ``m_i`` and ``m_g`` per net, photo and kept iteration (:func:`kept_iterations`)."""
    inputs = targets[0].numel()
    kept = kept_iterations(descent.steps, points)
    frames = []
    for index, widths in enumerate(nets):
        net = mlp(inputs, widths, seed=seed + index, relu=relu)
        label = "-".join(map(str, widths))
        result = descend(
            net, targets, descent, seed=seed, device=device, progress=f"{progress} {label}"
        )
        for p, photo in enumerate(names):
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
    return pd.concat(frames, ignore_index=True)


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
    from inputgen.autoencoding import shifted as shift_of

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
