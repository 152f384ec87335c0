"""Linear CKA: invariances (netrep's test style), agreement of the forms, streaming, errors."""

import numpy as np
import pytest
import torch
from inputgen.engine.cka import MinibatchCKA, StreamingCKA, feature_cka, gram_cka, linear_cka
from scipy.stats import ortho_group

FORMS = [feature_cka, gram_cka]


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(60, 12))
    # y shares a 6-d signal with x, plus its own features and noise
    y = np.hstack([x[:, :6] @ rng.normal(size=(6, 6)), rng.normal(size=(60, 4))])
    return x, y + 0.3 * rng.normal(size=y.shape), rng


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("debiased", [False, True])
def test_identity_symmetry_and_range(form, debiased, data):
    x, y, _ = data
    assert form(x, x, debiased) == pytest.approx(1.0, abs=1e-12)
    assert form(x, y, debiased) == pytest.approx(form(y, x, debiased), abs=1e-12)
    assert 0 < form(x, y, debiased) < 1


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("debiased", [False, True])
def test_invariant_to_rotation_isotropic_scaling_and_translation(form, debiased, data):
    x, y, rng = data
    reference = form(x, y, debiased)
    rotation = ortho_group.rvs(x.shape[1], random_state=1)
    moved = 3.7 * x @ rotation + rng.normal(size=(1, x.shape[1])) * 10
    assert form(moved, y, debiased) == pytest.approx(reference, abs=1e-10)
    assert form(x, 0.01 * y - 5, debiased) == pytest.approx(reference, abs=1e-10)


@pytest.mark.parametrize("form", FORMS)
def test_not_invariant_to_a_generic_invertible_linear_map(form, data):
    x, y, rng = data
    stretch = np.diag(np.geomspace(1, 100, x.shape[1])) @ ortho_group.rvs(12, random_state=2)
    assert abs(form(x @ stretch, y) - form(x, y)) > 0.01


@pytest.mark.parametrize("debiased", [False, True])
def test_feature_and_gram_forms_agree_and_the_cheaper_is_picked(debiased, data):
    x, y, rng = data
    assert feature_cka(x, y, debiased) == pytest.approx(gram_cka(x, y, debiased), abs=1e-10)
    wide = rng.normal(size=(20, 500))  # d > n: the Gram form is the cheap one
    assert linear_cka(wide, wide[:, :50], debiased) == pytest.approx(
        feature_cka(wide, wide[:, :50], debiased), abs=1e-10
    )


def test_float64_whatever_the_input_and_shape(data):
    x, y, _ = data
    as_float32 = linear_cka(torch.tensor(x, dtype=torch.float32), torch.tensor(y).float())
    assert as_float32 == pytest.approx(linear_cka(x, y), abs=1e-6)
    images = x.reshape(60, 3, 2, 2)  # (n, ...) is flattened per sample
    assert linear_cka(images, y) == pytest.approx(linear_cka(x, y), abs=1e-12)


def test_debiased_is_near_zero_for_independent_features_where_biased_is_not():
    rng = np.random.default_rng(3)
    x, y = rng.normal(size=(100, 400)), rng.normal(size=(100, 400))
    assert linear_cka(x, y) > 0.5  # the biased estimator's well-known inflation for d >> n
    assert abs(linear_cka(x, y, debiased=True)) < 0.05


@pytest.mark.parametrize("debiased", [False, True])
def test_streaming_equals_the_full_computation(debiased, data):
    x, y, rng = data
    z = rng.normal(size=(60, 3)) + 1000.0  # a large offset: the shift keeps sums from cancelling
    full = {"x": x, "y": torch.tensor(y).float(), "z": z}
    stream = StreamingCKA(debiased=debiased)
    for rows in np.array_split(np.arange(60), [7, 20, 21, 45]):  # uneven batches, one of 1
        stream.update({"x": x[rows], "y": torch.tensor(y[rows]).float(), "z": z[rows]})
        if stream.n == 20:  # read midway: what it kept for those 20 samples must not stay
            midway = stream.matrix()
            assert midway[0, 1] == pytest.approx(
                feature_cka(x[:20], full["y"][:20], debiased), abs=1e-10
            )
    assert stream.n == 60
    matrix = stream.matrix()
    for i, a in enumerate(stream.names):
        for j, b in enumerate(stream.names):
            assert matrix[i, j] == pytest.approx(feature_cka(full[a], full[b], debiased), abs=1e-10)


def test_minibatch_cka_is_the_debiased_cka_for_one_batch_and_close_for_many(data):
    x, y, _ = data
    one = MinibatchCKA()
    one.update({"x": x, "y": y})
    assert one.cka("x", "y") == pytest.approx(linear_cka(x, y, debiased=True), abs=1e-10)
    many = MinibatchCKA()
    for rows in np.array_split(np.arange(60), 3):
        many.update({"x": x[rows], "y": y[rows]})
    assert many.cka("x", "y") == pytest.approx(linear_cka(x, y, debiased=True), abs=0.1)
    assert many.matrix().shape == (2, 2)


def test_errors_name_the_problem(data):
    x, y, _ = data
    with pytest.raises(ValueError, match="same samples: got 60 and 59"):
        linear_cka(x, y[:59])
    with pytest.raises(ValueError, match="debiased CKA needs at least 4 samples, got 3"):
        linear_cka(x[:3], y[:3], debiased=True)
    stream = StreamingCKA()
    stream.update({"x": x[:5], "y": y[:5]})
    with pytest.raises(ValueError, match="every batch must hold"):
        stream.update({"x": x[:5]})
    with pytest.raises(ValueError, match="same samples"):
        stream.update({"x": x[:5], "y": y[:4]})
    with pytest.raises(ValueError, match="samples, features"):
        linear_cka(np.zeros(5), np.zeros(5))


# ---------------------------------------------------------------- CKA between zoo models
def _zoos(*seeds):
    from inputgen.engine import models

    spec = {"arch": "resnet18", "weights": "random", "input_size": 32}
    return {f"m{seed}": models.load_model({**spec, "seed": seed}) for seed in seeds}


def _penultimate(zoo, images):
    from inputgen.studies.inversion.science import representations

    return representations(zoo, images, len(images)).double()


def test_first_images_are_a_prefix_or_refused():
    from inputgen.engine.cka import first_images

    images = torch.arange(10).view(10, 1)
    assert torch.equal(first_images(images, None), images)
    assert torch.equal(first_images(images, 4), images[:4])
    with pytest.raises(ValueError, match="12 images asked for, but n.safetensors holds 10"):
        first_images(images, 12, "n.safetensors")


def test_off_diagonal_mean_leaves_out_each_model_with_itself():
    import pandas as pd
    from inputgen.engine.cka import off_diagonal_mean

    table = pd.DataFrame(
        {
            "model_a": ["a", "a", "b", "b"],
            "model_b": ["a", "b", "a", "b"],
            "cka": [1.0, 0.2, 0.4, 1.0],
        }  # fmt: skip
    )
    assert off_diagonal_mean(table) == pytest.approx(0.3)


@pytest.mark.parametrize("debiased", [False, True])
def test_model_tables_are_the_cka_of_the_models_activations(debiased):
    from inputgen.engine.cka import model_tables

    zoos = _zoos(0, 1)
    generator = torch.Generator().manual_seed(0)
    natural = torch.rand(9, 3, 32, 32, generator=generator)
    inverted = {"m1": torch.rand(6, 3, 32, 32, generator=generator)}
    natural_table, inverted_table, summary = model_tables(
        zoos, {}, natural, inverted, batch_size=4, debiased=debiased
    )
    reps = {name: _penultimate(zoo, natural) for name, zoo in zoos.items()}
    expected = feature_cka(reps["m0"], reps["m1"], debiased)
    # The tables round to 6 places (the summary to 4) what batches of 4 computed; the reference
    # runs all images at once, so the last place may differ by one.
    assert natural_table[["model_a", "model_b"]].values.tolist() == [
        ["m0", "m0"],
        ["m0", "m1"],
        ["m1", "m0"],
        ["m1", "m1"],
    ]
    assert natural_table["cka"].tolist() == pytest.approx([1, expected, expected, 1], abs=1.5e-6)
    own = {name: _penultimate(zoo, inverted["m1"]) for name, zoo in zoos.items()}
    own_cka = feature_cka(own["m1"], own["m0"], debiased)
    assert inverted_table["model_a"].tolist() == ["m1", "m1"]
    assert inverted_table["cka"].tolist() == pytest.approx([own_cka, 1.0], abs=1.5e-6)
    assert summary["samples"].tolist() == ["9", "6"]
    assert summary["mean_off_diagonal_cka"].tolist() == pytest.approx(
        [expected, own_cka], abs=1.5e-4
    )
    # a configured layer replaces the penultimate one
    layer, _, _ = model_tables(zoos, {"m0": "layer1"}, natural, {}, 9, debiased)
    assert layer["cka"].iloc[1] != natural_table["cka"].iloc[1]
    with pytest.raises(KeyError, match="not among the models"):
        model_tables(zoos, {}, natural, {"m7": natural}, 4, debiased)


def test_layer_table_is_the_debiased_cka_for_one_batch_and_drops_a_short_tail():
    from inputgen.engine.cka import layer_table
    from inputgen.engine.models import capture

    zoos = _zoos(0, 1)
    images = torch.rand(10, 3, 32, 32, generator=torch.Generator().manual_seed(1))
    layers = {"m0": ["layer1", "penultimate"], "m1": ["layer2"]}
    table, batches = layer_table(zoos, layers, images, batch_size=10)
    assert batches == 1
    assert table[["layer_a", "layer_b"]].values.tolist() == [
        ["layer1", "layer2"], ["penultimate", "layer2"]
    ]  # fmt: skip
    taps = {}
    for name, zoo in zoos.items():
        with torch.no_grad(), capture(zoo.model, layers[name]) as found:
            zoo.logits(images)
        taps.update({(name, layer): value for layer, value in found.items()})
    expected = linear_cka(taps[("m0", "layer1")], taps[("m1", "layer2")], debiased=True)
    assert table["cka"].iloc[0] == pytest.approx(expected, abs=2e-6)
    _, batches = layer_table(zoos, layers, images, batch_size=4)
    assert batches == 2  # 4 + 4, the last 2 images dropped
    with pytest.raises(ValueError, match="compares two models"):
        layer_table(_zoos(0, 1, 2), {}, images, 4)
