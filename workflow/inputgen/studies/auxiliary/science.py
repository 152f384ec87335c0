"""The auxiliary head (source article 1): InceptionV3's auxiliary classifier as the objective,
and how the main and auxiliary heads see the images."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import torch

from inputgen.engine.generation import class_term, run
from inputgen.engine.generation_settings import GenerationSettings
from inputgen.engine.models import ZooModel, activations
from inputgen.engine.optimize import Result


def auxiliary_representations(
    zoo: ZooModel,
    classes: Sequence[int],
    layer: str,
    head: str,
    settings: GenerationSettings,
    seed: int,
) -> Result:
    """Class representations from an auxiliary head (source article 1: InceptionV3's
    ``AuxLogits`` on ``Mixed_6e``), which eval mode skips: the head runs on the tapped layer."""
    objective = class_term(settings, "model", classes, head=(layer, head))
    return run({"model": zoo}, objective, classes, settings, seed, progress="auxiliary head")


@torch.no_grad()
def head_logits(
    zoo: ZooModel, images: torch.Tensor, layer: str, head: str, batch_size: int
) -> torch.Tensor:
    """The auxiliary head's logits on images, ``batch_size`` at a time, on the CPU."""
    module = zoo.model.get_submodule(head)
    outputs = []
    for taps in activations(zoo, images, [layer], batch_size):
        # the head is no layer of the model's forward pass (eval skips it): run on the tapped layer
        outputs.append(module(taps[layer]).float().cpu())
    return torch.cat(outputs)


def auxiliary_table(
    classes: Sequence[int], head: torch.Tensor, main: pd.DataFrame, names: Sequence[str]
) -> pd.DataFrame:
    """Per class: the auxiliary head's logit for it and its top-1 (``head``: the head's logits,
    classes x 1000), and what the main output sees (``main``: ``recognition``)."""
    index = torch.tensor(list(classes))[:, None]
    return pd.DataFrame(
        {
            "class": list(classes),
            "name": [names[c] for c in classes],
            "head_logit": head.gather(1, index)[:, 0].round(decimals=4).tolist(),
            "head_top1_name": [names[c] for c in head.argmax(dim=1).tolist()],
            "head_self_top1": (head.argmax(dim=1) == index[:, 0]).int().tolist(),
            "main_top1_name": [names[c] for c in main["top1"]],
            "main_top1_prob": main["top1_prob"].round(4),
            "main_self_top1": (main["top1"] == main["class"]).astype(int),
        }
    )
