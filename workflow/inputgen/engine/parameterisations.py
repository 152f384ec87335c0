"""Image parameterisations: what the engine optimises, and how it becomes a [0, 1] image.

``pixels`` optimises the image itself (source article 1). ``fourier`` optimises a spectrum
scaled by 1/f**decay, so a step moves every frequency by the same amount of *image* and low
frequencies are no longer drowned out by pixel noise (Olah et al., "Feature Visualization",
Distill 2017, section "Preconditioning and Parameterization"). ``decorrelate`` mixes the
channels by the square root of ImageNet's colour covariance and maps through a sigmoid, so
steps move along natural colour directions and the image stays in [0, 1] without clipping.

``maco`` optimises only the phase of a spectrum whose magnitude is fixed to that of natural
images (Fel et al., "Unlocking Feature Visualization for Deeper Networks with MAgnitude
Constrained Optimization", NeurIPS 2023): the image keeps a natural power spectrum, and so a
natural contrast, whatever the steps do. The magnitude is data, estimated from natural images by
``natural_magnitude`` (the workflow stores it as an artifact), never downloaded.

Each parameterisation is invertible (``from_images``), so the engine's image-stage priors
(blur, nearest resizing), octaves and starts from a photo work unchanged: the images are made,
changed, and mapped back. Everything is per element: no element's image depends on another's.
We write these few lines ourselves because the reference implementations (lucent, captum.optim)
bind them to their own render loops and random state; the formulas follow lucent's
``param.fft_image`` and ``param.color``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch
from torch.nn import functional as F

PARAMETERISATIONS = ("pixels", "fourier", "maco")

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
    """``kind``: pixels, fourier or maco; ``decorrelate``: colour mixing plus a sigmoid;
    ``decay``: the Fourier spectrum's 1/f exponent (1: the Distill article's); ``magnitude``:
    maco's fixed magnitude spectrum (3, h, w // 2 + 1), from ``natural_magnitude``; ``chroma``:
    maco's factor on the two colour channels' magnitude (the decorrelated space's second and
    third; the first is luminance), 1 the photos', 0 grey images; ``chroma_cutoff``: maco's
    colour detail fades above this frequency (cycles per pixel, a Gaussian's width; 0 keeps
    the photos' colour spectrum whole)."""

    kind: str = "pixels"
    decorrelate: bool = False
    decay: float = 1.0
    magnitude: torch.Tensor | None = field(default=None, compare=False, repr=False)
    chroma: float = 1.0
    chroma_cutoff: float = 0.0

    def __post_init__(self):
        if self.kind not in PARAMETERISATIONS:
            raise ValueError(
                f"parameterisation {self.kind!r}; known: {', '.join(PARAMETERISATIONS)}"
            )
        if self.decay < 0:
            raise ValueError(f"decay must be >= 0, got {self.decay}")
        if not 0 <= self.chroma <= 1:
            raise ValueError(f"chroma must be in [0, 1], got {self.chroma}")
        if self.chroma != 1 and self.kind != "maco":
            raise ValueError(f"chroma scales maco's colour magnitude; {self.kind} has none")
        if self.chroma_cutoff < 0:
            raise ValueError(f"chroma_cutoff must be >= 0, got {self.chroma_cutoff}")
        if self.chroma_cutoff and self.kind != "maco":
            raise ValueError(
                f"chroma_cutoff fades maco's colour magnitude; {self.kind} has none (set 0)"
            )
        if self.kind == "maco":
            if self.magnitude is None:
                raise ValueError(
                    "the maco parameterisation needs a magnitude spectrum (natural_magnitude)"
                )
            if self.magnitude.ndim != 3 or self.magnitude.shape[0] != 3:
                raise ValueError(
                    f"a magnitude spectrum is (3, h, w // 2 + 1), got {tuple(self.magnitude.shape)}"
                )
            if not self.decorrelate:
                raise ValueError(
                    "maco's magnitude is estimated in decorrelated colour: set decorrelate true"
                )

    @property
    def identity(self) -> bool:
        """Pixels without decorrelation: the parameters are the image (clamped to [0, 1])."""
        return self.kind == "pixels" and not self.decorrelate

    def to_images(self, params: torch.Tensor, size: int) -> torch.Tensor:
        """Parameters -> (B, 3, size, size) images in [0, 1], differentiably."""
        if self.identity:
            return params
        if self.kind == "maco":
            magnitude = colour_magnitude(
                magnitude_at(self.magnitude, size), self.chroma, self.chroma_cutoff
            )
            signal = _phase_to_signal(params, magnitude)
        elif self.kind == "fourier":
            signal = _irfft(params, size, self.decay)
        else:
            signal = params
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
        if self.kind == "maco":  # the phase of the images; their magnitude is replaced
            return torch.fft.rfft2(signal, norm="ortho").angle()
        return _rfft(signal, self.decay) if self.kind == "fourier" else signal

    def project(self, params: torch.Tensor) -> torch.Tensor:
        """After a step: pixels are clamped to [0, 1]; the others cannot leave it."""
        return params.clamp(0, 1) if self.identity else params


def colour_magnitude(magnitude: torch.Tensor, chroma: float, cutoff: float) -> torch.Tensor:
    """A size x size image's magnitude spectrum (3, size, size // 2 + 1) with its two colour
    channels scaled by ``chroma`` and, where ``cutoff`` > 0, faded above that frequency by
    exp(-f**2 / (2 cutoff**2)), f in cycles per pixel; the luminance channel is left whole.

    Why fade colour detail: with every channel's phase free, the photos' fine colour magnitude
    becomes colour speckle that follows no edge (photos' colour edges sit on their luminance
    edges); faded, the colour stays in patches and the luminance carries the detail.
    """
    if chroma == 1 and not cutoff:
        return magnitude
    size = magnitude.shape[-2]
    weight = torch.full(magnitude.shape[-2:], float(chroma), device=magnitude.device)
    if cutoff:
        fy = torch.fft.fftfreq(size, device=magnitude.device)[:, None]
        fx = torch.fft.rfftfreq(size, device=magnitude.device)[None, :]
        weight = weight * torch.exp(-(fy**2 + fx**2) / (2 * cutoff**2))
    return torch.cat([magnitude[:1], magnitude[1:] * weight], dim=0)


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


# --------------------------------------------------------------------- maco: phase only
def natural_magnitude(images: torch.Tensor) -> torch.Tensor:
    """The magnitude spectrum of natural images in the space maco's phase lives in: each
    image's decorrelated logit (what ``to_images`` maps through the sigmoid and the colour
    mixing), mean removed, its ``rfft2`` (ortho) magnitude, root-mean-squared over the images
    (so the variance, and the contrast, of a generated image is the photos' on average).
    ``images``: (N, 3, s, s) in [0, 1] -> (3, s, s // 2 + 1) float32, the DC term 0."""
    if images.ndim != 4 or images.shape[1] != 3 or images.shape[-1] != images.shape[-2]:
        raise ValueError(f"natural images must be (N, 3, s, s), got {tuple(images.shape)}")
    if len(images) < 2:
        raise ValueError("estimate a magnitude spectrum from at least 2 images")
    signal = torch.logit(images.double().clamp(EPSILON, 1 - EPSILON))
    signal = torch.einsum("bchw,dc->bdhw", signal, COLOUR_UNMIX.double())
    signal = signal - signal.mean(dim=(-2, -1), keepdim=True)
    power = torch.fft.rfft2(signal, norm="ortho").abs().pow(2).mean(dim=0)
    magnitude = power.sqrt()
    magnitude[:, 0, 0] = 0.0
    return magnitude.float()


def magnitude_at(magnitude: torch.Tensor, size: int) -> torch.Tensor:
    """The magnitude spectrum for a size x size image: resampled (bilinear, antialiased, as
    horama resizes its spectrum), scaled so the image's variance stays that of the estimate."""
    shape = (size, size // 2 + 1)
    if tuple(magnitude.shape[-2:]) == shape:
        return magnitude
    resized = F.interpolate(
        magnitude[None].double(), size=shape, mode="bilinear", antialias=True, align_corners=False
    )[0]
    resized = _hermitian_magnitude(resized)
    resized[:, 0, 0] = 0.0
    # variance = (sum over the full grid of |F|^2) / (h w): weigh the rfft half-plane's columns
    variance = _full_grid_power(magnitude.double()) / magnitude.shape[-2] ** 2
    resized *= (variance * size**2 / _full_grid_power(resized).clamp_min(1e-30)).sqrt()[
        :, None, None
    ]
    return resized.float()


def _full_grid_power(magnitude: torch.Tensor) -> torch.Tensor:
    """Per channel, the sum of |F|^2 over the full fft2 grid, from its rfft2 half (columns other
    than 0 and, for even sizes, the last appear twice)."""
    side = magnitude.shape[-2]
    weight = torch.full((magnitude.shape[-1],), 2.0, dtype=magnitude.dtype)
    weight[0] = 1.0
    if side % 2 == 0:
        weight[-1] = 1.0
    return (magnitude.pow(2) * weight).sum(dim=(-2, -1))


def _self_conjugate_columns(spectrum: torch.Tensor) -> list[int]:
    """rfft2's columns that hold their own conjugates: 0 and, for even sizes, the last."""
    return [0] + ([spectrum.shape[-1] - 1] if spectrum.shape[-2] % 2 == 0 else [])


def _row_mirror(column: torch.Tensor) -> torch.Tensor:
    """Row k -> row -k (mod the side) of the last axis."""
    return torch.roll(column.flip(-1), 1, dims=-1)


def _hermitian_magnitude(magnitude: torch.Tensor) -> torch.Tensor:
    """Make the self-conjugate columns even in the row frequency, as a real image's are (a
    resampled magnitude need not be): the power of row k and row -k, averaged."""
    magnitude = magnitude.clone()
    for column in _self_conjugate_columns(magnitude):
        own = magnitude[..., column]
        magnitude[..., column] = ((own**2 + _row_mirror(own) ** 2) / 2).sqrt()
    return magnitude


def _hermitian_phase(phase: torch.Tensor) -> torch.Tensor:
    """Make the phase of rfft2's self-conjugate columns (0 and, for even sizes, the last) odd
    in the row frequency, as a real image's is: then ``irfft2`` keeps every magnitude exactly
    (it would otherwise drop the inconsistent half of those columns)."""
    phase = phase.clone()
    for column in _self_conjugate_columns(phase):
        own = phase[..., column]
        phase[..., column] = (own - _row_mirror(own)) / 2
    return phase


def _phase_to_signal(phase: torch.Tensor, magnitude: torch.Tensor) -> torch.Tensor:
    magnitude = magnitude.to(phase.device)
    if phase.shape[-3:] != magnitude.shape:
        raise ValueError(
            f"phase {tuple(phase.shape[-3:])} does not match the magnitude {tuple(magnitude.shape)}"
        )
    phase = _hermitian_phase(phase)
    spectrum = torch.polar(magnitude.expand_as(phase), phase)
    return torch.fft.irfft2(spectrum, s=(phase.shape[-2],) * 2, norm="ortho")
