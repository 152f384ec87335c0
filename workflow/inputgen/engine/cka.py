"""Linear centred kernel alignment (Kornblith et al. 2019), biased and debiased.

Three ways to the same number, all accumulating in float64 whatever the input dtype:

- :func:`linear_cka` on whole activation matrices, in the feature-space form (O(n d^2)) or the
  Gram form (O(n^2 d)), whichever is cheaper;
- :class:`StreamingCKA`, exact over any number of samples: it keeps the feature-space sufficient
  statistics of every model (and every pair), so memory grows with d^2, never with n, and one
  pass over a dataset gives the whole model x model matrix;
- :class:`MinibatchCKA` (Nguyen et al. 2021) for layers too wide for d^2: the unbiased HSIC
  averaged over minibatches, memory O(b^2) per model.

The debiased estimator uses the unbiased HSIC of Song et al. (2012), as Kornblith's reference
code does. Written here rather than taken from a package because no maintained library offers
float64 streaming over many models (netrep and the reference code take whole matrices).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping, Sequence

import numpy as np
import torch


def as_matrix(activations) -> torch.Tensor:
    """(n, ...) numpy array or tensor (any device) -> (n, d) float64 tensor on that device."""
    tensor = torch.as_tensor(activations)
    if tensor.ndim < 2:
        raise ValueError(
            f"activations must be (samples, features...), got shape {tuple(tensor.shape)}"
        )
    return tensor.detach().reshape(tensor.shape[0], -1).to(torch.float64)


def _check_pair(x: torch.Tensor, y: torch.Tensor, debiased: bool) -> int:
    n = x.shape[0]
    if y.shape[0] != n:
        raise ValueError(f"CKA compares the same samples: got {n} and {y.shape[0]} rows")
    minimum = 4 if debiased else 2
    if n < minimum:
        raise ValueError(
            f"{'debiased ' if debiased else ''}CKA needs at least {minimum} samples, got {n}"
        )
    return n


def _debiased(dot: torch.Tensor, rows_x, rows_y, n: int) -> torch.Tensor:
    """Unbiased HSIC (up to the factor 1 / (n (n - 3)), which cancels in CKA) from the squared
    Frobenius norm of the centred cross-covariance and the centred rows' squared norms."""
    return dot - n / (n - 2) * (rows_x @ rows_y) + rows_x.sum() * rows_y.sum() / ((n - 1) * (n - 2))


def feature_cka(x, y, debiased: bool = False) -> float:
    """Feature-space form: ||Yc^T Xc||_F^2 / (||Xc^T Xc||_F ||Yc^T Yc||_F), O(n d^2)."""
    x, y = as_matrix(x), as_matrix(y).to(as_matrix(x).device)
    n = _check_pair(x, y, debiased)
    x = x - x.mean(dim=0, keepdim=True)
    y = y - y.mean(dim=0, keepdim=True)
    xy = torch.linalg.matrix_norm(x.T @ y) ** 2
    xx = torch.linalg.matrix_norm(x.T @ x) ** 2
    yy = torch.linalg.matrix_norm(y.T @ y) ** 2
    if debiased:
        rows_x, rows_y = (x * x).sum(dim=1), (y * y).sum(dim=1)
        xy = _debiased(xy, rows_x, rows_y, n)
        xx = _debiased(xx, rows_x, rows_x, n)
        yy = _debiased(yy, rows_y, rows_y, n)
    return float(xy / torch.sqrt(xx * yy))


def centre_gram(gram: torch.Tensor, debiased: bool = False) -> torch.Tensor:
    """H K H, or for the debiased estimator the U-centring of Song et al. (zero diagonal)."""
    n = gram.shape[0]
    if not debiased:
        gram = gram - gram.mean(dim=0, keepdim=True)
        return gram - gram.mean(dim=1, keepdim=True)
    gram = gram.clone()
    gram.fill_diagonal_(0)
    means = gram.sum(dim=0) / (n - 2)
    means = means - means.sum() / (2 * (n - 1))
    gram = gram - means[:, None] - means[None, :]
    gram.fill_diagonal_(0)
    return gram


def gram_cka(x, y, debiased: bool = False) -> float:
    """Gram form: <K~, L~> / (||K~|| ||L~||) with K = X X^T, O(n^2 d)."""
    x, y = as_matrix(x), as_matrix(y).to(as_matrix(x).device)
    _check_pair(x, y, debiased)
    k = centre_gram(x @ x.T, debiased)
    l = centre_gram(y @ y.T, debiased)  # noqa: E741
    return float((k * l).sum() / torch.sqrt((k * k).sum() * (l * l).sum()))


def linear_cka(x, y, debiased: bool = False) -> float:
    """Linear CKA of two (n, ...) activation sets, in whichever form costs less."""
    x, y = as_matrix(x), as_matrix(y)
    n, dx, dy = x.shape[0], x.shape[1], y.shape[1]
    feature_cost = n * (dx * dx + dy * dy + dx * dy)
    gram_cost = n * n * (dx + dy)
    form = feature_cka if feature_cost <= gram_cost else gram_cka
    return form(x, y, debiased)


class StreamingCKA:
    """Exact linear CKA between every pair of named activation streams, batch by batch.

    Per model it keeps n, the sum of rows, X^T X and the row-norm sums the debiased estimator
    needs, and per pair X^T Y: everything in float64, shifted by the first batch's mean (CKA
    ignores translation; the shift keeps the sums from cancelling). Centring happens at the end,
    so the result equals :func:`feature_cka` on the concatenated data.
    """

    def __init__(self, debiased: bool = False):
        self.debiased = debiased
        self.names: list[str] = []
        self.n = 0
        self._shift: dict[str, torch.Tensor] = {}
        self._sum: dict[str, torch.Tensor] = {}
        self._norms: dict[str, torch.Tensor] = {}  # sum of squared row norms
        self._pairs: dict[tuple[str, str], dict[str, torch.Tensor]] = {}
        # HSIC per pair, until the next batch: a matrix of m names asks for each of the m
        # diagonal terms 2m times, each a pass over a (d, d) cross-product
        self._hsic_of: dict[tuple[str, str], torch.Tensor] = {}

    def update(self, activations: Mapping[str, object]) -> None:
        """One batch: name -> (b, ...) activations of the same b samples for every name."""
        batch = {name: as_matrix(value) for name, value in activations.items()}
        if not self.names:
            self.names = list(batch)
            self._shift = {name: x.mean(dim=0) for name, x in batch.items()}
        if list(batch) != self.names:
            raise ValueError(f"every batch must hold {self.names}, got {list(batch)}")
        sizes = {x.shape[0] for x in batch.values()}
        if len(sizes) != 1:
            raise ValueError(f"a batch must hold the same samples for every name: sizes {sizes}")
        device = next(iter(batch.values())).device
        batch = {name: x.to(device) - self._shift[name].to(device) for name, x in batch.items()}
        squares = {name: (x * x).sum(dim=1) for name, x in batch.items()}
        for name, x in batch.items():
            self._sum[name] = self._sum.get(name, 0) + x.sum(dim=0)
            self._norms[name] = self._norms.get(name, 0) + squares[name].sum()
        for a, b in itertools.combinations_with_replacement(self.names, 2):
            x, y = batch[a], batch[b]
            terms = {
                "cross": x.T @ y,  # X^T Y
                "norm_products": squares[a] @ squares[b],  # sum_i |x_i|^2 |y_i|^2
                "x_by_y_norms": x.T @ squares[b],  # sum_i x_i |y_i|^2
                "y_by_x_norms": y.T @ squares[a],  # sum_i y_i |x_i|^2
            }
            stored = self._pairs.setdefault((a, b), {})
            for key, value in terms.items():
                stored[key] = stored.get(key, 0) + value
        self.n += next(iter(sizes))
        self._hsic_of.clear()

    def _centred_terms(self, a: str, b: str) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """||Xc^T Yc||_F^2, sum_i |xc_i|^2 |yc_i|^2 and (sum_i |xc_i|^2)(sum_i |yc_i|^2)."""
        n, pair = self.n, self._pairs[(a, b)]
        mx, my = self._sum[a] / n, self._sum[b] / n
        cross = pair["cross"] - n * torch.outer(mx, my)
        cx, cy = mx @ mx, my @ my
        # sum_i (|x_i|^2 - 2 x_i.mx + cx)(|y_i|^2 - 2 y_i.my + cy), expanded over the sums kept
        rows = (
            pair["norm_products"]
            - 2 * my @ pair["y_by_x_norms"]
            - 2 * mx @ pair["x_by_y_norms"]
            + 4 * mx @ pair["cross"] @ my
            + cy * self._norms[a]
            + cx * self._norms[b]
            - 3 * n * cx * cy
        )
        totals = (self._norms[a] - n * cx) * (self._norms[b] - n * cy)
        return (cross * cross).sum(), rows, totals

    def _hsic(self, a: str, b: str) -> torch.Tensor:
        key = (a, b) if (a, b) in self._pairs else (b, a)
        if key not in self._hsic_of:
            dot, rows, totals = self._centred_terms(*key)
            if self.debiased:
                n = self.n
                dot = dot - n / (n - 2) * rows + totals / ((n - 1) * (n - 2))
            self._hsic_of[key] = dot
        return self._hsic_of[key]

    def cka(self, a: str, b: str) -> float:
        minimum = 4 if self.debiased else 2
        if self.n < minimum:
            raise ValueError(f"CKA needs at least {minimum} samples, got {self.n}")
        return float(self._hsic(a, b) / torch.sqrt(self._hsic(a, a) * self._hsic(b, b)))

    def matrix(self) -> np.ndarray:
        """The (models x models) CKA matrix, in the order of the first batch's names."""
        return np.array([[self.cka(a, b) for b in self.names] for a in self.names])


class MinibatchCKA:
    """Minibatch CKA (Nguyen et al. 2021): the unbiased HSIC of each batch, summed over batches,
    for layers too wide to keep X^T X. An unbiased estimate of the population value; with one
    batch of all samples it equals the debiased :func:`linear_cka`."""

    def __init__(self, names: Sequence[str] | None = None):
        self.names = list(names or [])
        self._hsic: dict[tuple[str, str], torch.Tensor] = {}
        self.batches = 0

    def update(self, activations: Mapping[str, object]) -> None:
        batch = {name: as_matrix(value) for name, value in activations.items()}
        if not self.names:
            self.names = list(batch)
        if list(batch) != self.names:
            raise ValueError(f"every batch must hold {self.names}, got {list(batch)}")
        sizes = {x.shape[0] for x in batch.values()}
        if len(sizes) != 1 or min(sizes) < 4:
            raise ValueError(f"each batch needs the same >= 4 samples for every name: {sizes}")
        device = next(iter(batch.values())).device
        grams = {
            name: centre_gram(x.to(device) @ x.to(device).T, True) for name, x in batch.items()
        }
        size = next(iter(sizes))
        for a, b in itertools.combinations_with_replacement(self.names, 2):
            value = (grams[a] * grams[b]).sum() / (size * (size - 3))  # this batch's HSIC_1
            self._hsic[(a, b)] = self._hsic.get((a, b), 0) + value
        self.batches += 1

    def _value(self, a: str, b: str) -> torch.Tensor:
        return self._hsic[(a, b)] if (a, b) in self._hsic else self._hsic[(b, a)]

    def cka(self, a: str, b: str) -> float:
        if not self.batches:
            raise ValueError("no batches were added")
        return float(self._value(a, b) / torch.sqrt(self._value(a, a) * self._value(b, b)))

    def matrix(self) -> np.ndarray:
        return np.array([[self.cka(a, b) for b in self.names] for a in self.names])


# ----------------------------------------------------------------- CKA between zoo models
def first_images(images: torch.Tensor, count: int | None, where: str = "the images"):
    """The first ``count`` images (all when None): natural crops are in seeded random order,
    so a prefix is a random subset."""
    if count is not None and count > len(images):
        raise ValueError(f"{count} images asked for, but {where} holds {len(images)}")
    return images[:count]


def model_activations(
    zoos: Mapping,
    layers: Mapping[str, Sequence[str]],
    images: torch.Tensor,
    batch_size: int,
    desc: str | None = None,
) -> Iterator[dict[tuple[str, str], torch.Tensor]]:
    """Batches of ``{(model, layer): activations}``: every model (name -> ZooModel) on the same
    ``batch_size`` images, each at its ``layers[name]``."""
    from inputgen.engine.models import activations

    readers = {
        name: activations(zoo, images, layers[name], batch_size, desc if i == 0 else None)
        for i, (name, zoo) in enumerate(zoos.items())
    }
    for parts in zip(*readers.values(), strict=True):
        yield {
            (name, layer): value
            for name, part in zip(readers, parts, strict=True)
            for layer, value in part.items()
        }


def model_stream(
    zoos: Mapping,
    layers: Mapping[str, str],
    images: torch.Tensor,
    batch_size: int,
    debiased: bool,
    desc: str | None = None,
) -> StreamingCKA:
    """Exact CKA between the models (name -> ZooModel), each at its one layer (``layers``:
    name -> layer; the penultimate representation where it names none), on ``images``."""
    from inputgen.engine.models import PENULTIMATE

    stream = StreamingCKA(debiased=debiased)
    taps = {name: [layers.get(name, PENULTIMATE)] for name in zoos}
    for batch in model_activations(zoos, taps, images, batch_size, desc):
        stream.update({name: value for (name, _), value in batch.items()})
    return stream


def model_tables(
    zoos: Mapping,
    layers: Mapping[str, str],
    natural: torch.Tensor,
    inverted: Mapping[str, torch.Tensor],
    batch_size: int,
    debiased: bool,
):
    """Jones et al.'s comparison: CKA between every pair of models (name -> ZooModel, each at
    ``layers[name]``, else its penultimate representation) on the ``natural`` images, and
    between each model that made an inverted dataset (``inverted``: its name -> images) and
    every model, on that dataset.

    Returns (natural table, inverted table, summary): the tables list ``model_a, model_b,
    cka`` (6 decimals); the summary the mean off-diagonal CKA of each and the samples used."""
    import pandas as pd

    missing = sorted(set(inverted) - set(zoos))
    if missing:
        raise KeyError(f"inverted datasets of {missing}, which are not among the models")
    stream = model_stream(zoos, layers, natural, batch_size, debiased, "natural")
    natural_table = pd.DataFrame(
        [{"model_a": a, "model_b": b, "cka": stream.cka(a, b)} for a in zoos for b in zoos]
    )
    rows, sizes = [], set()
    for a, images in inverted.items():
        own = model_stream(zoos, layers, images, batch_size, debiased, f"{a}'s inverted")
        rows += [{"model_a": a, "model_b": b, "cka": own.cka(a, b)} for b in zoos]
        sizes.add(own.n)
    inverted_table = pd.DataFrame(rows, columns=["model_a", "model_b", "cka"])
    summary = pd.DataFrame(
        {
            "data": ["natural", "inverted"],
            "mean_off_diagonal_cka": [
                off_diagonal_mean(natural_table),
                off_diagonal_mean(inverted_table),
            ],
            "samples": [str(stream.n), "/".join(map(str, sorted(sizes)))],
        }
    )
    return natural_table.round(6), inverted_table.round(6), summary.round(4)


def off_diagonal_mean(table) -> float:
    """The mean CKA of a ``model_a, model_b, cka`` table over pairs of different models."""
    return float(table.loc[table["model_a"] != table["model_b"], "cka"].mean())


def layer_table(
    zoos: Mapping, layers: Mapping[str, Sequence[str]], images: torch.Tensor, batch_size: int
):
    """Kornblith et al.'s layer x layer CKA of two models (name -> ZooModel, each at its list
    of ``layers``), minibatch CKA over batches of ``batch_size`` images (a tail under 4
    images is dropped: the unbiased HSIC of a batch needs 4). Returns (``layer_a, layer_b,
    cka`` table, 6 decimals; the number of minibatches)."""
    import pandas as pd

    if len(zoos) != 2:
        raise ValueError(f"layer x layer CKA compares two models, got {list(zoos)}")
    stream = MinibatchCKA()
    for batch in model_activations(zoos, layers, images, batch_size, "layers"):
        if len(next(iter(batch.values()))) < 4:
            break  # the unbiased HSIC of a batch needs 4 samples; a short tail is dropped
        stream.update(batch)
    first, second = list(zoos)
    table = pd.DataFrame(
        [
            {"layer_a": a, "layer_b": b, "cka": stream.cka((first, a), (second, b))}
            for a in layers[first]
            for b in layers[second]
        ]
    )
    return table.round(6), stream.batches
