"""Cluster requests of the GPU rules (`resources: **gpu_job(NAME)`, which asks for gpu=1):
every such rule writes a benchmark record and takes its mem_mb, runtime and cpus_per_task from
the config's runtime.resources, which both shipped configs fill; benchmarks/resources.py turns
a run's records into that block."""

import math
import re

import yaml
from conftest import REPO, benchmark_script

RULE = re.compile(r"^(?:rule (\w+)|use rule \w+ as (\w+) with):\n", re.M)


def gpu_rules() -> dict[str, str]:
    """Rule name -> its text, for every rule of workflow/rules that asks for a GPU."""
    found = {}
    for path in sorted((REPO / "workflow/rules").glob("*.smk")):
        text = path.read_text()
        starts = list(RULE.finditer(text))
        ends = [match.start() for match in starts[1:]] + [len(text)] * bool(starts)
        for match, end in zip(starts, ends, strict=True):
            body = text[match.end() : end]
            if re.search(r"^\s+\*\*gpu_job\(", body, re.M):
                found[match.group(1) or match.group(2)] = body
    return found


def resources_script():
    return benchmark_script("resources")


def test_every_gpu_rule_is_benchmarked_and_takes_its_configured_request():
    rules = gpu_rules()
    assert len(rules) >= 18 and {"representations_chunk", "opposites_chunk", "merging"} <= set(
        rules
    )
    for name, body in rules.items():
        assert f'**gpu_job("{name}"),' in body, name  # its own request, by its own name
        assert f'"results/benchmarks/{name}/' in body, name
    schema = yaml.safe_load((REPO / "workflow/inputgen/platform/config.schema.yaml").read_text())
    named = schema["properties"]["runtime"]["properties"]["resources"]["propertyNames"]["enum"]
    assert set(named) == set(rules)


def test_both_configs_request_every_gpu_rule_they_run():
    rules = set(gpu_rules())
    default = yaml.safe_load((REPO / "config/config.yaml").read_text())
    paper = yaml.safe_load((REPO / "config/paper.yaml").read_text())
    assert "mnist" not in default  # off: the only gpu=1 rule the default DAG never runs
    assert set(default["runtime"]["resources"]) == rules - {"mnist_training"}
    assert set(paper["runtime"]["resources"]) == rules
    for config in (default, paper):
        for name, request in config["runtime"]["resources"].items():
            assert set(request) == {"mem_mb", "runtime", "cpus_per_task"}, name


def test_resources_script_applies_its_headroom_rule(tmp_path, capsys):
    script = resources_script()
    root = tmp_path / "results/benchmarks"
    (root / "representations_chunk/lite0").mkdir(parents=True)
    (root / "cka").mkdir(parents=True)
    header = "s\th:m:s\tmax_rss\tmax_vms\tmax_uss\tmax_pss\tio_in\tio_out\tmean_load\tcpu_time"
    extended = "\tjobid\trule_name\twildcards\tparams\tthreads\tcpu_usage\tresources\tinput_size_mb"
    # Extended records, one with a tab inside its params column; a plain record without threads.
    for chunk, (seconds, rss) in enumerate([(100.0, 1000.0), (301.0, 1234.5)]):
        (root / f"representations_chunk/lite0/{chunk}.tsv").write_text(
            f"{header}{extended}\n{seconds}\t0:00:00\t{rss}\t1\t1\t1\t0\t0\t150\t{1.5 * seconds}"
            f"\t{chunk}\trepresentations_chunk\t{{}}\t{{'a': 'x\ty'}}\t2\t1\t{{}}\t0\n"
        )
    (root / "cka/cka.tsv").write_text(f"{header}\n20.0\t0:00:20\t500.0\t1\t1\t1\t0\t0\t130\t26\n")
    rules = script.requests(script.measurements(tmp_path / "results"))
    chunk = rules.loc["representations_chunk"]
    assert chunk["jobs"] == 2 and chunk["max_s"] == 301.0 and chunk["max_rss_mb"] == 1234.5
    assert chunk["mem_mb"] == math.ceil(1.5 * 1234.5 / 100) * 100 == 1900
    assert chunk["runtime"] == math.ceil(2 * 301 / 60) == 11
    assert chunk["cpus_per_task"] == 2  # the jobs' threads
    cka = rules.loc["cka"]
    assert (cka["mem_mb"], cka["runtime"], cka["cpus_per_task"]) == (800, 5, 2)  # 1.3 busy cores
    assert script.main([str(tmp_path / "results"), "--yaml"]) == 0
    block = yaml.safe_load(capsys.readouterr().out)
    assert block["runtime"]["resources"]["cka"] == {"mem_mb": 800, "runtime": 5, "cpus_per_task": 2}
