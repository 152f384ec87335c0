"""Cluster requests of the gpu=1 rules, from the benchmark records of a finished run.

Every gpu=1 rule writes Snakemake's benchmark record, results/benchmarks/<rule>/<wildcards>.tsv
(wall seconds `s`, peak resident memory `max_rss` in MB, CPU seconds `cpu_time`, ...). This
prints, per rule, the largest values over the rule's jobs and the request to put in the
config's runtime.resources. Headroom rule:

    mem_mb        = 1.5 x the largest max_rss, rounded up to 100 MB (Snakemake samples memory
                    every 30 s after a job's first half minute, so it can miss a short peak)
    runtime       = 2 x the longest wall time in minutes, rounded up (a slower or busier node),
                    at least 5 (a cold node's start: imports, weights, the job's Snakemake)
    cpus_per_task = the threads the jobs ran with (Snakemake's extended record, which the
                    default profile asks for): a cluster job then runs as the measured one did,
                    with the same --threads. Without it: the most cores a job kept busy
                    (cpu_time / s; a lower bound on a busy machine), rounded up past 0.05

    .venv/bin/python benchmarks/resources.py [RESULTS] [--yaml]

RESULTS is a run's results folder (default: results). --yaml prints only the config block.
"""

from __future__ import annotations

import argparse
import math
import re
import sys
from pathlib import Path

import pandas as pd

MEMORY_HEADROOM = 1.5
MEMORY_STEP_MB = 100
RUNTIME_HEADROOM = 2.0
RUNTIME_MIN = 5


def records(path: Path) -> list[dict[str, str]]:
    """The rows of one record file. Parsed by hand: the extended format's params column holds
    the job's params as written, so it may hold tabs; its last four columns are threads,
    cpu_usage, resources and input_size_mb."""
    header, *lines = path.read_text().splitlines()
    names = header.split("\t")
    rows = []
    for line in filter(None, lines):
        fields = line.split("\t")
        row = dict(zip(names[:10], fields[:10], strict=True))
        if "threads" in names:
            row["threads"] = fields[-4]
        rows.append(row)
    return rows


def number(text: str | None) -> float:
    """A record's number (the first one in the field); NA (a job faster than the first sample)
    and '-' are NaN."""
    digits = re.search(r"-?\d+(\.\d+)?", text or "")
    return float(digits.group()) if digits else math.nan


def measurements(results: Path) -> pd.DataFrame:
    """One row per job record: rule (the folder under benchmarks/), job, s, max_rss, cores
    (cpu_time / s: the cores the job kept busy) and threads (NaN without the extended format)."""
    rows = []
    root = results / "benchmarks"
    for path in sorted(root.rglob("*.tsv")):
        rule = path.relative_to(root).parts[0]
        job = str(path.relative_to(root / rule).with_suffix(""))
        for record in records(path):
            seconds = number(record["s"])
            rows.append(
                {
                    "rule": rule,
                    "job": job,
                    "s": seconds,
                    "max_rss": number(record["max_rss"]),
                    "cores": number(record["cpu_time"]) / seconds if seconds > 0 else math.nan,
                    "threads": number(record.get("threads")),
                }
            )
    return pd.DataFrame(rows, columns=["rule", "job", "s", "max_rss", "cores", "threads"])


def requests(jobs: pd.DataFrame) -> pd.DataFrame:
    """Per rule: the largest measurements and the request with the headroom rule above."""
    rules = jobs.groupby("rule").agg(
        jobs=("job", "size"),
        max_rss_mb=("max_rss", "max"),
        max_s=("s", "max"),
        max_cores=("cores", "max"),
        threads=("threads", "max"),
    )
    step = MEMORY_STEP_MB
    rules["mem_mb"] = [
        max(step, math.ceil(MEMORY_HEADROOM * rss / step) * step) for rss in rules["max_rss_mb"]
    ]
    rules["runtime"] = [
        max(RUNTIME_MIN, math.ceil(RUNTIME_HEADROOM * s / 60)) for s in rules["max_s"]
    ]
    rules["cpus_per_task"] = [
        int(threads) if not math.isnan(threads) else max(1, math.ceil(cores - 0.05))
        for threads, cores in zip(rules["threads"], rules["max_cores"].fillna(1), strict=True)
    ]
    return rules


def as_yaml(rules: pd.DataFrame) -> str:
    lines = ["runtime:", "  resources:"]
    for rule, row in rules.iterrows():
        lines.append(
            f"    {rule}: {{mem_mb: {int(row.mem_mb)}, runtime: {int(row.runtime)},"
            f" cpus_per_task: {int(row.cpus_per_task)}}}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results", nargs="?", default="results", type=Path)
    parser.add_argument("--yaml", action="store_true", help="print only the config block")
    args = parser.parse_args(argv)
    jobs = measurements(args.results)
    if jobs.empty:
        print(f"no benchmark records under {args.results / 'benchmarks'}", file=sys.stderr)
        return 1
    rules = requests(jobs)
    if not args.yaml:
        shown = rules.copy()
        shown["max_rss_mb"] = shown["max_rss_mb"].round(0).astype(int)
        shown["max_s"] = shown["max_s"].round(1)
        shown["max_cores"] = shown["max_cores"].round(2)
        print(shown.to_string())
        print(
            f"\nmem_mb = {MEMORY_HEADROOM} x max_rss rounded up to {MEMORY_STEP_MB} MB;"
            f" runtime = ceil({RUNTIME_HEADROOM} x max minutes), at least {RUNTIME_MIN};"
            " cpus_per_task = the jobs' threads (else ceil(max cpu_time / s))\n"
        )
    print(as_yaml(rules))
    return 0


if __name__ == "__main__":
    sys.exit(main())
