"""The class-image recipe's parts: maco's phase-only parameterisation and its natural magnitude
spectrum, multi-crop views, the class objectives, and the peer benchmark's pass accounting."""

import math
from dataclasses import replace
from pathlib import Path

import pytest
import torch
from conftest import benchmark_script
from inputgen.engine.generation import class_representations, parameterisation_of, shipped_magnitude
from inputgen.engine.generation_settings import GenerationSettings
from inputgen.engine.image_stats import spectrum_slope
from inputgen.engine.models import load_model
from inputgen.engine.objectives import (
    Context,
    LogitMargin,
    LogitMaximum,
    TotalVariation,
    class_objective,
)
from inputgen.engine.optimize import Crops, Descent, element_generators, optimize
from inputgen.engine.parameterisations import (
    COLOUR_UNMIX,
    EPSILON,
    Parameterisation,
    magnitude_at,
    natural_magnitude,
)
from inputgen.platform.config import ConfigError, validate

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = ROOT / "workflow/inputgen/platform/config.schema.yaml"


def power_law_images(count: int, size: int, exponent: float, seed: int) -> torch.Tensor:
    """Colour images in (0, 1) whose luminance power falls as 1/f**exponent."""
    generator = torch.Generator().manual_seed(seed)
    fy = torch.fft.fftfreq(size)[:, None]
    fx = torch.fft.fftfreq(size)[None, :]
    frequency = (fx**2 + fy**2).sqrt().clamp_min(1 / size)
    phase = torch.rand(count, 3, size, size, generator=generator) * 2 * math.pi
    image = torch.fft.ifft2(frequency ** (-exponent / 2) * torch.exp(1j * phase)).real
    image = image / image.flatten(1).std(dim=1).view(-1, 1, 1, 1)
    return torch.sigmoid(image)


@pytest.fixture(scope="module")
def magnitude():
    return natural_magnitude(power_law_images(16, 32, 2.0, seed=0))


@pytest.fixture(scope="module")
def maco(magnitude):
    return Parameterisation("maco", decorrelate=True, magnitude=magnitude)


@pytest.fixture(scope="module")
def tiny():
    return {"m": load_model({"arch": "resnet18", "weights": "random", "seed": 0, "input_size": 32})}


def decorrelated_signal(images: torch.Tensor) -> torch.Tensor:
    """What maco's phase is the phase of: the images' decorrelated logit."""
    signal = torch.logit(images.clamp(EPSILON, 1 - EPSILON))
    return torch.einsum("bchw,dc->bdhw", signal, COLOUR_UNMIX)


def assert_maco_magnitude(images: torch.Tensor, magnitude: torch.Tensor) -> None:
    """The images' decorrelated logit has exactly maco's fixed magnitude (the mean is free)."""
    spectrum = torch.fft.rfft2(decorrelated_signal(images).double(), norm="ortho").abs()
    target = magnitude_at(magnitude, images.shape[-1]).double().expand_as(spectrum)
    off_dc = torch.ones_like(spectrum, dtype=torch.bool)
    off_dc[..., 0, 0] = False
    torch.testing.assert_close(spectrum[off_dc], target[off_dc], rtol=2e-3, atol=2e-3)


# maco's phase under Adam, no priors: the descent of the tiny-model tests below
MACO_ADAM = dict(
    lr=0.3, lr_end=None, rule="adam", parameterisation="maco", decorrelate=True, priors={}
)


# ------------------------------------------------------------------------ the magnitude
def test_natural_magnitude_is_the_rms_spectrum_of_the_images():
    images = power_law_images(6, 16, 2.0, seed=1)
    magnitude = natural_magnitude(images)
    assert magnitude.shape == (3, 16, 9)
    assert magnitude[:, 0, 0].abs().max() == 0  # the mean is free, not constrained
    signal = decorrelated_signal(images).double()
    signal = signal - signal.mean(dim=(-2, -1), keepdim=True)
    expected = torch.fft.rfft2(signal, norm="ortho").abs().pow(2).mean(dim=0).sqrt()
    torch.testing.assert_close(magnitude[:, 1:], expected[:, 1:].float(), rtol=1e-4, atol=1e-5)


def test_natural_magnitude_refuses_what_is_no_set_of_square_images():
    with pytest.raises(ValueError, match="at least 2 images"):
        natural_magnitude(torch.rand(1, 3, 8, 8))
    with pytest.raises(ValueError, match=r"\(N, 3, s, s\)"):
        natural_magnitude(torch.rand(2, 3, 8, 6))


def test_maco_needs_a_magnitude_in_decorrelated_colour(magnitude):
    with pytest.raises(ValueError, match="needs a magnitude spectrum"):
        Parameterisation("maco", decorrelate=True)
    with pytest.raises(ValueError, match="decorrelated colour"):
        Parameterisation("maco", magnitude=magnitude)
    # Outside the workflow (no spectrum artifact attached): the shipped photos' spectrum.
    shipped = parameterisation_of(GenerationSettings(parameterisation="maco")).magnitude
    assert shipped is shipped_magnitude() and shipped.shape == (3, 224, 113)
    assert shipped[:, 0, 0].eq(0).all() and shipped[:, 1:4, 1:4].gt(0).all()


# ------------------------------------------------------------------ the parameterisation
@pytest.mark.parametrize("size", [32, 31, 48])
def test_maco_keeps_its_magnitude_exactly_whatever_the_phase(maco, magnitude, size):
    generator = torch.Generator().manual_seed(size)
    phase = torch.randn(3, 3, size, size // 2 + 1, generator=generator) * 5
    images = maco.to_images(phase, size)
    assert images.shape == (3, 3, size, size)
    assert 0 <= images.min() and images.max() <= 1
    assert_maco_magnitude(images, magnitude)


def test_chroma_scales_the_colour_channels_magnitude_and_keeps_the_luminance(maco, magnitude):
    phase = torch.rand(4, 3, 32, 17, generator=torch.Generator().manual_seed(4)) * 6.3
    full = decorrelated_signal(maco.to_images(phase, 32)).double()
    for chroma in (0.5, 0.0):
        muted = replace(maco, chroma=chroma)
        signal = decorrelated_signal(muted.to_images(phase, 32)).double()
        torch.testing.assert_close(signal[:, 0], full[:, 0], rtol=0, atol=1e-3)  # luminance
        # the colour channels: the same picture, chroma times as strong (their means are 0)
        torch.testing.assert_close(signal[:, 1:], chroma * full[:, 1:], rtol=0, atol=1e-3)
    grey = replace(maco, chroma=0.0).to_images(phase, 32)
    colour = maco.to_images(phase, 32)
    spread = lambda images: (images.amax(dim=1) - images.amin(dim=1)).mean()  # noqa: E731
    assert spread(grey) < 0.1 * spread(colour)
    with pytest.raises(ValueError, match=r"chroma must be in \[0, 1\]"):
        Parameterisation("maco", decorrelate=True, magnitude=magnitude, chroma=1.5)
    settings = GenerationSettings.from_dict({"chroma": 0.25}).with_magnitude(magnitude)
    assert parameterisation_of(settings).chroma == 0.25
    # without maco's magnitude there is no colour magnitude to scale: refused, not ignored
    with pytest.raises(ValueError, match="chroma scales maco's colour magnitude; fourier"):
        Parameterisation("fourier", decorrelate=True, chroma=0.5)
    with pytest.raises(ValueError, match=r"parameterisation pixels has none \(set chroma: 1\)"):
        GenerationSettings.from_dict({"parameterisation": "pixels", "chroma": 0.5})


def test_chroma_cutoff_fades_the_colour_detail_and_keeps_the_luminance(maco, magnitude):
    phase = torch.rand(2, 3, 32, 17, generator=torch.Generator().manual_seed(5)) * 6.3
    full = decorrelated_signal(maco.to_images(phase, 32)).double()
    faded = decorrelated_signal(replace(maco, chroma_cutoff=0.1).to_images(phase, 32)).double()
    torch.testing.assert_close(faded[:, 0], full[:, 0], rtol=0, atol=1e-3)  # luminance
    # the colour channels' spectrum: the full one times exp(-f^2 / (2 * 0.1^2)), per frequency
    f = torch.sqrt(torch.fft.fftfreq(32)[:, None] ** 2 + torch.fft.rfftfreq(32)[None, :] ** 2)
    weight = torch.exp(-(f**2) / (2 * 0.1**2)).double()
    spectrum = lambda signal: torch.fft.rfft2(signal, norm="ortho")  # noqa: E731
    off_dc = f > 0
    torch.testing.assert_close(
        spectrum(faded[:, 1:])[..., off_dc],
        (spectrum(full[:, 1:]) * weight)[..., off_dc],
        rtol=0,
        atol=2e-3,
    )
    # fine colour is gone: above the cutoff's double, under 2% of the photos' colour magnitude
    high = f > 0.2
    ratio = (
        spectrum(faded[:, 1:]).abs()[..., high].sum() / spectrum(full[:, 1:]).abs()[..., high].sum()
    )
    assert ratio < 0.02
    # 0 is the photos' spectrum whole: the images are the same
    torch.testing.assert_close(
        replace(maco, chroma_cutoff=0.0).to_images(phase, 32), maco.to_images(phase, 32)
    )
    settings = GenerationSettings.from_dict({"chroma_cutoff": 0.2}).with_magnitude(magnitude)
    assert parameterisation_of(settings).chroma_cutoff == 0.2
    with pytest.raises(ValueError, match="chroma_cutoff must be >= 0"):
        Parameterisation("maco", decorrelate=True, magnitude=magnitude, chroma_cutoff=-0.1)
    # without maco's magnitude there is no colour magnitude to fade: refused, not ignored
    with pytest.raises(ValueError, match="chroma_cutoff fades maco's colour magnitude; fourier"):
        Parameterisation("fourier", decorrelate=True, chroma_cutoff=0.1)
    with pytest.raises(ValueError, match=r"pixels has none \(set chroma_cutoff: 0\)"):
        GenerationSettings.from_dict({"parameterisation": "pixels", "chroma_cutoff": 0.1})


def test_maco_images_keep_the_natural_images_contrast_and_slope(maco):
    natural = power_law_images(16, 32, 2.0, seed=0)
    phase = torch.rand(8, 3, 32, 17, generator=torch.Generator().manual_seed(3)) * 6.3
    images = maco.to_images(phase, 32)
    natural_slope = spectrum_slope(natural).mean()
    assert spectrum_slope(images).mean() == pytest.approx(float(natural_slope), abs=0.3)
    natural_std = natural.flatten(1).std(dim=1).mean()
    assert images.flatten(1).std(dim=1).mean() == pytest.approx(float(natural_std), rel=0.3)


def test_a_resampled_magnitude_keeps_the_image_variance(magnitude):
    for size in (16, 64):
        resized = magnitude_at(magnitude, size)
        assert resized.shape == (3, size, size // 2 + 1)
        signal = torch.fft.irfft2(
            torch.polar(resized.double(), torch.zeros_like(resized, dtype=torch.float64)),
            s=(size, size),
            norm="ortho",
        )
        original = torch.fft.irfft2(
            torch.polar(magnitude.double(), torch.zeros_like(magnitude, dtype=torch.float64)),
            s=(32, 32),
            norm="ortho",
        )
        torch.testing.assert_close(
            signal.pow(2).mean(dim=(-2, -1)), original.pow(2).mean(dim=(-2, -1)), rtol=0.05, atol=0
        )


def test_maco_from_images_keeps_the_phase_of_a_maco_image(maco):
    phase = torch.rand(2, 3, 32, 17, generator=torch.Generator().manual_seed(5)) * 6.3
    images = maco.to_images(phase, 32)
    again = maco.to_images(maco.from_images(images), 32)
    torch.testing.assert_close(again, images, atol=2e-3, rtol=0)


def test_maco_descent_raises_the_target_logit(tiny, magnitude):
    settings = GenerationSettings(steps=10, class_objective="logit", **MACO_ADAM).with_magnitude(
        magnitude
    )
    zoo = tiny["m"]
    result = class_representations(zoo, [3, 7], settings, seed=0)
    trace = result.history["logit:model"]
    assert trace.shape == (10, 2)
    assert (trace[-1] > trace[0] + 0.2).all(), trace
    after = zoo.logits(result.images)[[0, 1], [3, 7]]
    assert (after > trace[0]).all()


def test_maco_with_crops_an_element_ignores_its_batch(tiny, magnitude):
    settings = GenerationSettings(
        steps=3,
        lr=0.2,
        lr_end=None,
        rule="adam",
        parameterisation="maco",
        decorrelate=True,
        class_objective="constant",
        priors={"crops": {"count": 2, "low": 0.6, "high": 0.9}},
    ).with_magnitude(magnitude)
    both = class_representations(tiny["m"], [3, 7], settings, seed=0)
    alone = class_representations(tiny["m"], [7], settings, seed=0)
    torch.testing.assert_close(alone.images[0], both.images[1], atol=1e-5, rtol=0)
    other_seed = class_representations(tiny["m"], [7], settings, seed=1)
    assert not torch.allclose(other_seed.images[0], alone.images[0], atol=1e-3)


# ---------------------------------------------------------------------- multi-crop views
def test_crops_are_seeded_per_element_and_stay_in_range():
    images = torch.rand(3, 3, 24, 24, generator=torch.Generator().manual_seed(0))
    crops = Crops(count=3, low=0.4, high=0.7, noise=0.0)
    first = crops.apply(images, element_generators(0, [10, 11, 12], "jitter"))
    again = crops.apply(images[1:2], element_generators(0, [11], "jitter"))
    torch.testing.assert_close(first[1:2], again)
    other_seed = crops.apply(images, element_generators(1, [10, 11, 12], "jitter"))
    assert not torch.allclose(first, other_seed)
    assert first.shape == images.shape and first.min() >= 0 and first.max() <= 1


def test_a_crop_of_the_whole_image_without_noise_is_the_image():
    images = torch.rand(2, 3, 16, 16, generator=torch.Generator().manual_seed(0))
    view = Crops(count=1, low=1.0, high=1.0, noise=0.0).apply(
        images, element_generators(0, [0, 1], "jitter")
    )
    torch.testing.assert_close(view, images, atol=1e-5, rtol=0)


def test_one_whole_crop_reduces_to_the_single_view(tiny):
    init = torch.full((2, 3, 32, 32), 0.5) + torch.rand(2, 3, 32, 32) * 0.04
    objective = class_objective("constant", "m", [3, 7], 30.0)
    plain = Descent(steps=4, lr=0.05, rule="adam", priors={"robust": {}})
    single = Descent(
        steps=4,
        lr=0.05,
        rule="adam",
        priors={"robust": {}, "crops": {"count": 1, "low": 1.0, "high": 1.0, "noise": 0.0}},
    )
    fourier = Parameterisation("fourier", decorrelate=True)
    one = optimize(tiny, objective, init, plain, parameterisation=fourier, progress=None)
    two = optimize(tiny, objective, init, single, parameterisation=fourier, progress=None)
    torch.testing.assert_close(one.images, two.images, atol=1e-4, rtol=0)


def test_the_loss_is_the_mean_over_the_crops(tiny):
    """With every crop the same (a whole crop, no noise), the mean of k equal losses is the
    loss of one: the history is the single view's."""
    init = torch.full((1, 3, 32, 32), 0.5) + torch.rand(1, 3, 32, 32) * 0.04
    objective = class_objective("constant", "m", [3], 30.0)

    def run(count):
        crops = {"count": count, "low": 1.0, "high": 1.0, "noise": 0.0}
        descent = Descent(steps=2, lr=0.05, rule="adam", priors={"crops": crops})
        return optimize(tiny, objective, init, descent, progress=None)

    torch.testing.assert_close(run(3).history["loss"], run(1).history["loss"], rtol=1e-5, atol=0)


def test_crop_settings_are_checked():
    with pytest.raises(ValueError, match="count must be >= 1"):
        Crops(count=0)
    with pytest.raises(ValueError, match="0 < low <= high <= 1"):
        Crops(low=0.8, high=0.5)


# ---------------------------------------------------------------------- class objectives
def test_class_objectives_compute_their_formulas():
    logits = torch.tensor([[1.0, 4.0, -2.0, 5.0], [0.0, 0.0, 3.0, 1.0]])
    ctx = Context(images=torch.zeros(2, 3, 4, 4), logits={"m": logits}, taps={}, progress=0.0)
    classes = [1, 2]
    torch.testing.assert_close(LogitMaximum("m", classes)(ctx), torch.tensor([-4.0, -3.0]))
    # margin: mean of the others minus the class logit
    expected = torch.tensor([(1 - 2 + 5) / 3 - 4, (0 + 0 + 1) / 3 - 3])
    torch.testing.assert_close(LogitMargin("m", classes)(ctx), expected)
    constant = class_objective("constant", "m", classes, 30.0)(ctx)
    torch.testing.assert_close(constant, torch.tensor([26.0, 27.0]))
    with pytest.raises(ValueError, match="class objective 'softmax'; known: constant"):
        class_objective("softmax", "m", classes, 30.0)
    with pytest.raises(ValueError, match="class objective 'softmax'"):
        GenerationSettings(class_objective="softmax")


def test_total_variation_is_the_mean_neighbour_difference_per_image():
    flat = torch.full((1, 3, 6, 6), 0.4)
    stripes = torch.zeros(1, 3, 6, 6)
    stripes[..., 1::2] = 1.0  # columns alternate: every across-difference 1, none down
    checker = (torch.arange(6)[:, None] + torch.arange(6)[None, :]) % 2
    checker = checker.float().expand(1, 3, 6, 6)
    ctx = Context(images=torch.cat([flat, stripes, checker]), logits={}, taps={}, progress=0.0)
    torch.testing.assert_close(TotalVariation(2.0)(ctx), torch.tensor([0.0, 2.0, 4.0]))


def test_the_tv_weight_lowers_the_total_variation_of_maco_images_and_keeps_their_magnitude(
    tiny, magnitude
):
    def images(tv):
        settings = GenerationSettings(steps=12, tv=tv, **MACO_ADAM)
        settings = settings.with_magnitude(magnitude)
        return class_representations(tiny["m"], [3, 7], settings, seed=0).images

    def total_variation(batch):
        ctx = Context(images=batch, logits={}, taps={}, progress=0.0)
        return TotalVariation(1.0)(ctx)

    plain, smooth = images(0.0), images(200.0)
    assert (total_variation(smooth) < 0.8 * total_variation(plain)).all()
    assert_maco_magnitude(smooth, magnitude)  # the phase moved, the magnitude did not
    config = {"models": {"m": {"arch": "resnet18", "weights": "random"}}, "classes": [1]}
    with pytest.raises(ConfigError, match=r"generation\.tv"):
        validate({**config, "generation": {"tv": -1.0}}, SCHEMA)


def test_the_margin_is_blind_to_a_shift_of_every_logit():
    logits = torch.randn(3, 10, generator=torch.Generator().manual_seed(0))
    ctx = Context(images=torch.zeros(3, 3, 4, 4), logits={"m": logits}, taps={}, progress=0.0)
    shifted = Context(
        images=torch.zeros(3, 3, 4, 4), logits={"m": logits + 7.5}, taps={}, progress=0.0
    )
    margin = LogitMargin("m", [0, 4, 9])
    torch.testing.assert_close(margin(ctx), margin(shifted))


def test_the_magnitude_is_data_not_a_setting():
    with pytest.raises(ValueError, match="unknown generation settings \\['magnitude'\\]"):
        GenerationSettings.from_dict({"magnitude": [1.0]})
    settings = GenerationSettings().with_magnitude(torch.ones(3, 4, 3))
    assert settings == GenerationSettings()  # compared and recorded without it


# ------------------------------------------------------------------- the pass accounting
def load_benchmark():
    return benchmark_script("class_images")


def test_the_benchmark_counts_one_pass_per_crop(tiny):
    bench = load_benchmark()
    zoo = tiny["m"]
    crops = {"count": 3, "low": 0.5, "high": 1.0}
    settings = GenerationSettings(
        steps=1,
        lr=0.05,
        rule="adam",
        parameterisation="fourier",
        decorrelate=True,
        priors={"crops": crops},
    )
    assert bench.passes_per_step(settings) == 3
    budgeted = bench.at_budget(settings, 12)
    assert budgeted.steps == 4
    with bench.PassCounter(zoo.model) as counter:
        class_representations(zoo, [1, 2], budgeted, seed=0)
    assert counter.images == 2 * 12  # two elements, 4 steps of 3 crops each
    plain = bench.at_budget(GenerationSettings(steps=1, lr=0.05), 5)
    with bench.PassCounter(zoo.model) as counter:
        class_representations(zoo, [1, 2], plain, seed=0)
    assert plain.steps == 5 and counter.images == 2 * 5
    with torch.no_grad(), bench.PassCounter(zoo.model) as counter:
        zoo.logits(torch.rand(4, 3, 32, 32))  # rating is no optimisation pass
    assert counter.images == 0


def test_the_overhead_is_timed_against_bare_windows_as_long_as_the_method(
    tiny, tmp_path, monkeypatch, capsys
):
    bench = load_benchmark()
    zoo, cpu = tiny["m"], torch.device("cpu")
    calls = []

    def method():  # 3 optimisation passes of 2 images: 6 image passes
        images = torch.rand(2, 3, 32, 32, requires_grad=True)
        for _ in range(3):
            torch.autograd.grad(zoo.logits(images)[:, 0].sum(), images)
        calls.append(1)

    table = bench.overhead_table({"m": method}, zoo, [1, 2], cpu, repeats=2, generator="g")
    assert len(calls) == 3  # a warm-up round that counts the passes, then the repeats
    assert table["passes"].tolist() == [6, 6] and table["repeat"].tolist() == [0, 1]
    bare = (table["bare_before_ms"] + table["bare_after_ms"]) / 2
    assert (table["pass_over_bare"] - table["ms_per_pass"] / bare).abs().max() < 1e-9
    with bench.PassCounter(zoo.model) as counter:
        bench.bare_window_ms(zoo, [1, 2], cpu, 5)
    assert counter.images == 6  # whole batches of the classes, never fewer passes than asked
    table.assign(pass_over_bare=[1.5, 1.1]).to_csv(
        tmp_path / "held_out_g_overhead.tsv", sep="\t", index=False
    )
    summary = bench.overhead_summary(tmp_path, "held_out")
    assert summary.splitlines()[-1].endswith("| 1.30 | 1.10-1.50 |")  # the median, the range
    for flag in ("--overhead", "--repeats"):  # refused, named, before any model loads
        monkeypatch.setattr("sys.argv", ["class_images.py", flag, "0"])
        with pytest.raises(SystemExit):
            bench.main()
        assert f"argument {flag}: 0 is not a positive whole number" in capsys.readouterr().err


def test_the_benchmark_interval_brackets_the_mean():
    bench = load_benchmark()
    values = torch.tensor([1.0] * 12 + [0.0] * 4).numpy()
    low, high = bench.bootstrap_interval(values)
    assert low < values.mean() < high
    assert bench.bootstrap_interval(values) == (low, high)  # seeded
    assert bench.bootstrap_interval(torch.ones(8).numpy()) == (1.0, 1.0)
    sets = bench.CLASS_SETS
    assert len(sets["held_out"]) == len(sets["development"]) == 16
    assert not set(sets["held_out"]) & set(sets["development"])


def test_the_magnitude_never_reaches_a_command_or_a_record(magnitude):
    from inputgen.platform.stage import settings_dict, settings_json

    values = {"parameterisation": "maco", "decorrelate": True}
    settings = GenerationSettings.from_dict(values).with_magnitude(magnitude)
    assert "magnitude" not in settings_dict(settings)
    command = settings_json(
        "representations-chunk",
        {"name": "m", "model": {"arch": "resnet18"}, "classes": [1], "settings": values},
    )
    assert "magnitude" not in command and '"parameterisation": "maco"' in command


def test_maco_without_decorrelated_colour_is_refused_when_the_dag_is_built():
    from inputgen.platform.stage import settings_json

    job = {"name": "m", "model": {"arch": "resnet18"}, "classes": [1]}
    with pytest.raises(ValueError, match="maco needs generation.decorrelate: true"):
        settings_json(
            "representations-chunk",
            {**job, "settings": {"parameterisation": "maco", "decorrelate": False}},
        )
    # The schema's rule for the key the setting comes from, then the settings' own check (the
    # library's GenerationSettings, built without a schema).
    with pytest.raises(ValueError, match=r"setting settings.class_objective \(config key gen"):
        settings_json("representations-chunk", {**job, "settings": {"class_objective": "most"}})
    with pytest.raises(ValueError, match="class objective 'most'; known: constant, logit, margin"):
        GenerationSettings.from_dict({"class_objective": "most"})


def test_maco_without_decorrelated_colour_is_a_config_error_in_every_ablation_row():
    """Refused by ``validate`` (before any DAG), also where a row inherits the base's colour."""
    import yaml
    from conftest import REPO
    from inputgen.platform.config import ConfigError, validate

    config = yaml.safe_load((REPO / "tests/config/tiny.yaml").read_text())
    del config["ablation"]["configs"]["maco"]["decorrelate"]  # the base's default: false
    with pytest.raises(ConfigError) as refused:
        validate(config, REPO / "workflow/inputgen/platform/config.schema.yaml")
    assert "config key ablation.configs.maco: parameterisation maco needs decorrelate: true" in (
        str(refused.value)
    )
    assert "config key generation:" not in str(refused.value)


def test_names_written_by_eye_are_scored_per_method_against_the_key():
    import pandas as pd

    bench = load_benchmark()
    shown = {"ours": torch.rand(2, 3, 8, 8), "peer": torch.rand(2, 3, 8, 8)}
    names = {1: "king penguin", 2: "tiger"}
    figures, key = bench.shuffled_panels(shown, [1, 2], names, "t", seed=3, per_panel=3)
    assert len(figures) == 2  # four images, three per panel
    assert sorted(zip(key["method"], key["class"], strict=True)) == [
        ("ours", 1),
        ("ours", 2),
        ("peer", 1),
        ("peer", 2),
    ]
    assert key.equals(bench.shuffled_panels(shown, [1, 2], names, "t", seed=3)[1])  # seeded
    truth = dict(zip(key["number"], key["name"], strict=True))
    wrong = {"king penguin": "tiger", "tiger": "king penguin"}
    ours = key[key["method"] == "ours"]["number"].tolist()
    peer = key[key["method"] == "peer"]["number"].tolist()
    named = pd.DataFrame(
        {
            "number": [ours[0], ours[1], peer[0]],  # peer's second left unnamed
            "named": [truth[ours[0]].upper(), " " + truth[ours[1]], wrong[truth[peer[0]]]],
        }
    )
    scores = bench.score_names(key, named).set_index("method")
    assert scores.loc["ours"].tolist() == [2, 2] and scores.loc["peer"].tolist() == [0, 2]
    with pytest.raises(ValueError, match=r"numbers \[9\] are not in the key"):
        bench.score_names(key, pd.DataFrame({"number": [9], "named": ["tiger"]}))


def test_the_readmes_class_image_table_is_the_benchmarks_summary_of_its_tables():
    """README's table of the peers is `--summarise`'s output of the held-out run's tables,
    never retyped."""
    bench = load_benchmark()
    folder = ROOT / "docs" / "benchmarks" / "class_images" / "held_out"
    assert bench.summary_table(folder, "held_out") in (ROOT / "README.md").read_text()
    overhead = bench.overhead_summary(folder / "overhead", "held_out")
    for page in ("README.md", "docs/class_images.md"):
        assert overhead in (ROOT / page).read_text(), page
