"""Figures, one module per study: each function takes tables and tensors and returns a
matplotlib figure for ``artifacts.write_figure`` to save. The backend is set here, once: jobs
run headless."""

import matplotlib

matplotlib.use("Agg")
