"""Fully connected and linear networks with seeded weights, for the depth studies (source
article 3): an init scheme per layer, MLPs of given widths, the singular spectra of composed
square layers, and layer autoencoding's descent on a small net's input.

Every weight is drawn from an explicit ``torch.Generator`` (``nn.Linear``'s own init would draw
from the global RNG).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

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
    :class:`inputgen.engine.reconstruction.Reconstruction`."""
    from inputgen.engine import reconstruction

    zoo = reconstruction.as_zoo(net, targets.shape[-1]).to(device)
    return reconstruction.reconstruct(zoo, targets, None, descent, seed=seed, progress=progress)
