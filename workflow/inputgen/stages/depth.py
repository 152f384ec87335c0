"""Depth stages (source article 3): layer autoencoding, fully connected nets, conditioning and
the exactly invertible linear net."""

from __future__ import annotations

from dataclasses import dataclass

from inputgen.stage import File, Job, knob, stage


@dataclass(frozen=True)
class Conditioning:
    width: int = knob("side of each square random layer")
    depth: int = knob("the deepest composition")
    schemes: list[str] = knob("init schemes: default, xavier, kaiming, orthogonal")
    seed: int = knob("seed of the random layers", 0)


@stage(
    "conditioning",
    Conditioning,
    outputs={
        "table": File("condition numbers .tsv"),
        "spectra": File("every singular value .tsv"),
        "figure": File("condition number against depth, spectra .png"),
    },
)
def conditioning(job: Job) -> None:
    """Condition numbers of composed random layers."""
    from inputgen import dense
    from inputgen.figures import depth as figures

    s = job.settings
    table, spectra = dense.conditioning_tables(s.width, s.depth, s.schemes, s.seed)
    job.write_table("table", table)
    job.write_table("spectra", spectra)
    job.write_figure("figure", figures.conditioning_figure(table, spectra))
