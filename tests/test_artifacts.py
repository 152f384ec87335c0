import hashlib
import json
from importlib import metadata

import pandas as pd
import pytest
import torch
from inputgen.platform import artifacts, provenance


def record(**extra):
    return {"stage": "test", "config": {"a": 1}, **extra}


def test_tensors_round_trip_with_metadata_and_provenance(tmp_path):
    path = tmp_path / "x.safetensors"
    tensors = {"images": torch.rand(2, 3, 4, 4), "classes": torch.tensor([3, 7])}
    artifacts.save_tensors(path, tensors, record(), {"names": ["a", "b"]})
    loaded, metadata = artifacts.load_tensors(path)
    assert torch.equal(loaded["images"], tensors["images"])
    assert torch.equal(loaded["classes"], tensors["classes"])
    assert metadata["names"] == ["a", "b"]
    written = metadata["provenance"]
    assert artifacts.is_sealed(written) and artifacts.METADATA_DIGEST_KEY in written
    added = {artifacts.SEAL_KEY, artifacts.METADATA_DIGEST_KEY}
    assert {key: value for key, value in written.items() if key not in added} == record()
    assert artifacts.read_provenance(path) == written


@pytest.mark.parametrize(
    "old, new",
    [
        (b"lite0", b"lite1"),
        (b'"evaluator"', b'" valuator"'),
        (b"tensors_sha256", b"tensors_sha25 "),
    ],
)
def test_a_changed_header_entry_is_refused(tmp_path, old, new):
    """Every header byte is covered: the extra metadata and the tensor digest by the record's
    digest of them, the record by its seal (a renamed key no longer reads as the one written)."""
    path = tmp_path / "x.safetensors"
    artifacts.save_tensors(path, {"x": torch.zeros(2)}, record(), {"evaluator": "lite0"})
    data = path.read_bytes()
    assert data.count(old) == 1
    path.write_bytes(data.replace(old, new))
    with pytest.raises(artifacts.ArtifactError, match="header metadata does not match"):
        artifacts.load_tensors(path)


def test_nan_tensors_are_never_written(tmp_path):
    path = tmp_path / "x.safetensors"
    with pytest.raises(ValueError, match="NaN"):
        artifacts.save_tensors(path, {"images": torch.tensor([0.0, float("nan")])}, record())
    assert list(tmp_path.iterdir()) == []


def test_tables_and_figures_carry_a_sidecar(tmp_path):
    import matplotlib.pyplot as plt

    table = tmp_path / "t.tsv"
    artifacts.write_table(table, pd.DataFrame({"class": [1, 2], "name": ["x y", "z"]}), record())
    assert pd.read_csv(table, sep="\t").to_dict("list") == {"class": [1, 2], "name": ["x y", "z"]}
    sidecar = artifacts.read_provenance(table)
    assert provenance.is_sealed(sidecar) is True  # the file's digest is inside the seal
    assert (
        sidecar.pop(artifacts.ARTIFACT_DIGEST_KEY) == hashlib.sha256(table.read_bytes()).hexdigest()
    )
    sidecar.pop(provenance.SEAL_KEY)
    assert sidecar == {k: v for k, v in record().items() if k != provenance.SEAL_KEY}

    figure_path = tmp_path / "f.png"
    artifacts.write_figure(figure_path, plt.figure(), record(kind="figure"))
    assert figure_path.read_bytes()[:4] == b"\x89PNG"
    assert json.loads(artifacts.sidecar_path(figure_path).read_text())["kind"] == "figure"
    with pytest.raises(FileNotFoundError, match="no provenance sidecar"):
        artifacts.read_provenance(tmp_path / "other.tsv")


def test_an_interrupted_write_leaves_nothing_at_the_final_path(tmp_path):
    final = tmp_path / "out.tsv"
    with pytest.raises(KeyboardInterrupt), artifacts.atomic_path(final) as tmp:
        tmp.write_text("half of a tab")
        raise KeyboardInterrupt
    assert list(tmp_path.iterdir()) == []

    final.write_text("the previous complete version")
    with pytest.raises(RuntimeError), artifacts.atomic_path(final) as tmp:
        tmp.write_text("half")
        raise RuntimeError
    assert final.read_text() == "the previous complete version"
    assert list(tmp_path.iterdir()) == [final]


def test_run_record_hashes_inputs_and_weights(tmp_path):
    data, weights = tmp_path / "data.bin", tmp_path / "w.pth"
    data.write_bytes(b"photos")
    weights.write_bytes(b"weights")
    run = provenance.Run("stage", {"k": 2}, seed=5, device="cpu")
    run.add_input(data)
    run.add_weights(weights)
    rec = run.record()
    assert rec["inputs"] == [{"path": str(data), "sha256": hashlib.sha256(b"photos").hexdigest()}]
    assert rec["weights"][0]["sha256"] == hashlib.sha256(b"weights").hexdigest()
    assert rec["packages"]["torch"] == metadata.version("torch")
    assert set(rec) >= {"stage", "config", "seed", "device", "git", "determinism", "wall_time_s"}
    assert rec["git"] is None or len(rec["git"]["commit"]) == 40


def test_lineage_walks_back_to_the_weights_and_flags_changed_inputs(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    weights = tmp_path / "w.pth"
    weights.write_bytes(b"weights")
    first = provenance.Run("photos", {"size": 8})
    artifacts.save_tensors("photos.safetensors", {"x": torch.zeros(1)}, first.record())
    second = provenance.Run("classify", {"topk": 5})
    second.add_input("photos.safetensors")
    second.add_weights(weights)
    artifacts.write_table("table.tsv", pd.DataFrame({"a": [1]}), second.record())

    text = "\n".join(provenance.lineage("table.tsv"))
    assert "stage classify" in text and "stage photos" in text
    assert f"weights {weights}" in text
    assert "photos.safetensors (unchanged)" in text

    artifacts.save_tensors("photos.safetensors", {"x": torch.ones(1)}, first.record())
    assert "photos.safetensors (CHANGED since)" in "\n".join(provenance.lineage("table.tsv"))


def test_a_table_edited_by_hand_fails_its_reader_naming_the_stage(tmp_path):
    """Issue 25's finding 3: tables are checked when a stage reads them, as tensors are."""
    table = tmp_path / "quality.tsv"
    sealed = provenance.seal(record(stage="represent-gather"))
    artifacts.write_table(table, pd.DataFrame({"model": ["lite0"], "self_top1": [0.0]}), sealed)
    assert artifacts.read_table(table)["self_top1"].tolist() == [0.0]
    table.write_text(table.read_text().replace("0.0", "0.97"))
    with pytest.raises(artifacts.ArtifactError) as refused:
        artifacts.read_table(table)
    message = str(refused.value)
    assert str(table) in message and "changed after it was made" in message
    assert "stage 'represent-gather'" in message
    artifacts.sidecar_path(table).unlink()
    with pytest.raises(FileNotFoundError):
        artifacts.read_table(table)
