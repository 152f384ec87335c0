"""The no-op rerun: how long `snakemake` takes on a complete run that has nothing to do.

Measured side by side in one run, each the best of --repeats, on a finished workdir (the
default run's, `make run`), so the parts can be read as shares of the whole:
  1. the interpreter starting and importing Snakemake;
  2. that, plus what the Snakefile imports (inputgen's config, model specs and stage
     declarations: no torch since the DAG is built without it);
  3. `snakemake -n` (build the DAG, check every output against its params and code);
  4. the no-op call itself, as `make run` makes it (`--workflow-profile workflow/profiles/default`).
The target is 3 s on the 2-core development machine (it was 10 s while the Snakefile
imported torch).

    .venv/bin/python benchmarks/noop_rerun.py --workdir /path/to/finished/run [--repeats 3]
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SNAKEMAKE = str(Path(sys.executable).with_name("snakemake"))


def best_of(command: list[str], repeats: int, cwd: Path, expect: str | None = None) -> float:
    best = float("inf")
    env = {**os.environ, "PYTHONPATH": str(REPO / "workflow")}
    for _ in range(repeats):
        start = time.perf_counter()
        run = subprocess.run(command, cwd=cwd, capture_output=True, text=True, env=env)
        elapsed = time.perf_counter() - start
        if run.returncode != 0 or (expect and expect not in run.stdout + run.stderr):
            sys.exit(f"{' '.join(command)} failed or did work:\n{run.stdout[-2000:]}{run.stderr}")
        best = min(best, elapsed)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workdir", type=Path, required=True, help="a finished run's folder")
    parser.add_argument("--repeats", type=int, default=3, help="runs per measurement")
    args = parser.parse_args()
    workdir = args.workdir.resolve()
    snakefile = ["--snakefile", str(REPO / "Snakefile"), "--directory", str(workdir)]
    rows = [
        ("python + import snakemake", [sys.executable, "-c", "import snakemake.api"], None),
        (
            "+ the Snakefile's imports",
            [
                sys.executable,
                "-c",
                "import snakemake.api, inputgen.stages, inputgen.platform.config, "
                "inputgen.engine.model_specs",
            ],
            None,
        ),
        ("snakemake -n", [SNAKEMAKE, *snakefile, "-n"], "Nothing to be done"),
        (
            "no-op rerun (make run)",
            [SNAKEMAKE, *snakefile, "--workflow-profile", str(REPO / "workflow/profiles/default")],
            "Nothing to be done",
        ),
    ]
    times = [
        (name, best_of(command, args.repeats, workdir, expect)) for name, command, expect in rows
    ]
    total = times[-1][1]
    jobs = sum(1 for _ in (workdir / ".snakemake/metadata").rglob("*") if _.is_file())
    print(f"# no-op rerun on {workdir} ({jobs} recorded outputs)")
    print(
        f"# {platform.node()}, {os.cpu_count()} CPUs, {platform.processor() or platform.machine()}"
    )
    print(f"| step | best of {args.repeats} (s) | share of the no-op rerun |")
    print("|---|---|---|")
    for name, seconds in times:
        print(f"| {name} | {seconds:.2f} | {seconds / total:.0%} |")
    print(f"\nno-op rerun: {total:.1f} s (target 3 s): {'met' if total <= 3 else 'NOT met'}")


if __name__ == "__main__":
    main()
