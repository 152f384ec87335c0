"""Every figure the library draws, from small inputs shaped like the tiny run's: each is
rendered and read through matplotlib's artists (not pixels). A visible axes has both axis
labels, a figure has a title, every legend entry has a text matplotlib shows (labels starting
with "_" are silently dropped), and every labelled line or collection is in a legend."""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import re
from pathlib import Path

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
import yaml  # noqa: E402
from inputgen import studies  # noqa: E402
from inputgen.engine.imagenet_groups import groups_of  # noqa: E402
from inputgen.engine.models import imagenet_class_names  # noqa: E402
from inputgen.figures import images  # noqa: E402
from inputgen.studies import conditioning  # noqa: E402
from inputgen.studies.ablation import figures as ablation_figures  # noqa: E402
from inputgen.studies.addition import figures as addition_figures  # noqa: E402
from inputgen.studies.autoencoding import figures as autoencoding_figures  # noqa: E402
from inputgen.studies.autoencoding import science as autoencoding  # noqa: E402
from inputgen.studies.auxiliary import figures as auxiliary_figures  # noqa: E402
from inputgen.studies.cka import figures as cka_figures  # noqa: E402
from inputgen.studies.embedding import figures as embedding_figures  # noqa: E402
from inputgen.studies.features import figures as features_figures  # noqa: E402
from inputgen.studies.fully_connected import figures as fully_connected_figures  # noqa: E402
from inputgen.studies.graphs import figures as graphs_figures  # noqa: E402
from inputgen.studies.graphs import science as graphs  # noqa: E402
from inputgen.studies.interpolation import figures as interpolation_figures  # noqa: E402
from inputgen.studies.inversion import figures as inversion_figures  # noqa: E402
from inputgen.studies.invertible import figures as invertible_figures  # noqa: E402
from inputgen.studies.merging import figures as merging_figures  # noqa: E402
from inputgen.studies.mnist import figures as mnist_figures  # noqa: E402
from inputgen.studies.opposites import figures as opposites_figures  # noqa: E402
from inputgen.studies.outputs import figures as outputs_figures  # noqa: E402
from inputgen.studies.pairs import figures as pairs_figures  # noqa: E402
from inputgen.studies.representations import figures as representations_figures  # noqa: E402
from inputgen.studies.starts import figures as starts_figures  # noqa: E402
from inputgen.studies.transfiguration import figures as transfiguration_figures  # noqa: E402
from inputgen.studies.vectorisation import figures as vectorisation_figures  # noqa: E402
from matplotlib.legend import Legend  # noqa: E402
from matplotlib.text import Annotation  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
# The figure modules, and every study (a whole study, its figures included): a study module, or
# a study folder's package and its figures module.
STUDIES = tuple(studies.modules())
MODULES = (
    (images,)
    + STUDIES
    + tuple(
        importlib.import_module(f"{study.__name__}.figures")
        for study in STUDIES
        if hasattr(study, "__path__") and importlib.util.find_spec(f"{study.__name__}.figures")
    )
)

LITE0_LAYERS = ["_blocks.1", "_blocks.4", "_blocks.10", "_blocks.15"]  # config/config.yaml
RNG = np.random.default_rng(0)


def config_classes() -> list[int]:
    return [int(c) for c in yaml.safe_load((REPO / "config/config.yaml").read_text())["classes"]]


def clustered_outputs(classes: list[int], seed: int = 0) -> np.ndarray:
    """Logits in which classes of one coarse group look alike, as a trained model's do."""
    rng = np.random.default_rng(seed)
    groups = [g or f"none {c}" for c, g in zip(range(1000), groups_of(range(1000)), strict=True)]
    centres = {g: rng.normal(size=32) for g in sorted(set(groups))}
    embedding = np.array([centres[g] + rng.normal(size=32) for g in groups])
    logits = embedding @ embedding.T / 8 + rng.normal(size=(1000, 1000))
    return logits[classes]


def nearest_graph(classes: list[int]):
    return graphs.nearest_graph(clustered_outputs(classes), classes, imagenet_class_names())


# --- small inputs, built as the stages build them (workflow/inputgen/stages/*.py) -------------


def autoencoding_metrics(layers=LITE0_LAYERS, steps=20) -> pd.DataFrame:
    return pd.concat(
        pd.DataFrame(
            {
                "layer": layer,
                "iteration": range(steps + 1),
                "m_g": np.geomspace(10, 0.1 * (i + 1), steps + 1),
                "m_i": np.linspace(80, 20 + 10 * i, steps + 1),
                "m_r": 0.5 * (i + 1),
            }
        )
        for i, layer in enumerate(layers)
    )


def fully_connected_table() -> pd.DataFrame:
    kept = [0, 1, 3, 10, 30, 100]
    return pd.DataFrame(
        [
            {"net": net, "photo": photo, "iteration": it, "m_i": 50 / (1 + it) + d, "m_g": 1.0}
            for d, net in enumerate(["64", "64-64", "64-16-64"])
            for photo in ("chelsea", "coffee")
            for it in kept
        ]
    )


def conditioning_tables() -> tuple[pd.DataFrame, pd.DataFrame]:
    schemes, depths, width = ["default", "xavier", "kaiming", "orthogonal"], [1, 2, 3], 8
    table = pd.DataFrame(
        [
            {"scheme": s, "depth": d, "condition_number": 10.0**d, "sigma_max": 1, "sigma_min": 1}
            for s in schemes
            for d in depths
        ]
    )
    spectra = pd.DataFrame(
        [
            {"scheme": s, "depth": d, "index": i, "singular_value": 2.0 ** (-i * d)}
            for s in schemes
            for d in depths
            for i in range(width)
        ]
    )
    return table, spectra


def training_table() -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "step": step,
                "test_accuracy": 0.1 + step / 200,
                "layer": layer,
                "digit": digit,
                "m_g": 1.0 + i,
                "m_r": 2.0,
                "m_i": 10.0 - step / 20,
            }  # fmt: skip
            for step in (0, 50, 100)
            for i, layer in enumerate(["conv1", "conv2", "fc1", "fc2"])
            for digit in range(2)
        ]
    )


def comparison_table(models=("lite0", "mobilenet_v2", "resnet18_random")) -> pd.DataFrame:
    names = imagenet_class_names()
    return pd.DataFrame(
        [
            {
                "model_a": a,
                "model_b": b,
                "class": c,
                "name": names[c],
                "correlation_distance": float(RNG.uniform(0, 1.5)),
            }  # fmt: skip
            for i, a in enumerate(models)
            for b in models[i + 1 :]
            for c in config_classes()
        ]
    )


def coherence_table() -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "generator": g,
                "evaluator": e,
                "relation": relation,
                "observed": 0.6,
                "baseline_mean": 0.15,
                "ci_low": 0.05,
                "ci_high": 0.3,
                "p_value": 0.01,
            }  # fmt: skip
            for g in ("lite0", "mobilenet_v2")
            for e in ("lite0", "resnet18_random")
            for relation in ("nearest", "metric")
        ]
    )


def cka_table(models=("lite0", "mobilenet_v2", "resnet18_random")) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"model_a": a, "model_b": b, "cka": 1.0 if a == b else float(RNG.uniform(0.2, 0.9))}
            for a in models
            for b in models
        ]
    )


def layer_table() -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"layer_a": a, "layer_b": b, "cka": float(RNG.uniform(0, 1))}
            for a in [*LITE0_LAYERS, "penultimate"]
            for b in ["layer1", "layer2", "layer3", "layer4"]
        ]
    )


def interpolation_table() -> pd.DataFrame:
    """Two models' probabilities of husky (248) and dalmatian (251) over five frames."""
    fraction = np.linspace(0, 1, 5)
    return pd.DataFrame(
        {
            "path": 1,
            "fraction": fraction,
            "prob_248": 1 - fraction,
            "prob_251": fraction,
            "lite1_prob_248": (1 - fraction) / 2,
            "lite1_prob_251": fraction / 3,
        }
    )


def trajectory_table() -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "element": f"chelsea -> {target}",
                "start_class": "tabby",
                "step": step,
                "target_logit": step / 2,
                "start_logit": 10 - step / 3,
            }  # fmt: skip
            for target in ("tench", "goldfish", "jaguar")
            for step in range(10)
        ]
    )


def pca_inputs():
    classes = config_classes()
    names = imagenet_class_names()
    coordinates = RNG.normal(size=(len(classes), 2))  # graphs.pca: two components
    ratios = np.sort(RNG.uniform(size=len(classes)))[::-1]
    ratios /= ratios.sum()
    return coordinates, ratios, [names[c] for c in classes], [g or "" for g in groups_of(classes)]


def generated_table(classes=None) -> pd.DataFrame:
    """One generated image per class, as the generation stages' tables have it: every other
    image seen as the next class, with each table's own columns (representations.py)."""
    classes = config_classes()[:8] if classes is None else list(classes)
    names = imagenet_class_names()
    seen = [c if i % 2 == 0 else classes[(i + 1) % len(classes)] for i, c in enumerate(classes)]
    opposite = [classes[(i + 3) % len(classes)] for i in range(len(classes))]
    return pd.DataFrame(
        {
            "class": classes,
            "name": [names[c] for c in classes],
            "top1_name": [names[c] for c in seen],
            "top1_prob": RNG.uniform(0.3, 1, len(classes)).round(4),
            "self_top1": [int(a == b) for a, b in zip(classes, seen, strict=True)],
            "start": [i % 2 for i in range(len(classes))],
            "main_top1_name": [names[c] for c in seen],
            "main_self_top1": [int(a == b) for a, b in zip(classes, seen, strict=True)],
            "opposite_name": [names[c] for c in opposite],
            "naive_opposite_name": [names[c] for c in reversed(opposite)],
            "lite0_top1_name": [names[c] for c in classes],
            "mobilenet_v2_top1_name": [names[c] for c in seen],
        }
    )


def features_table(channels=(3, 17, 40, 101)) -> pd.DataFrame:
    names = imagenet_class_names()
    return pd.DataFrame(
        {
            "layer": "_blocks.10",
            "channel": list(channels),
            "top1_name": [names[c] for c in (1, 11, 207, 281)][: len(channels)],
        }
    )


def addition_table(pairs=((1, 11), (207, 281), (248, 251))) -> pd.DataFrame:
    names = imagenet_class_names()
    return pd.DataFrame(
        {
            "first": [a for a, _ in pairs],
            "first_name": [names[a] for a, _ in pairs],
            "second": [b for _, b in pairs],
            "second_name": [names[b] for _, b in pairs],
            "first_prob": RNG.uniform(0, 0.6, len(pairs)),
            "second_prob": RNG.uniform(0, 0.4, len(pairs)),
        }
    )


def transfiguration_inputs(photos=("chelsea", "coffee"), targets=(1, 281), frames=3):
    """Each photo pushed toward each target: starts (E,3,H,W), frames (F,E,3,H,W), labels as
    transfiguration's element_labels makes them (a target that is the photo's own class:
    control)."""
    names = imagenet_class_names()
    labels = [
        f"{photo} -> {names[t][:18]}" + (" (control)" if (photo, t) == ("chelsea", 281) else "")
        for photo in photos
        for t in targets
    ]
    count = len(labels)
    return torch.rand(count, 3, 16, 16), torch.rand(frames, count, 3, 16, 16), labels


def autoencoding_summary_inputs(models=("lite0", "resnet18_random")):
    """autoencoding.summary_table of two models' metrics, and each model's target and the inputs
    recovered from its layers (the second model has fewer layers: its row is padded)."""
    layers = {"lite0": LITE0_LAYERS, "resnet18_random": ["layer1", "layer2", "layer3"]}
    metrics = {m: autoencoding_metrics(layers[m]) for m in models}
    summary = autoencoding.summary_table(metrics, dict.fromkeys(models, 5.0), {"resnet18_random"})
    images = {
        m: {"target": torch.rand(3, 16, 16), "images": torch.rand(len(layers[m]), 3, 16, 16)}
        for m in models
    }
    return summary, images


def invertible_tables(photos=("chelsea", "coffee")):
    """The invertible study's three tables (invertible_study)."""
    invertible = pd.DataFrame(
        [
            {"photo": photo, "dtype": dtype, "relative_error": error}
            for dtype, error in (("float32", 1e-3), ("float64", 1e-12))
            for photo in photos
        ]
    )
    neighbours = pd.DataFrame(
        [
            {"photo": photo, "kind": "random", "input_distance": float(d)}
            for photo in photos
            for d in RNG.uniform(10, 100, size=50)
        ]
        + [
            {"photo": photo, "kind": kind, "input_distance": d}
            for photo in photos
            for kind, d in (("shifted", 5.0), ("descent", 40.0))
        ]
    )
    summary = pd.DataFrame(
        {
            "photo": list(photos),
            "median_random": 55.0,
            "shifted": 5.0,
            "descent": 40.0,
            "descent_percentile": 12.5,
        }
    )
    return invertible, neighbours, summary


def mnist_grid_inputs(layers=("conv1", "conv2", "fc1", "fc2")):
    """autoencoding_while_training's table, and its images: per checkpoint, digit 0 and
    the input recovered from each layer."""
    table = training_table()
    checkpoints = table["step"].nunique()
    return table, torch.rand(checkpoints, 1 + len(layers), 3, 16, 16), list(layers)


def vectorisation_rows(classes=(0, 11), photos=("chelsea",)) -> pd.DataFrame:
    names = imagenet_class_names()
    return pd.DataFrame(
        {
            "name": [names[c] for c in classes] + list(photos),
            "target_top1": ["tench", "goldfinch", "tabby"][: len(classes) + len(photos)],
            "vectorised_top1": ["tench", "robin", "tabby"][: len(classes) + len(photos)],
            "toward_top1": ["tench", "goldfinch", ""][: len(classes) + len(photos)],
        }
    )


def merging_rows(classes=(0, 11)) -> pd.DataFrame:
    names = imagenet_class_names()
    return pd.DataFrame(
        {
            "name": [names[c] for c in classes],
            "toward_top1_before": ["goldfish", "robin"],
            "toward_top1_after": ["tench", "robin"],
        }
    )


def inversion_inputs(natural: int = 6, pairs: int = 4):
    """Natural images, inversion.inversion_dataset's tensors (pairs of images with different
    labels), and the model's top-1 of each inverted image: the bundled photos have no labels,
    so a pair's labels are the model's top-1 (inversion.pair_labels' "model top-1")."""
    labels = torch.tensor([1, 11, 207, 281, 248, 251][:natural])
    seed_index, target_index = torch.tensor([0, 1, 2, 3]), torch.tensor([3, 4, 5, 0])
    dataset = {
        "images": torch.rand(pairs, 3, 16, 16),
        "seed_index": seed_index[:pairs],
        "target_index": target_index[:pairs],
        "seed_source": seed_index[:pairs],
        "target_source": target_index[:pairs],
        "seed_label": labels[seed_index[:pairs]],
        "target_label": labels[target_index[:pairs]],
        "rep_distance": torch.rand(pairs),
        "start_distance": 1 + torch.rand(pairs),
    }
    return torch.rand(natural, 3, 16, 16), dataset, labels[target_index[:pairs]]


# One case per figure-making function: "module.function" -> a call returning its figure.
FIGURES = {
    "figures.images.image_grid": lambda: images.image_grid(
        torch.rand(5, 3, 16, 16),
        [f"class {i}\ntop-1 {i}" for i in range(5)],
        columns=3,
        title="lite0: class representations",
    ),  # fmt: skip
    "figures.images.grouped_grid": lambda: images.grouped_grid(
        torch.rand(5, 3, 16, 16),
        [f"class {i}\nok 90%" for i in range(5)],
        ["dogs", "dogs", None, "birds", "dogs"],
        title="lite0: class representations",
    ),
    "studies.ablation.figures.ablation_figure": lambda: ablation_figures.ablation_figure(
        pd.DataFrame(
            {
                "config": ["none", "default"],
                "classes": [16, 16],
                **{
                    f"{m}{end}": [0.2 + d, 0.7 + d]
                    for m in ("self_top1", "transfer_top1", "transfer_top5")
                    for end, d in (("", 0.0), ("_low", -0.1), ("_high", 0.1))
                },
            }
        ),
        torch.rand(2, 3, 16, 16),
        "soccer ball",
        title="lite0: prior ablation over 16 classes",
    ),
    "studies.embedding.figures.labelled_scatter": lambda: embedding_figures.labelled_scatter(
        RNG.normal(size=6),
        RNG.normal(size=6),
        [f"class {i}" for i in range(6)],
        xlabel="_blocks.10 feature 3 (mean activation)",
        ylabel="_blocks.10 feature 7 (mean activation)",
        title="lite0: embedded",
    ),  # fmt: skip
    "studies.transfiguration.figures.trajectories": lambda: transfiguration_figures.trajectories(
        trajectory_table()
    ),
    "studies.interpolation.figures.interpolation_figure": lambda: (
        interpolation_figures.interpolation_figure(
            interpolation_table(), "lite0", ["lite1"], 248, 251, imagenet_class_names()
        )
    ),
    "studies.autoencoding.figures.autoencoding_curves": lambda: (
        autoencoding_figures.autoencoding_curves(
            autoencoding_metrics(), title="lite0: autoencoding chelsea (64 px) from each layer"
        )
    ),
    "studies.fully_connected.figures.fully_connected_figure": lambda: (
        fully_connected_figures.fully_connected_figure(
            fully_connected_table(), title="Fully connected (linear)", reference=3.0
        )
    ),
    "studies.conditioning.conditioning_figure": lambda: conditioning.conditioning_figure(
        *conditioning_tables()
    ),
    "studies.invertible.figures.neighbours_figure": lambda: invertible_figures.neighbours_figure(
        RNG.uniform(10, 100, size=200),
        shifted=5.0,
        descent=40.0,
        errors=pd.DataFrame(
            {"dtype": ["float32", "float64"], "median_relative_error": [1e-2, 1e-12]}
        ),
        note="chelsea: 4 square linear layers",
    ),  # fmt: skip
    "studies.mnist.figures.training_figure": lambda: mnist_figures.training_figure(
        training_table()
    ),
    "studies.graphs.figures.component_drawing": lambda: graphs_figures.component_drawing(
        nearest_graph(config_classes()), title="lite0 images as lite0 sees them"
    ),
    "studies.graphs.figures.pca_figure": lambda: graphs_figures.pca_figure(
        *pca_inputs(), title="PCA of the output space"
    ),
    "studies.outputs.figures.comparison_heatmap": lambda: outputs_figures.comparison_heatmap(
        comparison_table(), title="How differently the models see lite0's class images"
    ),
    "studies.graphs.figures.coherence_figure": lambda: graphs_figures.coherence_figure(
        coherence_table(), title="Do nearest-neighbour edges join classes of one coarse group?"
    ),
    "studies.merging.figures.loss_curve": lambda: merging_figures.loss_curve(
        list(np.geomspace(100, 1, 30)), title="lite0 -> mobilenet_v2", ylabel="mean RSS"
    ),
    "studies.transfiguration.figures.transfiguration_frames": lambda: (
        transfiguration_figures.transfiguration_frames(*transfiguration_inputs(), "lite0")
    ),
    "studies.interpolation.figures.interpolation_frames": lambda: (
        interpolation_figures.interpolation_frames(
            torch.rand(10, 3, 16, 16),  # two paths of five frames
            (["Eskimo dog"] * 3 + ["dalmatian"] * 2) * 2,  # each frame's top-1, as the table's
            "lite0",
            "Eskimo dog",
            "dalmatian",
            "chelsea",
            2,
        )
    ),
    "studies.addition.figures.addition_grid": lambda: addition_figures.addition_grid(
        torch.rand(3, 3, 16, 16), addition_table(), "lite0"
    ),
    "studies.embedding.figures.embedding_figure": lambda: embedding_figures.embedding_figure(
        torch.rand(8, 2), generated_table()["name"], "_blocks.10", [3, 7], "lite0"
    ),
    "studies.autoencoding.figures.autoencoding_grid": lambda: (
        autoencoding_figures.autoencoding_grid(*autoencoding_summary_inputs())
    ),
    "studies.invertible.figures.invertible_figure": lambda: invertible_figures.invertible_figure(
        *invertible_tables(), depth=4, width=768, output_std=0.1, reference_std=0.01, steps=200
    ),
    "studies.mnist.figures.training_grid": lambda: mnist_figures.training_grid(
        *mnist_grid_inputs()
    ),
    "studies.representations.figures.representations_grid": lambda: (
        representations_figures.representations_grid(
            torch.rand(8, 3, 16, 16),
            generated_table(),
            groups_of(config_classes()[:8]),
            name="lite0",
        )
    ),
    "studies.opposites.figures.opposites_grid": lambda: opposites_figures.opposites_grid(
        torch.rand(8, 3, 16, 16), generated_table(), name="lite0"
    ),
    "studies.opposites.figures.naive_opposites_grid": lambda: (
        opposites_figures.naive_opposites_grid(
            torch.rand(8, 3, 16, 16), torch.rand(8, 3, 16, 16), generated_table(), name="lite0"
        )
    ),
    "studies.pairs.figures.pair_grid": lambda: pairs_figures.pair_grid(
        torch.rand(8, 3, 16, 16),
        generated_table(),
        first="lite0",
        second="mobilenet_v2",
        operation="-",
        weights=(1.0, 0.5),
    ),
    "studies.starts.figures.starts_grid": lambda: starts_figures.starts_grid(
        torch.rand(8, 3, 16, 16),
        generated_table([c for c in config_classes()[:4] for _ in range(2)]),  # 2 per class
        name="lite0",
        starts=2,
    ),
    "studies.auxiliary.figures.auxiliary_grid": lambda: auxiliary_figures.auxiliary_grid(
        torch.rand(8, 3, 16, 16), generated_table(), name="inception_v3", head="AuxLogits"
    ),
    "studies.features.figures.features_grid": lambda: features_figures.features_grid(
        torch.rand(4, 3, 16, 16), features_table(), name="lite0", layer="_blocks.10"
    ),
    "studies.graphs.figures.relation_drawing": lambda: graphs_figures.relation_drawing(
        nearest_graph(config_classes()),
        "metric",
        generator="lite0",
        evaluator="mobilenet_v2",
        metric="euclidean",
    ),  # fmt: skip
    "studies.graphs.figures.output_pca_figure": lambda: graphs_figures.output_pca_figure(
        *pca_inputs()[:2],
        config_classes(),
        imagenet_class_names(),
        generator="lite0",
        evaluator="lite0",
    ),  # fmt: skip
    "studies.vectorisation.figures.vectorisation_figure": lambda: (
        vectorisation_figures.vectorisation_figure(
            torch.rand(2, 3, 16, 16),
            torch.rand(2, 3, 16, 16),
            torch.rand(2, 3, 16, 16),
            vectorisation_rows().iloc[:2],
            name="mobilenet_v2",
            toward="lite0",
            size=16,
        )
    ),  # fmt: skip
    "studies.vectorisation.figures.vectorisation_photo_figure": lambda: (
        vectorisation_figures.vectorisation_photo_figure(
            torch.rand(1, 3, 16, 16),
            torch.rand(1, 3, 16, 16),
            vectorisation_rows().iloc[2:],
            name="mobilenet_v2",
            size=16,
        )
    ),  # fmt: skip
    "studies.merging.figures.merging_figure": lambda: merging_figures.merging_figure(
        torch.rand(2, 3, 16, 16),
        torch.rand(2, 3, 16, 16),
        torch.rand(2, 3, 16, 16),
        merging_rows(),
        name="mobilenet_v2",
        toward="lite0",
        size=16,
    ),  # fmt: skip
    "studies.merging.figures.merging_loss_figure": lambda: merging_figures.merging_loss_figure(
        list(np.geomspace(100, 1, 31)), name="mobilenet_v2", toward="lite0", steps=30, batch=1
    ),
    "figures.images.side_by_side": lambda: images.side_by_side(
        [torch.rand(2, 3, 16, 16), torch.rand(2, 3, 16, 16)],
        ["photo", "vectorised"] * 2,
        "two sets side by side",
        16,
    ),
    "studies.cka.figures.cka_heatmaps": lambda: cka_figures.cka_heatmaps(
        cka_table(), cka_table(), note="8 images"
    ),
    "studies.inversion.figures.inversion_grid": lambda: inversion_figures.inversion_grid(
        *inversion_inputs(),
        imagenet_class_names(),
        imagenet_class_names(),
        name="lite0",
        label_source="model top-1",
        show=3,
    ),
    "studies.cka.figures.layer_heatmap": lambda: cka_figures.layer_heatmap(
        layer_table(), "lite0", "resnet18_random", batches=3
    ),
}


def makes_a_figure(function) -> bool:
    """Returns a figure by its annotation, or creates one in its body."""
    returns = inspect.signature(function).return_annotation
    source = inspect.getsource(function)
    creates = any(f"plt.{name}(" in source for name in ("subplots", "figure", "subplot_mosaic"))
    return "Figure" in str(returns) or creates


def figure_functions() -> set[str]:
    found = set()
    for module in MODULES:
        for name, function in inspect.getmembers(module, inspect.isfunction):
            if not name.startswith("_") and function.__module__ == module.__name__:
                if makes_a_figure(function):
                    found.add(f"{module.__name__.removeprefix('inputgen.')}.{name}")
    return found


def test_every_figure_function_has_a_case_here():
    found = figure_functions()
    assert found, "the scan found no figure functions"
    assert found - FIGURES.keys() == set(), "figure functions without a case in FIGURES"
    assert FIGURES.keys() - found == set(), "cases in FIGURES for functions that are gone"


# --- what every figure must satisfy -----------------------------------------------------------


def legends(figure) -> list[Legend]:
    found = list(figure.legends)
    for ax in figure.axes:
        found += [a for a in ax.get_children() if isinstance(a, Legend)]  # ax.legend_ too
    return found


def is_colorbar(ax) -> bool:
    return ax.get_label() == "<colorbar>"


# Labels matplotlib gives unlabelled artists, or that mean "keep out of the legend".
AUTOMATIC = re.compile(r"_(child|line|collection|patch|container)\d*$|_nolegend_$")


def shown(label) -> bool:
    """Whether an artist's label is meant for a legend. A label that begins with "_" but is
    none of matplotlib's own (e.g. EfficientNet's "_blocks.1") was meant to show and would
    silently not: it counts as shown, and so fails the legend check."""
    return bool(label) and not AUTOMATIC.match(str(label))


def check_figure(figure) -> None:
    figure.canvas.draw()  # renders: a figure that cannot be saved fails here
    suptitle = figure.get_suptitle()
    content = [ax for ax in figure.axes if ax.axison and not is_colorbar(ax)]
    titled = all(
        any(ax.get_title(loc=loc) for loc in ("left", "center", "right")) for ax in content
    )
    assert suptitle or (content and titled), "no suptitle, and an axes without a title"
    for ax in figure.axes:
        if is_colorbar(ax):  # its one axis carries the colour scale's label
            assert ax.get_ylabel().strip() or ax.get_xlabel().strip(), "colour bar without label"
        elif ax.axison:  # image grids and graph drawings turn their axes off
            assert ax.get_xlabel().strip(), f"no x label on {ax.get_title() or ax}"
            assert ax.get_ylabel().strip(), f"no y label on {ax.get_title() or ax}"
    texts = []
    for legend in legends(figure):
        entries = [text.get_text() for text in legend.get_texts()]
        assert entries, "an empty legend"
        for entry in entries:
            assert entry.strip(), f"an empty legend entry in {entries}"
            assert not entry.startswith("_"), f"matplotlib hides {entry!r}"
        texts += entries
    for ax in figure.axes:
        for artist in (*ax.lines, *ax.collections, *ax.containers, *ax.patches):
            label = artist.get_label()
            if shown(label):
                assert label in texts, f"{label!r} is labelled but in no legend"


@pytest.mark.parametrize("name", sorted(FIGURES))
def test_figure_is_labelled(name):
    figure = FIGURES[name]()
    try:
        assert isinstance(figure, plt.Figure)
        check_figure(figure)
    finally:
        plt.close(figure)


def test_check_figure_catches_a_hidden_legend_label():
    figure, ax = plt.subplots()
    ax.plot([0, 1], label="_blocks.1")
    ax.plot([1, 0], label="shown")
    ax.set(xlabel="x", ylabel="y", title="t")
    ax.legend()
    with pytest.raises(AssertionError, match="_blocks.1"):
        check_figure(figure)
    plt.close(figure)


# --- the figures the issue named -----------------------------------------------------------


def test_grouped_grid_has_one_row_per_group_and_shows_images_unstretched():
    faint = torch.full((5, 3, 4, 4), 0.5)
    faint[0, 0, 0, 0] = 0.52  # a faint perturbation must stay faint
    figure = images.grouped_grid(
        faint, list("abcde"), ["dogs", "dogs", None, "birds", "dogs"], title="t"
    )
    try:
        rows = {ax.get_subplotspec().rowspan.start for ax in figure.axes if ax.images}
        assert len(rows) == 3  # dogs, other, birds
        labels = [t.get_text() for ax in figure.axes for t in ax.texts if t.get_rotation() == 90]
        assert labels == ["dogs", "other", "birds"]
        shown = figure.axes[0].images[0].get_array()
        assert float(shown.max()) == pytest.approx(0.52) and float(shown.min()) == 0.5
    finally:
        plt.close(figure)


def test_efficientnet_layers_are_in_the_autoencoding_legend():
    figure = FIGURES["studies.autoencoding.figures.autoencoding_curves"]()
    entries = [t.get_text() for legend in legends(figure) for t in legend.get_texts()]
    assert entries == ["blocks.1", "blocks.4", "blocks.10", "blocks.15"]
    plt.close(figure)
    figure = mnist_figures.training_figure(training_table().replace({"conv1": "_conv1"}))
    entries = [t.get_text() for legend in legends(figure) for t in legend.get_texts()]
    assert entries == ["conv1", "conv2", "fc1", "fc2"]
    plt.close(figure)


def name_boxes(ax, renderer) -> np.ndarray:
    names = [text for text in ax.texts if isinstance(text, Annotation)]
    return np.array([text.get_window_extent(renderer).extents for text in names]).reshape(-1, 4)


def marker_boxes(ax) -> np.ndarray:
    centres = np.concatenate([c.get_offsets() for c in ax.collections if len(c.get_offsets())])
    xy = ax.transData.transform(centres)
    radius = np.sqrt(graphs_figures._NODE_SIZE) / 2 * ax.figure.dpi / 72
    return np.hstack([xy - radius + 1, xy + radius - 1])


def overlapping(first: np.ndarray, second: np.ndarray, tolerance: float = 0.5) -> np.ndarray:
    return (
        (first[:, None, 0] < second[None, :, 2] - tolerance)
        & (second[None, :, 0] < first[:, None, 2] - tolerance)
        & (first[:, None, 1] < second[None, :, 3] - tolerance)
        & (second[None, :, 1] < first[:, None, 3] - tolerance)
    )


def check_names_apart(figure) -> tuple[int, int]:
    """Drawn at the dpi write_figure saves with: no two names overlap, and no name covers a
    node. Returns (names drawn, nodes drawn)."""
    figure.set_dpi(120)
    figure.canvas.draw()
    renderer = figure.canvas.get_renderer()
    names = nodes = 0
    for ax in figure.axes:
        boxes = name_boxes(ax, renderer)
        if not len(boxes):
            continue
        clash = overlapping(boxes, boxes)
        np.fill_diagonal(clash, False)
        assert not clash.any(), f"{clash.sum() // 2} pairs of names overlap"
        markers = marker_boxes(ax)
        assert not overlapping(boxes, markers).any(), "a name covers a node"
        names, nodes = names + len(boxes), nodes + len(markers)
    return names, nodes


def legend_entries(figure) -> dict[str, str]:
    """Legend text -> the marker of its handle."""
    return {
        text.get_text(): getattr(handle, "get_marker", lambda: "")()
        for legend in legends(figure)
        for text, handle in zip(legend.get_texts(), legend.legend_handles, strict=True)
    }


def test_graph_drawing_explains_its_markers_and_names_every_node_of_40_classes():
    graph = nearest_graph(config_classes())
    assert not all(graph.nodes[n]["generated"] for n in graph)  # squares to explain
    figure = graphs_figures.component_drawing(graph, title="nearest")
    markers = legend_entries(figure)
    assert {"o", "s"} <= set(markers.values())
    assert any("not generated" in text for text, marker in markers.items() if marker == "s")
    assert any("generated" in text for text, marker in markers.items() if marker == "o")
    assert "coarse group" in [legend.get_title().get_text() for legend in legends(figure)]
    names, nodes = check_names_apart(figure)
    assert nodes >= graph.number_of_nodes()  # a neighbour in the other half is drawn twice
    assert names == nodes  # 40 classes: room for every name
    check_figure(figure)
    plt.close(figure)


@pytest.mark.slow
def test_graph_drawing_of_1000_classes_keeps_names_apart():
    graph = graphs.metric_graph(
        clustered_outputs(list(range(1000))), list(range(1000)), names=imagenet_class_names()
    )
    figure = graphs_figures.component_drawing(graph, title="metric", max_components=40)
    markers = legend_entries(figure)
    assert "s" not in markers.values()  # every node of a metric graph was generated
    names, nodes = check_names_apart(figure)
    assert nodes > 400 and names >= 0.85 * nodes
    titles = " ".join(ax.get_title(loc="left") for ax in figure.axes)
    assert "40 largest" in titles
    if names < nodes:
        assert f"{nodes - names} of" in titles or "names left out" in titles
    check_figure(figure)
    plt.close(figure)


def test_cka_heatmaps_show_a_negative_debiased_value_below_zero():
    """The debiased estimator can fall below 0 (the default run's inverted table has -0.004):
    the scale reaches it rather than painting it as 0; without one, the scale starts at 0."""
    natural, inverted = cka_table(), cka_table()
    inverted.loc[1, "cka"] = -0.12

    def floors(figure):
        from matplotlib.collections import QuadMesh

        meshes = [c for ax in figure.axes for c in ax.collections if isinstance(c, QuadMesh)]
        return {round(mesh.norm.vmin, 6) for mesh in meshes}

    assert floors(cka_figures.cka_heatmaps(natural, inverted, note="n")) == {-0.12}
    assert floors(cka_figures.cka_heatmaps(natural, cka_table(), note="n")) == {0.0}
    layers = layer_table()
    layers.loc[0, "cka"] = -0.03
    assert floors(cka_figures.layer_heatmap(layers, "a", "b", batches=1)) == {-0.03}
    plt.close("all")
