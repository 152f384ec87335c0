import math
from dataclasses import asdict

import pytest
import torch
from inputgen.engine.models import load_model
from inputgen.engine.objectives import (
    Context,
    FeatureMean,
    InputL1,
    Interpolation,
    LogitMargin,
    LogitMinimum,
    LogitTarget,
    VectorTarget,
)
from inputgen.engine.optimize import (
    AffineJitter,
    Blur,
    ColourJitter,
    Descent,
    OptimizationError,
    ResizeJitter,
    build_priors,
    element_generators,
    optimize,
    scaled_random_init,
)
from torch.nn import functional as F


@pytest.fixture(scope="module")
def two_models():
    """Two small untrained torchvision models: cheap, and different."""
    return {
        "a": load_model({"arch": "resnet18", "weights": "random", "seed": 0, "input_size": 64}),
        "b": load_model({"arch": "resnet18", "weights": "random", "seed": 1, "input_size": 64}),
    }


@pytest.fixture(scope="module")
def lite0():
    return load_model({"arch": "efficientnet_lite0", "weights": "package"})


def gradient(models, term, images):
    images = images.clone().requires_grad_(True)
    ctx = Context(
        images=images,
        logits={n: m.logits(images) for n, m in models.items()},
        taps={},
        progress=0.0,
    )
    (grad,) = torch.autograd.grad(term(ctx).sum(), images)
    return grad


def test_combined_and_difference_gradients_are_weighted_sums(two_models):
    images = torch.rand(3, 3, 64, 64)
    classes = [1, 2, 3]
    ga = gradient(two_models, LogitTarget("a", classes, 50.0), images)
    gb = gradient(two_models, LogitTarget("b", classes, 50.0), images)
    combined = 2 * LogitTarget("a", classes, 50.0) + 1 * LogitTarget("b", classes, 50.0)
    difference = 2 * LogitTarget("a", classes, 50.0) - LogitTarget("b", classes, 50.0)
    assert torch.allclose(gradient(two_models, combined, images), 2 * ga + gb, atol=1e-6)
    assert torch.allclose(gradient(two_models, difference, images), 2 * ga - gb, atol=1e-6)
    assert combined.needs() == {"a": set(), "b": set()}


def test_terms_compute_their_formulas(two_models):
    images = torch.rand(2, 3, 64, 64)
    logits = two_models["a"].logits(images)
    ctx = Context(images=images, logits={"a": logits}, taps={}, progress=0.25)
    classes = torch.tensor([4, 9])
    chosen = logits[torch.arange(2), classes]
    assert torch.allclose(LogitTarget("a", classes, 7.0)(ctx), (7 - chosen).abs())
    assert torch.allclose(LogitMinimum("a", classes)(ctx), chosen)
    husky, dalmatian = LogitTarget("a", [4, 4], 7.0), LogitTarget("a", [9, 9], 7.0)
    interpolation = Interpolation(husky, dalmatian)(ctx)
    expected = 0.75 * (7 - logits[:, 4]).abs() + 0.25 * (7 - logits[:, 9]).abs()
    assert torch.allclose(interpolation, expected)
    assert Interpolation(husky, dalmatian).needs() == {"a": set()}
    # A hold of 0.25 keeps the start term until a quarter of the steps, then moves linearly.
    held = Interpolation(LogitMargin("a", [4, 4]), LogitMargin("a", [9, 9]), hold=0.25)
    assert torch.allclose(held(ctx), LogitMargin("a", [4, 4])(ctx))
    later = Context(images=images, logits={"a": logits}, taps={}, progress=0.625)
    mixed = 0.5 * LogitMargin("a", [4, 4])(later) + 0.5 * LogitMargin("a", [9, 9])(later)
    assert torch.allclose(held(later), mixed)
    with pytest.raises(ValueError, match=r"hold must be in \[0, 1\), got 1"):
        Interpolation(husky, dalmatian, hold=1)
    assert torch.allclose(InputL1(0.5)(ctx), 0.5 * images.abs().sum(dim=(1, 2, 3)))
    target = torch.zeros_like(logits)
    assert torch.allclose(VectorTarget("a", target, p=2)(ctx), logits.norm(dim=1))
    assert torch.allclose(
        VectorTarget("a", logits * 2, p=1, relative=True)(ctx), torch.full((2,), 0.5), atol=1e-6
    )
    with pytest.raises(ValueError, match="target shape"):
        VectorTarget("a", torch.zeros(2, 10))(ctx)


def test_priors_keep_shape_and_range_and_are_seeded_per_element():
    images = torch.rand(4, 3, 48, 48)
    for prior in (ResizeJitter(), AffineJitter(), ColourJitter(amount=0.05)):
        first = prior.apply(images, element_generators(0, [10, 11, 12, 13], "jitter"))
        again = prior.apply(images, element_generators(0, [10, 11, 12, 13], "jitter"))
        other = prior.apply(images, element_generators(1, [10, 11, 12, 13], "jitter"))
        # Element 12 alone, in a batch of its own: the same draw as inside the batch.
        alone = prior.apply(images[2:3], element_generators(0, [12], "jitter"))
        assert first.shape == images.shape
        assert torch.equal(first, again) and not torch.equal(first, other)
        assert torch.allclose(alone[0], first[2], atol=1e-6)
        assert first.min() >= -0.05 - 1e-6 and first.max() <= 1.05 + 1e-6
    blurred = Blur().apply(images)
    assert blurred.shape == images.shape and blurred.std() < images.std()
    assert 0 <= blurred.min() and blurred.max() <= 1
    with pytest.raises(ValueError, match="unknown priors"):
        build_priors({"sharpen": {}})


def test_nearest_resize_shifts_the_picture_and_bilinear_does_not():
    """Source article 1's translation artefact: nearest-neighbour down- and up-sampling moves a
    bright square toward the lower right; bilinear keeps its centre of mass in place."""
    images = torch.zeros(1, 3, 64, 64)
    images[..., 20:30, 20:30] = 1.0

    def centre(batch):
        weights = batch[0, 0]
        coords = torch.arange(64, dtype=torch.float32)
        return (weights.sum(1) @ coords / weights.sum(), weights.sum(0) @ coords / weights.sum())

    nearest = ResizeJitter(low=0.7, high=0.7, mode="nearest")
    shifted = images
    for _ in range(5):
        shifted = nearest.apply(shifted, element_generators(0, [0], "jitter"))
    bilinear = ResizeJitter(low=0.7, high=0.7).apply(images, element_generators(0, [0], "jitter"))
    row, column = centre(shifted)
    assert row > 24.5 + 1 and column > 24.5 + 1  # moved down and right by more than a pixel
    assert all(abs(c - 24.5) < 0.3 for c in centre(bilinear))
    assert ResizeJitter(stage="image").stage == "image" and ResizeJitter().stage == "view"
    with pytest.raises(ValueError, match="resize mode"):
        ResizeJitter(mode="bicubic")


def test_resize_cycle_takes_its_factors_in_turn():
    """Source article 1's fixed size cycle: step i resizes by ``cycle[i % len(cycle)]`` (the
    same for every element, no random draw), down and back up."""
    images = torch.rand(2, 3, 40, 40, generator=torch.Generator().manual_seed(1))
    cycle = (1.0, 0.5, 0.75)
    prior = ResizeJitter(cycle=list(cycle), mode="nearest")
    generators = element_generators(0, [0, 1], "jitter")
    for step in range(5):
        factor = cycle[step % 3]
        small = F.interpolate(images, size=round(40 * factor), mode="nearest")
        expected = F.interpolate(small, size=40, mode="nearest")
        assert torch.equal(prior.apply(images, generators, step), expected)
    with pytest.raises(ValueError, match="cycle factors"):
        ResizeJitter(cycle=[0.5, 1.5])


def test_resize_drift_measures_the_nearest_artefact():
    """Nearest moves a centred square down and right by whole pixels, the same distance both
    ways; bilinear leaves it in place; a prior active for 3 of 10 steps resizes 3 times."""
    from inputgen.engine.image_stats import resize_drift

    table = resize_drift({"until": 0.3, "cycle": [0.7]}, 32, 10).set_index("mode")
    assert table.loc["nearest", "resizes"] == 3 and table.loc["bilinear", "resizes"] == 3
    # the same three resizes by hand, the square's centre measured by its own formula
    square = torch.zeros(1, 3, 32, 32)
    square[..., 12:20, 12:20] = 1.0
    moved = square
    for _ in range(3):
        moved = F.interpolate(
            F.interpolate(moved, size=22, mode="nearest"), size=32, mode="nearest"
        )
    mass = moved[0, 0]
    down = float((mass.sum(1) @ torch.arange(32.0)) / mass.sum()) - 15.5
    right = float((mass.sum(0) @ torch.arange(32.0)) / mass.sum()) - 15.5
    assert down >= 1 and right >= 1  # the artefact: down and to the right
    assert table.loc["nearest", "down_px"] == pytest.approx(down)
    assert table.loc["nearest", "right_px"] == pytest.approx(right)
    assert table.loc["nearest", "drift_per_resize_px"] == pytest.approx(math.hypot(down, right) / 3)
    assert table.loc["bilinear", "drift_px"] < 1e-4  # float rounding only


def test_image_stage_resize_changes_the_optimised_images(two_models):
    """``stage: image`` resizes the images after each step (the article's loop), ``stage: view``
    only what the model sees: with lr -> 0 the images change only in the first case."""
    init = scaled_random_init([1], 64, seed=0)
    init[..., 10:20, 10:20] = 1.0
    term = LogitTarget("a", [1], 10.0)
    on_view, on_image = (
        optimize(
            two_models,
            term,
            init,
            Descent(steps=3, lr=1e-9, rule="sign", priors={"resize": resize}),
            seed=0,
            progress=None,
        )
        for resize in ({"mode": "nearest"}, {"mode": "nearest", "stage": "image"})
    )
    assert torch.allclose(on_view.images, init, atol=1e-6)
    assert not torch.allclose(on_image.images, init, atol=1e-3)


def test_an_element_does_not_depend_on_its_batch(two_models):
    priors = {"blur": {}, "resize": {}, "affine": {}, "colour": {}}
    init = scaled_random_init([5, 6, 7], 64, seed=3)
    # Sign steps: batched convolutions differ from single ones in the last float bits, which
    # the other rules can amplify on an untrained net; the draws themselves must be identical.
    descent = Descent(steps=6, lr=0.02, rule="sign", priors=priors)
    kwargs = dict(seed=3, progress=None)
    together = optimize(
        two_models, LogitTarget("a", [5, 6, 7], 20.0), init, descent, ids=[5, 6, 7], **kwargs
    )
    alone = optimize(two_models, LogitTarget("a", [7], 20.0), init[2:], descent, ids=[7], **kwargs)
    assert torch.allclose(together.images[2], alone.images[0], atol=1e-6)
    assert (together.images[2] - init[2]).abs().max() > 0.05  # it did move
    assert scaled_random_init([7], 64, seed=3).equal(init[2:])


def test_a_short_run_reaches_the_target_class(lite0):
    classes = [805, 949]  # soccer ball, strawberry
    result = optimize(
        {"g": lite0},
        LogitTarget("g", classes, 30.0),
        scaled_random_init(classes, 224, seed=0),
        Descent(steps=12, lr=0.02, rule="normalized"),
        ids=classes,
        progress=None,
    )
    with torch.no_grad():
        assert lite0.logits(result.images).argmax(dim=1).tolist() == classes
    logit = result.history["logit:g"]
    assert logit.shape == (12, 2) and (logit[-1] > logit[0] + 5).all()
    assert result.history["loss"].shape == (12, 2)
    assert 0 <= result.images.min() and result.images.max() <= 1


def test_minimising_a_logit_lowers_it(two_models):
    result = optimize(
        two_models,
        LogitMinimum("a", [3, 8]),
        scaled_random_init([3, 8], 64, 0),
        Descent(steps=5, lr=0.02, rule="sign"),
        progress=None,
    )
    logit = result.history["logit:a"]
    assert (logit[-1] < logit[0]).all()


def test_octaves_and_frames(two_models):
    result = optimize(
        two_models,
        LogitTarget("a", [1], 10.0),
        scaled_random_init([1], 64, 0),
        Descent(steps=6, lr=0.01, octaves=(0.5, 1.0)),
        frames=3,
        progress=None,
    )
    assert result.images.shape == (1, 3, 64, 64)
    assert result.history["frames"].shape == (3, 1, 3, 64, 64)
    with pytest.raises(ValueError, match="ending at 1"):
        optimize(
            two_models,
            LogitTarget("a", [1], 10.0),
            torch.rand(1, 3, 64, 64),
            Descent(steps=2, lr=0.01, octaves=(0.5,)),
            progress=None,
        )


def test_divergence_stops_with_the_step_and_element(two_models):
    class Explodes(LogitTarget):
        def loss(self, ctx):
            loss = super().loss(ctx)
            return loss * torch.tensor([1.0, float("inf")]) if ctx.progress >= 0.5 else loss

    with pytest.raises(OptimizationError, match="step 2 for batch element 1 \\(id 42\\)"):
        optimize(
            two_models,
            Explodes("a", [0, 1], 5.0),
            torch.rand(2, 3, 64, 64),
            Descent(steps=4, lr=0.01),
            ids=[41, 42],
            progress=None,
        )


def test_no_hooks_are_left_behind_and_parameters_stay_frozen(two_models):
    model = two_models["a"].model
    before = {k: v.clone() for k, v in model.state_dict().items()}
    term = FeatureMean("a", "layer3", [0, 5]) + VectorTarget(
        "a", torch.zeros(2, 256, 4, 4), layer="layer3"
    )
    optimize(two_models, term, torch.rand(2, 3, 64, 64), Descent(steps=2, lr=0.01), progress=None)
    assert sum(len(m._forward_hooks) for m in model.modules()) == 0
    assert all(p.grad is None and not p.requires_grad for p in model.parameters())
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())

    class Fails(FeatureMean):
        def loss(self, ctx):
            raise RuntimeError("objective failed")

    with pytest.raises(RuntimeError, match="objective failed"):
        optimize(
            two_models,
            Fails("a", "layer2", [0]),
            torch.rand(1, 3, 64, 64),
            Descent(steps=1, lr=0.01),
            progress=None,
        )
    assert sum(len(m._forward_hooks) for m in model.modules()) == 0


def test_auxiliary_head_target_runs_the_head_eval_mode_skips():
    inception = load_model({"arch": "inception_v3", "weights": "random"})
    term = LogitTarget("i", [3], 10.0, head=("Mixed_6e", "AuxLogits"))
    result = optimize(
        {"i": inception}, term, torch.rand(1, 3, 299, 299), Descent(steps=2, lr=0.01), progress=None
    )
    assert result.history["logit:i"].shape == (2, 1)


def test_descent_validates_its_fields_and_round_trips_a_dict():
    for bad, message in [
        (dict(rule="newton"), "step rule 'newton'; known: gradient, sign"),
        (dict(momentum=1.0), "momentum must be in \\[0, 1\\), got 1.0"),
        (dict(rule="adam", momentum=0.5), "adam has its own momentum"),
        (dict(steps=0), "steps must be >= 1, got 0"),
    ]:
        with pytest.raises(ValueError, match=message):
            Descent(**{"steps": 4, "lr": 0.1, **bad})
    descent = Descent(
        steps=4, lr=0.1, lr_end=0.01, rule="normalized", momentum=0.9, priors={"blur": {}}
    )
    assert Descent.from_dict(asdict(descent)) == descent
    config = {"steps": 4, "lr": 0.1, "octaves": [0.5, 1.0]}  # a list from YAML: a tuple
    assert Descent.from_dict(config).octaves == (0.5, 1.0)
    with pytest.raises(ValueError, match="unknown descent settings \\['step_size'\\]"):
        Descent.from_dict({"steps": 4, "step_size": 0.1})
