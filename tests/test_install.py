"""The wheel, installed outside the repository, imports and works: its schema ships inside it.

The fresh environment reuses this one's locked packages (a path entry to its site-packages,
whose editable hook to the source tree a plain path entry does not run), so nothing is
downloaded; only the inputgen wheel is installed into it."""

from __future__ import annotations

import subprocess
import sys
import sysconfig
import textwrap
import venv

import pytest
from conftest import REPO

SCRIPT = textwrap.dedent(
    """
    import pathlib, sys, torch, torchvision
    import inputgen, inputgen.studies.autoencoding.science, inputgen.studies.opposites.science
    assert "site-packages" in inputgen.__file__, inputgen.__file__
    with torch.random.fork_rng():
        torch.manual_seed(0)
        net = torchvision.models.resnet18(num_classes=3)
    images = inputgen.class_images(net, [0, 2], steps=2, input_size=32,
                                   class_names=["a", "b", "c"])
    assert images.shape == (2, 3, 32, 32), images.shape
    table = inputgen.compare(net, net, torch.rand(8, 3, 32, 32), ["layer1", "penultimate"],
                             input_size=32)
    assert abs(table.loc["layer1", "layer1"] - 1) < 1e-6, table
    print("works from", pathlib.Path(inputgen.__file__).parent)
    """
)


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    root = tmp_path_factory.mktemp("installed")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
         "--wheel-dir", str(root / "dist"), str(REPO)],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    (wheel,) = (root / "dist").glob("inputgen-*.whl")
    venv.EnvBuilder(with_pip=False).create(root / "env")
    python = root / "env/bin/python"
    site = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True, capture_output=True, text=True,
    ).stdout.strip()  # fmt: skip
    (root / site / "locked.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet",
         "--no-deps", "--no-index", str(wheel)],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    return root


def test_the_installed_wheel_runs_a_generation_and_a_cka_outside_the_repository(installed):
    run = subprocess.run([installed / "env/bin/python", "-c", SCRIPT], cwd=installed,
                         capture_output=True, text=True, timeout=300)  # fmt: skip
    assert run.returncode == 0, run.stderr[-3000:]
    assert f"works from {installed}/env/" in run.stdout


def test_the_installed_command_line_answers(installed):
    run = subprocess.run([installed / "env/bin/inputgen", "--help"], cwd=installed,
                         capture_output=True, text=True, timeout=120)  # fmt: skip
    assert run.returncode == 0, run.stderr[-3000:]
    assert "representations-chunk" in run.stdout
