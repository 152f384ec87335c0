"""The Snakemake report as a reader sees it: headless Chromium opens results/report.html of the
tiny run, and a script added to a copy of the page (tests/report_check.js) clicks through every
category, subcategory and row, opens each result and its caption, and reads back what the
browser drew. The report is one HTML file whose React app shows one result at a time, so
counting <img> elements in the loaded page would say nothing; instead every result must be
reachable from the menus, every figure must be drawn with the pixels of its PNG on disk (a
figure cut short or blanked differs, as the second test shows), and every caption must be
shown and name the config that made the figure. The third test renders every caption of the
full reproduction's DAG (config/paper.yaml) without running it.
"""

from __future__ import annotations

import base64
import collections
import html
import io
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml
from PIL import Image
from test_workflow import snakemake

REPO = Path(__file__).resolve().parents[1]
CHECK_SCRIPT = Path(__file__).with_name("report_check.js")
CHROMIUM = next(
    filter(None, map(shutil.which, ("chromium", "chromium-browser", "google-chrome"))), None
)
GRID = 8  # report_check.js's blocks per side
IMAGE_TYPES = {"image/png", "image/jpeg", "image/svg+xml"}  # the report shows these in the page


def embedded(page: str, name: str) -> dict:
    """One of the report's embedded JSON variables (``results``, ``categories``)."""
    found = re.search(rf'<script id="{name}">\s*var {name} = (\{{.*\}});\s*</script>', page)
    assert found, f"the report embeds no `var {name}`"
    return json.loads(found.group(1))


def with_embedded(page: str, name: str, value: dict) -> str:
    pattern = rf'(<script id="{name}">\s*var {name} = )\{{.*\}}(;\s*</script>)'
    return re.sub(pattern, lambda m: m.group(1) + json.dumps(value) + m.group(2), page)


def in_browser(page: str, tmp_path: Path) -> dict:
    """Load ``page`` with report_check.js in headless Chromium; what the script saw."""
    head, body_end, tail = page.rpartition("</body>")  # the last one: libraries quote the tag
    checked = tmp_path / "report_checked.html"
    checked.write_text(f"{head}<script>{CHECK_SCRIPT.read_text()}</script>\n{body_end}{tail}")
    run = subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--force-color-profile=srgb",  # pixels as stored, to compare with the PNGs
            f"--user-data-dir={tmp_path / 'chromium-profile'}",
            # Virtual time: the page's timers run at once; the DOM is dumped when it is idle.
            "--virtual-time-budget=600000",
            "--dump-dom",
            checked.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    found = re.findall(r'<pre id="inputgen-check">([^<]*)</pre>', run.stdout)
    assert found, f"the check script left no result: {run.stderr[-2000:]}"
    seen = json.loads(html.unescape(found[-1]))
    assert seen["done"] and not seen["errors"], seen["errors"]
    return seen


def blocks(png: bytes) -> np.ndarray:
    """Mean R, G, B, A of GRID x GRID blocks, as report_check.js computes them."""
    pixels = np.asarray(Image.open(io.BytesIO(png)).convert("RGBA"), dtype=np.float64)
    height, width = pixels.shape[:2]
    rows, columns = (np.arange(height) * GRID) // height, (np.arange(width) * GRID) // width
    means = [
        pixels[rows == row][:, columns == column].mean(axis=(0, 1))
        for row in range(GRID)
        for column in range(GRID)
    ]
    return np.concatenate(means)


def badly_drawn(entry: dict, png: bytes) -> str | None:
    """Why a figure the browser drew is not the PNG, or None when it is."""
    if not entry.get("width"):
        return "not drawn (the browser could not decode it)"
    if entry["std"] == 0:
        return "blank (every pixel the same)"
    if np.abs(np.array(entry["blocks"]) - blocks(png)).max() > 2:
        return "drawn with other pixels than the PNG holds (cut short or changed)"
    return None


@pytest.fixture(scope="module")
def report(tiny_run) -> Path:
    if CHROMIUM is None:  # before the report is written: no browser, nothing to check it with
        pytest.skip("chromium is not installed (Debian: apt-get install chromium)")
    snakemake(tiny_run, "--report", "results/report.html")
    return tiny_run / "results/report.html"


def test_report_in_a_browser_shows_every_figure_with_its_caption(report, tmp_path):
    page = report.read_text()
    results = embedded(page, "results")
    seen = in_browser(page, tmp_path)
    shown = {entry["path"]: entry for entry in seen["entries"]}
    # Every result is reachable from the menus: none hidden by colliding labels or a toggle.
    assert None not in shown and set(shown) == set(results)
    figures = [path for path, result in results.items() if result["mime_type"] in IMAGE_TYPES]
    root = report.parent.parent
    made = {str(png.relative_to(root)) for png in (root / "results").rglob("*.png")}
    assert len(made) >= 30 and set(figures) == made  # every figure the run made, no other
    for path in figures:
        assert shown[path]["kind"] == "img", path
        problem = badly_drawn(shown[path], (root / path).read_bytes())
        assert problem is None, f"{path}: {problem}"
    for path in ("results/findings.html", "results/provenance.html"):
        assert shown[path]["kind"] == "html"  # pages open in a frame

    # Grouped by study, then model; each row named by its figure and model labels.
    for entry in seen["entries"]:
        assert len(entry["labels"]) == 2 and all(entry["labels"]), entry
    assert shown["results/classify/lite0.png"]["subcategory"] == "lite0"
    assert shown["results/ablation/lite0/ablation.tsv"]["category"].endswith(" Prior ablation")
    assert min(item["category"] for item in shown.values()) == "01 Findings"  # opens on them

    # Every result has a caption, shown in the info panel, naming the config that made it.
    for path, entry in shown.items():
        assert "\nDESCRIPTION\n" in entry["caption"].upper(), f"{path} shows no caption"
    config = yaml.safe_load((report.parent / "config.yaml").read_text())
    generation = config["generation"]

    def caption(path):
        return " ".join(shown[path]["caption"].split())

    assert f"{generation['steps']} {generation['rule']} steps" in caption(
        "results/representations/lite0/grid.png"
    )
    assert "efficientnet_lite0" in caption("results/classify/lite0.png")
    assert f"top-{config['classify']['topk']}" in caption("results/classify/lite0.tsv")
    assert f"{config['photos']['crops']} seeded random crops" in caption("results/data/photos.png")
    assert "chelsea" in caption("results/transfiguration/lite0/frames.png")
    assert str(config["ablation"]["classes"]) in caption("results/ablation/lite0/ablation.png")

    # Key tables are in the report, and so is the run's provenance page.
    for table in (
        "results/representations/lite0/summary.tsv",
        "results/representations/lite0/quality.tsv",
        "results/ablation/lite0/ablation.tsv",
        "results/transfiguration/lite0/transfer.tsv",
        "results/interpolation/lite0/transfer.tsv",
        "results/cka/summary.tsv",
        "results/graphs/coherence.tsv",
    ):
        assert shown[table]["kind"] == "download", table
    provenance_uri = results["results/provenance.html"]["data_uri"]
    provenance = base64.b64decode(provenance_uri.split(",", 1)[1]).decode()
    for expected in ("results/classify/lite0.png", "classify", "57934424", "torch"):
        assert expected in provenance, expected


def test_the_browser_check_sees_a_broken_and_a_blank_figure(report, tmp_path):
    """The check above is not vacuous: in a copy of the report, one figure cut to half its
    bytes and one replaced by a white picture are both caught, and an intact one passes."""
    page = report.read_text()
    results = embedded(page, "results")
    kept = {
        "results/classify/lite0.png": "intact",
        "results/cka/heatmaps.png": "cut",
        "results/data/photos.png": "blank",
    }
    white = io.BytesIO()
    Image.new("RGB", (64, 48), "white").save(white, format="PNG")
    for path, change in kept.items():
        prefix, data = results[path]["data_uri"].split(",", 1)
        if change == "cut":
            data = data[: len(data) // 2]
        elif change == "blank":
            data = base64.b64encode(white.getvalue()).decode()
        results[path]["data_uri"] = f"{prefix},{data}"
    page = with_embedded(page, "results", results)
    # Only these three in the menus (quicker), each in a subcategory of its own, in two
    # categories (one category alone gets another menu).
    intact, cut, blank = kept
    menus = {"A": {"intact": [intact]}, "B": {"cut": [cut], "blank": [blank]}}
    page = with_embedded(page, "categories", menus)
    seen = in_browser(page, tmp_path)
    problems = {
        entry["path"]: badly_drawn(entry, (report.parent.parent / entry["path"]).read_bytes())
        for entry in seen["entries"]
    }
    assert problems["results/classify/lite0.png"] is None
    assert problems["results/cka/heatmaps.png"] is not None
    assert problems["results/data/photos.png"].startswith("blank")


def test_every_caption_of_the_full_reproduction_renders(tmp_path):
    """config/paper.yaml's DAG holds every rule with a report() output (some of which the tiny
    run skips: pairs, vectorisation, merging, the layer pair): each caption renders with no
    undefined name and no reStructuredText warning, and every result has a study category, a
    subcategory and unique labels within it (labels that collide hide a result in the report)."""
    out = tmp_path / "captions.json"
    run = subprocess.run(
        [
            sys.executable,
            str(REPO / "tests/report_captions.py"),
            str(out),
            str(tmp_path),
            str(REPO / "config/paper.yaml"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    items = json.loads(out.read_text())
    rules = {item["rule"] for item in items}
    assert {"pairs", "vectorisation", "merging", "cka_layers", "run_summary"} <= rules
    for item in items:
        where = f"{item['rule']} {item['path']} ({item['caption_file']})"
        assert "error" not in item, f"{where}: {item.get('error')}"
        assert "system-message" not in item["html"], f"{where}: {item['html']}"
        assert item["category"] and item["subcategory"], where
        assert set(item["labels"]) == {"figure", "model"}, where
    groups = collections.defaultdict(list)
    for item in items:
        groups[item["category"], item["subcategory"]].append(item["labels"])
    for group, labels in groups.items():
        figures = [label["figure"] for label in labels]
        assert len(figures) == len(set(figures)), f"labels collide in {group}: {figures}"
        # A second label with two values, half the rows each, becomes a toggle that shows one
        # half at a time (and, in Snakemake 9.27, breaks the page): one model per subcategory.
        assert len({label["model"] for label in labels}) == 1, f"{group}: {labels}"
