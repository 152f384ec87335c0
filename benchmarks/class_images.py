"""Class images against the peers: lucent, MACO and our engine, at equal compute.

One run draws every method's images of the same classes with the same generator and rates
them with the same code:

* ``lucent``: torch-lucent 0.1.8's ``render_vis`` as its README uses it: ``param.image`` (a
  Fourier parameterisation in decorrelated colour), its standard transforms, Adam at 0.05,
  maximising each class's logit; one forward+backward pass per image and step;
* ``maco``: horama 0.3.0's own ``maco`` loop (Fel et al., NeurIPS 2023) with its published
  defaults: NAdam at lr 1.0, a 1280-pixel canvas, 6 crops per step with box size 0.20-0.25,
  noise 0.05. Two points are patched around it, nothing inside: the magnitude spectrum it would
  download is computed by our code from the run's natural crops (``horama_spectrum``), and the
  loop runs on the CPU (its ``device`` argument). Images in [0, 1] (``values_range``) go to the
  model through its own preprocessing, the equivalent of horama's normalised range. A MACO step
  costs 6 passes, so at a budget of P passes it runs P // 6 steps (the only scaling);
* ours: config/config.yaml's ``generation`` section (``default``) and the variants of
  ``variants()`` (or ``--extra``), with ``steps`` = budget // crops per step.

Compute is counted in forward+backward image passes (``PassCounter`` counts what the model is
actually given), never steps. Two class sets are written once, here: ``DEVELOPMENT`` (the
classes the default recipe may be tuned on) and ``HELD_OUT`` (16 other classes over animals,
objects, vehicles, food and scenes, fixed before any tuning and never used to choose settings).

Per method, budget and generator: self top-1; transfer top-1 and top-5 under each other offline
model, and their means with bootstrap 95% intervals over classes; pixel std; spectrum slope;
ms per step and per pass against a bare forward+backward timed on either side of the method and
against our default's; a grid (one row per method, no contrast stretch) and shuffled panels
without captions (their key beside them) to name by eye;
``--panels`` draws new panels from a run's saved images, ``--score-names`` scores a reader's
names against the key. ``--overhead PASSES`` rates nothing: it times each method's loop of
PASSES passes per image against bare forward+backward windows of as many passes on either side,
``--repeats`` rounds of every method in turn (the fair measure of cost per pass on a CPU whose
speed drifts within minutes).

    .venv/bin/python benchmarks/class_images.py --generator lite0 --budgets 40,512 \
        --classes held_out [--methods lucent,maco,default] [--extra 'name: {overrides}']
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import functools
import math
import os
import platform
import sys
import tempfile
import time
import types
from dataclasses import replace
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import numpy as np
import pandas as pd
import torch
import yaml
from inputgen.engine.generation import class_representations, recognition
from inputgen.engine.generation_settings import GenerationSettings
from inputgen.engine.image_stats import image_statistics
from inputgen.engine.models import ZooModel, load_model
from inputgen.engine.parameterisations import natural_magnitude
from inputgen.engine.photos import fit_square, photo_sets, resize, sample_photos
from inputgen.figures import images as plots
from inputgen.platform.runtime import resolve_device

MODELS = {
    "lite0": {"arch": "efficientnet_lite0", "weights": "package"},
    "lite1": {"arch": "efficientnet_lite1", "weights": "package"},
    "lite2": {"arch": "efficientnet_lite2", "weights": "package"},
    "mobilenet_v2": {"arch": "mobilenet_v2", "weights": "package"},
}
CLASS_SETS = {
    # tabby, zebra, digital clock, lion, dalmatian, husky, goldfinch, flamingo, goldfish,
    # loggerhead, tractor, school bus, soccer ball, French horn, strawberry, castle
    "development": [281, 340, 530, 291, 251, 250, 11, 130, 1, 33, 866, 779, 805, 566, 949, 483],
    # animals: ostrich, koala, tiger, starfish, king penguin; objects: balloon, umbrella,
    # beacon; vehicles: ambulance, mountain bike, airliner; food: banana, pizza;
    # scenes: alp, volcano, seashore. Fixed before any tuning; never used to choose settings.
    "held_out": [9, 105, 292, 327, 145, 417, 879, 437, 407, 671, 404, 954, 963, 970, 980, 978],
}
ROOT = Path(__file__).resolve().parent.parent
BOOTSTRAP = 10_000


# ------------------------------------------------------------------------- pass accounting
class PassCounter:
    """Counts the images a model's forward pass is given (each is one forward+backward image
    pass in an optimisation): ``with PassCounter(zoo.model) as counter: ...; counter.images``."""

    def __init__(self, module: torch.nn.Module):
        self.module, self.images, self._hook = module, 0, None

    def __enter__(self) -> PassCounter:
        def count(_module, inputs):
            if torch.is_grad_enabled():
                self.images += int(inputs[0].shape[0])

        self._hook = self.module.register_forward_pre_hook(count)
        return self

    def __exit__(self, *exc) -> None:
        self._hook.remove()


def passes_per_step(settings: GenerationSettings) -> int:
    """Forward+backward passes of one element per step: one per crop (MACO's multi-crop
    views), else one."""
    crops = settings.priors.get("crops")
    return 1 if crops is None else int(crops.get("count", 4))


def at_budget(settings: GenerationSettings, passes: int) -> GenerationSettings:
    """The settings with as many steps as ``passes`` image passes buy."""
    return replace(settings, steps=max(1, passes // passes_per_step(settings)))


# ------------------------------------------------------------------------------- the peers
def import_lucent():
    # lucent.misc.io imports IPython.display for notebook display only; render_vis never calls
    # it with show_image=False, so an empty stand-in spares the dev extra IPython's tree.
    if "IPython" not in sys.modules:
        ipython = types.ModuleType("IPython")
        ipython.display = types.ModuleType("IPython.display")
        sys.modules.update({"IPython": ipython, "IPython.display": ipython.display})
    from lucent.optvis import objectives, param, render

    for name in ("IPython", "IPython.display"):  # matplotlib would take the stand-in for real
        if getattr(sys.modules.get(name), "__file__", None) is None:
            sys.modules.pop(name, None)
    return objectives, param, render


class Labelled(torch.nn.Module):
    """The zoo model with its preprocessing inside and a last child ``labels``, which is the
    module whose output lucent's ``"labels"`` objective reads."""

    def __init__(self, zoo: ZooModel):
        super().__init__()
        self.preprocess, self.net, self.labels = zoo.preprocess, zoo.model, torch.nn.Identity()

    def forward(self, images):
        return self.labels(self.net(self.preprocess(images)))


def lucent_images(zoo: ZooModel, classes, passes: int, seed: int) -> torch.Tensor:
    objectives, param, render = import_lucent()
    torch.manual_seed(seed)  # lucent draws from the global generators
    np.random.seed(seed)
    objective = sum(objectives.channel("labels", c, batch=i) for i, c in enumerate(classes))
    size = zoo.spec["input_size"]
    arrays = render.render_vis(
        Labelled(zoo),
        objective,
        lambda: param.image(size, batch=len(classes)),
        thresholds=(passes,),
        preprocess=False,
        progress=False,
        show_image=False,
    )
    return torch.from_numpy(arrays[-1]).permute(0, 3, 1, 2).float()


# horama's defaults, but for the canvas: 1280 pixels cost 8.4 bare passes per pass on 2 CPU
# cores (the crops' roi_align to 448 pixels and the FFT of the canvas), so the canvas is 640 and
# the box doubles to keep horama's crop of 256-320 canvas pixels per view (--maco-canvas 1280
# restores the published setting).
MACO = {"image_size": 640, "crops_per_iteration": 6, "box_size": (0.40, 0.50), "noise": 0.05}


def horama_spectrum(natural: torch.Tensor) -> np.ndarray:
    """What horama downloads (``imagenet_decorrelated.npy``), made from our natural crops: the
    mean rfft2 magnitude of the images in horama's decorrelated colour space (the inverse of
    its ``recorrelate_colors``), (3, s, s // 2 + 1). Its loop resizes it and standardises the
    image, so only its shape matters, not its scale."""
    from horama.common import get_color_correlation_svd_sqrt

    recorrelate = get_color_correlation_svd_sqrt("cpu").double()
    pixels = natural.double() - natural.double().mean(dim=(0, 2, 3), keepdim=True)
    decorrelated = torch.einsum("bchw,cd->bdhw", pixels, torch.linalg.inv(recorrelate))
    return torch.fft.rfft2(decorrelated).abs().mean(dim=0).float().numpy()


def maco_images(zoo: ZooModel, classes, passes: int, spectrum: np.ndarray, seed: int):
    from horama import maco_fv

    steps = max(1, passes // MACO["crops_per_iteration"])
    images = []
    with tempfile.TemporaryDirectory() as folder, contextlib.chdir(folder):
        np.save(maco_fv.MACO_SPECTRUM_FILENAME, spectrum)  # found there: nothing downloads
        for index, target in enumerate(classes):
            torch.manual_seed(seed + index)  # horama draws from the global generators

            def objective(crops, target=target):
                return zoo.logits(crops)[:, target].mean()

            image, _ = maco_fv.maco(
                objective,
                total_steps=steps,
                learning_rate=1.0,
                model_input_size=zoo.spec["input_size"],
                values_range=(0.0, 1.0),
                device=str(zoo.preprocess.mean.device),
                **MACO,
            )
            images.append(image.detach().cpu())
    return torch.stack(images)


# ------------------------------------------------------------------------------ our engine
def default_generation() -> dict:
    return yaml.safe_load((ROOT / "config" / "config.yaml").read_text())["generation"]


def variants() -> dict[str, dict]:
    """Our recipes, as overrides of the default config's generation section: the default, and
    the previous Fourier default (lucent's parameterisation toward the logit target C)."""
    previous = {
        "parameterisation": "fourier",
        "decorrelate": True,
        "lr": 0.1,
        "lr_end": 0.01,
        "class_objective": "constant",
        "priors": {"robust": {}},
    }
    return {"default": {}, "fourier": previous}


def our_images(zoo, classes, settings: GenerationSettings, seed: int) -> torch.Tensor:
    return class_representations(zoo, classes, settings, seed).images


# ------------------------------------------------------------------------------ the rating
def bootstrap_interval(values: np.ndarray, seed: int = 0) -> tuple[float, float]:
    """95% percentile interval of the mean over classes (rows), seeded."""
    generator = np.random.default_rng(seed)
    picks = generator.integers(0, len(values), size=(BOOTSTRAP, len(values)))
    means = values[picks].mean(axis=1)
    return float(np.quantile(means, 0.025)), float(np.quantile(means, 0.975))


def rate(images, classes, generator: ZooModel, evaluators: dict[str, ZooModel]):
    """The method's row (means over classes, intervals) and its per-class hits."""
    row = {}
    seen = recognition(generator, images, classes, 16)
    own = (seen["top1"] == seen["class"]).to_numpy(float)
    row["self_top1"] = float(own.mean())
    per_class = pd.DataFrame({"class": list(classes), "self_top1": own})
    top1, top5 = [], []
    for label, zoo in evaluators.items():
        seen = recognition(zoo, images, classes, 16)
        hit1 = (seen["top1"] == seen["class"]).to_numpy(float)
        hit5 = np.array([c in r for c, r in zip(seen["class"], seen["top5"], strict=True)], float)
        row[f"{label}_top1"], row[f"{label}_top5"] = hit1.mean(), hit5.mean()
        per_class[f"{label}_top1"], per_class[f"{label}_top5"] = hit1, hit5
        top1.append(hit1)
        top5.append(hit5)
    for name, hits in (("transfer_top1", top1), ("transfer_top5", top5)):
        class_means = np.mean(hits, axis=0)  # over the evaluators, per class
        row[name] = float(class_means.mean())
        row[f"{name}_low"], row[f"{name}_high"] = bootstrap_interval(class_means)
    stats = image_statistics(resize(images, 224))
    row["pixel_std"] = float(stats["pixel_std"].mean())
    row["spectrum_slope"] = float(stats["spectrum_slope"].mean())
    return row, per_class


def bare_pass_ms(zoo: ZooModel, classes, device, repeats: int = 5) -> float:
    """One forward+backward to the input of a batch, per image: the median of ``repeats``
    after a warm-up (a method's time is a mean over its steps, so the bare pass's is a typical
    one too, not the best)."""
    times = [bare_window_ms(zoo, classes, device, len(classes)) for _ in range(repeats + 1)]
    return float(np.median(times[1:]))


def bare_window_ms(zoo: ZooModel, classes, device, passes: int) -> float:
    """ms per image of bare forward+backward passes in whole batches of the classes, never
    fewer than ``passes`` image passes: a window as long as a method's own."""
    size = zoo.spec["input_size"]
    images = torch.full((len(classes), 3, size, size), 0.5, device=device, requires_grad=True)
    index = torch.arange(len(classes))
    batches = max(1, math.ceil(passes / len(classes)))
    start = time.perf_counter()
    for _ in range(batches):
        loss = zoo.logits(images)[index, classes].sum()
        torch.autograd.grad(loss, images)
    if device.type == "cuda":
        torch.cuda.synchronize()
    return 1000 * (time.perf_counter() - start) / (batches * len(classes))


def overhead_table(
    draws: dict, zoo: ZooModel, classes, device, repeats: int, generator: str
) -> pd.DataFrame:
    """Each method's cost per image pass against bare passes timed in windows of the same
    number of passes just before and just after it, ``repeats`` rounds of every method in turn
    (after one warm-up round that also counts each method's passes). On a shared CPU the speed
    drifts within minutes: only windows of equal length, side by side, compare fairly."""
    counts = {}
    for method, draw in draws.items():  # warm-up: imports, caches, and the pass counts
        with PassCounter(zoo.model) as counter:
            draw()
        counts[method] = counter.images
    rows = []
    for repeat in range(repeats):
        for method, draw in draws.items():
            before = bare_window_ms(zoo, classes, device, counts[method])
            start = time.perf_counter()
            with PassCounter(zoo.model) as counter:
                draw()
            elapsed = time.perf_counter() - start
            after = bare_window_ms(zoo, classes, device, counts[method])
            per_pass = 1000 * elapsed / counter.images
            rows.append(
                {
                    "generator": generator,
                    "method": method,
                    "repeat": repeat,
                    "passes": counter.images,
                    "ms_per_pass": per_pass,
                    "bare_before_ms": before,
                    "bare_after_ms": after,
                    "pass_over_bare": per_pass / ((before + after) / 2),
                }
            )
    return pd.DataFrame(rows)


def overhead_summary(folder: Path, class_set: str) -> str:
    """Per generator and method: the median of its repeats' cost per pass over the bare
    windows' (and the range), from ``--overhead`` runs' tables in ``folder``."""
    paths = sorted(folder.glob(f"{class_set}_*_overhead.tsv"))
    table = pd.concat([pd.read_csv(path, sep="\t") for path in paths])
    lines = [
        "| generator | method | image passes a window | repeats | ms per pass (median) "
        "| x bare pass (median) | x bare pass (range) |",
        "|---|---|---|---|---|---|---|",
    ]
    for (generator, method), rows in table.groupby(["generator", "method"], sort=False):
        ratio = rows["pass_over_bare"]
        lines.append(
            f"| {generator} | {method} | {int(rows['passes'].median())} | {len(rows)} "
            f"| {rows['ms_per_pass'].median():.1f} | {ratio.median():.2f} "
            f"| {ratio.min():.2f}-{ratio.max():.2f} |"
        )
    return "\n".join(lines)


def shuffled_panels(
    shown: dict[str, torch.Tensor], classes, names, title: str, seed: int, per_panel: int = 6
):
    """Every method's images in one seeded random order, without captions (numbers only), in
    panels of ``per_panel`` large enough to name by eye, and the key: which method and class
    each number is. The names a reader writes down are scored by ``score_names``."""
    cells = [(m, i) for m in shown for i in range(len(classes))]
    order = np.random.default_rng(seed).permutation(len(cells))
    images = torch.stack([resize(shown[cells[k][0]][cells[k][1]][None], 256)[0] for k in order])
    key = pd.DataFrame(
        [
            {"number": n + 1, "method": cells[k][0], "class": classes[cells[k][1]]}
            | {"name": names[classes[cells[k][1]]]}
            for n, k in enumerate(order)
        ]
    )
    figures = [
        plots.image_grid(
            images[first : first + per_panel],
            [str(n + 1) for n in range(first, min(first + per_panel, len(cells)))],
            columns=3,
            title=f"{title} ({first // per_panel + 1} of {math.ceil(len(cells) / per_panel)})",
            cell_inches=2.8,
        )
        for first in range(0, len(cells), per_panel)
    ]
    return figures, key


def save_panels(shown, classes, names, stem: Path, seed: int) -> None:
    """``stem``_shuffled_<k>.png (the panels) and ``stem``_key.tsv."""
    figures, key = shuffled_panels(shown, classes, names, f"{stem.name}: name each", seed)
    for k, figure in enumerate(figures, start=1):
        figure.savefig(stem.with_name(f"{stem.name}_shuffled_{k}.png"), dpi=80)
    key.to_csv(stem.with_name(f"{stem.name}_key.tsv"), sep="\t", index=False)


def score_names(key: pd.DataFrame, named: pd.DataFrame) -> pd.DataFrame:
    """Per method, how many of its images a reader named as their class: ``named`` has one row
    per number of the shuffled panels (``number``, ``named``: a class name as the key writes
    it, case and spaces aside). A number left unnamed counts as wrong; one not in the key is
    refused."""
    unknown = sorted(set(named["number"]) - set(key["number"]))
    if unknown:
        raise ValueError(f"numbers {unknown} are not in the key")
    answers = dict(zip(named["number"], named["named"].astype(str), strict=True))

    def plain(text: str) -> str:
        return " ".join(text.lower().split())

    pairs = zip(key["number"], key["name"], strict=True)
    right = [plain(answers.get(number, "")) == plain(name) for number, name in pairs]
    scored = key.assign(right=right).groupby("method", sort=False)["right"]
    return pd.DataFrame({"named_right": scored.sum(), "shown": scored.size()}).reset_index()


def summary_table(folder: Path, class_set: str) -> str:
    """The README's table: every run of ``class_set`` in ``folder``, one row per generator,
    budget and method, intervals in brackets (read from the runs' tables, never retyped)."""
    tables = [
        pd.read_csv(path, sep="\t")
        for path in sorted(folder.glob(f"{class_set}_*.tsv"))
        if not path.stem.endswith(("_key", "_classes", "_named", "_overhead"))
    ]
    table = pd.concat(tables)
    photos = table[table["method"] == "shipped photos"].iloc[0]
    table = table[table["method"] != "shipped photos"].sort_values(["generator", "budget"])

    def interval(row, name):
        return f"{row[name]:.2f} [{row[f'{name}_low']:.2f}, {row[f'{name}_high']:.2f}]"

    def shared(row) -> str:
        """Transfer top-1 / top-5 on the classes every method of the run rated (where MACO
        rated fewer), from the per-class hits."""
        stem = f"{class_set}_{row['generator']}_{int(row['budget'])}"
        hits = pd.read_csv(folder / f"{stem}_classes.tsv", sep="\t")
        common = set.intersection(*(set(g["class"]) for _, g in hits.groupby("method")))
        if len(common) == hits.groupby("method").size().max():
            return "same"
        mine = hits[(hits["method"] == row["method"]) & hits["class"].isin(common)]
        means = [
            mine.filter(like=f"_top{k}").drop(columns="self_top1", errors="ignore") for k in (1, 5)
        ]
        return f"{means[0].to_numpy().mean():.2f} / {means[1].to_numpy().mean():.2f}"

    lines = [
        "| generator | passes | method | classes | self top-1 | transfer top-1 [95%] "
        "| transfer top-5 [95%] | on the classes all rated | pixel std | spectrum slope "
        "| ms per pass | x bare pass | x default's pass |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    # Each method's time per pass against our default's in the same run (same classes, budget
    # and machine state), the comparison the bare pass only approximates.
    default = table[table["method"] == "default"].set_index(["generator", "budget"])["ms_per_pass"]
    for _, row in table.iterrows():
        key = (row["generator"], row["budget"])
        relative = f"{row['ms_per_pass'] / default[key]:.2f}" if key in default.index else ""
        lines.append(
            f"| {row['generator']} | {int(row['budget'])} | {row['method']} | {int(row['rated'])} "
            f"| {row['self_top1']:.2f} | {interval(row, 'transfer_top1')} "
            f"| {interval(row, 'transfer_top5')} | {shared(row)} | {row['pixel_std']:.3f} "
            f"| {row['spectrum_slope']:.2f} | {row['ms_per_pass']:.1f} "
            f"| {row['pass_over_bare']:.2f} | {relative} |"
        )
    lines.append(
        f"| shipped photos | | | | | | | | {photos['pixel_std']:.3f} "
        f"| {photos['spectrum_slope']:.2f} | | | |"
    )
    return "\n".join(lines)


def positive_int(text: str) -> int:
    """An argparse type: a whole number of at least 1 (passes, rounds)."""
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is not a positive whole number")
    return value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--generator", default="lite0", choices=sorted(MODELS))
    parser.add_argument("--budgets", default="40,512", help="image passes per image, comma-sep.")
    parser.add_argument("--classes", default="held_out", choices=sorted(CLASS_SETS))
    parser.add_argument("--first", type=int, default=16, help="the first N classes of the set")
    parser.add_argument("--methods", default="lucent,maco,default")
    parser.add_argument("--extra", default=None, help="YAML map name -> generation overrides")
    parser.add_argument("--maco-canvas", type=int, default=MACO["image_size"])
    parser.add_argument(
        "--maco-first",
        type=int,
        default=None,
        help="MACO on the first N classes only (its 6 passes a step cost most on a CPU)",
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--device", default="auto")
    parser.add_argument("--out", default=str(ROOT / "results" / "benchmarks" / "class_images"))
    parser.add_argument(
        "--summarise", action="store_true", help="print the README table of --out's runs, then stop"
    )
    parser.add_argument(
        "--panels",
        metavar="IMAGES",
        help="draw new shuffled panels from a run's saved <stem>_images.pt with --shuffle-seed "
        "(a new blind test of the same images), then stop",
    )
    parser.add_argument("--shuffle-seed", type=int, default=None)
    parser.add_argument(
        "--overhead",
        type=positive_int,
        metavar="PASSES",
        help="time each method's loop of PASSES passes per image (every class, MACO too) "
        "against bare windows of as many passes on either side, --repeats rounds; no rating",
    )
    parser.add_argument("--repeats", type=positive_int, default=3)
    parser.add_argument(
        "--score-names",
        nargs=2,
        metavar=("KEY", "NAMED"),
        help="score a reader's names (TSV: number, named) against a panels' key, then stop",
    )
    args = parser.parse_args()
    if args.summarise:
        folder = Path(args.out)
        if any(folder.glob(f"{args.classes}_*_classes.tsv")):
            print(summary_table(folder, args.classes))
        if any(folder.glob(f"{args.classes}_*_overhead.tsv")):
            print(overhead_summary(folder, args.classes))
        return
    if args.score_names:
        key, named = (pd.read_csv(path, sep="\t") for path in args.score_names)
        print(score_names(key, named).to_markdown(index=False))
        return
    if args.panels:
        shown = torch.load(args.panels)
        columns = min(len(images) for images in shown.values())
        names = load_model(MODELS[args.generator]).class_names
        seed = args.seed if args.shuffle_seed is None else args.shuffle_seed
        stem = Path(args.out) / f"{Path(args.panels).name.removesuffix('_images.pt')}_seed{seed}"
        save_panels(shown, CLASS_SETS[args.classes][:columns], names, stem, seed)
        return

    device = resolve_device(args.device)
    scale = 1280 / args.maco_canvas  # horama's box size is a fraction of its 1280 canvas
    MACO.update(image_size=args.maco_canvas, box_size=(0.20 * scale, 0.25 * scale))
    classes = CLASS_SETS[args.classes][: args.first]
    generator = load_model(MODELS[args.generator]).to(device)
    evaluators = {
        name: load_model(spec).to(device) for name, spec in MODELS.items() if name != args.generator
    }
    base = default_generation()
    recipes = {name: {**copy.deepcopy(base), **over} for name, over in variants().items()}
    for name, overrides in (yaml.safe_load(args.extra) if args.extra else {}).items():
        recipes[name] = {**copy.deepcopy(base), **overrides}
    natural = photo_sets(224, 512, (0.25, 1.0), 0).natural["images"]  # the default run's crops
    magnitude = natural_magnitude(natural)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    def draw(method: str, rated, budget: int) -> tuple[torch.Tensor, int]:
        """One method's images of the classes ``rated`` at ``budget`` passes, and its steps."""
        if method == "lucent":
            return lucent_images(generator, rated, budget, args.seed), budget
        if method == "maco":
            spectrum = horama_spectrum(natural)
            steps = max(1, budget // MACO["crops_per_iteration"])
            return maco_images(generator, rated, budget, spectrum, args.seed), steps
        settings = GenerationSettings.from_dict(recipes[method])
        settings = at_budget(settings, budget).with_magnitude(magnitude)
        return our_images(generator, rated, settings, args.seed), settings.steps

    if args.overhead:
        draws = {
            method: functools.partial(draw, method, classes, args.overhead)
            for method in args.methods.split(",")
        }
        table = overhead_table(draws, generator, classes, device, args.repeats, args.generator)
        table.round(4).to_csv(
            out / f"{args.classes}_{args.generator}_overhead.tsv", sep="\t", index=False
        )
        print(overhead_summary(out, args.classes), flush=True)
        return
    for budget in [int(b) for b in args.budgets.split(",")]:
        rows, shown, hits = [], {}, []
        for method in args.methods.split(","):
            rated = classes[: args.maco_first] if method == "maco" else classes
            # The bare pass is timed on either side of each method: on a shared CPU the speed
            # drifts by a quarter within minutes, so one measurement per run misstates ratios.
            before = bare_pass_ms(generator, classes, device)
            start = time.perf_counter()
            with PassCounter(generator.model) as counter:
                images, steps = draw(method, rated, budget)
            elapsed = time.perf_counter() - start
            bare = (before + bare_pass_ms(generator, classes, device)) / 2
            passes = counter.images / len(rated)
            row = {"method": method, "budget": budget, "steps": steps, "passes": passes}
            row["rated"] = len(rated)
            scores, per_class = rate(images, rated, generator, evaluators)
            row |= scores
            hits.append(per_class.assign(method=method))
            row["ms_per_step"] = 1000 * elapsed / (len(rated) * steps)
            row["ms_per_pass"] = 1000 * elapsed / counter.images
            row["bare_ms"] = bare
            row["pass_over_bare"] = row["ms_per_pass"] / bare
            rows.append(row)
            shown[method] = images
            print(pd.DataFrame([row]).round(3).to_string(index=False), flush=True)
        _, photos = sample_photos()
        stats = image_statistics(torch.stack([fit_square(p, 224) for p in photos]))
        rows.append(
            {
                "method": "shipped photos",
                "pixel_std": float(stats["pixel_std"].mean()),
                "spectrum_slope": float(stats["spectrum_slope"].mean()),
            }
        )
        table = pd.DataFrame(rows)
        table.insert(0, "generator", args.generator)
        table.insert(1, "classes", args.classes)
        stem = f"{args.classes}_{args.generator}_{budget}"
        table.round(4).to_csv(out / f"{stem}.tsv", sep="\t", index=False)
        pd.concat(hits).to_csv(out / f"{stem}_classes.tsv", sep="\t", index=False)
        names = generator.class_names
        columns = min(len(images) for images in shown.values())  # MACO may rate fewer
        shown = {m: images[:columns] for m, images in shown.items()}
        grid = torch.cat([resize(shown[m], 224) for m in shown])
        captions = [f"{m}\n{names[c][:18]}" for m in shown for c in classes[:columns]]
        title = f"{args.generator}, {budget} passes, {args.classes} classes: one row per method"
        figure = plots.image_grid(grid, captions, columns=columns, title=title, cell_inches=1.3)
        figure.savefig(out / f"{stem}.png", dpi=80)
        save_panels(shown, classes[:columns], names, out / stem, args.seed)
        torch.save(shown, out / f"{stem}_images.pt")
        print(
            f"\n{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, torch "
            f"{torch.__version__}, {device}; bare forward+backward {table['bare_ms'].mean():.1f} "
            "ms per image (mean of the methods' own)\n"
        )
        print(table.round(3).to_markdown(index=False), flush=True)


if __name__ == "__main__":
    main()
