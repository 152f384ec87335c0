"""Depth studies: exact inversion, conditioning, layer autoencoding metrics, input recovery."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch
from conftest import make_photos, run_stage
from inputgen.engine import dense, reconstruction
from inputgen.engine.optimize import Descent
from inputgen.platform import artifacts
from inputgen.platform.stage import STAGES, settings_from
from inputgen.studies.autoencoding import science as autoencoding
from inputgen.studies.fully_connected import science as fully_connected
from inputgen.studies.invertible import science as invertible
from torch import nn


def test_float64_inverts_a_random_square_net_and_float32_does_not():
    stack = invertible.LinearStack.random(width=64, depth=4, seed=0)
    inputs = torch.rand(5, 64, generator=torch.Generator().manual_seed(1))
    errors = invertible.reconstruction_errors(stack, inputs)
    assert errors["float64"].max() < 1e-8
    assert errors["float32"].median() > 1e3 * errors["float64"].median()
    assert errors["float32"].median() > 1e-6


def test_inverse_of_the_output_is_the_input_layer_by_layer():
    stack = invertible.LinearStack.random(width=16, depth=2, seed=3)
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
    stack = invertible.LinearStack.random(width=300, depth=3, seed=0, scheme="orthogonal")
    image = torch.rand(3, 10, 10)
    distances = invertible.random_neighbours(stack, image, count=200, output_std=0.01, seed=0)
    generator = torch.Generator().manual_seed(0)
    noise = torch.randn(200, 300, generator=generator, dtype=torch.float64) * 0.01
    assert torch.allclose(distances, noise.norm(dim=1), rtol=1e-8)
    assert invertible.percentile_of(2.5, torch.tensor([1.0, 2.0, 3.0, 4.0])) == 50.0


def _identity_zoo(size: int):
    # Two identical taps: any difference between their m_r would come from different shifts.
    return reconstruction.as_zoo(nn.Sequential(nn.Flatten(), nn.Identity(), nn.Identity()), size)


def test_m_r_uses_one_shifted_input_for_every_layer():
    image = torch.rand(1, 3, 8, 8)
    m_r = reconstruction.reference_distances(_identity_zoo(8), image, ["1", "2", None], seed=4)
    generator = torch.Generator().manual_seed(4)
    expected = (torch.randn(image.shape, generator=generator) / 25).flatten().norm()
    assert float(m_r["1"][0]) == float(m_r["2"][0]) == float(m_r[None][0])
    assert float(m_r["1"][0]) == pytest.approx(float(expected), rel=1e-6)


def test_autoencoding_metrics_start_at_the_init_and_fall():
    image = torch.rand(2, 3, 6, 6, generator=torch.Generator().manual_seed(0)) * 0.6 + 0.2
    descent = Descent(steps=60, lr=0.02, lr_end=0.001, rule="normalized")
    result = reconstruction.reconstruct(_identity_zoo(6), image, "1", descent, progress=None)
    start = reconstruction.start_images(image.shape[1:], [0, 1], seed=0).clamp(0, 1)
    assert result.m_i.shape == result.m_g.shape == (61, 2)
    assert torch.allclose(result.m_i[0], (start - image).flatten(1).norm(dim=1), atol=1e-5)
    # through an identity the output distance is the input distance
    assert torch.allclose(result.m_g, result.m_i, atol=1e-5)
    assert (result.m_i[-1] < 0.2 * result.m_i[0]).all()


def test_an_undercomplete_net_cannot_recover_its_input_and_an_overcomplete_one_can():
    # The source's width study: a net whose narrowest layer is below the input dimension (48)
    # matches its output but leaves the input unrecovered; an overcomplete one recovers it.
    targets = torch.rand(2, 3, 4, 4, generator=torch.Generator().manual_seed(0)) * 0.6 + 0.2
    table = fully_connected.recovery_table(
        targets,
        ["a", "b"],
        [[24, 24], [96, 96]],
        Descent(steps=300, lr=0.02, lr_end=0.0005, rule="normalized", momentum=0.9),
        relu=False,
        points=5,
        seed=0,
    )
    assert list(table.columns) == [
        "net", "depth", "narrowest", "inputs", "photo", "iteration", "m_i", "m_g",
    ]  # fmt: skip
    assert table.groupby(["net", "photo"])["iteration"].apply(list).map(
        tuple
    ).unique().tolist() == [tuple(fully_connected.kept_iterations(300, 5))]
    assert set(table["inputs"]) == {48}
    first, last = table[table["iteration"] == 0], table[table["iteration"] == 300]
    for net in ("24-24", "96-96"):  # both match their output
        ratio = (
            last[last["net"] == net]["m_g"].to_numpy()
            / first[first["net"] == net]["m_g"].to_numpy()
        )
        assert (ratio < 0.1).all()
    final = last.groupby("net")["m_i"].mean()
    assert final["96-96"] < 0.3 * final["24-24"]


def test_kept_iterations_are_zero_then_log_spaced_up_to_the_budget():
    assert fully_connected.kept_iterations(1000, 4).tolist() == [0, 1, 10, 100, 1000]
    assert fully_connected.kept_iterations(4, 24).tolist() == [
        0,
        1,
        2,
        3,
        4,
    ]  # coinciding ones once


def test_a_square_linear_net_is_invertible_in_float64_and_not_quite_in_float32():
    # The source's invertible net: exact inversion recovers the photo to ~1e-10 in float64;
    # float32 is orders of magnitude worse.
    targets = torch.rand(2, 3, 6, 6, generator=torch.Generator().manual_seed(0))
    study = invertible.invertible_study(
        targets,
        ["a", "b"],
        Descent(steps=2, lr=0.01, rule="normalized"),
        depth=4,
        neighbours=30,
        output_std=0.001,
        reference_std=0.04,
        seed=0,
    )
    errors = study.invertible.pivot(index="photo", columns="dtype", values="relative_error")
    assert list(errors.index) == ["a", "b"]
    assert (errors["float64"] < 1e-10).all()
    assert (errors["float32"] > 1e3 * errors["float64"]).all()
    kinds = study.neighbours.groupby("photo")["kind"].value_counts().unstack()
    assert kinds.to_dict("list") == {"descent": [1, 1], "random": [30, 30], "shifted": [1, 1]}
    summary = study.summary.set_index("photo")
    assert summary["random_output_distance"].tolist() == [0.001 * 108**0.5] * 2
    # |a' - a| of N(0, 0.04^2) over 108 inputs is about 0.04 * sqrt(108)
    assert summary["shifted"].to_numpy() == pytest.approx(0.04 * 108**0.5, rel=0.25)
    assert summary["descent_percentile"].between(0, 100).all()


def _metrics(m_i, m_g=None, m_r=None) -> pd.DataFrame:
    """A model's metrics table: an early iteration, then the last one with these values."""
    layers = [f"layer{i}" for i in range(1, len(m_i) + 1)]
    m_g = m_g or [1.0] * len(m_i)
    m_r = m_r or [2.0] * len(m_i)
    early = {"layer": layers, "iteration": 0, "m_g": 9.0, "m_i": 9.0, "m_r": m_r}
    last = {"layer": layers, "iteration": 5, "m_g": m_g, "m_i": m_i, "m_r": m_r}
    frames = [pd.DataFrame(early), pd.DataFrame(last)]
    return pd.concat(frames, ignore_index=True).sort_values(["layer", "iteration"], kind="stable")


def test_summary_has_each_layers_last_iteration_shallow_to_deep():
    summary = autoencoding.summary_table(
        {"net": _metrics([1.0, 3.0], m_g=[1.0, 3.0]), "control": _metrics([2.0])},
        {"net": 2.0, "control": 4.0},
        untrained=["control"],
    )
    assert summary[["model", "trained", "layer", "depth"]].values.tolist() == [
        ["net", True, "layer1", 1],
        ["net", True, "layer2", 2],
        ["control", False, "layer1", 1],
    ]
    assert summary["m_i"].tolist() == [1.0, 3.0, 2.0]
    assert summary["m_g_below_m_r"].tolist() == [True, False, True]
    assert summary["m_i_over_shift"].tolist() == [0.5, 1.5, 0.5]


def _claims(m_i, m_g=None, m_r=None, shift=1.0) -> pd.DataFrame:
    summary = autoencoding.summary_table({"m": _metrics(m_i, m_g, m_r)}, {"m": shift}, [])
    return autoencoding.claims_table(summary).set_index("claim")


GROWS = "m_i at the last iteration grows with depth"
DEEPEST = "deepest layer: m_g < m_r while m_i > |a' - a|"


def test_the_depth_claim_holds_when_m_i_grows_with_depth_and_fails_when_it_does_not():
    grows = _claims([1.0, 2.0, 4.0, 8.0])
    assert grows.loc[GROWS, "holds"] and grows.loc[GROWS, "value"] == 1.0  # Spearman rho
    dips = _claims([1.0, 4.0, 2.0, 8.0])
    assert not dips.loc[GROWS, "holds"]
    assert dips.loc[GROWS, "value"] == 0.8
    falls = _claims([8.0, 4.0, 2.0, 1.0])
    assert not falls.loc[GROWS, "holds"] and falls.loc[GROWS, "value"] == -1.0


def test_the_deepest_layer_claim_needs_a_good_output_match_of_a_far_input():
    # m_g < m_r (the output matched better than by the shift) and m_i > |a' - a|
    held = _claims([1.0, 3.0], m_g=[5.0, 1.0], m_r=[2.0, 2.0], shift=2.0).loc[DEEPEST]
    assert held["holds"] and held["value"] == 0.5
    assert held["measure"] == "m_g / m_r (m_i / |a' - a| = 1.50)"
    matched_badly = _claims([1.0, 3.0], m_g=[1.0, 3.0], m_r=[2.0, 2.0], shift=2.0)
    assert not matched_badly.loc[DEEPEST, "holds"]
    input_recovered = _claims([1.0, 3.0], m_g=[1.0, 1.0], m_r=[2.0, 2.0], shift=4.0)
    assert not input_recovered.loc[DEEPEST, "holds"]


def test_torchvision_models_are_autoencoded_at_the_images_size():
    resnet = {"arch": "resnet18", "weights": "random", "seed": 0}
    assert autoencoding.spec_at_size(resnet, 32) == {**resnet, "input_size": 32}
    assert "input_size" not in resnet  # a copy
    lite = {"arch": "efficientnet_lite0", "weights": "package"}
    assert autoencoding.spec_at_size(lite, 32) == lite


AUTOENCODE = {
    "name": "r18",
    "model": {"arch": "resnet18", "weights": "random", "seed": 0},
    "photo": "chelsea",
    "size": 32,
    "layers": ["layer1", "layer3"],
    "priors": {"blur": {"until": 0.5}},
    "steps": 3,
    "lr": 0.01,
    "lr_end": None,
    "momentum": 0.0,
    "rule": "normalized",
    "reference_std": 0.04,
}


def test_the_depth_stages_descend_by_normalised_or_plain_steps():
    settings = settings_from(STAGES["autoencoding"].settings, {**AUTOENCODE, "lr_end": 0.001})
    assert settings.descent == Descent(
        steps=3, lr=0.01, lr_end=0.001, rule="normalized", priors={"blur": {"until": 0.5}}
    )
    plain = settings_from(STAGES["autoencoding"].settings, {**AUTOENCODE, "rule": "gradient"})
    assert plain.descent.rule == "gradient"


class Times(nn.Module):
    def __init__(self, factor: float):
        super().__init__()
        self.factor = factor

    def forward(self, x):
        return x * self.factor


def test_a_plain_autoencoding_step_is_article_3s_a_minus_eps_g():
    """Source article 3: a_1 = a_0 - eps * grad sum |O(a_0) - O(a_t)| (no prior here). Through
    a net that triples its input the gradient is 3 sign(a_0 - a_t): a plain step moves each
    pixel by 3 eps, a normalised one by eps."""
    image = torch.rand(1, 3, 6, 6, generator=torch.Generator().manual_seed(0)) * 0.6 + 0.2
    start = reconstruction.start_images(image.shape[1:], [0], seed=0).clamp(0, 1)
    zoo = reconstruction.as_zoo(nn.Sequential(nn.Flatten(), Times(3.0)), 6)
    moved = {
        rule: reconstruction.reconstruct(
            zoo, image, "1", Descent(steps=1, lr=0.01, rule=rule), progress=None
        ).images
        for rule in ("gradient", "normalized")
    }
    direction = torch.sign(start - image)
    assert torch.allclose(moved["gradient"], (start - 0.03 * direction).clamp(0, 1), atol=1e-6)
    assert torch.allclose(moved["normalized"], (start - 0.01 * direction).clamp(0, 1), atol=1e-6)


def test_autoencode_writes_one_row_per_layer_and_iteration(tmp_path):
    photos = make_photos(tmp_path) / "p.safetensors"
    out = {name: tmp_path / name for name in ("m.tsv", "i.safetensors", "c.png")}
    code = run_stage(
        "autoencoding",
        AUTOENCODE,
        photos=photos,
        metrics=out["m.tsv"],
        images=out["i.safetensors"],
        figure=out["c.png"],
        device="cpu",
    )
    assert code == 0
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
    tensors, metadata = artifacts.load_tensors(out["i.safetensors"])
    assert tensors["images"].shape == (2, 3, 32, 32) and tensors["target"].shape == (3, 32, 32)
    assert metadata["layers"] == ["layer1", "layer3"] and metadata["model"] == "r18"
    record = artifacts.read_provenance(out["m.tsv"])
    assert record["config"]["model"] == AUTOENCODE["model"]  # the spec as the config gave it
    assert record["stage"] == "autoencoding"
    # the summary of it: one row per layer, both claims
    summary = {name: tmp_path / name for name in ("s.tsv", "claims.tsv", "grid.png")}
    code = run_stage(
        "autoencoding-summary",
        {"models": ["r18"], "untrained": ["r18"]},
        metrics=[out["m.tsv"]],
        images=[out["i.safetensors"]],
        summary=summary["s.tsv"],
        claims=summary["claims.tsv"],
        grid=summary["grid.png"],
    )
    assert code == 0
    table = pd.read_csv(summary["s.tsv"], sep="\t")
    assert table["layer"].tolist() == ["layer1", "layer3"] and not table["trained"].any()
    assert len(pd.read_csv(summary["claims.tsv"], sep="\t")) == 2


def test_mnist_loads_and_training_is_seeded_and_pauses_at_checkpoints():
    from inputgen.engine import mnist

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


def test_autoencoding_while_training_measures_every_checkpoint_layer_and_digit():
    from inputgen.engine import mnist
    from inputgen.studies.mnist import science as mnist_study

    images, labels = mnist.load("test")
    study = mnist_study.autoencoding_while_training(
        (images[:64], labels[:64]),
        (images[1000:1200], labels[1000:1200]),
        Descent(steps=2, lr=0.01, rule="normalized"),
        epochs=1,
        batch_size=32,
        lr=0.05,
        checkpoints=[0, 0.5, 1],
        digits=2,
        layers=["conv1", "fc2"],
        reference_std=0.04,
        seed=0,
    )
    table = study.table
    assert table["step"].unique().tolist() == [0, 1, 2]  # fractions of 2 steps
    assert table["epoch"].unique().tolist() == [0.0, 0.5, 1.0]
    assert len(table) == 3 * 2 * 2 and not table.isna().any().any()
    assert study.images.shape == (3, 3, 3, 28, 28)  # checkpoints, digit 0 + layers
    assert torch.equal(study.images[0, 0], mnist.grey(images[1000:1001])[0])
    # the shift a' is the same at every checkpoint; the untrained net's m_r differs from the
    # trained one's
    assert table.groupby(["layer", "digit"])["m_r"].nunique().max() > 1
    assert mnist_study.checkpoint_steps([0, 0.5, 1, 1.0], 7) == [0, 4, 7]
