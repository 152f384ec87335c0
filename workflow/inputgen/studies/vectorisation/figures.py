"""The vectorisation study's figures: theta1's own picture, theta2's and theta1's vectorised one
side by side, and the photos beside theta1's vectorised images."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd

from inputgen.figures.images import side_by_side


def vectorisation_figure(
    own, theirs, vectorised, table: pd.DataFrame, *, name: str, toward: str, size: int
) -> plt.Figure:
    """Per class: theta1's (``name``) own picture | theta2's (``toward``) | theta1's vectorised
    one, captioned with what theta2 sees in it (``table``: the class rows of the
    vectorisation table, in the images' order)."""
    captions = [
        caption
        for row in table.itertuples()
        for caption in (
            f"{name}'s {row.name[:20]}",
            f"{toward}'s {row.name[:20]}",
            f"{name} vectorised\n{toward} sees {row.toward_top1[:16]}",
        )
    ]
    return side_by_side(
        [own, theirs, vectorised], captions, f"{name} vectorised to be {toward}", size
    )


def vectorisation_photo_figure(
    photos, vectorised, table: pd.DataFrame, *, name: str, size: int
) -> plt.Figure:
    """Per photo: the photo | theta1's vectorised image, each captioned with what theta1 sees
    (``table``: the photo rows of the vectorisation table, in the images' order)."""
    captions = [
        caption
        for row in table.itertuples()
        for caption in (
            f"photo {row.name}: {row.target_top1[:18]}",
            f"{name} vectorised: {row.vectorised_top1[:18]}",
        )
    ]
    return side_by_side(
        [photos, vectorised],
        captions,
        f"{name} vectorised to photos\n(caption: what {name} sees)",
        size,
    )
