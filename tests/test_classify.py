"""The classification study (inputgen.studies.classify): top-k against a model whose logits are
known, and the captions that name them."""

from dataclasses import replace

import pytest
import torch
from inputgen.engine import reconstruction
from inputgen.studies.classify import captions, top_k
from torch import nn


class FirstPixels(nn.Module):
    """Logits = the first four pixel values of the flattened image."""

    def forward(self, x):
        return x.flatten(1)[:, :4]


def zoo():
    model = reconstruction.as_zoo(FirstPixels(), 2)
    return replace(model, class_names=("ant", "bee", "cat", "dog"))


def test_top_k_ranks_the_classes_by_probability_in_any_batching():
    images = torch.zeros(3, 3, 2, 2)
    images.view(3, -1)[0, :4] = torch.tensor([0.0, 3.0, 1.0, 2.0])  # bee > dog > cat > ant
    images.view(3, -1)[1, :4] = torch.tensor([5.0, 0.0, 0.0, 0.0])  # ant first
    table = top_k(zoo(), images, ["a", "b", "c"], 3, batch_size=2)
    assert table["photo"].tolist() == ["a", "b", "c"]
    assert table.loc[0, ["top1_name", "top2_name", "top3_name"]].tolist() == ["bee", "dog", "cat"]
    assert table.loc[1, "top1"] == 0 and table.loc[1, "top1_prob"] == pytest.approx(
        torch.tensor([5.0, 0, 0, 0]).softmax(0)[0].item(), abs=1e-6
    )
    assert table.equals(top_k(zoo(), images, ["a", "b", "c"], 3, batch_size=1))
    with pytest.raises(ValueError, match="2 names for 3 images"):
        top_k(zoo(), images, ["a", "b"], 3, batch_size=2)


def test_captions_name_the_photo_and_its_first_classes():
    images = torch.zeros(1, 3, 2, 2)
    images.view(1, -1)[0, :4] = torch.tensor([0.0, 3.0, 1.0, 2.0])
    table = top_k(zoo(), images, ["chelsea"], 3, batch_size=1)
    (caption,) = captions(table, 2)
    lines = caption.split("\n")
    assert lines[0] == "chelsea" and len(lines) == 3
    assert lines[1].startswith("1. bee ") and lines[2].startswith("2. dog ")
    assert lines[1].endswith(f"{table.loc[0, 'top1_prob']:.0%}")
