"""Every stage of the workflow (importing this registers them all in
:data:`inputgen.platform.stage.STAGES`): each study of :mod:`inputgen.studies`, and the run's
own stages here, which belong to no study: the data (photos, spectrum) and the reports (the
resolved config, the claims, the findings page, the provenance page)."""

from inputgen import studies
from inputgen.stages import (  # noqa: F401
    data,
    findings,
    reports,
)

studies.modules()  # importing each study module registers its stage
