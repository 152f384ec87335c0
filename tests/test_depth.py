"""Depth studies: exact inversion, conditioning, layer autoencoding metrics, input recovery."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch
from conftest import make_photos
from inputgen import autoencoding, dense
from inputgen.cli import main
from torch import nn


def test_float64_inverts_a_random_square_net_and_float32_does_not():
    stack = dense.LinearStack.random(width=64, depth=4, seed=0)
    inputs = torch.rand(5, 64, generator=torch.Generator().manual_seed(1))
    errors = dense.reconstruction_errors(stack, inputs)
    assert errors["float64"].max() < 1e-8
    assert errors["float32"].median() > 1e3 * errors["float64"].median()
    assert errors["float32"].median() > 1e-6


def test_inverse_of_the_output_is_the_input_layer_by_layer():
    stack = dense.LinearStack.random(width=16, depth=2, seed=3)
    x = torch.randn(4, 16, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    hidden = x @ stack.weights[0].T + stack.biases[0]
    assert torch.allclose(stack.forward(x), hidden @ stack.weights[1].T + stack.biases[1])
    assert torch.allclose(stack.invert(stack.forward(x)), x, atol=1e-10)
    # the float32 module gradient descent runs is the same map
    assert torch.allclose(stack.module()(x.float()).double(), stack.forward(x), atol=1e-4)


@pytest.mark.parametrize("scheme", dense.INIT_SCHEMES)
def test_condition_number_of_a_product_equals_numpys(scheme):
    spectra = dense.composed_spectra(width=24, depth=3, scheme=scheme, seed=7)
    generator = torch.Generator().manual_seed(7)
    weights = [
        dense.init_weight(torch.empty(24, 24, dtype=torch.float64), scheme, generator).numpy()
        for _ in range(3)
    ]
    for depth, values in enumerate(spectra, start=1):
        product = np.linalg.multi_dot(weights[:depth][::-1]) if depth > 1 else weights[0]
        assert dense.condition_number(values) == pytest.approx(np.linalg.cond(product), rel=1e-8)


def test_conditioning_worsens_with_depth_except_for_orthogonal_layers():
    default = [dense.condition_number(s) for s in dense.composed_spectra(64, 4, "default", 0)]
    orthogonal = [dense.condition_number(s) for s in dense.composed_spectra(64, 4, "orthogonal", 0)]
    assert all(b > a for a, b in zip(default, default[1:], strict=False))
    assert max(orthogonal) == pytest.approx(1.0, abs=1e-9)
    # the condition number ignores scale: Xavier and Kaiming normal differ by a constant factor
    xavier = dense.composed_spectra(32, 3, "xavier", 5)
    kaiming = dense.composed_spectra(32, 3, "kaiming", 5)
    for a, b in zip(xavier, kaiming, strict=True):
        assert dense.condition_number(a) == pytest.approx(dense.condition_number(b), rel=1e-9)


def test_unknown_init_scheme_is_refused():
    with pytest.raises(ValueError, match="unknown init scheme 'he'.*orthogonal"):
        dense.init_weight(torch.empty(2, 2), "he", torch.Generator())


def test_nets_are_seeded_and_leave_the_global_rng_alone():
    state = torch.get_rng_state()
    first = dense.mlp(12, [8, 4], seed=1)
    assert torch.equal(torch.get_rng_state(), state)
    assert torch.equal(first[1].weight, dense.mlp(12, [8, 4], seed=1)[1].weight)
    assert not torch.equal(first[1].weight, dense.mlp(12, [8, 4], seed=2)[1].weight)
    assert [type(m) for m in first] == [nn.Flatten, nn.Linear, nn.ReLU, nn.Linear]


def test_random_neighbours_through_an_orthogonal_net_are_as_far_as_their_noise():
    # Orthogonal layers preserve distances: |a'' - a| is exactly the norm of the output noise.
    stack = dense.LinearStack.random(width=300, depth=3, seed=0, scheme="orthogonal")
    image = torch.rand(3, 10, 10)
    distances = dense.random_neighbours(stack, image, count=200, output_std=0.01, seed=0)
    generator = torch.Generator().manual_seed(0)
    noise = torch.randn(200, 300, generator=generator, dtype=torch.float64) * 0.01
    assert torch.allclose(distances, noise.norm(dim=1), rtol=1e-8)
    assert dense.percentile_of(2.5, torch.tensor([1.0, 2.0, 3.0, 4.0])) == 50.0


def _identity_zoo(size: int):
    # Two identical taps: any difference between their m_r would come from different shifts.
    return autoencoding.as_zoo(nn.Sequential(nn.Flatten(), nn.Identity(), nn.Identity()), size)


def test_m_r_uses_one_shifted_input_for_every_layer():
    image = torch.rand(1, 3, 8, 8)
    m_r = autoencoding.reference_distances(_identity_zoo(8), image, ["1", "2", None], seed=4)
    generator = torch.Generator().manual_seed(4)
    expected = (torch.randn(image.shape, generator=generator) / 25).flatten().norm()
    assert float(m_r["1"][0]) == float(m_r["2"][0]) == float(m_r[None][0])
    assert float(m_r["1"][0]) == pytest.approx(float(expected), rel=1e-6)


def test_autoencoding_metrics_start_at_the_init_and_fall():
    image = torch.rand(2, 3, 6, 6, generator=torch.Generator().manual_seed(0)) * 0.6 + 0.2
    result = autoencoding.reconstruct(
        _identity_zoo(6), image, "1", steps=60, lr=0.02, lr_end=0.001, progress=None
    )
    start = autoencoding.start_images(image.shape[1:], [0, 1], seed=0).clamp(0, 1)
    assert result.m_i.shape == result.m_g.shape == (61, 2)
    assert torch.allclose(result.m_i[0], (start - image).flatten(1).norm(dim=1), atol=1e-5)
    # through an identity the output distance is the input distance
    assert torch.allclose(result.m_g, result.m_i, atol=1e-5)
    assert (result.m_i[-1] < 0.2 * result.m_i[0]).all()


def test_an_undercomplete_net_cannot_recover_its_input_and_an_overcomplete_one_can():
    targets = torch.rand(2, 3, 4, 4, generator=torch.Generator().manual_seed(0)) * 0.6 + 0.2
    final = {}
    for widths in ([24, 24], [96, 96]):  # 48 inputs
        net = dense.mlp(48, widths, seed=0, relu=False)
        result = autoencoding.reconstruct(
            autoencoding.as_zoo(net, 4),
            targets,
            None,
            steps=300,
            lr=0.02,
            lr_end=0.0005,
            momentum=0.9,
            progress=None,
        )
        assert (result.m_g[-1] < 0.1 * result.m_g[0]).all()  # both match their output
        final[widths[0]] = float(result.m_i[-1].mean())
    assert final[96] < 0.3 * final[24]


def test_autoencode_writes_one_row_per_layer_and_iteration(tmp_path):
    photos = make_photos(tmp_path) / "p.safetensors"
    model = '{"arch": "resnet18", "weights": "random", "seed": 0}'
    out = {name: tmp_path / name for name in ("m.tsv", "i.safetensors", "c.png")}
    main(
        ["autoencode", "--name", "r18", "--model", model, "--photos", str(photos),
         "--photo", "chelsea", "--size", "32", "--layers", "layer1", "layer3",
         "--priors", '{"blur": {"until": 0.5}}', "--steps", "3", "--lr", "0.01",
         "--metrics", str(out["m.tsv"]), "--images", str(out["i.safetensors"]),
         "--figure", str(out["c.png"]), "--device", "cpu"]
    )  # fmt: skip
    metrics = pd.read_csv(out["m.tsv"], sep="\t")
    assert list(metrics.columns) == ["layer", "iteration", "m_g", "m_i", "m_r"]
    assert len(metrics) == 2 * 4
    assert not metrics.isna().any().any()
    assert metrics.groupby("layer")["iteration"].apply(list).to_dict() == {
        "layer1": [0, 1, 2, 3],
        "layer3": [0, 1, 2, 3],
    }
    assert (metrics.groupby("layer")["m_r"].nunique() == 1).all()
    # every layer starts from the same a_0
    assert metrics.groupby("layer")["m_i"].first().nunique() == 1
    assert out["c.png"].is_file()


def test_mnist_loads_and_training_is_seeded_and_pauses_at_checkpoints():
    from inputgen import mnist

    images, labels = mnist.load("test")
    assert images.shape == (10000, 1, 28, 28) and labels.shape == (10000,)
    assert (
        0 <= float(images.min())
        and float(images.max()) < 1
        and set(labels.tolist()) == set(range(10))
    )
    state = torch.get_rng_state()
    weights = []
    for _ in range(2):
        model = mnist.build(seed=3)
        steps = list(
            mnist.train(
                model, images[:96], labels[:96], epochs=2, batch_size=32, lr=0.05,
                checkpoints=[0, 2, 6], seed=1,
            )
        )  # fmt: skip
        assert steps == [0, 2, 6]
        weights.append(model.fc2.weight.clone())
    assert torch.equal(weights[0], weights[1])
    assert not torch.equal(weights[0], mnist.build(seed=3).fc2.weight)  # it did train
    assert torch.equal(torch.get_rng_state(), state)
    with pytest.raises(ValueError, match="checkpoints must be in 0..6 steps"):
        next(mnist.train(model, images[:96], labels[:96], epochs=2, batch_size=32, lr=0.05,
                         checkpoints=[7], seed=1))  # fmt: skip
