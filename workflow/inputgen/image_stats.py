"""Statistics that say whether a generated picture is an image or a perturbation of grey.

Natural photographs have a pixel standard deviation of about 0.2-0.25 (on [0, 1]) and a
radially averaged power spectrum that falls as 1/f**2 (a log-log slope of about -2, van der
Schaaf and van Hateren 1996); a faint perturbation of grey has a small deviation, and
adversarial detail has a flat (white) spectrum, a slope near 0.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import torch


def pixel_std(images: torch.Tensor) -> torch.Tensor:
    """(B, C, H, W) -> (B,) the standard deviation of each image's values."""
    return images.flatten(1).double().std(dim=1).float()


def radial_power(image: torch.Tensor) -> tuple[np.ndarray, np.ndarray]:
    """The power spectrum of one image's luminance (channel mean, mean removed), averaged over
    rings of integer radius 1 .. side/2. Returns (frequency in cycles/pixel, mean power)."""
    grey = image.double().mean(dim=0) if image.ndim == 3 else image.double()
    grey = grey - grey.mean()
    height, width = grey.shape
    power = torch.fft.fftshift(torch.fft.fft2(grey).abs() ** 2).numpy()
    y, x = np.indices(power.shape)
    radius = np.hypot(y - height // 2, x - width // 2).round().astype(int)
    rings = np.arange(1, min(height, width) // 2 + 1)
    totals = np.bincount(radius.ravel(), weights=power.ravel())
    counts = np.bincount(radius.ravel())
    return rings / min(height, width), totals[rings] / counts[rings]


def spectrum_slope(images: torch.Tensor) -> torch.Tensor:
    """(B, C, H, W) -> (B,) the least-squares slope of log power against log frequency."""
    slopes = []
    for image in images:
        frequency, power = radial_power(image)
        slopes.append(np.polyfit(np.log(frequency), np.log(np.maximum(power, 1e-30)), 1)[0])
    return torch.tensor(slopes, dtype=torch.float32)


def image_statistics(images: torch.Tensor) -> pd.DataFrame:
    """One row per image: its pixel standard deviation and spectrum slope."""
    return pd.DataFrame(
        {
            "pixel_std": pixel_std(images).tolist(),
            "spectrum_slope": spectrum_slope(images).tolist(),
        }
    )
