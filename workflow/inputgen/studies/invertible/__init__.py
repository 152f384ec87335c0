"""The invertible linear net (source article 3): exact inversion in float32 and float64, and
random output neighbours against descent (the science in :mod:`.science`, the figures in
:mod:`.figures`): its settings, stage and section of the findings page. Importing this imports
no torch (the Snakefile registers every stage)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from inputgen.engine.depth_descent import DepthDescent
from inputgen.platform.stage import File, Job, knob, stage

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class Invertible(DepthDescent):
    names: list[str] = knob("photos (names in the photos file) to invert")
    size: int = knob("side of the downscaled photos")
    depth: int = knob("square linear layers")
    neighbours: int = knob("random neighbours per photo")
    output_std: float = knob("O(a'') = O(a) + N(0, s^2)")
    reference_std: float = knob("a' = a + N(0, std^2)")
    seed: int = knob("master seed (the net, neighbours, shifts, start images)", schema="seed")


@stage(
    "invertible",
    Invertible,
    schema="invertible",
    inputs={"photos": File("photos .safetensors")},
    outputs={
        "invertible": File("reconstruction errors .tsv"),
        "neighbours_table": File("input distances .tsv"),
        "summary": File("medians and the percentile of |a_g - a| .tsv"),
        "figure": File("neighbour distances .png"),
    },
    models=True,
)
def invertible(job: Job) -> None:
    """Exact inversion and random output neighbours."""
    from inputgen.engine import photos
    from inputgen.studies.invertible import figures
    from inputgen.studies.invertible import science as invertible

    s = job.settings
    targets = photos.resize(photos.select_photos(job.path("photos"), s.names), s.size)
    study = invertible.invertible_study(
        targets, s.names, s.descent, depth=s.depth, neighbours=s.neighbours,
        output_std=s.output_std, reference_std=s.reference_std, seed=s.seed, device=job.device,
    )  # fmt: skip
    job.write_table("invertible", study.invertible)
    job.write_table("neighbours_table", study.neighbours)
    job.write_table("summary", study.summary)
    figure = figures.invertible_figure(
        study.invertible, study.neighbours, study.summary, depth=s.depth,
        width=targets[0].numel(), output_std=s.output_std, reference_std=s.reference_std,
        steps=s.steps,
    )  # fmt: skip
    job.write_figure("figure", figure)


# The findings page's tables of this study: kind (the findings stage's file argument) -> what.
FINDINGS_TABLES = {
    "invertible": "results/linear/invertible.tsv",
    "neighbours": "results/linear/neighbours_summary.tsv",
}


def findings_section(tables: Mapping[str, Mapping[str, pd.DataFrame]]) -> str:
    """The exact inversion's relative errors, and the random neighbours against descent, or the
    line that the study is off."""
    from inputgen.platform.findings_tables import off_line, rows_table, section

    invertible = tables.get("invertible") or {}
    neighbours = tables.get("neighbours") or {}
    columns = ["photo", "median_random", "shifted", "descent", "descent_percentile"]
    return section(
        "Invertible linear net",
        "Exact layer-by-layer inversion of a square linear net (relative error per photo and "
        "precision), then its random output neighbours against the small input shift and "
        "gradient descent (medians; `descent_percentile`: where descent's point lies among the "
        "neighbours).",
        rows_table(invertible, ["photo", "dtype", "relative_error"]),
        rows_table(neighbours, [*columns, "random_output_distance", "descent_output_distance"]),
        off=None if invertible else off_line("invertible"),
    )
