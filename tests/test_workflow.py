"""The tiny DAG end to end (tests/config/tiny.yaml), and the CLI stages it runs."""

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import torch
from conftest import (
    CAT_CLASSES,
    REPO,
    SNAKEMAKE,
    make_photos,
    parsed_workflow,
    run_stage,
    snakemake_command,
)
from inputgen.platform import artifacts
from inputgen.platform.provenance import sha256

TINY = REPO / "tests/config/tiny.yaml"


def snakemake(workdir, *args, config=TINY, timeout=600):
    """Run Snakemake on ``workdir`` with a config file (or a list, merged in order)."""
    configs = config if isinstance(config, list) else [config]
    command = snakemake_command(workdir, configs, *args)
    run = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    return run.stdout + run.stderr


def job_counts(output: str) -> dict[str, int]:
    """Rule -> job count from Snakemake's 'Job stats' table."""
    lines = output[output.index("Job stats:") :].splitlines()[3:]
    counts = {}
    for line in lines:
        parts = line.split()
        if len(parts) != 2 or parts[0] == "total":
            break
        counts[parts[0]] = int(parts[1])
    return counts


def test_tiny_dag_makes_every_artifact_with_provenance(tiny_run):
    results = tiny_run / "results"
    photos, metadata = artifacts.load_tensors(results / "data/photos.safetensors")
    assert photos["images"].shape == (2, 3, 224, 224)
    assert metadata["names"] == ["chelsea", "coffee"]
    natural, _ = artifacts.load_tensors(results / "data/natural.safetensors")
    assert natural["images"].shape == (6, 3, 224, 224) and natural["source"].max() <= 1

    table = pd.read_csv(results / "classify/lite0.tsv", sep="\t").set_index("photo")
    cat_top5 = {table.loc["chelsea", f"top{k}"] for k in range(1, 6)}
    assert CAT_CLASSES & cat_top5
    assert not (results / "classify/resnet18_random.tsv").exists()  # controls are not classified

    record = artifacts.read_provenance(results / "classify/lite0.png")
    assert record["stage"] == "classify" and record["config"]["model"]["weights"] == "package"
    assert record["weights"][0]["sha256"].startswith("57934424")
    lineage = subprocess.run(
        [str(Path(SNAKEMAKE).with_name("inputgen")), "provenance", "results/classify/lite0.tsv"],
        cwd=tiny_run,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "stage photos" in lineage and "efficientnet-lite0-57934424.pth" in lineage


def test_tiny_dag_runs_every_generation_study(tiny_run):
    results = tiny_run / "results"
    images, _ = artifacts.load_tensors(results / "representations/lite0/images.safetensors")
    assert images["classes"].tolist() == [0, 251]  # gathered from two chunks, in order
    assert images["images"].shape == (2, 3, 224, 224)
    assert not list((results / "representations/lite0").glob("chunks/*.safetensors"))  # temp
    summary = pd.read_csv(results / "representations/lite0/summary.tsv", sep="\t")
    assert summary["class"].tolist() == [0, 251]
    opposites = pd.read_csv(results / "opposites/lite0/opposites.tsv", sep="\t")
    assert opposites["class"].tolist() == [251] and opposites["opposite"].iloc[0] != 251
    for path in [
        "opposites/lite0/opposites.graphml",
        "transfiguration/lite0/frames.png",
        "interpolation/lite0/interpolation.gif",
        "addition/lite0/grid.png",
        "embedding/lite0/embedding.png",
    ]:
        assert (results / path).is_file(), path
    ablation = pd.read_csv(results / "ablation/lite0/ablation.tsv", sep="\t")
    configs = ["none", "all", "fourier", "maco"]
    assert ablation["config"].tolist() == configs
    record = artifacts.read_provenance(results / "ablation/lite0/ablation.tsv")
    assert record["stage"] == "ablation" and record["config"]["configs"] == configs
    runs = [entry["path"] for entry in record["inputs"] if entry.get("temporary")]
    assert runs == [f"results/ablation/lite0/{c}.safetensors" for c in configs]  # temp()
    for metric in ("self_top1", "pixel_std", "spectrum_slope"):  # no other pretrained model
        assert (ablation[f"{metric}_low"] <= ablation[metric]).all()
        assert (ablation[metric] <= ablation[f"{metric}_high"]).all()
    summary = pd.read_csv(results / "representations/lite0/summary.tsv", sep="\t")
    assert summary["pixel_std"].between(0, 0.5).all()
    # the maco row read the spectrum artifact (made from the natural crops): its digest is
    # handed on from the temp() run to the ablation's record; no other row needs it
    inputs = {entry["path"]: entry["sha256"] for entry in record["inputs"]}
    spectrum_file = results / "data/spectrum.safetensors"
    assert inputs["results/data/spectrum.safetensors"] == sha256(spectrum_file)
    spectrum, _ = artifacts.load_tensors(spectrum_file)
    assert spectrum["magnitude"].shape == (3, 224, 113)
    assert spectrum["magnitude"][:, 0, 0].abs().max() == 0
    spectrum_record = artifacts.read_provenance(results / "data/spectrum.safetensors")
    assert [e["path"] for e in spectrum_record["inputs"]] == ["results/data/natural.safetensors"]


def test_tiny_dag_maps_the_output_space(tiny_run):
    results = tiny_run / "results"
    for evaluator in ("lite0", "resnet18_random"):
        outputs, _ = artifacts.load_tensors(results / f"outputs/lite0/{evaluator}.safetensors")
        assert outputs["outputs"].shape == (2, 1000) and outputs["classes"].tolist() == [0, 251]
        for name in ("nearest.graphml", "metric.graphml", "components.tsv", "pca.png"):
            assert (results / f"graphs/lite0/{evaluator}" / name).is_file(), name
    coherence = pd.read_csv(results / "graphs/coherence.tsv", sep="\t")
    assert len(coherence) == 4  # 2 evaluators x 2 relations
    comparison = pd.read_csv(results / "comparison/lite0/comparison.tsv", sep="\t")
    assert comparison["class"].tolist() == [0, 251]


def test_tiny_dag_inverts_and_compares_models(tiny_run):
    results = tiny_run / "results"
    inverted, _ = artifacts.load_tensors(results / "inversion/lite0/inverted.safetensors")
    assert inverted["images"].shape == (4, 3, 224, 224)
    natural = pd.read_csv(results / "cka/natural.tsv", sep="\t")
    assert len(natural) == 4 and set(natural["model_b"]) == {"lite0", "resnet18_random"}
    inverted_table = pd.read_csv(results / "cka/inverted.tsv", sep="\t")
    assert inverted_table["model_a"].tolist() == ["lite0", "lite0"]
    assert (results / "cka/heatmaps.png").is_file()
    assert not (results / "cka/layers.tsv").exists()  # no layer pair configured


def test_tiny_dag_runs_the_depth_studies(tiny_run):
    results = tiny_run / "results"
    metrics = pd.read_csv(results / "autoencoding/resnet18_random/metrics.tsv", sep="\t")
    assert len(metrics) == 2 * 4 and not metrics.isna().any().any()
    claims = pd.read_csv(results / "autoencoding/claims.tsv", sep="\t")
    assert claims["model"].tolist() == ["resnet18_random"] * 2 and not claims["trained"].any()
    width = pd.read_csv(results / "fully_connected/width.tsv", sep="\t")
    assert set(width["net"].astype(str)) == {"64", "128"} and set(width["inputs"]) == {108}
    conditioning = pd.read_csv(results / "linear/conditioning.tsv", sep="\t")
    assert len(conditioning) == 2 * 3
    invertible = pd.read_csv(results / "linear/invertible.tsv", sep="\t")
    assert len(invertible) == 2 * 2  # photos x precisions
    neighbours = pd.read_csv(results / "linear/neighbours.tsv", sep="\t")
    assert (neighbours["kind"] == "random").sum() == 2 * 20
    training = pd.read_csv(results / "mnist/metrics.tsv", sep="\t")
    assert len(training) == 2 * 2 * 2  # checkpoints x layers x digits
    assert training["step"].unique().tolist() == [0, 8]  # 256 images / 32 per step
    for figure in ("autoencoding/grid.png", "linear/neighbours.png", "linear/conditioning.png"):
        assert (results / figure).is_file(), figure


def test_report_shows_the_figures(tiny_run):
    snakemake(tiny_run, "--report", "results/report.html")
    report = (tiny_run / "results/report.html").read_text()
    assert "lite0.png" in report and "photos.png" in report
    assert "coherence.png" in report and "nearest.png" in report
    assert "heatmaps.png" in report
    assert "curves.png" in report and "neighbours.png" in report


def test_reruns_only_what_a_change_touches(tiny_run, tmp_path):
    assert "Nothing to be done" in snakemake(tiny_run, "-n")
    changed = tmp_path / "topk3.yaml"
    changed.write_text(TINY.read_text().replace("topk: 5", "topk: 3"))
    counts = job_counts(snakemake(tiny_run, "-n", config=changed))
    assert counts.get("classify") == 1 and "photos" not in counts
    assert "representations_chunk" not in counts

    changed.write_text(TINY.read_text().replace("steps: 3", "steps: 2"))
    counts = job_counts(snakemake(tiny_run, "-n", config=changed))
    assert counts.get("representations_chunk") == 2 and counts.get("opposites_chunk") == 1
    assert "classify" not in counts and "photos" not in counts


@pytest.fixture(scope="module")
def photo_file(tmp_path_factory):
    return make_photos(tmp_path_factory.mktemp("photos"))


def test_photos_stage_is_deterministic(photo_file, tmp_path):
    make_photos(tmp_path)
    for name in ("p.safetensors", "n.safetensors"):
        first, _ = artifacts.load_tensors(photo_file / name)
        second, _ = artifacts.load_tensors(tmp_path / name)
        assert all(torch.equal(first[k], second[k]) for k in first)


def test_batch_size_does_not_change_results(photo_file, tmp_path):
    settings = {"name": "m", "model": {"arch": "mobilenet_v2", "weights": "package"}}
    for batch in (1, 2):
        code = run_stage(
            "classify",
            settings,
            photos=photo_file / "p.safetensors",
            table=tmp_path / f"{batch}.tsv",
            figure=tmp_path / f"{batch}.png",
            batch_size=batch,
        )
        assert code == 0
    one = pd.read_csv(tmp_path / "1.tsv", sep="\t")
    two = pd.read_csv(tmp_path / "2.tsv", sep="\t")
    pd.testing.assert_frame_equal(one, two, atol=1e-5)


def test_a_failing_stage_says_why_and_writes_nothing(photo_file, tmp_path, torch_home, capsys):
    code = run_stage(
        "classify",
        {"name": "r", "model": {"arch": "resnet50", "weights": "torchvision"}},
        photos=photo_file / "p.safetensors",
        table=tmp_path / "r.tsv",
        figure=tmp_path / "r.png",
    )
    assert code == 2
    assert "resnet50-0676ba61.pth" in capsys.readouterr().err
    assert list(tmp_path.glob("r.*")) == []


def test_workflow_passes_snakemakes_linter():
    run = subprocess.run(
        [SNAKEMAKE, "--lint", "--snakefile", str(REPO / "Snakefile")],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert "Congratulations" in run.stdout + run.stderr, run.stdout[-3000:]


@pytest.mark.parametrize("config", ["config/config.yaml", "config/paper.yaml"])
def test_the_snakefile_builds_the_dag_without_torch(config, tmp_path):
    """Validating the config and building the DAG import neither torch nor torchvision (they
    were four fifths of a no-op rerun): every snakemake call pays only for what it reads."""
    command = [sys.executable, "-X", "importtime", "-m", "snakemake", "-n", "--quiet"]
    command += snakemake_command(tmp_path, [REPO / config])[1:]
    run = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    imported = {
        line.rsplit("|", 1)[1].strip()
        for line in run.stderr.splitlines()
        if line.startswith("import time:") and "|" in line
    }
    # The stages were registered: the registry ran (the studies it imports by importlib are not
    # in importtime's list, which follows import statements).
    assert {"inputgen.stages.reports", "inputgen.studies"} <= imported
    assert not {"torch", "torchvision"} & imported


# The rules of the run itself, which no study owns: the templates, the data, the pages.
PLATFORM_RULES = {"all", "stage", "model_stage", "run_config", "photos", "spectrum"}
PLATFORM_RULES |= {"findings", "run_summary"}


def test_every_rule_is_one_studys_or_the_platforms():
    """Each rule file registers its study (common.smk's study()): every rule belongs to
    exactly one study or to the run itself, and the registered studies are the config's."""
    from inputgen.platform.config import STUDIES

    studies, rules = parsed_workflow()
    owners = {}
    for name, study in studies.items():
        for rule in study["rules"]:
            owners.setdefault(rule, []).append(name)
        assert set().union(*study["reads"].values()) <= study["rules"], name
    assert {rule: names for rule, names in owners.items() if len(names) > 1} == {}
    assert set(owners) | PLATFORM_RULES == rules, sorted(rules - set(owners) - PLATFORM_RULES)
    assert not set(owners) & PLATFORM_RULES
    assert set(studies) == set(STUDIES)


# Rules that run another study's stage: the prior ablation's and the opposites' chunks are made
# by the class representations' generation stage.
BORROWED_STAGES = {"ablation_generate", "opposites_chunk"}


@pytest.mark.slow
def test_every_job_lists_the_files_of_every_model_it_loads_as_inputs(tmp_path):
    """A job whose settings name a model's file (here a labels file, which every job of a
    model reads) has that file among its inputs, so that replacing it reruns the job: in every
    rule of the default config, the two-model ones included."""
    import yaml
    from inputgen.engine.model_specs import imagenet_class_names

    labels = tmp_path / "imagenet.txt"
    labels.write_text("".join(f"{name}\n" for name in imagenet_class_names()))
    config = yaml.safe_load((REPO / "config/config.yaml").read_text())
    for name in ("lite0", "mobilenet_v2"):
        config["models"][name]["labels"] = f"file:{labels}"
    (tmp_path / "labels.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    out = snakemake(tmp_path, "-n", "--printshellcmds", config=tmp_path / "labels.yaml")
    jobs, missing = 0, []
    for block in out.split("\nrule ")[1:]:
        if f"file:{labels}" not in block or block.startswith("run_config"):
            continue  # (the resolved config writes the path down; it loads no model)
        jobs += 1
        inputs = next((line for line in block.splitlines() if "input:" in line), "")
        if str(labels) not in inputs.replace(f"file:{labels}", ""):
            missing.append(block.split(":")[0])
    assert jobs > 20 and not missing, (jobs, sorted(set(missing)))


@pytest.mark.slow
def test_one_name_per_study_from_rule_to_stage(tmp_path):
    """A study's rules are named after it (``study`` or ``study_part``), each runs the stage of
    its own name (``study-part`` on the command line) declared in the study's own module, and
    a rule that borrows another study's stage is listed here by name. (A rule of the run's own
    pages that a study lists because it reads one of its knobs is the run's, not the study's.)"""
    import inputgen.stages  # noqa: F401  (registers every stage)
    from inputgen.platform.stage import STAGES

    out = snakemake(tmp_path, "-n", "--printshellcmds", config=REPO / "config/paper.yaml")
    stage_of, rule = {}, None
    for line in out.splitlines():
        if line.startswith(("rule ", "localrule ")):
            rule = line.split()[1].rstrip(":")
        elif "python -m inputgen " in line:
            stage_of[rule] = line.split("python -m inputgen ")[1].split()[0]
    studies, _ = parsed_workflow()
    owner = {rule: name for name, study in studies.items() for rule in study["rules"]}
    assert set(owner) <= set(stage_of), sorted(set(owner) - set(stage_of))
    for rule, study in owner.items():
        stage = STAGES[stage_of[rule]]
        if stage.module.startswith("inputgen.stages."):
            continue  # the run's own page (claims, listed for the knob of a study it reads)
        assert rule == study or rule.startswith(study + "_"), (rule, study)
        if rule in BORROWED_STAGES:
            assert stage.name.replace("-", "_") != rule, f"{rule} no longer borrows a stage"
            continue
        assert stage.name == rule.replace("_", "-"), (rule, stage.name)
        module = stage.module.removeprefix("inputgen.studies.").split(".")[0]
        assert module == study, (rule, stage.module)
