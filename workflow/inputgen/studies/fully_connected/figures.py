"""The fully connected nets' figure: m_i and m_g over the descent, one line per net."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd

from inputgen.figures.images import legend_label, shades


def fully_connected_figure(table: pd.DataFrame, *, title: str, reference: float) -> plt.Figure:
    """m_i (mean over photos) against iterations per net, log-log; and m_i at the last
    iteration per net; the dashed line is |a' - a| of the reference shift."""
    mean = table.groupby(["net", "iteration"], sort=False)["m_i"].mean().reset_index()
    nets = list(dict.fromkeys(table["net"]))
    figure, (left, right) = plt.subplots(
        1, 2, figsize=(12, 4.5), gridspec_kw={"width_ratios": [3, 2]}
    )
    colours = shades(len(nets))
    for net, colour in zip(nets, colours, strict=True):
        rows = mean[(mean["net"] == net) & (mean["iteration"] > 0)]
        left.plot(rows["iteration"], rows["m_i"], marker=".", color=colour, label=legend_label(net))
    left.set_xscale("log")
    left.set_yscale("log")
    left.set_xlabel("iterations")
    left.set_ylabel("m_i = |a - a_g| (mean over photos)")
    left.axhline(reference, color="grey", linestyle="--", linewidth=1, label="|a' - a| (shift)")
    left.legend(title="layer widths", fontsize=8)
    last = mean[mean["iteration"] == mean["iteration"].max()]
    right.barh(range(len(nets)), last.set_index("net").loc[nets, "m_i"], color=colours)
    right.set_yticks(range(len(nets)), nets, fontsize=8)
    right.invert_yaxis()
    right.set_ylabel("layer widths")
    right.axvline(reference, color="grey", linestyle="--", linewidth=1)
    right.set_xlabel(f"m_i after {int(mean['iteration'].max())} iterations")
    figure.suptitle(title, fontsize=11)
    figure.tight_layout()
    return figure
