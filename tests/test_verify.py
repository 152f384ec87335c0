"""`inputgen verify`: a finished run's artifacts against the lineage their records name."""

import collections
import json
import os
import shutil
import struct
from pathlib import Path

import numpy as np
import pytest
import torch
from conftest import REPO, make_photos, run_stage
from inputgen.engine import photos
from inputgen.platform import artifacts, cli, provenance
from inputgen.platform.verify import verify_all
from PIL import Image


def verify(capsys, *paths) -> tuple[int, str]:
    try:
        code = cli.main(["verify", *map(str, paths)])
    except SystemExit as stop:
        code = stop.code
    return code, capsys.readouterr().out


@pytest.fixture
def run_copy(tiny_run, tmp_path, monkeypatch):
    """A copy of the finished tiny run to tamper with, as the working directory."""
    shutil.copytree(tiny_run / "results", tmp_path / "results", symlinks=True)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def flip_a_tensor_byte(path):
    """Change one byte of the tensor data, leaving the header (and its digest) as it was."""
    data = bytearray(path.read_bytes())
    header = struct.unpack("<Q", data[:8])[0]
    data[8 + header + 5] ^= 0x01
    path.write_bytes(bytes(data))


def stale_lines(out: str) -> dict[str, str]:
    lines = out.splitlines()
    return {
        line.removeprefix("STALE "): lines[i + 1]
        for i, line in enumerate(lines)
        if line.startswith("STALE ")
    }


def test_an_untouched_run_verifies_clean(run_copy, capsys):
    code, out = verify(capsys)  # default: results/
    assert code == 0, out
    checked = int(out.split(" artifacts checked")[0].split()[-1])
    assert checked > 50 and "0 stale" in out


def test_a_tampered_intermediate_tensor_is_named_and_everything_downstream_is_stale(
    run_copy, capsys
):
    images = "results/representations/lite0/images.safetensors"
    flip_a_tensor_byte(run_copy / images)
    code, out = verify(capsys, "results")
    stale = stale_lines(out)
    assert code == 1
    assert images in stale and "digest" in stale[images]
    # Downstream: the output vectors of these images, through the link that broke.
    outputs = "results/outputs/lite0/lite0.safetensors"
    assert outputs in stale, sorted(stale)
    assert images in stale[outputs] and "lineage" in stale[outputs]
    # Upstream and unrelated artifacts still verify.
    assert "results/data/photos.safetensors" not in stale
    assert "results/linear/conditioning.tsv" not in stale


def test_a_changed_source_photo_is_named(run_copy, capsys, monkeypatch):
    """The shipped photo files are inputs of the photos stage: a changed one shows."""
    record = artifacts.read_provenance(run_copy / "results/data/photos.safetensors")
    chelsea = next(
        item["path"] for item in record["inputs"] if item["path"].endswith("chelsea.png")
    )
    assert chelsea == str(photos.source_file("chelsea"))
    # Stand in for the package file: a copy that we change, at the recorded path.
    changed = run_copy / "chelsea.png"
    shutil.copy(chelsea, changed)
    record["inputs"] = [
        {**item, "path": str(changed)} if item["path"] == chelsea else item
        for item in record["inputs"]
    ]
    tensors, metadata = artifacts.load_tensors(run_copy / "results/data/photos.safetensors")
    artifacts.save_tensors(
        run_copy / "results/data/photos.safetensors",
        tensors,
        provenance.seal(record),
        {"names": metadata["names"]},
    )
    assert verify(capsys, "results/data/photos.safetensors")[0] == 0
    pixels = np.asarray(Image.open(changed)).copy()
    pixels[0, 0] ^= 1
    Image.fromarray(pixels).save(changed)
    code, out = verify(capsys, "results/data")
    assert code == 1
    assert f"input {changed} changed after results/data/photos.safetensors" in out


def test_a_changed_table_and_an_edited_record_are_named(run_copy, capsys):
    table = run_copy / "results/linear/conditioning.tsv"
    table.write_text(table.read_text().replace("\t", "\t1", 1))
    sidecar = artifacts.sidecar_path(run_copy / "results/config.yaml")
    record = json.loads(sidecar.read_text())
    record["config"] = {"config": {"seed": 1}}
    sidecar.write_text(json.dumps(record))
    code, out = verify(capsys, "results")
    stale = stale_lines(out)
    assert code == 1
    assert "changed after it was made" in stale["results/linear/conditioning.tsv"]
    assert "record of results/config.yaml was edited" in stale["results/config.yaml"]


def test_a_changed_weight_file_is_named(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    make_photos(tmp_path, names=("chelsea",), crops=2, size=64)
    from torchvision.models import resnet18

    checkpoint = tmp_path / "resnet18.pth"
    torch.save(resnet18(num_classes=1000).state_dict(), checkpoint)
    spec = {"arch": "resnet18", "weights": f"file:{checkpoint}"}
    code = run_stage(
        "classify",
        {"name": "r", "model": spec},
        photos=tmp_path / "p.safetensors",
        table=tmp_path / "r.tsv",
        figure=tmp_path / "r.png",
    )
    assert code == 0
    assert verify(capsys, tmp_path / "r.tsv")[0] == 0
    state = torch.load(checkpoint, weights_only=True)
    state["fc.bias"][0] += 1.0
    torch.save(state, checkpoint)
    code, out = verify(capsys, tmp_path / "r.tsv", tmp_path / "r.png")
    assert code == 1
    assert out.count(f"weights {checkpoint} changed after") == 2


def test_a_deleted_upstream_artifact_is_named(run_copy, capsys):
    (run_copy / "results/data/natural.safetensors").unlink()
    results = dict(verify_all(["results/cka", "results/inversion"]))
    broken = [str(b) for b in results.values() if b is not None]
    assert len(broken) >= 4  # natural.tsv, inverted.tsv, summary.tsv, the heatmaps, ...
    assert all("results/data/natural.safetensors is missing" in b for b in broken), broken
    with pytest.raises(FileNotFoundError, match="results/similarity"):
        verify_all(["results/similarity"])


def test_gathered_chunks_hand_their_lineage_on(run_copy):
    """The representation chunks are temp(): gone after gathering, yet the gathered file's
    record still names the weights and the chunks' own inputs."""
    record = artifacts.read_provenance("results/representations/lite0/images.safetensors")
    chunks = [item for item in record["inputs"] if item.get("temporary")]
    assert len(chunks) == 2 and not any((run_copy / c["path"]).exists() for c in chunks)
    assert record["weights"], "the generator's weights are recorded"
    assert verify_all(["results/representations/lite0/images.safetensors"])[0][1] is None


def test_every_record_carries_its_arguments_and_code():
    record = provenance.Run("x", {}).record()
    assert provenance.is_sealed(record) is True
    record["config"] = {"steps": 2}
    assert provenance.is_sealed(record) is False
    assert provenance.is_sealed({"stage": "old"}) is None


def test_code_digest_follows_imports_and_changes_with_the_source(tmp_path, monkeypatch):
    closure = provenance.module_closure("inputgen.studies.inversion")
    # imported, directly (its own folder's modules too) and through others
    assert {"inputgen.studies.inversion.science", "inputgen.studies.inversion.figures"} < set(
        closure
    )
    assert "inputgen.engine.optimize" in closure and "inputgen.engine.models" in closure
    assert "inputgen.studies.graphs.science" not in closure  # or not at all
    assert "inputgen.studies.cka" not in closure  # another study: not even its package's sibling
    assert "inputgen.platform.cli" not in closure  # the command registry ties nothing together
    package = tmp_path / "inputgen"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from inputgen import b\n")
    (package / "b.py").write_text("X = 1\n")
    (package / "c.py").write_text("Y = 1\n")
    monkeypatch.setattr(provenance, "PACKAGE_DIR", package)
    for cached in (provenance.module_closure, provenance.code_digest):
        cached.cache_clear()
    before = provenance.code_digest("inputgen.a")
    (package / "c.py").write_text("Y = 2\n")
    provenance.code_digest.cache_clear()
    assert provenance.code_digest("inputgen.a") == before  # not imported by a
    (package / "b.py").write_text("X = 2\n")
    provenance.code_digest.cache_clear()
    assert provenance.code_digest("inputgen.a") != before
    for cached in (provenance.module_closure, provenance.code_digest):
        cached.cache_clear()


def test_the_digests_import_reading_agrees_with_pythons_parser():
    """code_digest reads imports with a regular expression (fast); on every module of the
    package, and on the forms it must handle, it finds the inputgen imports ``ast`` finds."""
    import ast

    def parsed(text):
        found = set()
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found.add(node.module)
                found.update(f"{node.module}.{alias.name}" for alias in node.names)
        return {name for name in found if name.startswith("inputgen")}

    forms = (
        "import inputgen.a\nfrom inputgen import b, c as d  # e\n"
        "def f():\n    from inputgen.g import (  # why\n        h,\n        i as j,\n    )\n"
        "from inputgen.k import (  # a comment (with parentheses)\n    l,\n    m,\n)\n"
    )
    assert parsed(forms) == {"inputgen.a", "inputgen", "inputgen.b", "inputgen.c",
                             "inputgen.g", "inputgen.g.h", "inputgen.g.i",
                             "inputgen.k", "inputgen.k.l", "inputgen.k.m"}  # fmt: skip
    sources = [forms, *(path.read_text() for path in provenance.PACKAGE_DIR.rglob("*.py"))]
    for text in sources:
        found = {name for name in provenance._imported_names(text) if name.startswith("inputgen")}
        assert found == parsed(text)


@pytest.mark.parametrize("name", sorted(photos.SAMPLE_PHOTOS))
def test_each_shipped_photo_is_read_from_its_recorded_file(name):
    _, (loaded,) = photos.sample_photos([name])
    with Image.open(photos.source_file(name)) as image:
        from_file = photos.to_tensor(np.asarray(image.convert("RGB")))
    assert torch.equal(loaded, from_file)


def test_verify_cannot_be_blinded(run_copy, capsys):
    """Issue 25's finding 2: an unsealed record, a deleted record, and a changed table whose
    recorded digest was rewritten to match are all caught, naming the file."""
    quality = run_copy / "results/representations/lite0/quality.tsv"
    sidecar = artifacts.sidecar_path(quality)
    record = json.loads(sidecar.read_text())
    assert provenance.is_sealed(record) is True and artifacts.ARTIFACT_DIGEST_KEY in record

    # a changed table with its digest rewritten: the digest is inside the seal
    quality.write_text(quality.read_text().replace("\t0.", "\t1.", 1))
    forged = {**record, artifacts.ARTIFACT_DIGEST_KEY: provenance.sha256(quality)}
    sidecar.write_text(json.dumps(forged))
    code, out = verify(capsys, quality)
    assert code == 1 and "was edited after it was made" in stale_lines(out)[str(quality)]

    # the seal removed and a value edited: an unsealed record is tampering
    unsealed = {k: v for k, v in forged.items() if k != provenance.SEAL_KEY}
    sidecar.write_text(json.dumps(unsealed))
    code, out = verify(capsys, quality)
    assert code == 1 and "has no seal" in out

    # every record deleted: the files are unverifiable, counted, and the run fails
    for path in (run_copy / "results").rglob("*" + artifacts.SIDECAR_SUFFIX):
        path.unlink()
    code, out = verify(capsys, "results")
    assert code == 1
    lost = [line for line in out.splitlines() if "has no provenance record" in line]
    assert any("results/representations/lite0/quality.tsv" in line for line in lost)
    assert len(lost) > 50 and "logs/" not in out


# ------------------------------------------------------------------------- tamper fuzzer

TAMPER_DRAWS = int(os.environ.get("INPUTGEN_FUZZ_TAMPERS", "20"))
JSON_SPACE = b" \t\r\n"


def _next_reader(path: Path):
    """What a later stage reads ``path`` with; figures, GIFs and reports have no reader but
    `inputgen verify` (the report embeds them)."""
    if path.suffix == ".safetensors":
        return artifacts.load_tensors
    if path.suffix == ".tsv":
        return artifacts.read_table
    return None


def test_every_changed_byte_and_lost_record_is_named(run_copy):
    """Flip a byte of a random artifact or record, or delete a record: `inputgen verify`
    names the artifact, and the stage that would read it next refuses it."""
    from hypothesis import HealthCheck, assume, given, settings
    from hypothesis import strategies as st

    results = run_copy / "results"
    artifact_paths = sorted(
        path.relative_to(run_copy)
        for path in verify_all([results])
        for path in [path[0]]
        if "logs" not in path.parts
    )
    counts = collections.Counter()

    @settings(
        max_examples=TAMPER_DRAWS,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(st.data())
    def tamper(data):
        artifact = data.draw(st.sampled_from(artifact_paths))
        has_sidecar = artifacts.sidecar_path(artifact).is_file()
        kind = data.draw(
            st.sampled_from(["artifact", "record", "delete"] if has_sidecar else ["artifact"])
        )
        target = artifact if kind == "artifact" else artifacts.sidecar_path(artifact)
        original = target.read_bytes()
        try:
            if kind == "delete":
                target.unlink()
            else:
                offset = data.draw(st.integers(0, len(original) - 1))
                old = original[offset]
                new = data.draw(st.integers(0, 255).filter(lambda b: b != old))
                # JSON whitespace for JSON whitespace (a header's padding, a record's indent)
                # changes no value: nothing to catch.
                assume(not (old in JSON_SPACE and new in JSON_SPACE and artifact.suffix != ".tsv"))
                target.write_bytes(original[:offset] + bytes([new]) + original[offset + 1 :])
            ((checked, broken),) = verify_all([artifact])
            assert broken is not None, f"{kind} of {artifact}: verify saw nothing"
            assert broken.chain[0] == artifact, broken
            reader = _next_reader(artifact)
            if reader is not None:
                with pytest.raises((artifacts.ArtifactError, FileNotFoundError, KeyError)):
                    reader(artifact)
            counts[kind] += 1
        finally:
            target.write_bytes(original)

    tamper()
    print(f"tamper fuzzer: {sum(counts.values())} draws, every one named: {dict(counts)}")
    assert sum(counts.values()) >= TAMPER_DRAWS // 2
    if TAMPER_DRAWS == 20:  # CI's seeded run: what README says
        readme = " ".join((REPO / "README.md").read_text().split())
        assert f"tamper fuzzer: {TAMPER_DRAWS} draws, every one named and refused" in readme


def test_verify_counts_the_artifacts_the_run_summary_expects(run_copy, capsys):
    code, out = verify(capsys)
    (line,) = [line for line in out.splitlines() if "artifacts of this run" in line]
    expected = int(line.split(" names ")[1].split()[0])
    assert code == 0 and expected > 40 and f"{expected} found, 0 missing" in line
    # A target deleted together with its record: nothing under results/ mentions it but the
    # summary, which still expects it.
    target = run_copy / "results/classify/lite0.tsv"
    target.unlink()
    artifacts.sidecar_path(target).unlink()
    code, out = verify(capsys)
    assert code == 1 and f"{expected - 1} found, 1 missing" in out
    assert "MISSING results/classify/lite0.tsv" in out
