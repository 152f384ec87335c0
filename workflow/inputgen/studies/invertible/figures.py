"""The invertible net's figures: exact inversion errors, and random neighbours against descent."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd


def neighbours_figure(
    distances: np.ndarray, *, shifted: float, descent: float, errors: pd.DataFrame, note: str
) -> plt.Figure:
    """Histogram of |a'' - a| with |a' - a| and |a_g - a| marked; exact-inversion errors per
    precision."""
    figure, (left, right) = plt.subplots(
        1, 2, figsize=(12, 4.2), gridspec_kw={"width_ratios": [3, 1.3]}
    )
    low = min(distances.min(), shifted, descent)
    high = max(distances.max(), shifted, descent)
    bins = np.geomspace(low * 0.8, high * 1.25, 60)
    left.hist(distances, bins=bins, color="tab:blue", alpha=0.8, label="|a'' - a| (random)")
    left.axvline(shifted, color="tab:green", linewidth=2, label=f"|a' - a| = {shifted:.3g}")
    left.axvline(descent, color="tab:red", linewidth=2, label=f"|a_g - a| = {descent:.3g}")
    left.axvline(
        np.median(distances),
        color="black",
        linestyle="--",
        linewidth=1,
        label=f"median |a'' - a| = {np.median(distances):.3g}",
    )
    left.set_xscale("log")
    left.set_xlabel("input distance to a")
    left.set_ylabel("random neighbours")
    left.set_title(note, fontsize=9)
    left.legend(fontsize=8)
    right.bar(errors["dtype"], errors["median_relative_error"], color=["tab:orange", "tab:blue"])
    right.set_yscale("log")
    right.set_xlabel("precision")
    right.set_ylabel("median |x_rec - x| / |x|")
    right.set_title("exact inversion", fontsize=10)
    figure.tight_layout()
    return figure


def invertible_figure(
    invertible: pd.DataFrame,
    neighbours: pd.DataFrame,
    summary: pd.DataFrame,
    *,
    depth: int,
    width: int,
    output_std: float,
    reference_std: float,
    steps: int,
) -> plt.Figure:
    """:func:`neighbours_figure` of the first photo of the invertible-net study's tables
    (:func:`.science.invertible_study`), with the median inversion error per precision."""
    first = summary["photo"].iloc[0]
    errors = (
        invertible.groupby("dtype")["relative_error"].median().rename("median_relative_error")
    ).reset_index()
    random = neighbours[(neighbours["photo"] == first) & (neighbours["kind"] == "random")]
    return neighbours_figure(
        np.asarray(random["input_distance"]),
        shifted=float(summary["shifted"].iloc[0]),
        descent=float(summary["descent"].iloc[0]),
        errors=errors,
        note=f"{first}: {depth} square linear layers of {width}; O(a'') = O(a) + "
        f"N(0, {output_std:g}^2), a' = a + N(0, {reference_std:g}^2), a_g after "
        f"{steps} steps ({summary['descent_percentile'].iloc[0]:.1f}th percentile)",
    )
