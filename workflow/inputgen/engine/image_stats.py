"""Statistics that say whether a generated picture is an image or a perturbation of grey.

Natural photographs have a pixel standard deviation of about 0.2-0.25 (on [0, 1]) and a
radially averaged power spectrum that falls as 1/f**2 (a log-log slope of about -2, van der
Schaaf and van Hateren 1996); a faint perturbation of grey has a small deviation, and
adversarial detail has a flat (white) spectrum, a slope near 0.
"""

from __future__ import annotations

from collections.abc import Mapping

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


def centre_of_mass(images: torch.Tensor) -> torch.Tensor:
    """(B, C, H, W) -> (B, 2) the (row, column) centre of each image's channel-mean mass."""
    mass = images.double().mean(dim=1).clamp_min(0)
    rows = torch.arange(mass.shape[-2], dtype=torch.float64)
    columns = torch.arange(mass.shape[-1], dtype=torch.float64)
    total = mass.sum(dim=(1, 2)).clamp_min(1e-12)
    return torch.stack([(mass.sum(2) @ rows) / total, (mass.sum(1) @ columns) / total], dim=1)


def resize_drift(resize: dict, size: int, steps: int, seed: int = 0) -> pd.DataFrame:
    """How far a resize prior moves a picture (source article 1's translation artefact): a
    bright centred square of side size/4 resized by the prior (its options, applied to the
    image after each step as the article does) for the steps it is active in a run of
    ``steps``. One row per mode, nearest and bilinear (the prior's other options kept): the
    centre of mass's displacement in pixels over the run and per resize."""
    from inputgen.engine.optimize import ResizeJitter, element_generators

    image = torch.zeros(1, 3, size, size)
    side = max(1, size // 4)
    start = (size - side) // 2
    image[..., start : start + side, start : start + side] = 1.0
    rows = []
    for mode in ("nearest", "bilinear"):
        prior = ResizeJitter(**{**resize, "mode": mode, "stage": "image"})
        generators = element_generators(seed, [0], "jitter")
        moved, resizes = image, 0
        for step in range(steps):
            if prior.active(step / steps):
                moved, resizes = prior.apply(moved, generators, step), resizes + 1
        shift = centre_of_mass(moved)[0] - centre_of_mass(image)[0]
        rows.append(
            {
                "mode": mode,
                "resizes": resizes,
                "drift_px": float(shift.norm()),
                "drift_per_resize_px": float(shift.norm()) / max(resizes, 1),
                "down_px": float(shift[0]),
                "right_px": float(shift[1]),
            }
        )
    return pd.DataFrame(rows)


# Source article 1's sizes 256, 198, 160, 180, 200, as fractions of the first.
ARTICLE_CYCLE = (1.0, 198 / 256, 160 / 256, 180 / 256, 200 / 256)


def drift_table(configured: Mapping | None, size: int, steps: int, seed: int = 0) -> pd.DataFrame:
    """``resize_drift`` of the run's own resize prior (``configured``: its options, or None),
    of source article 1's size cycle and of a random factor in [0.625, 1] (the same range), each
    active for the first 76% of ``steps`` as in the article, nearest against bilinear."""
    resizes = {"article_cycle": {"until": 0.76, "cycle": list(ARTICLE_CYCLE)}}
    resizes["random_factor"] = {"until": 0.76, "low": 0.625, "high": 1.0}
    if configured is not None:
        resizes = {"configured": dict(configured), **resizes}
    tables = [
        resize_drift(options, size, steps, seed).assign(resize=name)
        for name, options in resizes.items()
    ]
    table = pd.concat(tables, ignore_index=True)
    return table[["resize", *[c for c in table.columns if c != "resize"]]]
