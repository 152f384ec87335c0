"""Objectives of input optimisation: per-element losses that compose with ``+``, ``-`` and ``*``.

A term sees a :class:`Context` (what the models said about the current view of the batch) and
returns one loss per batch element, so every element can have its own target. Terms name the
models and layers they need; the engine (inputgen.engine.optimize) runs exactly those.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import torch

from inputgen.engine.generation_settings import CLASS_OBJECTIVES


@dataclass
class Context:
    """What one optimisation step knows when it computes the loss."""

    images: torch.Tensor  # the optimised images, (B, 3, H, W) in [0, 1]
    logits: dict[str, torch.Tensor]  # model -> (B, 1000) logits of the jittered view
    taps: dict[tuple[str, str], torch.Tensor]  # (model, layer) -> activation
    progress: float  # fraction of all steps done, in [0, 1)
    modules: Mapping[str, torch.nn.Module] = field(default_factory=dict)  # model name -> network
    record: dict[str, torch.Tensor] = field(default_factory=dict)  # per-element metrics


class Term:
    """A per-element loss. Subclasses implement ``needs`` and ``loss``."""

    def needs(self) -> dict[str, set[str]]:
        """Model name -> layer names this term reads (an empty set: logits only)."""
        return {}

    def loss(self, ctx: Context) -> torch.Tensor:
        raise NotImplementedError

    def __call__(self, ctx: Context) -> torch.Tensor:
        return self.loss(ctx)

    def __add__(self, other: Term) -> Term:
        return Sum([self, other])

    def __sub__(self, other: Term) -> Term:
        return Sum([self, Scaled(other, -1.0)])

    def __mul__(self, factor: float) -> Term:
        return Scaled(self, float(factor))

    __rmul__ = __mul__

    def __neg__(self) -> Term:
        return Scaled(self, -1.0)


def merge_needs(terms: Sequence[Term]) -> dict[str, set[str]]:
    merged: dict[str, set[str]] = {}
    for term in terms:
        for model, layers in term.needs().items():
            merged.setdefault(model, set()).update(layers)
    return merged


class Sum(Term):
    def __init__(self, terms: Sequence[Term]):
        self.terms = [
            t for term in terms for t in (term.terms if isinstance(term, Sum) else [term])
        ]

    def needs(self):
        return merge_needs(self.terms)

    def loss(self, ctx):
        return torch.stack([term(ctx) for term in self.terms]).sum(dim=0)


class Scaled(Term):
    def __init__(self, term: Term, factor: float):
        self.term, self.factor = term, factor

    def needs(self):
        return self.term.needs()

    def loss(self, ctx):
        return self.factor * self.term(ctx)


def _per_element(values: Sequence[int] | torch.Tensor, name: str) -> torch.Tensor:
    tensor = torch.as_tensor(values, dtype=torch.int64)
    if tensor.ndim != 1:
        raise ValueError(f"{name} must be one index per batch element, got shape {tensor.shape}")
    if tensor.numel() and (tensor.min() < 0):
        raise ValueError(f"{name} holds a negative index: {tensor.tolist()}")
    return tensor


class _ClassLogit(Term):
    """Base of terms that read one class logit per element (from the output or a head)."""

    def __init__(self, model: str, classes, head: tuple[str, str] | None = None):
        self.model = model
        self.classes = _per_element(classes, "classes")
        self.head = head  # (tapped layer, head module) e.g. ("Mixed_6e", "AuxLogits")

    def needs(self):
        return {self.model: {self.head[0]} if self.head else set()}

    def all_logits(self, ctx: Context) -> torch.Tensor:
        """(B, classes) logits of the output, or of the head."""
        if self.head is None:
            return ctx.logits[self.model]
        # a head eval mode skips (InceptionV3's AuxLogits), run on its tapped input
        layer, head = self.head
        return ctx.modules[self.model].get_submodule(head)(ctx.taps[(self.model, layer)])

    def class_logit(self, ctx: Context, logits: torch.Tensor | None = None) -> torch.Tensor:
        """Each element's class logit (of ``logits``, when the caller has them already)."""
        logits = self.all_logits(ctx) if logits is None else logits
        if self.classes.numel() and int(self.classes.max()) >= logits.shape[1]:
            raise ValueError(f"class index {int(self.classes.max())} >= {logits.shape[1]} outputs")
        value = logits.gather(1, self.classes.to(logits.device)[:, None])[:, 0]
        ctx.record[f"logit:{self.model}"] = value.detach()
        return value


class LogitTarget(_ClassLogit):
    """``|C - O_c(a)|``: drive each element's class logit to the constant C (source article 1).
    With ``absolute=False`` the term is the signed ``C - O_c(a)`` of source article 3's two-model
    gradients: it keeps rewarding a higher logit past C, and negated it rewards a lower one."""

    def __init__(self, model: str, classes, constant: float, head=None, absolute: bool = True):
        super().__init__(model, classes, head)
        self.constant = constant
        self.absolute = absolute

    def loss(self, ctx):
        gap = self.constant - self.class_logit(ctx)
        return gap.abs() if self.absolute else gap


class LogitMaximum(_ClassLogit):
    """``-O_c(a)``: raise each element's class logit without bound (lucent's ``channel``
    objective on the output layer)."""

    def loss(self, ctx):
        return -self.class_logit(ctx)


class LogitMargin(_ClassLogit):
    """``-(O_c(a) - mean_{j != c} O_j(a))``: raise the class logit above the mean of the others,
    so the image must be more this class than the others, not just more of everything."""

    def loss(self, ctx):
        logits = self.all_logits(ctx)
        value = self.class_logit(ctx, logits)
        others = (logits.sum(dim=1) - value) / (logits.shape[1] - 1)
        return others - value


class CrossEntropy(_ClassLogit):
    """``J(O(a), c)``, the cross-entropy of each element's class (the training loss; source
    article 1's first descent on the input)."""

    def loss(self, ctx):
        logits = self.all_logits(ctx)
        self.class_logit(ctx, logits)  # checks the classes and records the logit
        return torch.nn.functional.cross_entropy(
            logits, self.classes.to(logits.device), reduction="none"
        )


def class_objective(form: str, model: str, classes, constant: float, head=None) -> Term:
    """The term that makes each element an image of its class: ``constant`` is source article
    1's ``|C - O_c|``, ``logit`` the unbounded ``-O_c``, ``margin`` ``-(O_c - mean of others)``."""
    if form == "constant":
        return LogitTarget(model, classes, constant, head=head)
    if form == "logit":
        return LogitMaximum(model, classes, head=head)
    if form == "margin":
        return LogitMargin(model, classes, head=head)
    raise ValueError(f"class objective {form!r}; known: {', '.join(CLASS_OBJECTIVES)}")


class LogitRecord(Term):
    """Adds no loss; records each element's logit of one class under ``key`` (trajectories such
    as the start class's logit during a transfiguration)."""

    def __init__(self, model: str, classes, key: str):
        self.model, self.key = model, key
        self.classes = _per_element(classes, "classes")

    def needs(self):
        return {self.model: set()}

    def loss(self, ctx):
        logits = ctx.logits[self.model]
        index = self.classes.to(logits.device)[:, None]
        ctx.record[self.key] = logits.gather(1, index)[:, 0].detach()
        return logits.new_zeros(logits.shape[0])


class LogitMinimum(_ClassLogit):
    """``O_c(a)``: minimise each element's class logit (the opposites of source article 2)."""

    def loss(self, ctx):
        return self.class_logit(ctx)


class Interpolation(Term):
    """A target that moves linearly from one term to another over the steps (husky ->
    dalmatian): ``(1 - t) J_start + t J_end``, with t the fraction of the steps done after the
    first ``hold`` of them, which keep the start term (t = 0). Each end is a class objective:
    source article 1's bounded ``|C - O|`` stays bounded; with unbounded ones (margin) the
    easier class takes over sooner, which the hold gives back to the start class."""

    def __init__(self, start: Term, end: Term, hold: float = 0.0):
        if not 0 <= hold < 1:
            raise ValueError(f"hold must be in [0, 1), got {hold}")
        self.start, self.end, self.hold = start, end, hold

    def needs(self):
        return merge_needs([self.start, self.end])

    def loss(self, ctx):
        t = max(0.0, (ctx.progress - self.hold) / (1 - self.hold))
        return (1 - t) * self.start(ctx) + t * self.end(ctx)


def _output(ctx: Context, model: str, layer: str | None) -> torch.Tensor:
    """A model's logits (``layer`` None) or one layer's activation."""
    return ctx.logits[model] if layer is None else ctx.taps[(model, layer)]


class VectorTarget(Term):
    """Distance to a target vector per element at a layer (or the logits): L1 or L2, optionally
    relative to the target's norm (vectorisation, layer autoencoding, inversion)."""

    def __init__(
        self,
        model: str,
        target: torch.Tensor,
        layer: str | None = None,
        p: int = 1,
        relative: bool = False,
    ):
        if p not in (1, 2):
            raise ValueError(f"p must be 1 or 2, got {p}")
        self.model, self.target, self.layer, self.p, self.relative = (
            model,
            target,
            layer,
            p,
            relative,
        )

    def needs(self):
        return {self.model: {self.layer} if self.layer else set()}

    def loss(self, ctx):
        output = _output(ctx, self.model, self.layer)
        target = self.target.to(output.device)
        if target.shape != output.shape:
            raise ValueError(f"target shape {tuple(target.shape)} != output {tuple(output.shape)}")
        distance = (output - target).flatten(1).norm(p=self.p, dim=1)
        if self.relative:
            distance = distance / target.flatten(1).norm(p=self.p, dim=1).clamp_min(1e-12)
        ctx.record[f"distance:{self.model}:{self.layer or 'logits'}"] = distance.detach()
        return distance


class ReconstructionMetrics(Term):
    """Adds no loss; records the L2 distances of layer autoencoding (source article 3) per
    element: ``m_g`` between the layer's output and the target's, ``m_i`` between the images
    and the target images."""

    def __init__(self, model: str, target: torch.Tensor, images: torch.Tensor, layer=None):
        self.model, self.target, self.images, self.layer = model, target, images, layer

    def needs(self):
        return {self.model: {self.layer} if self.layer else set()}

    def loss(self, ctx):
        output = _output(ctx, self.model, self.layer)
        with torch.no_grad():
            target = self.target.to(output.device)
            ctx.record["m_g"] = (output - target).flatten(1).norm(dim=1)
            ctx.record["m_i"] = (
                (ctx.images - self.images.to(ctx.images.device)).flatten(1).norm(dim=1)
            )
        return output.new_zeros(output.shape[0])


class FeatureMean(Term):
    """Maximise the mean activation of one channel of a layer (feature-map targets)."""

    def __init__(self, model: str, layer: str, channels):
        self.model, self.layer = model, layer
        self.channels = _per_element(channels, "channels")

    def needs(self):
        return {self.model: {self.layer}}

    def loss(self, ctx):
        activation = ctx.taps[(self.model, self.layer)]
        index = self.channels.to(activation.device)
        means = activation.flatten(2).mean(dim=2).gather(1, index[:, None])[:, 0]
        ctx.record[f"feature:{self.model}:{self.layer}"] = means.detach()
        return -means


class InputL1(Term):
    """``lambda * |a|_1`` of each optimised image (source article 1's input regulariser)."""

    def __init__(self, weight: float):
        self.weight = weight

    def loss(self, ctx):
        return self.weight * ctx.images.abs().flatten(1).sum(dim=1)


class TotalVariation(Term):
    """``weight`` times the mean absolute difference between neighbouring pixels of each
    optimised image (anisotropic total variation, per pixel so the weight is size-free).

    Why, beside maco's fixed magnitude: with the power spectrum fixed, an image's total variation
    is lowest where its energy sits in a few aligned edges (the phase congruence of photos) and
    highest for random-phase texture of the same spectrum, so the term moves the phase toward
    edges without lowering the contrast."""

    def __init__(self, weight: float):
        self.weight = weight

    def loss(self, ctx):
        images = ctx.images
        across = (images[..., :, 1:] - images[..., :, :-1]).abs().flatten(1).mean(dim=1)
        down = (images[..., 1:, :] - images[..., :-1, :]).abs().flatten(1).mean(dim=1)
        return self.weight * (across + down)
