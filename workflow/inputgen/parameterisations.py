"""Image parameterisations: what the engine optimises, and how it becomes a [0, 1] image.

``pixels`` optimises the image itself (source article 1). ``fourier`` optimises a spectrum
scaled by 1/f**decay, so a step moves every frequency by the same amount of *image* and low
frequencies are no longer drowned out by pixel noise (Olah et al., "Feature Visualization",
Distill 2017, section "Preconditioning and Parameterization"). ``decorrelate`` mixes the
channels by the square root of ImageNet's colour covariance and maps through a sigmoid, so
steps move along natural colour directions and the image stays in [0, 1] without clipping.

Each parameterisation is invertible (``from_images``), so the engine's image-stage priors
(blur, nearest resizing), octaves and starts from a photo work unchanged: the images are made,
changed, and mapped back. Everything is per element: no element's image depends on another's.
We write these few lines ourselves because the reference implementations (lucent, captum.optim)
bind them to their own render loops and random state; the formulas follow lucent's
``param.fft_image`` and ``param.color``.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

PARAMETERISATIONS = ("pixels", "fourier")

# The square root of ImageNet's RGB covariance (its SVD's U * sqrt(S)), as lucent and Lucid
# use it, normalised so its largest column has unit norm.
_COLOUR_SQRT = torch.tensor(
    [[0.26, 0.09, 0.02], [0.27, 0.00, -0.05], [0.27, -0.09, 0.03]], dtype=torch.float64
)
_MIX = _COLOUR_SQRT / _COLOUR_SQRT.norm(dim=0).max()
COLOUR_MIX, COLOUR_UNMIX = _MIX.float(), torch.linalg.inv(_MIX).float()
# Lucent's "magic" divisor: keeps the initial sigmoid inputs small.
FOURIER_GAIN = 4.0
# Keeps the inverse sigmoid finite for saturated pixels (0 or 1).
EPSILON = 1e-4


@dataclass(frozen=True)
class Parameterisation:
    """``kind``: pixels or fourier; ``decorrelate``: colour mixing plus a sigmoid; ``decay``:
    the Fourier spectrum's 1/f exponent (1: the Distill article's)."""

    kind: str = "pixels"
    decorrelate: bool = False
    decay: float = 1.0

    def __post_init__(self):
        if self.kind not in PARAMETERISATIONS:
            raise ValueError(
                f"parameterisation {self.kind!r}; known: {', '.join(PARAMETERISATIONS)}"
            )
        if self.decay < 0:
            raise ValueError(f"decay must be >= 0, got {self.decay}")

    @property
    def identity(self) -> bool:
        """Pixels without decorrelation: the parameters are the image (clamped to [0, 1])."""
        return self.kind == "pixels" and not self.decorrelate

    def to_images(self, params: torch.Tensor, size: int) -> torch.Tensor:
        """Parameters -> (B, 3, size, size) images in [0, 1], differentiably."""
        if self.identity:
            return params
        signal = _irfft(params, size, self.decay) if self.kind == "fourier" else params
        if self.decorrelate:
            signal = torch.einsum("bchw,dc->bdhw", signal, COLOUR_MIX.to(signal.device))
        return torch.sigmoid(signal)

    def from_images(self, images: torch.Tensor) -> torch.Tensor:
        """The parameters that make ``images`` (exactly, up to clamping into (0, 1))."""
        if self.identity:
            return images.clamp(0, 1)
        signal = torch.logit(images.clamp(EPSILON, 1 - EPSILON))
        if self.decorrelate:
            signal = torch.einsum("bchw,dc->bdhw", signal, COLOUR_UNMIX.to(signal.device))
        return _rfft(signal, self.decay) if self.kind == "fourier" else signal

    def project(self, params: torch.Tensor) -> torch.Tensor:
        """After a step: pixels are clamped to [0, 1]; the others cannot leave it."""
        return params.clamp(0, 1) if self.identity else params


def frequency_scale(size: int, decay: float, device=None) -> torch.Tensor:
    """1 / max(f, 1/size)**decay on the rfft2 grid of a size x size image, f in cycles/pixel."""
    fy = torch.fft.fftfreq(size, dtype=torch.float64)[:, None]
    fx = torch.fft.rfftfreq(size, dtype=torch.float64)[None, :]
    frequency = (fx**2 + fy**2).sqrt().clamp_min(1.0 / size)
    return (frequency**-decay).float().to(device)


def _irfft(params: torch.Tensor, size: int, decay: float) -> torch.Tensor:
    scale = frequency_scale(size, decay, params.device)[..., None]
    spectrum = torch.view_as_complex((params * scale).contiguous())
    return torch.fft.irfft2(spectrum, s=(size, size), norm="ortho") / FOURIER_GAIN


def _rfft(signal: torch.Tensor, decay: float) -> torch.Tensor:
    size = signal.shape[-1]
    if signal.shape[-2] != size:
        raise ValueError(f"the Fourier parameterisation takes square images, got {signal.shape}")
    spectrum = torch.view_as_real(torch.fft.rfft2(signal * FOURIER_GAIN, norm="ortho"))
    return spectrum / frequency_scale(size, decay, signal.device)[..., None]
