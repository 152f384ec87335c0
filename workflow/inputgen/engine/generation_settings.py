"""What a generation study is told, without torch: ``GenerationSettings`` (the config's
``generation`` section as one value) and the checks of class indices and of vector addition's
pairs. The Snakefile builds and checks every generation job's settings with this module alone
when it builds the DAG; what the settings make (the parameterisation, the objective, the
descent) is built by ``inputgen.engine.generation``, which imports this module (never the
other way round)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from inputgen.platform.config import MACO_COLOUR_KEYS, schema_defaults

_DEFAULTS = schema_defaults("generation")
CLASS_OBJECTIVES = ("constant", "logit", "margin")


@dataclass(frozen=True)
class GenerationSettings:
    """The knobs of one generation run (every one is a Snakemake param): the config's flat
    ``generation`` dict. Its descent (steps, lr, lr_end, rule, priors, octaves) is ``descent``;
    the rest says what is optimised and toward what."""

    # Defaults: the config schema's (generation), read once, never retyped here.
    steps: int = _DEFAULTS["steps"]
    lr: float = _DEFAULTS["lr"]
    lr_end: float | None = _DEFAULTS["lr_end"]
    rule: str = _DEFAULTS["rule"]
    constant: float = float(_DEFAULTS["constant"])
    l1: float = _DEFAULTS["l1"]
    tv: float = _DEFAULTS["tv"]
    priors: Mapping[str, Mapping | None] = field(default_factory=lambda: dict(_DEFAULTS["priors"]))
    octaves: Sequence[float] = tuple(_DEFAULTS["octaves"])
    init_spread: float = _DEFAULTS["init_spread"]
    parameterisation: str = _DEFAULTS["parameterisation"]
    decorrelate: bool = _DEFAULTS["decorrelate"]
    chroma: float = _DEFAULTS["chroma"]
    chroma_cutoff: float = _DEFAULTS["chroma_cutoff"]
    class_objective: str = _DEFAULTS["class_objective"]
    canvas: float = _DEFAULTS["canvas"]
    # maco's magnitude spectrum (parameterisations.natural_magnitude): data, not a knob. The
    # workflow reads it from its spectrum artifact (an input, digested in the record) and adds it
    # with ``with_magnitude``; it is never part of the settings' JSON.
    magnitude: Any = field(default=None, compare=False, repr=False, metadata={"data": True})

    @classmethod
    def from_dict(cls, values: Mapping) -> GenerationSettings:
        unknown = sorted(set(values) - (set(cls.__dataclass_fields__) - {"magnitude"}))
        if unknown:
            raise ValueError(f"unknown generation settings {unknown}")
        return cls(**values)

    def __post_init__(self):  # refused when the DAG is built, not when a job runs
        if self.class_objective not in CLASS_OBJECTIVES:
            raise ValueError(
                f"class objective {self.class_objective!r}; known: {', '.join(CLASS_OBJECTIVES)}"
            )
        if self.parameterisation == "maco" and not self.decorrelate:
            raise ValueError(
                "generation.parameterisation maco needs generation.decorrelate: true (its "
                "magnitude spectrum is estimated in decorrelated colour)"
            )
        for key, neutral in MACO_COLOUR_KEYS.items():
            if getattr(self, key) != neutral and self.parameterisation != "maco":
                raise ValueError(
                    f"generation.{key} {getattr(self, key)} changes maco's colour magnitude; "
                    f"parameterisation {self.parameterisation} has none (set {key}: {neutral})"
                )

    @property
    def needs_magnitude(self) -> bool:
        return self.parameterisation == "maco"

    def with_magnitude(self, magnitude) -> GenerationSettings:
        return replace(self, magnitude=magnitude)

    def image_size(self, input_size: int) -> int:
        """The side of the images a run draws for models of this input size (the largest of
        them): ``canvas`` times it."""
        return round(self.canvas * input_size)


def check_classes(classes: Sequence[int], outputs: int | Mapping = 1000) -> None:
    """Class indices among a model's ``outputs`` (a count, or the model's spec)."""
    from inputgen.engine.model_specs import output_count

    outputs = output_count(outputs) if isinstance(outputs, Mapping) else outputs
    bad = [c for c in classes if not 0 <= c < outputs]
    if bad:
        raise ValueError(f"class indices must be in 0..{outputs - 1}, got {bad}")


def addition_pairs(pairs: Sequence[Sequence[int]]) -> tuple[list[int], list[int]]:
    """The first and the second classes of ``[first, second]`` pairs, in order."""
    bad = [list(pair) for pair in pairs if len(pair) != 2]
    if bad:
        raise ValueError(f"each pair must be [first, second], got {bad}")
    return [int(a) for a, _ in pairs], [int(b) for _, b in pairs]
