"""Faults: a generation job killed mid-run through Snakemake, missing or damaged upstream
artifacts given to a stage, and a configured GPU that is not there."""

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
import torch
import yaml
from conftest import PIXEL_RECIPE, run_stage, snakemake_command
from inputgen.engine import models
from inputgen.platform import artifacts, runtime

# One generation job that runs for some seconds on a CPU: ResNet18 at 32 px, many steps. The
# weights are declared pretrained (representations need it) but every job gets seeded random
# ones (weights_override), so nothing is read from the torch cache.
SLOW = {
    "weights_override": "random",
    "runtime": {"device": "cpu", "batch_size": 1},
    "models": {"r18": {"arch": "resnet18", "weights": "torchvision", "input_size": 32}},
    "classes": [0],
    "generation": {**PIXEL_RECIPE, "steps": 150},
    "representations": {"models": ["r18"], "chunk_size": 1},
}
CHUNK = "results/representations/r18/chunks/0.safetensors"
LOG = "results/logs/representations/r18/0.log"
TIMEOUT_S = 240


def descendants(pid: int) -> list[int]:
    """Every process below ``pid`` (from /proc: the job's shell, its python)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:  # gone meanwhile
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])  # the name may hold spaces
        children.setdefault(parent, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def command_line(pid: int) -> list[str]:
    try:
        return (Path("/proc") / str(pid) / "cmdline").read_bytes().decode().split("\0")
    except OSError:
        return []


def generation_process(snakemake: subprocess.Popen, log: Path, deadline: float) -> int:
    """The pid of the job's ``python -m inputgen representations-chunk``, once its log shows it
    started."""
    while time.monotonic() < deadline:
        assert snakemake.poll() is None, "Snakemake ended before the job ran"
        jobs = [
            pid
            for pid in descendants(snakemake.pid)
            if command_line(pid)[1:4] == ["-m", "inputgen", "representations-chunk"]
        ]
        if jobs and log.is_file() and "inputgen: running on cpu" in log.read_text():
            (job,) = jobs
            time.sleep(1.0)  # into the model load or the steps, well before the write
            return job
        time.sleep(0.1)
    raise AssertionError("the generation job did not start in time")


@pytest.mark.slow
def test_a_killed_generation_job_leaves_no_output_and_reruns_whole(tmp_path):
    deadline = time.monotonic() + TIMEOUT_S
    config = tmp_path / "slow.yaml"
    config.write_text(yaml.safe_dump(SLOW))
    workdir = tmp_path / "work"
    final = workdir / CHUNK
    first = subprocess.Popen(  # one core: two contended threads are slower than one
        snakemake_command(workdir, [config], CHUNK, cores=1),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # a failed test kills the whole group, not strays
    )
    try:
        job = generation_process(first, workdir / LOG, deadline)
        os.kill(job, signal.SIGKILL)
        output, _ = first.communicate(timeout=max(1.0, deadline - time.monotonic()))
    finally:
        if first.poll() is None:
            os.killpg(first.pid, signal.SIGKILL)
            first.wait()
    assert first.returncode != 0, output[-3000:]
    assert "Error in rule representations_chunk" in output, output[-3000:]
    assert not final.exists()
    # Nothing half-written: at most the job's own temporaries (the next write removes them).
    temporary = re.compile(r"\.0\.[a-z0-9_]{8}\.safetensors")
    left = [p.name for p in final.parent.iterdir()] if final.parent.exists() else []
    assert all(temporary.fullmatch(name) for name in left), left

    rerun = subprocess.run(
        snakemake_command(workdir, [config], CHUNK, cores=1),
        capture_output=True,
        text=True,
        timeout=max(1.0, deadline - time.monotonic()),
    )
    output = rerun.stdout + rerun.stderr
    assert rerun.returncode == 0, output[-3000:]
    assert "rule representations_chunk:" in output  # run again, not taken as done
    tensors, metadata = artifacts.load_tensors(final)  # whole: the digest matches
    assert tensors["images"].shape == (1, 3, 32, 32) and tensors["classes"].tolist() == [0]
    assert metadata["provenance"]["stage"] == "representations-chunk"
    assert metadata["provenance"]["config"]["objective"] == "target"
    assert [p.name for p in final.parent.iterdir()] == ["0.safetensors"]


# ----------------------------------------------------------------- upstream artifacts

RANDOM = json.dumps({"arch": "resnet18", "weights": "random", "input_size": 32})


def representations(tmp_path, chunk: Path) -> int:
    settings = {"name": "m", "model": json.loads(RANDOM), "evaluators": {}}
    files = {"images": tmp_path / "i.safetensors", "summary": tmp_path / "s.tsv",
             "quality": tmp_path / "q.tsv", "grid": tmp_path / "g.png"}  # fmt: skip
    return run_stage("representations", settings, chunks=[chunk], **files, device="cpu")


def classify(tmp_path, photos: Path) -> int:
    settings = {"name": "m", "model": json.loads(RANDOM), "topk": 2}
    files = {"table": tmp_path / "c.tsv", "figure": tmp_path / "c.png"}
    return run_stage("classify", settings, photos=photos, **files, device="cpu")


def _chunk(path: Path) -> Path:
    images = torch.rand(1, 3, 32, 32)
    artifacts.save_tensors(path, {"images": images, "classes": torch.tensor([0])}, {"stage": "x"})
    return path


def _missing(path: Path) -> Path:
    return path


def _truncated(path: Path) -> Path:
    data = _chunk(path).read_bytes()
    path.write_bytes(data[: len(data) - 100])
    return path


@pytest.mark.parametrize("stage", [representations, classify])
@pytest.mark.parametrize(
    "damage, words",
    [(_missing, "does not exist"), (_truncated, "is not a readable safetensors file")],
)
def test_a_stage_refuses_a_missing_or_damaged_upstream_artifact_by_name(
    tmp_path, capsys, stage, damage, words
):
    (tmp_path / "upstream").mkdir()
    upstream = damage(tmp_path / "upstream" / "0.safetensors")
    assert stage(tmp_path, upstream) == 2
    err = capsys.readouterr().err
    assert f"inputgen {stage.__name__}: error: " in err
    assert str(upstream) in err and words in err
    assert "Traceback" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["upstream"]  # no output at all


# ----------------------------------------------------------------------- no GPU


@pytest.fixture
def no_cuda(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 0)


@pytest.mark.parametrize("device", ["cuda", "cuda:1"])
def test_cuda_on_a_machine_without_it_fails_naming_the_key_and_the_way_out(no_cuda, device):
    with pytest.raises(runtime.DeviceError) as caught:
        runtime.resolve_device(device)
    message = str(caught.value)
    assert f"runtime.device (--device) is {device!r}" in message
    assert "CUDA is not available on this machine" in message
    assert "runtime.device: auto" in message and "or cpu" in message


def test_a_missing_gpu_index_is_named(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 1)
    assert runtime.cuda_problem("cuda:0") is None
    with pytest.raises(runtime.DeviceError, match=r"has 1 CUDA device\(s\), cuda:0..cuda:0"):
        runtime.resolve_device("cuda:1")


def test_auto_falls_back_to_the_cpu_and_says_so(no_cuda, capsys):
    assert runtime.resolve_device("auto") == torch.device("cpu")
    assert "runtime.device auto -> cpu (CUDA is not available)" in capsys.readouterr().err
    assert runtime.resolve_device("cpu") == torch.device("cpu")


def test_a_stage_on_a_missing_gpu_exits_2_before_loading_anything(
    no_cuda, monkeypatch, tmp_path, capsys
):
    def never(*args, **kwargs):
        raise AssertionError("the model was loaded")

    monkeypatch.setattr(models, "load_model", never)
    settings = {"name": "m", "model": json.loads(RANDOM), "classes": [0], "settings": {}}
    assert (
        run_stage("representations-chunk", settings, out=tmp_path / "o.safetensors", device="cuda")
        == 2
    )
    err = capsys.readouterr().err
    assert "inputgen representations-chunk: error: runtime.device (--device) is 'cuda'" in err
    assert list(tmp_path.iterdir()) == []


# ----------------------------------------------------------------- orphaned jobs

ORPHAN = """
import sys, time
from inputgen.platform.lifetime import die_with_parent
assert die_with_parent()
print("ready", flush=True)
time.sleep(60)
"""


def test_a_job_dies_with_the_shell_that_ran_it(tmp_path):
    # As Snakemake runs a job: a shell that does not exec the job (a command follows it).
    shell = subprocess.Popen(
        ["bash", "-c", f'{sys.executable} -c "$0"; true', ORPHAN],
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        assert shell.stdout.readline().strip() == "ready"
        (job,) = descendants(shell.pid)
        os.kill(shell.pid, signal.SIGKILL)  # as when Snakemake and its job's shell are killed
        shell.wait()
        deadline = time.monotonic() + 10
        while Path(f"/proc/{job}").exists() and time.monotonic() < deadline:
            # A dead child stays a zombie until reaped by init; its state says it ended.
            if (Path(f"/proc/{job}/stat").read_text().rsplit(")", 1)[1].split()[0]) == "Z":
                break
            time.sleep(0.05)
        else:
            assert not Path(f"/proc/{job}").exists(), "the job outlived its shell"
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(shell.pid, signal.SIGKILL)


def test_every_stage_command_asks_to_die_with_its_parent(monkeypatch, tmp_path):
    from inputgen.platform import lifetime

    asked = []
    monkeypatch.setattr(lifetime, "die_with_parent", lambda: asked.append(True) or True)
    classify(tmp_path, tmp_path / "none.safetensors")  # fails on its input, after the ask
    assert asked == [True]


def test_a_rerun_removes_the_record_of_an_output_snakemake_deleted(tmp_path):
    table = tmp_path / "c.tsv"
    artifacts.write_table(table, pd.DataFrame({"a": [1]}), {"stage": "classify"})
    table.unlink()  # Snakemake deletes a job's outputs before it reruns it
    assert classify(tmp_path, tmp_path / "none.safetensors") == 2  # and the rerun fails
    assert not artifacts.sidecar_path(table).exists()
