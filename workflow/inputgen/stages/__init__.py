"""Every stage of the workflow (importing this registers them all in
:data:`inputgen.platform.stage.STAGES`): these modules, one per group of studies, and each study
of :mod:`inputgen.studies`, a whole study. A stage module reads the stage's input artifacts, calls
its study module with plain values, and writes what comes back; tables, loops and claims belong
in the study modules, figures in :mod:`inputgen.figures`. These are the stages of the studies
not yet moved into :mod:`inputgen.studies` (the generation studies), the data's and the
reports'."""

from inputgen import studies
from inputgen.stages import (  # noqa: F401
    data,
    generation,
    reports,
)

studies.modules()  # importing each study module registers its stage
