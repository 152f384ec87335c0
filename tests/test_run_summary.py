import pandas as pd
import pytest
import torch
from conftest import run_stage
from inputgen.platform import artifacts, run_summary

COMMIT = "0123456789abcdef0123456789abcdef01234567"
LITE0 = "57934424" + "ab" * 28  # a weight file's sha256


def record(stage, *, device="cpu", host="node1", wall=1.0, dirty=False, inputs=(), **extra):
    """A provenance record with plain values, as inputgen.platform.provenance.Run writes them."""
    return {
        "stage": stage,
        "config": {},
        "seed": 0,
        "device": device,
        "inputs": [{"path": path, "sha256": "0" * 64} for path in inputs],
        "weights": [],
        "packages": {"torch": "2.1.0", "numpy": "1.26.0"},
        "git": {"commit": COMMIT, "dirty": dirty},
        "workdir": "/elsewhere",
        "host": host,
        "command": ["inputgen", stage],
        "created": f"2025-01-01T00:00:0{int(wall)}+00:00",
        "wall_time_s": wall,
        **extra,
    }


@pytest.fixture
def run(tmp_path, monkeypatch):
    """Two artifacts in a run directory: photos (a tensor file) and a table made from them."""
    monkeypatch.chdir(tmp_path)
    photos = record("photos", wall=1.5)
    artifacts.save_tensors("results/photos.safetensors", {"images": torch.zeros(1, 3)}, photos)
    table = record(
        "classify",
        device="cuda:0",
        host="node2",
        wall=2.25,
        dirty=True,
        inputs=["results/photos.safetensors"],
        weights=[{"path": "/cache/efficientnet-lite0.pth", "sha256": LITE0}],
    )
    artifacts.write_table("results/classify.tsv", pd.DataFrame({"photo": ["chelsea"]}), table)
    return tmp_path


def test_summary_reads_each_artifact_and_what_it_was_made_from(run):
    summary = run_summary.summarise(["results/classify.tsv"])
    table, photos = summary.artifacts
    assert [a.path for a in summary.artifacts] == [
        "results/classify.tsv",
        "results/photos.safetensors",  # followed through the table's record
    ]
    assert (table.stage, table.device, table.host, table.wall_time_s) == (
        "classify",
        "cuda:0",
        "node2",
        2.25,
    )
    assert table.code == "0123456789ab (dirty)" and photos.code == "0123456789ab"
    assert table.weights == [("/cache/efficientnet-lite0.pth", LITE0)] and photos.weights == []
    assert summary.jobs == 2 and summary.wall_time_s == 3.75
    assert summary.weights == {("/cache/efficientnet-lite0.pth", LITE0): 1}
    assert summary.packages["torch"] == {"2.1.0": 2}

    only = run_summary.summarise(["results/classify.tsv"], follow_inputs=False)
    assert [a.path for a in only.artifacts] == ["results/classify.tsv"]


def test_page_lists_every_artifact_and_the_packages_once(run):
    page = run_summary.to_markdown(run_summary.summarise(["results/classify.tsv"]))
    assert (
        "| `results/classify.tsv` | classify | 0123456789ab (dirty) | cuda:0 | node2 | 2.2 "
        "| efficientnet-lite0.pth 57934424abababab |" in page
    )
    assert (
        "| `results/photos.safetensors` | photos | 0123456789ab | cpu | node1 | 1.5 | - |" in page
    )
    assert "| `/cache/efficientnet-lite0.pth` | 57934424abababab | 1 |" in page
    assert page.count("| torch | 2.1.0 |") == 1 and "| numpy | 1.26.0 |" in page
    assert "2 artifacts from 2 jobs (3.8 s of job wall time in all)" in page
    assert "Devices: cpu, cuda:0. Hosts: node1, node2." in page


def test_page_names_differing_versions_and_files_without_a_record(run):
    artifacts.write_table(
        "results/other.tsv",
        pd.DataFrame({"a": [1]}),
        {**record("other"), "packages": {"torch": "2.2.0", "numpy": "1.26.0"}},
    )
    (run / "results/notes.txt").write_text("by hand\n")
    summary = run_summary.summarise(
        ["results/classify.tsv", "results/other.tsv", "results/notes.txt"]
    )
    page = run_summary.to_markdown(summary)
    assert "| torch | 2.1.0 (2 of 3); 2.2.0 (1 of 3) |" in page
    assert (
        "| `results/notes.txt` | no provenance record (a source file, not made by inputgen) |"
        in page
    )
    with pytest.raises(FileNotFoundError, match="missing.tsv"):
        run_summary.summarise(["results/missing.tsv"])


def test_cli_writes_the_page_and_its_html_with_a_record(run):
    code = run_stage(
        "run-summary",
        {},
        artifacts=["results/classify.tsv"],
        out="results/provenance.md",
        html="results/provenance.html",
    )
    assert code == 0
    assert "results/photos.safetensors" in (run / "results/provenance.md").read_text()
    page = (run / "results/provenance.html").read_text()
    assert "<table>" in page and "<td>classify</td>" in page
    made = artifacts.read_provenance("results/provenance.html")
    assert made["stage"] == "run-summary"
    assert [item["path"] for item in made["inputs"]] == ["results/classify.tsv"]
