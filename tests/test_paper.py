"""The full reproduction (config/paper.yaml): it stands on its own, its DAG holds every study at
full scale, and it runs end to end at tiny scale with random weights (no weights here)."""

import copy
import json
import math
import re
import shlex

import pytest
import yaml
from conftest import REPO
from inputgen.platform import artifacts
from inputgen.platform.config import STUDIES, validate
from test_workflow import job_counts, snakemake

PAPER = REPO / "config/paper.yaml"
SMOKE = REPO / "tests/config/paper_smoke.yaml"
SCHEMA = REPO / "workflow/inputgen/platform/config.schema.yaml"


def paper() -> dict:
    return yaml.safe_load(PAPER.read_text())


def test_the_paper_config_stands_on_its_own(tmp_path):
    """What the workflow resolves for --configfile config/paper.yaml is the paper file plus the
    schema's defaults: no key comes from config/config.yaml."""
    snakemake(tmp_path, "results/config.yaml", config=PAPER)
    resolved = yaml.safe_load((tmp_path / "results/config.yaml").read_text())
    expected = validate(copy.deepcopy(paper()), SCHEMA)
    expected.pop("runtime")  # resources never change a result: not part of the run's config
    off = {key for key in STUDIES if expected.get(key, 0) is None}  # left out: null is "on"
    assert resolved == {key: value for key, value in expected.items() if key not in off}
    again = validate(copy.deepcopy(resolved), SCHEMA)  # the resolved file reruns the same run
    again.pop("runtime")
    assert again == expected
    default = yaml.safe_load((REPO / "config/config.yaml").read_text())
    assert resolved["cka"]["images"] is None != default["cka"]["images"]
    assert set(resolved["models"]) == set(paper()["models"])
    assert not set(default["models"]) - set(paper()["models"]) & set(resolved["models"])
    assert artifacts.read_provenance(tmp_path / "results/config.yaml")["stage"] == "config"


def test_the_paper_dag_holds_every_study_at_full_scale(tmp_path):
    config = paper()
    counts = job_counts(snakemake(tmp_path, "-n", config=PAPER))
    generators = config["representations"]["models"]
    chunks = math.ceil(1000 / config["representations"]["chunk_size"])
    evaluators = config["outputs"]["evaluators"]
    pretrained = [n for n, spec in config["models"].items() if spec["weights"] != "random"]
    assert len(config["cka"]["models"]) == 9 == len(config["inversion"]["models"])
    expected = {
        "run_config": 1,
        "photos": 1,
        "classify": len(pretrained),
        "representations_chunk": len(generators) * chunks,  # 1000 classes, chunked as declared
        "representations": len(generators),
        "opposites_chunk": chunks,  # opposites of all 1000 classes
        "opposites": 1,
        "pairs": 2,
        "transfiguration": 1,
        "interpolation": 1,
        "addition": 1,
        "embedding": 1,
        "starts": 1,
        "starts_drift": 1,  # the starts' resize drift, its own job
        "auxiliary": 1,
        "features": 1,
        "ablation_generate": len(config["ablation"]["configs"]),
        "ablation": 1,
        "spectrum": 1,  # the ablation's maco row reads the natural magnitude spectrum
        "outputs": len(generators) * len(evaluators),
        "graphs": len(generators) * len(evaluators),
        "graphs_pca": len(generators) * len(evaluators),
        "outputs_compare": len(generators),
        "graphs_coherence": 1,
        "vectorisation": 1,
        "merging": 1,
        "inversion": 9,
        "cka": 1,
        "cka_layers": 1,
        "autoencoding": len(config["autoencoding"]["models"]),
        "autoencoding_summary": 1,
        "fully_connected": len(config["fully_connected"]["studies"]),
        "conditioning": 1,
        "invertible": 1,
        "mnist_training": 1,
        "flowers": 1,
        "claims": 1,
        "findings": 1,
        "run_summary": 1,
        "all": 1,
    }
    assert counts == expected


@pytest.fixture(scope="module")
def smoke_run(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("paper_smoke")
    write_validation_folder(workdir / paper()["photos"]["folder"])
    # The overlay merges over the paper file. One thread a job: two jobs at once on two cores
    # (these jobs are mostly start-up), where the rules' 4 threads would run them one by one.
    # About 5 minutes alone on 2 cores; the limit leaves room for a slower or busier machine.
    snakemake(workdir, "--max-threads", "1", config=[PAPER, SMOKE], timeout=1200)
    return workdir


def write_validation_folder(root, per_class=2):
    """A stand-in for the ImageNet validation subset: shipped photos in WordNet-id folders (the
    "dalmatians" are a motorcycle and a camera: random models see no difference)."""
    from inputgen.engine.photos import fit_square, sample_photos
    from PIL import Image

    _, images = sample_photos(
        ["chelsea", "coffee", "astronaut", "rocket", "flower", "china", "motorcycle", "camera"]
    )
    # tabby, espresso, space shuttle, and the dalmatians paper.yaml's folder photos name
    for index, wnid in enumerate(["n02123045", "n07920052", "n04266014", "n02110341"]):
        (root / wnid).mkdir(parents=True)
        for k in range(per_class):
            image = fit_square(images[index * per_class + k], 48)
            array = (image.permute(1, 2, 0).numpy() * 255).round().astype("uint8")
            Image.fromarray(array).save(root / wnid / f"{k}.png")


def test_the_paper_dag_runs_end_to_end_with_random_weights(smoke_run):
    results = smoke_run / "results"
    for path in [
        "cka/heatmaps.png",
        "merging/resnet50/merging.tsv",
        "auxiliary/inception_v3/grid.png",
        "starts/inception_v3/grid.png",
        "features/googlenet/grid.png",
        "opposites/googlenet/naive.png",
        "transfiguration/inception_v3/trajectory.png",
        "ablation/googlenet/ablation.tsv",
        "starts/inception_v3/drift.tsv",
        "autoencoding/grid.png",
        "mnist/metrics.tsv",
        "flowers/transfigured.tsv",
        "claims.tsv",
        "findings.md",
    ]:
        assert (results / path).is_file(), path
    # Every job got random weights, and the studies kept their roles.
    record = artifacts.read_provenance(results / "classify/googlenet.tsv")
    assert record["config"]["model"]["weights"] == "random"
    natural = artifacts.load_tensors(results / "data/natural.safetensors")[1]
    assert natural["label_space"] == "imagenet"  # the folder's true labels reach the inversion
    inverted = artifacts.load_tensors(results / "inversion/vgg16_bn/inverted.safetensors")[1]
    assert inverted["label_source"] == "folder"
    resolved = yaml.safe_load((results / "config.yaml").read_text())
    assert resolved["weights_override"] == "random"
    assert resolved["models"]["googlenet"]["weights"] == "torchvision"


def test_the_paper_pairs_weigh_the_gradients_as_the_articles_code_does(tmp_path):
    """[3a]'s code: 0.5*((200 - O1) + (400 - O2)) for g' and 2*((200 - O1) - (400 - O2)) for
    g'': each job's [d, e] is the code's (the constants on C move no gradient)."""
    out = snakemake(tmp_path, "-n", "--printshellcmds", "--until", "pairs", config=PAPER)
    settings = {}
    for line in out.splitlines():
        if "-m inputgen pairs " in line:
            value = json.loads(shlex.split(line)[shlex.split(line).index("--settings") + 1])
            settings[value["operation"]] = value["weights"]
    assert settings == {"+": [0.5, 0.5], "-": [2.0, 2.0]}


def job_settings(tmp_path, *rules: str) -> dict[str, list[dict]]:
    """Stage -> the --settings of each of its jobs in paper.yaml's dry-run DAG up to ``rules``
    (one dry run for them all)."""
    out = snakemake(tmp_path, "-n", "--printshellcmds", "--until", *rules, config=PAPER)
    found: dict[str, list[dict]] = {}
    for line in out.splitlines():
        if "-m inputgen " in line and "--settings" in line:
            words = shlex.split(line[line.index("python -m inputgen") :])
            stage = words[3]
            found.setdefault(stage, []).append(json.loads(words[words.index("--settings") + 1]))
    return found


def test_the_paper_figures_get_their_articles_recipe(tmp_path):
    """[1] made its figures before its "Octaves" section without octaves, its lion with a
    nearest size cycle, its strawberry transfiguration with a bilinear resize: each study's job
    gets its recipe, and the class representations keep the octaves. [3]'s vectorisation
    takes its own loss, start and no L1."""
    cycle = [1.0, 198 / 256, 160 / 256, 180 / 256, 200 / 256]
    jobs = job_settings(tmp_path, "starts", "transfiguration", "vectorisation")  # and its upstream
    (starts,) = jobs["starts"]
    assert starts["settings"]["octaves"] == [1.0]
    assert starts["settings"]["priors"]["resize"]["cycle"] == pytest.approx(cycle)
    assert starts["settings"]["priors"]["resize"]["mode"] == "nearest"
    (transfigure,) = jobs["transfiguration"]
    assert transfigure["settings"]["octaves"] == [1.0]
    assert transfigure["settings"]["priors"]["resize"]["mode"] == "bilinear"
    represent = jobs["representations-chunk"]
    assert represent and all(len(job["settings"]["octaves"]) == 3 for job in represent)
    # [3]'s vectorisation: 0.05 * sum|y - O|, no L1 term, a scaled normal start
    (vectorise,) = jobs["vectorisation"]
    assert vectorise["loss_scale"] == 0.05 and vectorise["start"] == "normal"
    assert vectorise["settings"]["l1"] == 0.0 and represent[0]["settings"]["l1"] == 0.001


def test_the_paper_ablation_changes_one_thing_at_a_time():
    """Every row of the ablation named after a change differs from the article row (the
    generation section) in that one key, and article_exact is [1]'s recipe (100 steps, no
    octaves, the size cycle)."""
    config = paper()
    base = config["generation"]
    rows = config["ablation"]["configs"]
    changed = {
        name: sorted(key for key in row if row[key] != base.get(key)) for name, row in rows.items()
    }
    for name in ("no_blur", "no_resize", "no_colour", "bilinear"):
        assert changed[name] == ["priors"], name
        priors = rows[name]["priors"]
        differing = {
            p for p in {*priors, *base["priors"]} if priors.get(p) != base["priors"].get(p)
        }
        assert len(differing) == 1, (name, differing)
    assert changed["article_sign"] == ["lr", "rule"]  # the sign rule with its own step size
    assert changed["article_exact"] == ["octaves"] and rows["article_exact"]["octaves"] == [1.0]
    assert base["steps"] == 100 and base["priors"]["resize"]["cycle"][0] == 1.0


# A setting's source: an article's number ([1] .. [4], [3a]) or a "differs:" note.
SOURCE = re.compile(r"\[\d[a-z]?\]|differs:")
# The keys that say how an input is descended, in any section (the generation settings).
DESCENT_KEYS = {
    "steps", "rule", "lr", "lr_end", "momentum", "priors", "loss_scale", "start", "octaves",
    "init_spread", "constant", "l1", "class_objective", "parameterisation", "decorrelate",
    "weights",
}  # fmt: skip


def generation_settings(text: str):
    """Each generation setting of a config file: (dotted key, the rows whose comments may cite
    its source). A setting's rows: its own lines, and the key line of each ancestor below its
    section that the setting belongs to (a prior, a recipe, an ablation row)."""

    def walk(node, path=(), spans=()):
        for key, value in node.value:
            here = (*path, key.value)
            span = (*spans, (key.start_mark.line, value.end_mark.line))
            if isinstance(value, yaml.MappingNode) and not value.flow_style:
                yield from walk(value, here, span)
            else:
                yield here, span

    for path, spans in walk(yaml.compose(text)):
        if path[0] == "generation":
            first = 1
        elif "recipe" in path:
            first = path.index("recipe")
        elif path[:2] == ("ablation", "configs") and len(path) > 2:
            first = 2
        elif len(path) >= 2 and path[1] in DESCENT_KEYS:
            first = 1
        else:
            continue
        own = range(spans[-1][0], spans[-1][1] + 1)
        yield ".".join(path), [*own, *(row for row, _ in spans[first:-1])]


def cites_a_source(lines: list[str], row: int) -> bool:
    """The row's comment, or the comment lines right above or below it, cite a source."""
    if SOURCE.search(lines[row].partition("#")[2]):
        return True
    for step in (1, -1):
        other = row + step
        while 0 <= other < len(lines) and lines[other].lstrip().startswith("#"):
            if SOURCE.search(lines[other]):
                return True
            other += step
    return False


def unsourced(text: str) -> list[str]:
    lines = text.splitlines()
    return [
        key
        for key, rows in generation_settings(text)
        if not any(cites_a_source(lines, row) for row in rows)
    ]


def test_every_paper_generation_setting_cites_its_article_or_says_it_differs():
    text = PAPER.read_text()
    assert unsourced(text) == []
    # the check sees a setting that lost its source, and one added without any
    assert unsourced(text.replace("# [3]: lr=0.00001", "# SGD")) == ["merging.lr"]
    added = text.replace("  rule: gradient ", "  canvas: 1.0\n  rule: gradient ", 1)
    assert unsourced(added) == ["generation.canvas"]
