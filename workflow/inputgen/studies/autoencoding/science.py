"""Layer autoencoding (source article 3): how well a layer's output determines its input.

A target image ``a`` gives the layer output ``O(a)``; gradient descent on an input from
``a_0 = N(0.7, 1/20)`` (mean, standard deviation) minimises ``|O(a) - O(a_n)|_1`` under the blur
prior, and the forward pass is the encoder, the descent the decoder. Per iteration:

* ``m_g = |O(a) - O(a_g)|_2``: how well the descent matches the layer's output;
* ``m_i = |a - a_g|_2``: how close the input it found is to the target;
* ``m_r = |O(a) - O(a')|_2`` with ``a' = a + N(0, 1/25)``: the output distance of a nearly
  invisible shift, the reference for "small" in that layer (one ``a'`` for every layer).

The descent and the metrics are :mod:`inputgen.engine.reconstruction`'s; this module runs them
over a model's layers and states the claims.

The source's claims, per model (trained, and untrained as the control): ``m_i`` at the end of
the descent grows with depth (deeper layers determine their input less), and at the deepest
layer the descent matches the output better than a nearly invisible shift does (``m_g < m_r``)
while the input it found is further from the target than that shift (``m_i > |a' - a|``): the
layer's output is matched, the input is not recovered.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

import pandas as pd
import torch

from inputgen.engine.models import ZooModel, architecture_of
from inputgen.engine.optimize import Descent
from inputgen.engine.reconstruction import REFERENCE_STD, reconstruct, reference_distances, shifted


# ------------------------------------------------------------------------- the layer study
def spec_at_size(spec: Mapping, size: int) -> dict:
    """The model spec a layer-autoencoding job loads: torchvision models (fully convolutional)
    run at the optimised image's side; other models keep their fixed input size."""
    spec = dict(spec)
    if architecture_of(spec).family == "torchvision":
        spec["input_size"] = size
    return spec


@dataclass
class LayerAutoencoding:
    metrics: pd.DataFrame  # layer, iteration, m_g, m_i, m_r: every iteration of every layer
    images: torch.Tensor  # (layers, 3, H, W): a_g recovered from each layer
    shift: float  # |a' - a| of the shift behind m_r


def autoencode_layers(
    zoo: ZooModel,
    target: torch.Tensor,
    layers: Sequence[str],
    descent: Descent,
    *,
    reference_std: float = REFERENCE_STD,
    seed: int = 0,
    progress: str = "autoencoding",
) -> LayerAutoencoding:
    """Invert one target (1, 3, H, W) from each layer, shallow to deep, every layer from the
    same start ``a_0``; ``m_r`` of one shifted ``a'`` shared by every layer."""
    m_r = reference_distances(zoo, target, layers, std=reference_std, seed=seed)
    frames, images = [], []
    for layer in layers:
        result = reconstruct(
            zoo,
            target,
            layer,
            descent,
            ids=[0],  # one start a_0 for every layer
            seed=seed,
            progress=f"{progress} {layer}",
        )
        images.append(result.images[0])
        frames.append(
            pd.DataFrame(
                {
                    "layer": layer,
                    "iteration": range(len(result.m_g)),
                    "m_g": result.m_g[:, 0].numpy(),
                    "m_i": result.m_i[:, 0].numpy(),
                    "m_r": float(m_r[layer][0]),
                }
            )
        )
    # |a' - a| of the same a' behind m_r: the input-space size of a nearly invisible shift
    shift = float((shifted(target, reference_std, seed) - target).norm())
    return LayerAutoencoding(pd.concat(frames, ignore_index=True), torch.stack(images), shift)


def summary_table(
    metrics: Mapping[str, pd.DataFrame], shifts: Mapping[str, float], untrained: Collection[str]
) -> pd.DataFrame:
    """Per model (in the given order) and layer (shallow to deep, ``depth`` from 1): ``m_g``,
    ``m_r`` and ``m_i`` at the last iteration, whether ``m_g < m_r``, and ``m_i`` in units of
    the model's shift ``|a' - a|`` (``shifts``)."""
    rows = []
    for name, table in metrics.items():
        last = table[table["iteration"] == table["iteration"].max()]
        for depth, row in enumerate(last.itertuples(), start=1):
            rows.append(
                {
                    "model": name,
                    "trained": name not in untrained,
                    "layer": row.layer,
                    "depth": depth,
                    "m_g": row.m_g,
                    "m_r": row.m_r,
                    "m_i": row.m_i,
                    "m_g_below_m_r": row.m_g < row.m_r,
                    "m_i_over_shift": row.m_i / shifts[name],
                }
            )
    return pd.DataFrame(rows)


def claims_table(summary: pd.DataFrame) -> pd.DataFrame:
    """The source's two claims per model, as numbers (``summary_table``'s rows):

    * ``m_i`` at the last iteration grows with depth: Spearman's rho of (depth, m_i), and it
      holds when ``m_i`` never falls from one layer to the next;
    * at the deepest layer ``m_g < m_r`` while ``m_i > |a' - a|``: the value is ``m_g / m_r``.
    """
    from scipy.stats import spearmanr

    claims = []
    for name, group in summary.groupby("model", sort=False):
        trained = bool(group["trained"].iloc[0])
        rho = spearmanr(group["depth"], group["m_i"]).statistic if len(group) > 1 else float("nan")
        deepest = group.iloc[-1]
        claims += [
            {
                "model": name,
                "trained": trained,
                "claim": "m_i at the last iteration grows with depth",
                "value": round(float(rho), 3),
                "measure": "Spearman rho(depth, m_i)",
                "holds": bool(group["m_i"].is_monotonic_increasing),
            },
            {
                "model": name,
                "trained": trained,
                "claim": "deepest layer: m_g < m_r while m_i > |a' - a|",
                "value": round(float(deepest["m_g"] / deepest["m_r"]), 3),
                "measure": f"m_g / m_r (m_i / |a' - a| = {deepest['m_i_over_shift']:.2f})",
                "holds": bool(deepest["m_g_below_m_r"] and deepest["m_i_over_shift"] > 1),
            },
        ]
    return pd.DataFrame(claims)
