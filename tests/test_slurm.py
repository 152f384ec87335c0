"""A slice of the tiny DAG through a real single-node SLURM cluster with the project's profile.

tests/slurm/slurm_up.sh starts munge, slurmctld and slurmd on this machine with one fake GPU
(FAKE_GPU=1); Snakemake submits through its SLURM executor plugin (workflow/profiles/slurm).
The test checks that every job went through sbatch and finished in SLURM, that the gpu=1 rule
asked SLURM for a GPU and the CPU rules did not, and that the results equal the local run's
(the session's tiny_run) byte for byte. It skips, saying why, where SLURM is not installed or
cannot start without root; tests/slurm/slurm_down.sh stops the daemons this test started.
"""

from __future__ import annotations

import fcntl
import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest
import torch
import yaml
from conftest import REPO, SNAKEMAKE
from inputgen.platform import artifacts
from test_workflow import TINY

SLURM = REPO / "tests/slurm"
TOOLS = ("munged", "slurmctld", "slurmd", "sinfo", "sbatch", "squeue", "scontrol", "scancel")
PID_FILES = ("/run/munge/munged.pid", "/run/slurmctld.pid", "/run/slurmd.pid")
# Two DAG levels (about 12 s each under SLURM): the photos and the two representation chunks,
# then classification and the gather.
TARGETS = (
    "results/data/photos.safetensors",
    "results/classify/lite0.tsv",
    "results/representations/lite0/images.safetensors",
)
GPU_RULES = {"representations_chunk"}
CPU_RULES = {"photos", "classify", "representations"}
TABLES = (
    "classify/lite0.tsv",
    "representations/lite0/summary.tsv",
    "representations/lite0/quality.tsv",
)
TENSORS = (
    "data/photos.safetensors",
    "data/natural.safetensors",
    "representations/lite0/images.safetensors",
)
TIMEOUT_S = 300  # Snakemake waits forever if the plugin falls back to sacct: a hard kill
# One SLURM test at a time on a machine (the cluster is the machine's): a second one waits.
LOCK = Path("/tmp/inputgen-test-slurm.lock")
LOCK_WAIT_S = 900
# The gpu=1 rule's request from runtime.resources (merged over tiny.yaml); the other rules get
# --default-resources below and their threads as CPUs. One CPU: this cluster does not confine a
# job to its CPUs (TaskPlugin=task/none), so the job still runs the local run's 2 threads.
REQUEST = {"mem_mb": 1500, "runtime": 4, "cpus_per_task": 1}


def alive(pid_file: str) -> bool:
    try:
        os.kill(int(Path(pid_file).read_text()), 0)
    except (OSError, ValueError):
        return False
    return True


@pytest.fixture(scope="module")
def slurm_cluster():
    """A running single-node cluster with a fake GPU; stopped afterwards when this started it
    (a cluster that was already up belongs to someone else). Held under a machine-wide lock, so
    that a concurrent run of this test (another checkout's) neither uses nor stops it."""
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    if missing:
        pytest.skip(
            f"SLURM is not installed (missing {', '.join(missing)}): as root, "
            "apt-get install slurmctld slurmd slurm-client munge (.ci/run does)"
        )
    try:
        lock = open(LOCK, "a")  # held until the fixture ends
    except PermissionError:  # another user's lock: this user cannot start SLURM anyway
        yield from _cluster()
        return
    with lock:
        deadline = time.monotonic() + LOCK_WAIT_S
        while True:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    pytest.fail(f"another SLURM test held {LOCK} for {LOCK_WAIT_S} s")
                time.sleep(2)
        yield from _cluster()


def _cluster():
    started_here = not any(alive(pid_file) for pid_file in PID_FILES)
    up = subprocess.run(
        ["timeout", "-s", "KILL", "120", str(SLURM / "slurm_up.sh")],
        env={**os.environ, "FAKE_GPU": "1"},
        capture_output=True,
        text=True,
    )
    if up.returncode != 0:
        if os.geteuid() != 0:
            pytest.skip(
                "cannot start SLURM without root (tests/slurm/slurm_up.sh writes /etc/slurm and"
                f" starts the daemons): {up.stderr.strip()[-300:]}"
            )
        pytest.fail(f"tests/slurm/slurm_up.sh failed:\n{up.stdout}\n{up.stderr}")
    try:
        yield
    finally:
        if started_here:
            down = subprocess.run(
                ["timeout", "-s", "KILL", "60", str(SLURM / "slurm_down.sh")],
                capture_output=True,
                text=True,
            )
            assert down.returncode == 0, down.stderr
            assert not any(alive(pid_file) for pid_file in PID_FILES)


def show_job(job_id: str) -> dict[str, str]:
    """scontrol's record of a job (finished jobs stay for MinJobAge, 300 s)."""
    line = subprocess.run(
        ["scontrol", "show", "job", "-o", job_id], capture_output=True, text=True, check=True
    ).stdout
    return dict(field.split("=", 1) for field in line.split() if "=" in field)


def test_tiny_slice_runs_through_slurm_as_it_runs_locally(slurm_cluster, tiny_run, tmp_path):
    request = tmp_path / "request.yaml"
    request.write_text(
        yaml.safe_dump({"runtime": {"resources": {"representations_chunk": REQUEST}}})
    )
    command = [
        "timeout",
        "-s",
        "KILL",
        str(TIMEOUT_S),
        SNAKEMAKE,
        "--snakefile",
        str(REPO / "Snakefile"),
        "--directory",
        str(tmp_path),
        "--configfile",
        str(TINY),
        str(request),
        "--profile",
        str(REPO / "workflow/profiles/slurm"),
        # This node: 2 CPUs and a few GB, so small requests; the local run's threads (--cores 2),
        # so that every job runs as it did there.
        "--default-resources",
        "slurm_partition=debug",
        "mem_mb=2000",
        "runtime=5",
        "--jobs",
        "2",
        "--max-threads",
        "2",
        "--slurm-init-seconds-before-status-checks",
        "1",
        "--slurm-keep-successful-logs",
        "--verbose",  # the plugin logs each sbatch call
        *TARGETS,
    ]
    start = time.monotonic()
    run = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True)
    elapsed = time.monotonic() - start
    log = run.stdout + run.stderr
    (tmp_path / "snakemake.log").write_text(log)
    try:
        assert run.returncode == 0, f"rc {run.returncode} after {elapsed:.0f} s:\n{log[-6000:]}"
        print(f"SLURM slice: {elapsed:.0f} s")

        # Every job went through sbatch: the plugin's job ids, its logs and SLURM's records.
        submitted = dict(re.findall(r"Job (\d+) has been submitted with SLURM jobid (\d+)", log))
        assert len(submitted) == 5, log[-3000:]
        calls = re.findall(r"sbatch call: (sbatch .*)", log)
        assert len(calls) == 5
        slurm_logs = tmp_path / ".snakemake/slurm_logs"
        rules = {}
        for slurm_id in submitted.values():
            assert list(slurm_logs.rglob(f"{slurm_id}.log")), slurm_id
            job = show_job(slurm_id)
            assert job["JobState"] == "COMPLETED" and job["ExitCode"] == "0:0", job
            rule = re.fullmatch(r"rule_(\w+?)(_wildcards_.*)?", job["Comment"]).group(1)
            rules.setdefault(rule, []).append(job)
            # gpu=1 becomes sbatch --gpus=1: SLURM's record of the request, and the call.
            wants_gpu = "gpu" in job.get("TresPerJob", "")
            assert wants_gpu == (rule in GPU_RULES), (rule, job.get("TresPerJob"))
            (call,) = [call for call in calls if f"--comment {job['Comment']} " in call]
            assert ("--gpus=1" in call) == (rule in GPU_RULES), call
            # mem_mb, runtime and cpus_per_task: the config's request, else the defaults.
            mem, minutes = (REQUEST["mem_mb"], REQUEST["runtime"]) if wants_gpu else (2000, 5)
            assert f" --mem {mem} " in call and f" -t {minutes} " in call, call
            assert job["MinMemoryNode"] == f"{mem}M", job
            assert job["TimeLimit"] == f"00:{minutes:02d}:00", job
            cpus = 1 if rule in GPU_RULES | {"photos"} else 2  # REQUEST's, or the threads
            assert f" --cpus-per-task={cpus} " in call, call
        assert set(rules) == GPU_RULES | CPU_RULES
        # The benchmark records a cluster run measures itself with (benchmarks/resources.py).
        assert (
            len(list((tmp_path / "results/benchmarks/representations_chunk").rglob("*.tsv"))) == 2
        )
        assert len(rules["representations_chunk"]) == 2  # scattered over two jobs

        # The same results as the local run: tables byte for byte, tensors exactly (their
        # headers carry a provenance record with times).
        for table in TABLES:
            ours, local = tmp_path / "results" / table, tiny_run / "results" / table
            assert ours.read_bytes() == local.read_bytes(), table
        for tensors in TENSORS:
            ours, _ = artifacts.load_tensors(tmp_path / "results" / tensors)
            local, _ = artifacts.load_tensors(tiny_run / "results" / tensors)
            assert ours.keys() == local.keys(), tensors
            for name in ours:
                assert ours[name].dtype == local[name].dtype, (tensors, name)
                assert torch.equal(ours[name], local[name]), (tensors, name)
    finally:
        # Whatever is left of this run in the queue (after a failure or the timeout).
        uuid = re.search(r"SLURM run ID: (\S+)", log)
        if uuid:
            subprocess.run(["scancel", "--name", uuid.group(1)], capture_output=True)
