"""The input-optimisation engine every input-space study uses.

It optimises a batch of [0, 1] images, each element with its own objective (an
inputgen.engine.objectives term returns one loss per element), under a list of natural-image
priors, and returns the images with a per-step history.

Priors come in two kinds (their ``stage``):
  * view priors (jitter) transform a differentiable copy of the batch before the forward pass
    (bilinear resize jitter, translation/rotation, per-pixel colour jitter);
  * image priors change the optimised images after each step (the Gaussian-blur curriculum,
    and resize jitter with ``stage: image``, source article 1's nearest-neighbour resizing).
Octaves run the steps at growing resolutions. Every random draw comes from a generator seeded
from (seed, element id, purpose), so an element's result does not depend on which other
elements share its batch. The models' parameters are never touched: gradients are taken with
respect to the images alone, and layer hooks live only inside one forward pass.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields

import numpy as np
import torch
from torch.nn import functional as F
from torchvision.transforms.v2 import functional as TF

from inputgen.engine.models import ZooModel, capture
from inputgen.engine.objectives import Context, Term
from inputgen.engine.parameterisations import Parameterisation
from inputgen.engine.progress import progress as progress_bar

STEP_RULES = ("gradient", "sign", "normalized", "l2", "adam")


class OptimizationError(RuntimeError):
    """The optimisation diverged; nothing it made should be written."""


def element_seed(seed: int, element: int, purpose: str) -> int:
    """A well-mixed 63-bit seed for one (run seed, element id, purpose)."""
    words = [seed, element] + list(purpose.encode())
    return int(
        np.random.SeedSequence(words)
        .generate_state(2, np.uint32)
        .astype(np.uint64)
        .dot([1 << 31, 1])
    )


def element_generators(
    seed: int, ids: Sequence[int], purpose: str, device: torch.device | str = "cpu"
) -> list[torch.Generator]:
    return [
        torch.Generator(device=device).manual_seed(element_seed(seed, int(i), purpose)) for i in ids
    ]


def scaled_random_init(
    ids: Sequence[int], size: int, seed: int, spread: float = 1 / 25, centre: float = 0.5
) -> torch.Tensor:
    """Source article 1's start: ``U(0, 1) * spread + centre - spread / 2``, per element."""
    generators = element_generators(seed, ids, "init")
    noise = torch.stack([torch.rand(3, size, size, generator=g) for g in generators])
    return noise * spread + (centre - spread / 2)


# ----------------------------------------------------------------------------------- priors
@dataclass(frozen=True)
class Prior:
    """A prior is active while the fraction of steps done is below ``until``. ``apply`` maps a
    batch to a batch: for ``stage`` "view" what the models see, for "image" the optimised
    images after each step; ``step`` is the step's index (for priors on a fixed schedule)."""

    until: float = 1.0
    stage = "view"

    def active(self, progress: float) -> bool:
        return progress < self.until

    def apply(self, images: torch.Tensor, generators, step: int = 0) -> torch.Tensor:
        raise NotImplementedError


@dataclass(frozen=True)
class Blur(Prior):
    """3x3 Gaussian blur of the images after each step (the smoothness curriculum)."""

    until: float = 0.75
    sigma: float = 0.8
    stage = "image"

    def apply(self, images, generators=None, step=0):
        return TF.gaussian_blur(images, [3, 3], [self.sigma, self.sigma])


RESIZE_MODES = ("bilinear", "nearest")


@dataclass(frozen=True)
class ResizeJitter(Prior):
    """Down- and up-sampling by a random factor in [low, high] per element and step, or, with
    ``cycle``, by the cycle's factors in turn (step i: ``cycle[i % len(cycle)]``, the same for
    every element; source article 1 resizes to 256, 198, 160, 180, 200 of 256 in turn).

    ``mode: bilinear`` (antialiased) blurs without moving the picture. ``mode: nearest`` is
    source article 1's ``F.interpolate`` default: it picks the upper-left of equidistant pixels,
    so each resize shifts the picture toward the lower right (the article's translation
    artefact). ``stage: view`` resizes what the models see; ``stage: image`` resizes the optimised
    images themselves after each step, as the article does, so the shifts accumulate.
    """

    until: float = 0.75
    low: float = 0.6
    high: float = 1.0
    mode: str = "bilinear"
    stage: str = "view"
    cycle: tuple[float, ...] = ()

    def __post_init__(self):
        object.__setattr__(self, "cycle", tuple(self.cycle))  # a config's list; frozen, hashable
        if any(not 0 < factor <= 1 for factor in self.cycle):
            raise ValueError(f"resize cycle factors must be in (0, 1], got {list(self.cycle)}")
        if self.mode not in RESIZE_MODES:
            raise ValueError(f"resize mode {self.mode!r}; known: {', '.join(RESIZE_MODES)}")
        if self.stage not in ("view", "image"):
            raise ValueError(f"resize stage {self.stage!r}; known: view, image")

    def _resample(self, image: torch.Tensor, size) -> torch.Tensor:
        if self.mode == "nearest":
            return F.interpolate(image, size=size, mode="nearest")
        return F.interpolate(image, size=size, mode="bilinear", antialias=True, align_corners=False)

    def apply(self, images, generators, step=0):
        size = images.shape[-2:]
        if self.cycle:
            factor = self.cycle[step % len(self.cycle)]
            small = [max(8, round(side * factor)) for side in size]
            return self._resample(self._resample(images, small), size)
        out = []
        for image, generator in zip(images, generators, strict=True):
            scale = self.low + (self.high - self.low) * float(
                torch.rand(1, generator=generator, device=generator.device)
            )
            small = [max(8, round(side * scale)) for side in size]
            out.append(self._resample(self._resample(image[None], small), size))
        return torch.cat(out)


@dataclass(frozen=True)
class AffineJitter(Prior):
    """Random translation (fraction of the side) and rotation (degrees) per element."""

    until: float = 0.75
    translate: float = 0.05
    degrees: float = 5.0

    def apply(self, images, generators, step=0):
        rows = []
        for generator in generators:
            u = (
                torch.rand(3, generator=generator, dtype=torch.float64, device=generator.device) * 2
                - 1
            )
            angle = math.radians(self.degrees * float(u[0]))
            shift = (2 * self.translate * float(u[1]), 2 * self.translate * float(u[2]))
            cos, sin = math.cos(angle), math.sin(angle)
            rows.append([[cos, -sin, shift[0]], [sin, cos, shift[1]]])
        theta = torch.tensor(rows, dtype=images.dtype, device=images.device)
        grid = F.affine_grid(theta, list(images.shape), align_corners=False)
        return F.grid_sample(
            images, grid, mode="bilinear", padding_mode="reflection", align_corners=False
        )


@dataclass(frozen=True)
class ColourJitter(Prior):
    """Add uniform noise in [-amount, amount] to every pixel (our own: seedable, unlike
    torchvision's ColorJitter, as source article 1 warns)."""

    until: float = 1.0
    amount: float = 0.01

    def apply(self, images, generators, step=0):
        shape = images.shape[1:]
        noise = torch.stack([torch.rand(shape, generator=g, device=g.device) for g in generators])
        return images + (noise.to(images.device) * 2 - 1) * self.amount


@dataclass(frozen=True)
class Robustness(Prior):
    """Transformation robustness as the Distill article ("Feature Visualization", 2017) and
    lucent's ``standard_transforms`` use it: pad by ``pad`` pixels of grey, then scale by a
    factor in [low, high], rotate by up to ``degrees`` and shift by up to ``jitter`` pixels,
    per element and step. The view is sampled at the image's own size (the padded canvas seen
    through the same normalised grid): resampling it once here spares the model's
    preprocessing a resize of the padded view, forward and backward."""

    until: float = 1.0
    pad: int = 12
    jitter: int = 12
    low: float = 0.9
    high: float = 1.1
    degrees: float = 10.0

    def apply(self, images, generators, step=0):
        padded = F.pad(images - 0.5, [self.pad] * 4)  # grey padding; grid_sample fills zeros
        side = padded.shape[-1]
        rows = []
        for generator in generators:
            u = torch.rand(4, generator=generator, dtype=torch.float64, device=generator.device)
            scale = self.low + (self.high - self.low) * float(u[0])
            angle = math.radians(self.degrees * float(u[1] * 2 - 1))
            # a shift of k pixels is 2k / side in affine_grid's [-1, 1] coordinates
            shift = [2 * self.jitter * float(v * 2 - 1) / side for v in u[2:]]
            cos, sin = math.cos(angle) / scale, math.sin(angle) / scale
            rows.append([[cos, -sin, shift[0]], [sin, cos, shift[1]]])
        theta = torch.tensor(rows, dtype=images.dtype, device=images.device)
        grid = F.affine_grid(theta, list(images.shape), align_corners=False)
        moved = F.grid_sample(
            padded, grid, mode="bilinear", padding_mode="zeros", align_corners=False
        )
        return moved + 0.5


@dataclass(frozen=True)
class Crops(Prior):
    """Several random square crops of each element per step, the objective averaged over them
    (MACO's multi-crop views, Fel et al. 2023): a side of ``low``-``high`` of the image, centred
    at 0.5 + N(0, ``spread``) (kept inside), resampled to the image's size, plus Gaussian noise
    of std ``noise`` and uniform noise of width ``noise``. ``count`` views cost ``count``
    forward+backward passes per step; ``count: 1, low: 1, high: 1, noise: 0`` is the plain view.
    Applied after every other view prior."""

    until: float = 1.0
    count: int = 4
    low: float = 0.5
    high: float = 1.0
    spread: float = 0.15
    noise: float = 0.05

    def __post_init__(self):
        if self.count < 1:
            raise ValueError(f"crops count must be >= 1, got {self.count}")
        if not 0 < self.low <= self.high <= 1:
            raise ValueError(f"crop sides need 0 < low <= high <= 1, got {self.low}, {self.high}")

    def apply(self, images, generators, step=0):
        rows, noises = [], []
        for image, generator in zip(images, generators, strict=True):
            u = torch.rand(1, generator=generator, dtype=torch.float64, device=generator.device)
            n = torch.randn(2, generator=generator, dtype=torch.float64, device=generator.device)
            side = self.low + (self.high - self.low) * float(u[0])
            # centre in [0, 1]; affine_grid's coordinates are [-1, 1] (offset 2 * (c - 0.5))
            half = side / 2
            centre = [min(max(0.5 + self.spread * float(v), half), 1 - half) for v in n]
            rows.append([[side, 0.0, 2 * centre[0] - 1], [0.0, side, 2 * centre[1] - 1]])
            if self.noise:
                gaussian = torch.randn(image.shape, generator=generator, device=generator.device)
                uniform = torch.rand(image.shape, generator=generator, device=generator.device)
                noises.append(self.noise * (gaussian + uniform - 0.5))
        theta = torch.tensor(rows, dtype=images.dtype, device=images.device)
        grid = F.affine_grid(theta, list(images.shape), align_corners=False)
        views = F.grid_sample(
            images, grid, mode="bilinear", padding_mode="border", align_corners=False
        )
        if noises:
            views = views + torch.stack(noises).to(views.device)
        return views


PRIORS = {
    "blur": Blur,
    "resize": ResizeJitter,
    "affine": AffineJitter,
    "colour": ColourJitter,
    "robust": Robustness,
    "crops": Crops,
}


def build_priors(spec: Mapping[str, Mapping | None]) -> list[Prior]:
    """``{"blur": {"until": 0.75}, "resize": {}, ...}`` -> prior objects (a null value: off)."""
    unknown = sorted(set(spec) - set(PRIORS))
    if unknown:
        raise ValueError(f"unknown priors {unknown}; known: {', '.join(PRIORS)}")
    return [
        PRIORS[name](**(options or {})) for name, options in spec.items() if options is not None
    ]


# ---------------------------------------------------------------------------------- descent
@dataclass(frozen=True)
class Descent:
    """How to descend on an input: the one vocabulary of every study that descends on an input
    (class representations, opposites, arithmetic, vectorisation, layer autoencoding,
    representation inversion). Plain, JSON-able fields, as in the config.

    ``lr`` is the step size (the first one when ``lr_end`` is set: a linear schedule from
    ``lr`` to ``lr_end``); ``rule`` says how a gradient becomes a step (one of STEP_RULES);
    ``momentum`` averages the step directions; ``priors`` is the prior spec
    (``{"blur": {}, ...}``, see build_priors); ``octaves`` split the steps over increasing
    resolutions (fractions of the final size).
    """

    steps: int
    lr: float
    lr_end: float | None = None
    rule: str = "sign"
    momentum: float = 0.0
    priors: Mapping[str, Mapping | None] = field(default_factory=dict)
    octaves: tuple[float, ...] = (1.0,)

    def __post_init__(self):
        if self.rule not in STEP_RULES:
            raise ValueError(f"step rule {self.rule!r}; known: {', '.join(STEP_RULES)}")
        if not 0 <= self.momentum < 1:
            raise ValueError(f"momentum must be in [0, 1), got {self.momentum}")
        if self.rule == "adam" and self.momentum:
            raise ValueError("adam has its own momentum: leave momentum at 0")
        if self.steps < 1:
            raise ValueError(f"steps must be >= 1, got {self.steps}")

    @classmethod
    def from_dict(cls, values: Mapping) -> Descent:
        """A descent from its fields (``dataclasses.asdict``'s inverse); unknown keys are
        refused."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ValueError(
                f"unknown descent settings {unknown}; known: {', '.join(sorted(known))}"
            )
        values = dict(values)
        if "octaves" in values:
            values["octaves"] = tuple(values["octaves"])
        return cls(**values)


# ----------------------------------------------------------------------------------- engine
@dataclass
class Result:
    images: torch.Tensor  # (B, 3, H, W) in [0, 1], on the CPU
    history: dict[str, torch.Tensor]  # "loss" and each recorded metric: (steps, B)


def step_size(lr: float, lr_end: float | None, progress: float) -> float:
    """Linear schedule from lr to lr_end (constant when lr_end is None)."""
    return lr if lr_end is None else lr + (lr_end - lr) * progress


def _direction(gradient: torch.Tensor, rule: str) -> torch.Tensor:
    if rule == "gradient":
        return gradient
    if rule == "sign":
        return gradient.sign()
    if rule == "l2":  # unit L2 norm per element (Ilyas et al.'s representation inversion)
        norm = gradient.flatten(1).norm(dim=1).clamp_min(1e-12)
        return gradient / norm.view(-1, 1, 1, 1)
    # normalised: unit mean absolute value per element, so lr means the same as for "sign"
    scale = gradient.abs().flatten(1).mean(dim=1).clamp_min(1e-12)
    return gradient / scale.view(-1, 1, 1, 1)


def _octave_sizes(size: int, octaves: Sequence[float]) -> list[int]:
    if (
        not octaves
        or any(not 0 < o <= 1 for o in octaves)
        or list(octaves) != sorted(octaves)
        or octaves[-1] != 1
    ):
        raise ValueError(
            f"octaves must be increasing scales in (0, 1] ending at 1, got {list(octaves)}"
        )
    return [max(min(16, size), round(size * o)) for o in octaves]  # never above the final size


def optimize(
    models: Mapping[str, ZooModel],
    objective: Term,
    init: torch.Tensor,
    descent: Descent,
    *,
    ids: Sequence[int] | None = None,
    seed: int = 0,
    frames: int = 0,
    progress: str | None = "optimising",
    keep_best: bool = False,
    parameterisation: Parameterisation | None = None,
) -> Result:
    """Minimise ``objective`` over the images, starting from ``init`` (B, 3, H, W) in [0, 1],
    by ``descent`` (steps, step sizes, rule, momentum, priors, octaves).

    ``ids`` name the elements for seeding (default 0..B-1): give each element the same id in
    any batch to get the same result. The descent's ``octaves`` split the steps evenly over
    increasing resolutions (fractions of the final size). ``frames`` > 0 also records that many
    evenly spaced snapshots in ``history["frames"]`` (frames, B, 3, H, W). ``momentum``
    averages the step directions (``m = momentum * m + (1 - momentum) * direction``);
    ``keep_best`` returns each element's lowest-loss iterate instead of the last
    (``history["best_loss"]``). ``parameterisation`` says what is optimised (default: the
    pixels themselves); the step rule ``adam`` is torch's Adam (per-element, so batching still
    changes nothing).
    """
    steps, lr, lr_end = descent.steps, descent.lr, descent.lr_end
    rule, momentum, octaves = descent.rule, descent.momentum, descent.octaves
    priors = build_priors(descent.priors)
    if keep_best and len(octaves) > 1:
        raise ValueError("keep_best compares iterates of one resolution: use a single octave")
    if init.ndim != 4 or init.shape[1] != 3:
        raise ValueError(f"init must be (B, 3, H, W), got {tuple(init.shape)}")
    needs = objective.needs()
    missing = sorted(set(needs) - set(models))
    if missing:
        raise KeyError(f"the objective needs models {missing} that were not given")
    batch = init.shape[0]
    ids = list(range(batch)) if ids is None else [int(i) for i in ids]
    if len(ids) != batch:
        raise ValueError(f"{len(ids)} ids for a batch of {batch}")
    device = next(iter(models.values())).preprocess.mean.device
    param = parameterisation or Parameterisation()
    crops = next((p for p in priors if isinstance(p, Crops)), None)
    view_priors = [p for p in priors if p.stage == "view" and not isinstance(p, Crops)]
    image_priors = [p for p in priors if p.stage == "image"]
    generators = element_generators(seed, ids, "jitter", device)
    # the crops draw from their own generators: adding them changes no other prior's draws
    crop_generators = element_generators(seed, ids, "crops", device)

    final_size = init.shape[-1]
    sizes = _octave_sizes(final_size, octaves)
    per_octave = [
        steps // len(sizes) + (1 if i < steps % len(sizes) else 0) for i in range(len(sizes))
    ]
    size = sizes[0]
    images = init.detach().to(device, torch.float32).clamp(0, 1)
    if images.shape[-1] != size:
        images = _resize(images, size)
    params = param.from_images(images)
    if keep_best:
        best_loss = torch.full((batch,), math.inf, device=device)
        best = params.clone()
    history: dict[str, list[torch.Tensor]] = {"loss": []}
    snapshots = []
    snapshot_at = set(np.linspace(0, steps - 1, frames).round().astype(int).tolist())
    done = 0
    bar = progress_bar(total=steps, desc=progress, disable=not progress)
    for size, count in zip(sizes, per_octave, strict=True):
        if done:  # a new resolution: resample the image, and start without momentum
            with torch.no_grad():
                resized = _resize(param.to_images(params, images.shape[-1]), size)
                params = param.from_images(resized)
        velocity = torch.zeros_like(params) if momentum else None
        params.requires_grad_(True)
        adam = torch.optim.Adam([params], lr=lr) if rule == "adam" else None
        for _ in range(count):
            fraction = done / steps
            images = param.to_images(params, size)
            view = images
            for prior in view_priors:
                if prior.active(fraction):
                    view = prior.apply(view, generators, done)
            cropping = crops is not None and crops.active(fraction)
            views = crops.count if cropping else 1
            loss, gradient = 0.0, 0.0
            # The objective averaged over the views, one backward pass each (the graph up to the
            # view is kept for the next); what the terms record comes from the last view.
            for index in range(views):
                seen = crops.apply(view, crop_generators) if cropping else view
                ctx = Context(
                    images=images,
                    logits={},
                    taps={},
                    progress=fraction,
                    modules={name: models[name].model for name in needs},
                )
                for name, layers in needs.items():
                    zoo = models[name]
                    with capture(zoo.model, sorted(layers)) as taps:
                        ctx.logits[name] = zoo.logits(seen)
                    ctx.taps.update({(name, layer): value for layer, value in taps.items()})
                part = objective(ctx) / views
                (part_gradient,) = torch.autograd.grad(
                    part.sum(), params, retain_graph=index < views - 1
                )
                loss, gradient = loss + part.detach(), gradient + part_gradient
            _check_finite(loss, gradient, done, ids)
            with torch.no_grad():
                if keep_best:  # the loss was measured on these images, before the step
                    better = loss.detach() < best_loss
                    best_loss = torch.where(better, loss.detach(), best_loss)
                    best[better] = params.detach()[better]
                rate = step_size(lr, lr_end, fraction)
                if adam is not None:
                    adam.param_groups[0]["lr"] = rate
                    params.grad = gradient
                    adam.step()
                    params.grad = None
                else:
                    direction = _direction(gradient, rule)
                    if velocity is not None:
                        velocity = momentum * velocity + (1 - momentum) * direction
                        direction = velocity
                    params -= rate * direction
                active = [p for p in image_priors if p.active(fraction)]
                if active:
                    changed = param.to_images(params, size)
                    for prior in active:
                        changed = prior.apply(changed, generators, done)
                    params.copy_(param.from_images(changed))
                params.copy_(param.project(params))
            history["loss"].append(loss.detach().cpu())
            for key, value in ctx.record.items():
                history.setdefault(key, []).append(value.cpu())
            if done in snapshot_at:
                with torch.no_grad():
                    snapshot = _resize(param.to_images(params, size), final_size)
                    snapshots.append(snapshot.detach().clone().cpu())  # params change in place
            done += 1
            bar.update()
    bar.close()
    stacked = {key: torch.stack(values) for key, values in history.items()}
    if frames:
        stacked["frames"] = torch.stack(snapshots)
    if keep_best:
        stacked["best_loss"] = best_loss.cpu()
        params = best
    with torch.no_grad():
        images = param.to_images(params.detach(), final_size)
    return Result(images=images.detach().cpu(), history=stacked)


def _resize(images: torch.Tensor, size: int) -> torch.Tensor:
    if images.shape[-1] == size:
        return images
    return F.interpolate(images, size=(size, size), mode="bilinear", align_corners=False).clamp(
        0, 1
    )


def _check_finite(loss: torch.Tensor, gradient: torch.Tensor, step: int, ids: list[int]) -> None:
    bad = ~torch.isfinite(loss) | ~torch.isfinite(gradient).flatten(1).all(dim=1)
    if bad.any():
        element = int(bad.nonzero()[0])
        raise OptimizationError(
            f"non-finite loss or gradient at step {step} for batch element {element} "
            f"(id {ids[element]}): lower the step size or check the objective"
        )
