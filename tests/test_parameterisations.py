"""Image parameterisations, transformation robustness and the image statistics."""

import math

import pytest
import torch
from inputgen.engine.image_stats import image_statistics, pixel_std, spectrum_slope
from inputgen.engine.models import load_model
from inputgen.engine.objectives import LogitTarget
from inputgen.engine.optimize import Descent, Robustness, element_generators, optimize
from inputgen.engine.parameterisations import Parameterisation, _irfft

KINDS = [
    Parameterisation("pixels"),
    Parameterisation("pixels", decorrelate=True),
    Parameterisation("fourier"),
    Parameterisation("fourier", decorrelate=True),
]
IDS = [f"{p.kind}{'+decorrelate' if p.decorrelate else ''}" for p in KINDS]


@pytest.fixture(scope="module")
def tiny():
    return {"m": load_model({"arch": "resnet18", "weights": "random", "seed": 0, "input_size": 32})}


def power_law_noise(size: int, exponent: float, seed: int) -> torch.Tensor:
    """Grey noise whose power falls as 1/f**exponent."""
    generator = torch.Generator().manual_seed(seed)
    fy = torch.fft.fftfreq(size)[:, None]
    fx = torch.fft.fftfreq(size)[None, :]
    frequency = (fx**2 + fy**2).sqrt().clamp_min(1 / size)
    phase = torch.rand(size, size, generator=generator) * 2 * math.pi
    spectrum = frequency ** (-exponent / 2) * torch.exp(1j * phase)
    image = torch.fft.ifft2(spectrum).real
    return image.expand(3, size, size)[None]


@pytest.mark.parametrize("param", KINDS, ids=IDS)
def test_parameters_map_to_images_in_range_and_back(param):
    generator = torch.Generator().manual_seed(0)
    images = torch.rand(2, 3, 24, 24, generator=generator) * 0.9 + 0.05
    params = param.from_images(images)
    made = param.to_images(params, 24)
    assert made.shape == (2, 3, 24, 24)
    torch.testing.assert_close(made, images, atol=1e-4, rtol=0)
    wild = param.project(torch.randn(params.shape, generator=generator) * 50)
    out = param.to_images(wild, 24)
    assert out.shape == (2, 3, 24, 24) and out.min() >= 0 and out.max() <= 1


def test_the_fourier_spectrum_falls_as_one_over_f():
    generator = torch.Generator().manual_seed(0)
    params = torch.randn(8, 3, 64, 33, 2, generator=generator)
    for decay, expected in [(1.0, -2.0), (0.0, 0.0)]:
        signal = _irfft(params, 64, decay)
        assert spectrum_slope(signal).mean().item() == pytest.approx(expected, abs=0.25)


def test_unknown_parameterisation_is_refused():
    with pytest.raises(ValueError, match="parameterisation 'wavelet'; known: pixels, fourier"):
        Parameterisation("wavelet")


@pytest.mark.parametrize("param", KINDS, ids=IDS)
@pytest.mark.parametrize("rule", ["sign", "adam"])
def test_descent_through_each_parameterisation_raises_the_target(tiny, param, rule):
    init = torch.full((2, 3, 32, 32), 0.5) + torch.rand(2, 3, 32, 32) * 0.02
    classes = [3, 7]
    before = tiny["m"].logits(init)[[0, 1], classes]
    result = optimize(
        tiny,
        LogitTarget("m", classes, 100.0),
        init,
        Descent(steps=8, lr=0.05, rule=rule),
        ids=classes,
        parameterisation=param,
        progress=None,
    )
    after = tiny["m"].logits(result.images)[[0, 1], classes]
    assert result.images.shape == init.shape
    assert (after > before + 0.1).all()


@pytest.mark.parametrize("param", KINDS, ids=IDS)
def test_each_parameterisation_is_seeded_and_independent_of_the_batch(tiny, param):
    def run(ids):
        init = torch.full((len(ids), 3, 32, 32), 0.5)
        return optimize(
            tiny,
            LogitTarget("m", ids, 30.0),
            init,
            Descent(
                steps=4,
                lr=0.05,
                rule="adam",
                priors={"robust": {"pad": 4, "jitter": 3}, "blur": {"until": 0.5}},
                octaves=(0.5, 1.0),
            ),
            ids=ids,
            parameterisation=param,
            progress=None,
        ).images

    together = run([5, 9])
    torch.testing.assert_close(run([5, 9]), together, atol=0, rtol=0)
    # batched convolutions differ from single ones in the last float bits only
    torch.testing.assert_close(run([9])[0], together[1], atol=1e-4, rtol=0)


def test_robustness_is_seeded_per_element_and_identity_at_zero():
    images = torch.rand(3, 3, 20, 20, generator=torch.Generator().manual_seed(1))
    prior = Robustness(pad=4, jitter=3)
    out = prior.apply(images, element_generators(0, [1, 2, 3], "jitter"))
    assert out.shape == (3, 3, 20, 20)  # the padded canvas, sampled at the image's size
    alone = prior.apply(images[2:], element_generators(0, [3], "jitter"))
    torch.testing.assert_close(alone[0], out[2], atol=1e-6, rtol=0)
    still = Robustness(pad=0, jitter=0, low=1.0, high=1.0, degrees=0)
    same = still.apply(images, element_generators(0, [1, 2, 3], "jitter"))
    torch.testing.assert_close(same, images, atol=1e-5, rtol=0)
    framed = Robustness(pad=4, jitter=0, low=1.0, high=1.0, degrees=0)
    view = framed.apply(images, element_generators(0, [1, 2, 3], "jitter"))
    canvas = torch.nn.functional.pad(images - 0.5, [4] * 4) + 0.5  # in a grey frame
    shrunk = torch.nn.functional.interpolate(canvas, size=(20, 20), mode="bilinear")
    torch.testing.assert_close(view, shrunk, atol=1e-5, rtol=0)


def test_image_statistics_tell_a_photo_from_grey_and_from_white_noise():
    pink = power_law_noise(128, 2.0, seed=0)
    pink = 0.5 + 0.2 * pink / pink.std()
    white = 0.5 + 0.02 * torch.randn(1, 3, 128, 128, generator=torch.Generator().manual_seed(0))
    stats = image_statistics(torch.cat([pink, white]))
    assert stats["spectrum_slope"].tolist() == pytest.approx([-2.0, 0.0], abs=0.2)
    assert stats["pixel_std"].tolist() == pytest.approx([0.2, 0.02], rel=0.05)
    assert pixel_std(pink).item() == pytest.approx(0.2, rel=0.05)
