"""Fully connected nets (source article 3): how the narrowest layer, the depth and the width decide
whether descent recovers a net's input (the science in :mod:`.science`, the figure in
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
class FullyConnected(DepthDescent):
    study: str = knob("the study's name (titles)")
    nets: list[list[int]] = knob("each net's layer widths, input side first")
    relu: bool = knob("ReLU between layers (false: linear layers)")
    names: list[str] = knob("photos (names in the photos file) recovered together")
    size: int = knob("side of the downscaled photos (29: 2523 inputs)")
    points: int = knob("log-spaced iterations recorded")
    reference_std: float = knob("a' = a + N(0, std^2): the figure's |a' - a| line")
    seed: int = knob("master seed (start images, net i seeded seed + i)", schema="seed")


@stage(
    "fully-connected",
    FullyConnected,
    schema="fully_connected",
    inputs={"photos": File("photos .safetensors")},
    outputs={
        "table": File("m_i, m_g per net and iteration .tsv"),
        "figure": File("m_i curves .png"),
    },
    models=True,
)
def fully_connected(job: Job) -> None:
    """Input recovery through fully connected nets."""
    from inputgen.engine import photos
    from inputgen.studies.fully_connected import figures
    from inputgen.studies.fully_connected import science as fully_connected

    s = job.settings
    targets = photos.resize(photos.select_photos(job.path("photos"), s.names), s.size)
    table = fully_connected.recovery_table(
        targets, s.names, s.nets, s.descent, relu=s.relu, points=s.points, seed=s.seed,
        device=job.device, progress=s.study,
    )  # fmt: skip
    job.write_table("table", table)
    inputs = targets[0].numel()
    title = (
        f"Fully connected ({'ReLU' if s.relu else 'linear'}), {s.study}: "
        f"{s.size}x{s.size}x3 = {inputs} inputs, {len(s.names)} photos"
    )
    reference = float(s.reference_std * inputs**0.5)
    job.write_figure(
        "figure", figures.fully_connected_figure(table, title=title, reference=reference)
    )


# The findings page's tables of this study: kind (the findings stage's file argument) -> what.
FINDINGS_TABLES = {"fully_connected": "fully connected nets' {study}.tsv, one per study"}


def findings_section(tables: Mapping[str, Mapping[str, pd.DataFrame]]) -> str:
    """``m_i`` and ``m_g`` after each net's last iteration, averaged over the photos recovered
    together, or the line that the study is off."""
    from inputgen.platform.findings_tables import aggregate_table, off_line, section

    nets = tables.get("fully_connected") or {}
    last = {
        path: frame[frame["iteration"] == frame.groupby("net")["iteration"].transform("max")]
        for path, frame in nets.items()
    }
    return section(
        "Fully connected nets",
        "The input distance `m_i` and output distance `m_g` after each net's last iteration, "
        "averaged over the photos.",
        aggregate_table(
            last, ["net", "depth", "narrowest", "iteration"], ["count(*)", "mean(m_i)", "mean(m_g)"]
        ),
        off=None if nets else off_line("fully_connected"),
    )
