"""Figure helpers every study draws with (:mod:`.images`); each study's own figures are in its
folder of :mod:`inputgen.studies`. A job draws headless: the stage runner sets matplotlib's
backend (``MPLBACKEND``) for every job."""
