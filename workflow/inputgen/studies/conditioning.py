"""The condition number of composed random layers (source article 3): how the products of
``depth`` random square layers, drawn by each init scheme, lose rank as they deepen.

The whole study: its tables (from plain values), its figure and its stage. Only the stage is
imported when the Snakefile builds the DAG, so torch, pandas and matplotlib are imported
inside the functions that use them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from inputgen.platform.stage import File, Job, knob, stage

if TYPE_CHECKING:
    import matplotlib.pyplot as plt
    import pandas as pd


def conditioning_tables(
    width: int, depth: int, schemes: Sequence[str], seed: int
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per init scheme and depth 1..``depth`` of composed random square layers: the condition
    number with the largest and smallest singular value, and every singular value (spectra)."""
    import pandas as pd

    from inputgen.engine.dense import composed_spectra, condition_number

    rows, spectra = [], []
    for scheme in schemes:
        for d, values in enumerate(composed_spectra(width, depth, scheme, seed), start=1):
            rows.append(
                {
                    "scheme": scheme,
                    "depth": d,
                    "condition_number": condition_number(values),
                    "sigma_max": float(values.max()),
                    "sigma_min": float(values.min()),
                }
            )
            spectra.append(
                pd.DataFrame(
                    {
                        "scheme": scheme,
                        "depth": d,
                        "index": range(len(values)),
                        "singular_value": values.numpy(),
                    }
                )
            )
    return pd.DataFrame(rows), pd.concat(spectra, ignore_index=True)


def conditioning_figure(conditioning: pd.DataFrame, spectra: pd.DataFrame) -> plt.Figure:
    """Condition number against depth per init scheme, and each scheme's singular spectra
    (normalised by the largest) per depth: the "spiky ball"."""
    import matplotlib.pyplot as plt
    import numpy as np

    from inputgen.figures.images import legend_label

    schemes = list(dict.fromkeys(conditioning["scheme"]))
    columns = -(-len(schemes) // 2)
    cells = [f"s{i}" if i < len(schemes) else "." for i in range(2 * columns)]
    mosaic = [["cond", *cells[:columns]], ["cond", *cells[columns:]]]
    figure, axes = plt.subplot_mosaic(
        mosaic, figsize=(5 + 4 * columns, 7), empty_sentinel=".",
        gridspec_kw={"width_ratios": [1.4] + [1] * columns},
    )  # fmt: skip
    first = axes["cond"]
    styles = ["-o", "--s", ":^", "-.D", "-v", "--x"]
    for scheme, style in zip(schemes, styles * len(schemes), strict=False):
        rows = conditioning[conditioning["scheme"] == scheme]
        first.plot(
            rows["depth"], rows["condition_number"], style, label=legend_label(scheme), alpha=0.8
        )
    first.set_yscale("log")
    first.set_xlabel("composed layers")
    first.set_ylabel("condition number (float64 SVD)")
    first.legend(fontsize=8, title="init (Xavier = Kaiming up to scale)", title_fontsize=7)
    depths = sorted(spectra["depth"].unique())
    colours = plt.get_cmap("viridis")(np.linspace(0, 0.9, max(len(depths), 1)))
    shared = None
    for index, scheme in enumerate(schemes):
        ax = axes[f"s{index}"]
        if shared is None:
            shared = ax
        else:
            ax.sharey(shared)
        for depth, colour in zip(depths, colours, strict=True):
            values = spectra[(spectra["scheme"] == scheme) & (spectra["depth"] == depth)]
            values = values.sort_values("index")["singular_value"].to_numpy()
            ax.plot(values / values[0], color=colour, label=f"depth {depth}")
        ax.set_yscale("log")
        ax.set_title(scheme, fontsize=10)
        ax.set_xlabel("singular value index", fontsize=8)
        ax.set_ylabel("sigma_i / sigma_max", fontsize=8)
    axes["s0"].legend(fontsize=7, ncol=2)
    figure.suptitle("Composed random layers: condition number and singular spectra", fontsize=11)
    figure.tight_layout()
    return figure


# The findings page's table of this study: kind (the findings stage's file argument) -> what.
FINDINGS_TABLES = {"conditioning": "results/linear/conditioning.tsv"}


def findings_section(tables: Mapping[str, Mapping[str, pd.DataFrame]]) -> str:
    """The study's section of the findings page: the condition numbers of one layer and of the
    deepest product, per init scheme, or the line that the study is off."""
    from inputgen.platform.findings_tables import off_line, rows_table, section

    conditioning = tables.get("conditioning") or {}
    ends = {
        path: frame[frame["depth"].isin([frame["depth"].min(), frame["depth"].max()])]
        for path, frame in conditioning.items()
    }
    return section(
        "Conditioning",
        "Condition number of products of random square layers, one layer against the most, "
        "per init scheme.",
        rows_table(ends, ["scheme", "depth", "condition_number", "sigma_max", "sigma_min"]),
        off=None if conditioning else off_line("conditioning"),
    )


@dataclass(frozen=True)
class Conditioning:
    width: int = knob("side of each square random layer")
    depth: int = knob("the deepest composition")
    schemes: list[str] = knob("init schemes: default, xavier, kaiming, orthogonal")
    seed: int = knob("seed of the random layers", schema="seed")


@stage(
    "conditioning",
    Conditioning,
    schema="conditioning",
    outputs={
        "table": File("condition numbers .tsv"),
        "spectra": File("every singular value .tsv"),
        "figure": File("condition number against depth, spectra .png"),
    },
)
def conditioning(job: Job) -> None:
    """Condition numbers of composed random layers."""
    s = job.settings
    table, spectra = conditioning_tables(s.width, s.depth, s.schemes, s.seed)
    job.write_table("table", table)
    job.write_table("spectra", spectra)
    job.write_figure("figure", conditioning_figure(table, spectra))
