"""results/findings.md quotes its tables: every number in it is a cell of the TSV it names.

The checker here reads the page back independently of inputgen.findings: each table names its
TSV (a ``Source:`` line, or a ``source`` column); a row whose columns are the TSV's must be a row
of the TSV, and a ``fn(column)`` cell must equal that aggregate over the TSV's rows that match
the row's other cells. The prose below the header holds no numbers.
"""

import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import run_stage
from inputgen import findings
from inputgen.platform import artifacts

AGGREGATE = re.compile(r"(\w+)\((.+)\)")
MACHINE = {"platform": "Linux-x86_64", "cpus": 2, "torch": "2.14.1", "made_on": "device cpu"}


def cells(line: str) -> list[str]:
    return [c.strip().replace("\\|", "|") for c in re.split(r"(?<!\\)\|", line.strip())[1:-1]]


def quoted_tables(markdown: str) -> list[tuple[str | None, list[str], list[list[str]]]]:
    """(the TSV its Source: line names, or None; header; rows) of every table."""
    blocks = [b.strip() for b in re.split(r"\n\s*\n", markdown) if b.strip()]
    tables = []
    for previous, block in zip(["", *blocks], blocks, strict=False):
        lines = block.splitlines()
        if all(line.startswith("|") for line in lines):
            source = re.fullmatch(r"Source: `(.+)`", previous)
            tables.append(
                (source.group(1) if source else None, cells(lines[0]), list(map(cells, lines[2:])))
            )
    return tables


def number(value) -> float:
    """A TSV value as a number (flags as 1/0); NaN where it is none."""
    if isinstance(value, bool | np.bool_):
        return float(value)
    if value in ("True", "False"):
        return float(value == "True")
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def same(cell: str, value) -> bool:
    """Does a cell of the page show this TSV value (floats to 4 significant digits)?"""
    if cell == "":
        return value is None or (not isinstance(value, str) and pd.isna(value))
    if isinstance(value, bool | np.bool_ | str):
        return cell == str(value)
    return float(cell) == pytest.approx(float(value), rel=1e-3, abs=1e-300)


def check_findings(markdown: str, root: Path) -> int:
    """Assert every table cell of the page against its TSV under ``root``; the number of
    numeric cells checked."""
    checked = 0
    for source, header, rows in quoted_tables(markdown):
        assert source or header[0] == "source", f"a table names no TSV: {header}"
        for row in rows:
            row = dict(zip(header, row, strict=True))
            path = source or row.pop("source").strip("`")
            frame = pd.read_csv(root / path, sep="\t")
            plain = {c: v for c, v in row.items() if not AGGREGATE.fullmatch(c)}
            assert set(plain) <= set(frame.columns), f"{path} has no column {set(plain)}"
            keep = [all(same(v, r[c]) for c, v in plain.items()) for _, r in frame.iterrows()]
            matching = frame[keep]
            assert len(matching), f"no row of {path} reads {plain}"
            for spec, cell in row.items():
                if spec in plain:
                    checked += cell != "" and not isinstance(frame[spec].iloc[0], str)
                    continue
                fn, column = AGGREGATE.fullmatch(spec).groups()
                values = pd.Series([number(v) for v in matching.get(column, [])]).dropna()
                expected = len(matching) if fn == "count" else getattr(values, fn)()
                assert same(cell, expected), f"{spec} of {path} {plain}: {cell} != {expected}"
                checked += 1
    return checked


def prose_numbers(markdown: str) -> list[str]:
    """Numbers in the text below the header (outside tables and `code`)."""
    body = markdown[markdown.index("\n## ") :]
    found = []
    for line in body.splitlines():
        if not line.startswith("|"):
            found += re.findall(r"(?<![\w.])\d[\d.]*", re.sub(r"`[^`]*`", "", line))
    return found


# ---------------------------------------------------------------------- hand-made tables


def hand_made() -> dict[str, dict[str, pd.DataFrame]]:
    """Small tables of every kind, with the columns the stages write."""
    from inputgen.claims import claims_table

    return {
        "article_claims": {
            "results/claims.tsv": claims_table(
                {
                    "commutativity": {
                        "results/opposites/m/commutativity.tsv": pd.DataFrame(
                            {"rate": [0.25], "classes": [8]}
                        )
                    },
                    "merging": {
                        "results/merging/m/merging.tsv": pd.DataFrame(
                            {"name": ["tench"], "own_reduction": [2.151]}
                        )
                    },
                },
                relu=False,
            )
        },
        "quality": {
            f"results/representations/{g}/quality.tsv": pd.DataFrame(
                {
                    "generator": [g, g],
                    "evaluator": [g, other],
                    "relation": ["self", "transfer"],
                    "top1": [1.0, 0.075],
                    "top5": [None, 0.325],
                }
            )
            for g, other in (("lite0", "mobilenet_v2"), ("mobilenet_v2", "lite0"))
        },
        "ablation": {
            "results/ablation/lite0/ablation.tsv": pd.DataFrame(
                {
                    "config": ["none", "ours"],
                    "self_top1": [1.0, 0.75],
                    "transfer_top1": [0.0, 0.0833],
                    "transfer_top5": [0.0, 0.25],
                    "lite1_top5": [0.0, 0.5],
                }
            )
        },
        "commutativity": {
            "results/opposites/m/commutativity.tsv": pd.DataFrame({"rate": [0.125], "classes": [8]})
        },
        "transfiguration": {
            "results/transfiguration/lite0/transfiguration.tsv": pd.DataFrame(
                {
                    "photo": ["flower", "flower"],
                    "target": [483, 985],
                    "target_name": ["castle", "daisy"],
                    "control": [False, True],
                    "start_prob": [0.0001, 0.8123],
                    "end_prob": [0.9871, 0.99995],
                    "end_top1_name": ["castle", "daisy"],
                    "self_top1": [1, 1],
                }
            )
        },
        "transfiguration_transfer": {
            "results/transfiguration/lite0/transfer.tsv": pd.DataFrame(
                {
                    "elements": ["targets", "targets"],
                    "generator": ["lite0", "lite0"],
                    "evaluator": ["lite0", "lite1"],
                    "relation": ["self", "transfer"],
                    "images": [2, 2],
                    "top1": [1.0, 0.5],
                    "top5": [1.0, 0.5],
                    "mean_prob": [0.9871, 0.3012],
                }
            )
        },
        "interpolation": {
            "results/interpolation/lite0/transfer.tsv": pd.DataFrame(
                {
                    "generator": ["lite0", "lite0"],
                    "evaluator": ["lite0", "lite1"],
                    "relation": ["self", "transfer"],
                    "paths": [1, 1],
                    "frames": [8, 8],
                    "start_frames": [3, 0],
                    "end_frames": [5, 8],
                    "passes": [1, 0],
                    "peak_prob_start": [0.91, 0.02],
                    "peak_prob_end": [0.99, 0.87],
                }
            )
        },
        "coherence": {
            "results/graphs/coherence.tsv": pd.DataFrame(
                {
                    "generator": ["lite0", "lite0"],
                    "evaluator": ["lite0", "resnet18_random"],
                    "relation": ["nearest", "metric"],
                    "observed": [0.75, 0.2307692],
                    "baseline_mean": [0.0812345, 0.079],
                    "ci_low": [0.0, 0.0],
                    "ci_high": [0.1794872, 0.17],
                    "p_value": [0.00009999, 0.0061],
                    "edges": [40, 39],
                }
            )
        },
        "vectorisation": {
            "results/vectorisation/mobilenet_v2/vectorisation.tsv": pd.DataFrame(
                {
                    "kind": ["class", "class", "photo"],
                    "target": ["0", "1", "chelsea"],
                    "name": ["tench", "goldfish", "chelsea"],
                    "start_distance": [101.5, 98.25, 120.0],
                    "end_distance": [50.2, 61.0, 40.0],
                    "reduction": [2.022, 1.611, 3.0],
                    "toward_top1": ["tench", "coho", ""],
                    "toward_recognises": [True, False, None],
                    "moved_toward": [False, True, None],
                }
            )
        },
        "merging": {
            "results/merging/mobilenet_v2/merging.tsv": pd.DataFrame(
                {
                    "class": list(range(15)),
                    "name": [f"class {i}" for i in range(15)],
                    "rss_before": np.linspace(10, 20, 15).round(2),
                    "rss_own": np.linspace(8, 9, 15).round(2),
                    "own_reduction": np.linspace(1.25, 1.85, 15).round(3),
                    "rss_after": np.linspace(8, 9, 15).round(2),
                    "rss_reduction": np.linspace(1.25, 1.85, 15).round(3),
                    "toward_top1_after": ["x"] * 15,
                    "toward_recognises_after": [False] * 14 + [True],
                    "moved_toward": [False] * 15,
                }
            )
        },
        "cka": {
            "results/cka/summary.tsv": pd.DataFrame(
                {
                    "data": ["natural", "inverted"],
                    "mean_off_diagonal_cka": [0.9412, 0.0123],
                    "samples": ["256", "16/16"],
                }
            )
        },
        "inversion": {
            f"results/inversion/{m}/summary.tsv": pd.DataFrame(
                {
                    "model": [m],
                    "pairs": [16],
                    "steps": [30],
                    "label_source": ["model top-1"],
                    "median_start_distance": [1.1234],
                    "median_distance": [d],
                    "labelled_as_target": [0.6875],
                }
            )
            for m, d in (("lite0", 0.4811), ("mobilenet_v2", 0.2799))
        },
        "claims": {
            "results/autoencoding/claims.tsv": pd.DataFrame(
                {
                    "model": ["resnet18_random", "resnet18_random"],
                    "trained": [False, False],
                    "claim": ["m_i grows with depth", "deepest layer: m_g < m_r"],
                    "value": [1.0, 0.634],
                    "measure": ["Spearman rho", "m_g / m_r (m_i / |a' - a| = 7.12)"],
                    "holds": [True, True],
                }
            )
        },
        "fully_connected": {
            "results/fully_connected/width.tsv": pd.DataFrame(
                {
                    "net": [64] * 4 + [128] * 4,
                    "depth": [1] * 8,
                    "narrowest": [64] * 4 + [128] * 4,
                    "inputs": [108] * 8,
                    "photo": ["a", "b"] * 4,
                    "iteration": [0, 0, 3, 3] * 2,
                    "m_i": [3.0, 3.1, 2.8, 2.9, 3.0, 3.2, 2.5, 2.41],
                    "m_g": [1.3, 1.4, 1.1, 1.2, 1.3, 1.35, 0.9, 0.95],
                }
            )
        },
        "conditioning": {
            "results/linear/conditioning.tsv": pd.DataFrame(
                {
                    "scheme": ["default"] * 3 + ["orthogonal"] * 3,
                    "depth": [1, 2, 3] * 2,
                    "condition_number": [659.1, 1.2e5, 3.4e13, 1.0000000000000009, 1.0, 1.0],
                    "sigma_max": [0.91, 0.42, 0.28, 1.0, 1.0, 1.0],
                    "sigma_min": [0.058, 0.013, 7.6e-4, 1.0, 1.0, 1.0],
                }
            )
        },
        "invertible": {
            "results/linear/invertible.tsv": pd.DataFrame(
                {
                    "photo": ["chelsea", "chelsea"],
                    "dtype": ["float32", "float64"],
                    "relative_error": [1612.3, 1.7e-10],
                }
            )
        },
        "neighbours": {
            "results/linear/neighbours_summary.tsv": pd.DataFrame(
                {
                    "photo": ["chelsea"],
                    "median_random": [6.1e7],
                    "shifted": [2.0],
                    "descent": [8.6],
                    "descent_percentile": [0.0],
                    "random_output_distance": [0.0069],
                    "shifted_output_distance": [0.03],
                    "descent_output_distance": [0.05],
                }
            )
        },
        "mnist": {
            "results/mnist/metrics.tsv": pd.DataFrame(
                {
                    "step": [0, 0, 8, 8],
                    "epoch": [0.0, 0.0, 1.0, 1.0],
                    "test_accuracy": [0.1131, 0.1131, 0.97, 0.97],
                    "layer": ["conv1", "conv1", "conv1", "conv1"],
                    "digit": [0, 1, 0, 1],
                    "m_g": [41.1, 40.2, 2.0, 2.5],
                    "m_i": [30.7, 29.9, 0.005, 0.006],
                    "m_r": [2.58, 2.62, 2.6, 2.6],
                }
            )
        },
    }


def write(tables, root: Path) -> None:
    """As the stages write them: each table with its sealed record (the findings read them
    checked)."""
    from inputgen.platform import artifacts, provenance

    for by_path in tables.values():
        for path, frame in by_path.items():
            (root / path).parent.mkdir(parents=True, exist_ok=True)
            record = provenance.seal({"stage": "test", "config": {}})
            artifacts.write_table(root / path, frame, record)


def page(tables) -> str:
    return findings.document(
        tables,
        config="results/config.yaml",
        config_files=["config/config.yaml"],
        date="2026-11-25 12:00 UTC",
        machine=MACHINE,
    )


def test_every_number_of_the_page_is_a_value_of_its_tsv(tmp_path):
    tables = hand_made()
    write(tables, tmp_path)
    markdown = page(tables)
    assert check_findings(markdown, tmp_path) > 100
    assert prose_numbers(markdown) == []
    for title in (
        "The articles' claims",
        "Class representations",
        "Prior ablation",
        "Class graphs and PCA",
        "Merging",
        "Layer autoencoding",
        "Fully connected nets",
        "Invertible linear net",
        "MNIST training",
    ):
        assert f"## {title}" in markdown
    assert "Not in this run" not in markdown


def test_quoted_values_parse_back_to_the_frames(tmp_path):
    tables = hand_made()
    markdown = page(tables)
    quoted = {tuple(header): rows for _, header, rows in quoted_tables(markdown)}
    quality = quoted[("source", "generator", "evaluator", "relation", "top1", "top5")]
    expected = pd.concat(tables["quality"].values(), ignore_index=True)
    assert [float(r[4]) for r in quality] == expected["top1"].tolist()
    assert [r[5] for r in quality] == ["", "0.325", "", "0.325"]  # self has no top-5
    coherence = quoted[
        (
            "generator",
            "evaluator",
            "relation",
            "observed",
            "baseline_mean",
            "ci_low",
            "ci_high",
            "p_value",
        )
    ]
    assert [r[7] for r in coherence] == ["9.999e-05", "0.0061"]
    assert [r[3] for r in coherence] == ["0.75", "0.2308"]
    (vectorised,) = [rows for header, rows in quoted.items() if "mean(reduction)" in header]
    # The class rows only: the photo row has no picture of the other model to move toward.
    assert vectorised == [["class", "2", "1.817", "1", "1"]]
    conditioning = quoted[("scheme", "depth", "condition_number", "sigma_max", "sigma_min")]
    assert [(r[0], r[1], r[2]) for r in conditioning] == [
        ("default", "1", "659.1"),
        ("default", "3", "3.4e+13"),
        ("orthogonal", "1", "1"),
        ("orthogonal", "3", "1"),
    ]


def test_ablation_shows_confidence_limits_only_where_the_table_has_them(tmp_path):
    def header(markdown: str) -> list[str]:
        return next(h for _, h, _ in quoted_tables(markdown) if "config" in h)

    plain = hand_made()
    assert header(page(plain)) == ["config", "self_top1", "transfer_top1", "transfer_top5"]
    with_limits = hand_made()
    (frame,) = with_limits["ablation"].values()
    frame["classes"] = 4
    frame["pixel_std"] = [0.21, 0.1234]  # a metric the findings do not name, with limits
    for metric in ("self_top1", "transfer_top1", "transfer_top5", "pixel_std"):
        frame[f"{metric}_low"] = frame[metric] - 0.05
        frame[f"{metric}_high"] = frame[metric] + 0.125
    write(with_limits, tmp_path)
    markdown = page(with_limits)
    assert header(markdown)[:5] == [
        "config",
        "classes",
        "self_top1",
        "self_top1_low",
        "self_top1_high",
    ]
    assert header(markdown)[-3:] == ["pixel_std", "pixel_std_low", "pixel_std_high"]
    assert len(header(markdown)) == 14 and "lite1_top5" not in header(markdown)
    assert check_findings(markdown, tmp_path) > 100


def test_a_study_switched_off_is_left_out_with_a_line(tmp_path):
    tables = {"quality": hand_made()["quality"], "cka": hand_made()["cka"]}
    write(tables, tmp_path)
    markdown = page(tables)
    check_findings(markdown, tmp_path)
    assert (
        "## Prior ablation\n\nNot in this run: the config's `ablation` section is off" in markdown
    )
    for study in ("merging", "vectorisation", "autoencoding", "mnist", "conditioning"):
        assert f"the config's `{study}` section is off" in markdown
    assert len(quoted_tables(markdown)) == 2


def test_long_tables_show_their_first_rows_and_aggregate_them_all(tmp_path):
    tables = hand_made()
    write(tables, tmp_path)
    markdown = page(tables)
    merging = next(rows for _, h, rows in quoted_tables(markdown) if "rss_before" in h)
    assert len(merging) == findings.ROWS
    summary = next(rows for _, h, rows in quoted_tables(markdown) if "min(rss_reduction)" in h)
    assert summary == [["15", "1.55", "1.25", "1.85", "1", "0"]]
    assert "First rows only" in markdown


def test_header_names_config_date_machine_and_that_digits_vary():
    header = findings.header("results/config.yaml", ["tests/config/tiny.yaml"], "2026", MACHINE)
    assert "`results/config.yaml` (resolved from `tests/config/tiny.yaml`)" in header
    assert "- date: 2026" in header
    assert "- machine: Linux-x86_64, 2 CPUs, torch 2.14.1" in header
    assert "- tables made on: device cpu" in header
    assert findings.VARIATION_NOTE in header


def test_cells_round_floats_and_keep_flags_and_text():
    assert [findings.fmt(v) for v in (1.0, 0.0833333, 3.4e13, 12, np.int64(7))] == [
        "1",
        "0.08333",
        "3.4e+13",
        "12",
        "7",
    ]
    assert [findings.fmt(v) for v in (True, np.bool_(False), None, math.nan, "a|b")] == [
        "True",
        "False",
        "",
        "",
        "a\\|b",
    ]


def test_html_page_shows_the_tables():
    text = findings.to_html(page(hand_made()))
    assert text.startswith("<!DOCTYPE html>") and "<h2>Prior ablation</h2>" in text
    assert "<th>transfer_top5</th>" in text and "<td>0.0833</td>" in text
    # every table scrolls inside its panel: a wide one never widens the report's frame
    assert text.count("<table>") == text.count("<div class='wide'><table>") > 0
    assert ".wide{max-width:100%;overflow-x:auto}" in text
    assert "m_i / |a&#x27; - a|" in text or "m_i / |a' - a|" in text


def test_cli_writes_the_page_with_provenance(tmp_path, monkeypatch):
    tables = hand_made()
    write(tables, tmp_path)
    (tmp_path / "results/config.yaml").write_text("seed: 0\n")
    monkeypatch.chdir(tmp_path)
    files = {kind: list(by_path) for kind, by_path in tables.items() if kind != "ablation"}
    code = run_stage(  # no ablation tables: the study is off
        "findings",
        {"config_files": ["config/config.yaml"]},
        config="results/config.yaml",
        **files,
        out="results/findings.md",
        html="results/findings.html",
    )
    assert code == 0
    markdown = (tmp_path / "results/findings.md").read_text()
    assert check_findings(markdown, tmp_path) > 100
    assert "## Prior ablation\n\nNot in this run" in markdown
    assert "resolved from `config/config.yaml`" in markdown
    assert "tables made on: device None" in markdown  # the test records name no device
    record = artifacts.read_provenance(tmp_path / "results/findings.md")
    assert record["stage"] == "findings"
    assert "results/cka/summary.tsv" in {item["path"] for item in record["inputs"]}
    assert "<table>" in (tmp_path / "results/findings.html").read_text()


# ---------------------------------------------------------------------- the tiny run


def test_tiny_run_findings_quote_the_run_tables(tiny_run):
    markdown = (tiny_run / "results/findings.md").read_text()
    assert check_findings(markdown, tiny_run) > 50
    assert prose_numbers(markdown) == []
    assert "resolved from `tests/config/tiny.yaml`" in markdown
    assert re.search(r"- machine: .+, \d+ CPUs, torch \S+", markdown)
    assert "- tables made on: device cpu; torch " in markdown
    sources = {source for source, _, _ in quoted_tables(markdown)}
    for table in (
        "results/claims.tsv",
        "results/representations/lite0/quality.tsv",
        "results/ablation/lite0/ablation.tsv",
        "results/graphs/coherence.tsv",
        "results/cka/summary.tsv",
        "results/autoencoding/claims.tsv",
        "results/linear/conditioning.tsv",
        "results/mnist/metrics.tsv",
    ):
        assert table in sources, table
    # tests/config/tiny.yaml switches vectorisation and merging off.
    assert "## Vectorisation\n\nNot in this run" in markdown
    assert "## Merging by parameters\n\nNot in this run" in markdown
    assert (tiny_run / "results/findings.html").is_file()
    assert artifacts.read_provenance(tiny_run / "results/findings.md")["stage"] == "findings"


def test_readme_quotes_a_findings_page_with_its_date_and_machine():
    """README.md's findings are a verbatim quote of a run's results/findings.md: the page's
    header (date, machine) and its tables, each naming its TSV, not numbers typed by hand."""
    text = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    quote = text.split("<!-- findings:start -->")[1].split("<!-- findings:end -->")[0]
    assert re.search(r"^- date: \d{4}-\d\d-\d\d \d\d:\d\d UTC$", quote, re.M)
    assert re.search(r"^- machine: .+, \d+ CPUs, torch ", quote, re.M)
    tables = re.findall(r"((?:^\|.*\|\n)+)", quote, re.M)
    assert len(tables) >= 5
    for table in tables:
        header = table.splitlines()[0]
        before = quote[: quote.index(table)].rstrip().splitlines()[-1]
        assert header.startswith("| source |") or before.startswith("Source: `results/"), header


def test_each_studys_section_is_headed_by_its_report_category():
    """One name per study: the findings page heads a study's section with the title its rule
    file registers (the report's category), and a study switched off says so under it."""
    from conftest import parsed_workflow
    from inputgen import studies

    registered = parsed_workflow()[0]
    sections = {
        module.__name__.rsplit(".", 1)[-1]: module.findings_section({})
        for module in studies.modules()
        if hasattr(module, "findings_section")
    }
    assert len(sections) >= 15, sorted(sections)
    for name, text in sections.items():
        assert text.splitlines()[0] == f"## {registered[name]['title']}", (name, text[:80])
        assert "Not in this run" in text, name
