"""The READMEs' commands work: every shell command in the ```sh blocks of README.md,
config/README.md and docs/ runs here (a dry run where the real one takes minutes), every
Makefile target they name exists, every Snakemake command they quote parses, and every CLI flag
has a help text.

COMMANDS classifies each command of the ```sh blocks, with why it runs the way it does. A command
added to a README without a row here fails, and so does a row whose command left the READMEs.
"""

import argparse
import os
import re
import shlex
import shutil
import subprocess
import sys
import textwrap
from concurrent.futures import ThreadPoolExecutor
from contextlib import redirect_stderr
from importlib import metadata
from io import StringIO
from pathlib import Path

import pytest
import yaml
from conftest import REPO, split_comment
from inputgen.platform import cli
from test_workflow import snakemake

DOCS = (
    "README.md",
    "config/README.md",
    *sorted(f"docs/{p.name}" for p in (REPO / "docs").glob("*.md")),
)
BIN = Path(sys.executable).parent  # the venv of this Python: what .venv/bin/ is in a checkout

# How each README command runs here, and why:
#   dry-run   Snakemake in a fresh copy of the repository, with -n added unless it has one
#             (a real run takes minutes to hours)
#   run       as is, in a fresh copy, with an empty TORCH_HOME (fast; nothing is downloaded)
#   artifact  as is, in a directory where Snakemake has just built, with tests/config/tiny.yaml,
#             the results/... files the command names (it reads a finished run's artifacts)
#   make      not run (it installs a venv, or is this test suite): its Makefile target must exist,
#             and the target's Snakemake run is dry-run
COMMANDS = {
    "make run": ("make", "installs .venv and runs the workflow for minutes"),
    "make test": ("make", "the test suite this test is part of"),
    ".venv/bin/snakemake -n": ("dry-run", "already a dry run"),
    ".venv/bin/snakemake --list-changes params": ("dry-run", "lists files; -n changes nothing"),
    ".venv/bin/snakemake --cores all results/opposites/mobilenet_v2/opposites.tsv": (
        "dry-run",
        "runs an opposites study",
    ),
    ".venv/bin/snakemake --cores all --until opposites": ("dry-run", "runs an opposites study"),
    ".venv/bin/snakemake --cores all --forcerun opposites": ("dry-run", "runs the whole workflow"),
    ".venv/bin/inputgen --version": ("run", "fast"),
    ".venv/bin/inputgen provenance results/classify/lite0.tsv": ("artifact", "reads a run's"),
    ".venv/bin/inputgen provenance --json results/data/photos.safetensors": (
        "artifact",
        "reads a run's",
    ),
    ".venv/bin/inputgen verify": ("artifact", "checks the run's artifacts"),
    ".venv/bin/inputgen weights googlenet": ("run", "prints a path, downloads nothing"),
    ".venv/bin/inputgen weights resnet50": ("run", "prints a path, downloads nothing"),
    ".venv/bin/inputgen weights inception_v3": ("run", "prints a path, downloads nothing"),
    ".venv/bin/snakemake -n --configfile config/paper.yaml": ("dry-run", "already a dry run"),
    ".venv/bin/snakemake --cores 2 --configfile config/paper.yaml tests/config/paper_smoke.yaml": (
        "dry-run",
        "the smoke run takes minutes; tests/test_paper.py runs it for real",
    ),
    ".venv/bin/snakemake --profile workflow/profiles/slurm --configfile config/paper.yaml": (
        "dry-run",
        "submits to SLURM",
    ),
    "INPUTGEN_NIGHTLY=1 INPUTGEN_FUZZ_DRAWS=3000 INPUTGEN_FUZZ_TAMPERS=300 .venv/bin/pytest "
    "tests/test_fuzz_config.py tests/test_verify.py tests/test_determinism.py": (
        "fuzz",
        "this suite runs the fuzzers with fewer draws; the test below checks the command's parts",
    ),
}

DRY = ("-n", "--dry-run", "--dryrun")
# Snakemake modes that run no job, so need no --cores.
NO_JOBS = ("dryrun", "list_changes", "summary", "detailed_summary", "lint", "report")
IGNORED = shutil.ignore_patterns(
    ".git", ".venv*", "results", ".snakemake", "data", "__pycache__", "*.egg-info", ".*_cache"
)


def shell_commands() -> list[tuple[str, str, str]]:
    """(document, command, comment) for every line of every ```sh block of DOCS."""
    found = []
    for doc in DOCS:
        block = None
        for line in (REPO / doc).read_text().splitlines():
            fence = re.match(r"\s*```(\S*)", line)
            if fence:
                block = None if block is not None else fence.group(1)
            elif block in ("sh", "bash", "shell") and line.strip():
                command, comment = split_comment(line)
                if command.strip():
                    found.append((doc, shlex.join(shlex.split(command)), (comment or "").strip()))
    return found


def inline_code() -> list[str]:
    """Every `code span` of DOCS (fenced blocks left out)."""
    spans = []
    for doc in DOCS:
        text = re.sub(r"```.*?```", "", (REPO / doc).read_text(), flags=re.S)
        spans += re.findall(r"`([^`\n]+)`", text)
    return spans


def snakemake_args(argv: list[str]):
    """argv parsed by the installed Snakemake's own parser; None where it rejects them."""
    from snakemake.cli import get_argument_parser

    try:
        with redirect_stderr(StringIO()):
            return get_argument_parser().parse_args(argv)
    except SystemExit:
        return None


def makefile_targets() -> dict[str, list[str]]:
    """Makefile target -> its recipe lines."""
    targets, current = {}, None
    for line in (REPO / "Makefile").read_text().splitlines():
        rule = re.match(r"([\w.$()-]+)\s*:(?!=)", line)
        if rule:
            current = targets.setdefault(rule.group(1), [])
        elif line.startswith("\t") and current is not None:
            current.append(line.strip())
        elif not line.strip():
            current = None
    return targets


def program(token: str) -> str:
    """A checkout's .venv/bin/X (or the Makefile's $(BIN)/X) is X beside this Python."""
    for prefix in (".venv/bin/", "$(BIN)/"):
        if token.startswith(prefix):
            return str(BIN / token.removeprefix(prefix))
    return token


def dry(argv: list[str]) -> list[str]:
    return argv if set(argv) & set(DRY) else [argv[0], "-n", *argv[1:]]


def make_dry_runs(target: str) -> list[list[str]]:
    """The Snakemake runs of a Makefile target, as dry runs (a report needs finished jobs)."""
    lines = [shlex.split(line) for line in makefile_targets()[target]]
    return [
        dry([program(argv[0]), *argv[1:]])
        for argv in lines
        if argv[0].endswith("/snakemake") and "--report" not in argv
    ]


def run(argv: list[str], cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)


def fresh_copy(directory: Path) -> Path:
    """The repository as a fresh clone has it: no venv, no results."""
    return Path(shutil.copytree(REPO, directory / "repo", ignore=IGNORED))


def test_every_readme_command_is_classified():
    documented = {command for _, command, _ in shell_commands()}
    assert not documented - set(COMMANDS), "add these README commands to COMMANDS"
    assert not set(COMMANDS) - documented, "these COMMANDS rows are no longer in the READMEs"
    assert {how for how, _ in COMMANDS.values()} <= {"dry-run", "run", "artifact", "make", "fuzz"}


@pytest.mark.parametrize("command", [c for c, (how, _) in COMMANDS.items() if how == "fuzz"])
def test_the_nightly_fuzz_command_names_the_fuzzers_and_their_knobs(command):
    """The fuzzers run here with CI's draws; the nightly command's files and variables are
    theirs (a renamed variable would silently run CI's count)."""
    argv = shlex.split(command)
    variables = [a.split("=")[0] for a in argv if "=" in a]
    files = [REPO / a for a in argv if a.startswith("tests/")]
    assert files and all(f.is_file() for f in files)
    sources = "".join(f.read_text() for f in files)
    assert variables and all(f'os.environ.get("{v}"' in sources for v in variables)


@pytest.fixture(scope="module")
def dry_runs(tmp_path_factory) -> dict[str, list[subprocess.CompletedProcess]]:
    """Every dry-run command and make target's Snakemake run, each in its own fresh copy of the
    repository, run side by side (each takes seconds to build its DAG)."""
    jobs = {}
    for command, (how, _) in COMMANDS.items():
        argv = shlex.split(command)
        if how == "dry-run":
            jobs[command] = [dry([program(argv[0]), *argv[1:]])]
        elif how == "make":
            jobs[command] = make_dry_runs(argv[1])
    flat = [(command, argv) for command, runs in jobs.items() for argv in runs]
    copies = [fresh_copy(tmp_path_factory.mktemp("readme")) for _ in flat]
    with ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1)) as pool:
        done = list(pool.map(lambda job: run(job[0][1], job[1]), zip(flat, copies, strict=True)))
    results = {command: [] for command in jobs}
    for (command, _), result in zip(flat, done, strict=True):
        results[command].append(result)
    return results


@pytest.mark.parametrize(
    "command", [c for c, (how, _) in COMMANDS.items() if how in ("dry-run", "make")]
)
def test_readme_snakemake_commands_dry_run(command, dry_runs):
    comment = next(c for _, cmd, c in shell_commands() if cmd == command)
    argv = shlex.split(command)
    if argv[0] == "make":
        targets = makefile_targets()
        assert argv[1] in targets, f"the Makefile has no target {argv[1]!r}"
    else:  # the real command must be complete: a run without --cores stops at once
        args = snakemake_args(argv[1:])
        assert args is not None, f"Snakemake {metadata.version('snakemake')} rejects {command}"
        runs_jobs = not any(getattr(args, mode, None) for mode in NO_JOBS)
        has_cores = args.cores or args.jobs or args.profile or args.workflow_profile
        assert has_cores or not runs_jobs, f"{command} needs --cores"
    for result in dry_runs[command]:
        output = result.stdout + result.stderr
        assert result.returncode == 0, f"{shlex.join(result.args)}\n{output[-3000:]}"
        if "reason:" in comment:
            assert "reason: Missing output files" in output
        jobs = re.search(r"(\d+) jobs", comment)
        if jobs:  # the comment's job count is the DAG's
            assert re.search(rf"^total\s+{jobs.group(1)}$", output, re.M), output[-3000:]


@pytest.mark.parametrize(
    "command", [c for c, (how, _) in COMMANDS.items() if how in ("run", "artifact")]
)
def test_readme_inputgen_commands_run(command, tmp_path, request):
    comment = next(c for _, cmd, c in shell_commands() if cmd == command)
    argv = shlex.split(command)
    if COMMANDS[command][0] == "artifact":
        # the session's tiny run (made for tests/test_workflow.py anyway); the commands only read
        cwd = request.getfixturevalue("tiny_run")
    else:
        cwd = fresh_copy(tmp_path)
    env = os.environ | {"TORCH_HOME": str(tmp_path / "torch")}  # empty: nothing cached
    result = run([program(argv[0]), *argv[1:]], cwd, env)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert result.stdout.strip()
    if comment.startswith("..."):  # the comment shows the end of what it prints
        assert comment[3:] in result.stdout, result.stdout


def test_readme_makefile_targets_exist_and_match_the_text():
    targets = makefile_targets()
    named = {span.split()[1] for span in inline_code() if re.fullmatch(r"make [\w-]+", span)}
    named |= {cmd.split()[1] for _, cmd, _ in shell_commands() if cmd.startswith("make ")}
    assert named >= {"run", "test"}
    assert not named - set(targets), f"README names Makefile targets it lacks: {named}"
    # "`make run` is `snakemake --workflow-profile ...` followed by `snakemake --report ...`"
    readme = (REPO / "README.md").read_text()
    for line in targets["run"]:
        if line.startswith("$(BIN)/snakemake"):
            assert f"`{line.removeprefix('$(BIN)/')}`" in readme, line


def test_readme_inline_snakemake_commands_parse():
    """`snakemake ...` quoted in the text (not run): the installed Snakemake accepts the flags."""
    spans = [s for s in inline_code() if re.match(r"(\.venv/bin/)?snakemake( |$)", s)]
    assert spans
    for span in spans:
        argv = [token for token in shlex.split(span)[1:] if token != "..."]
        assert snakemake_args(argv) is not None, f"Snakemake rejects `{span}`"


def subcommands() -> dict:
    parser = cli.build_parser()
    (commands,) = [a for a in parser._actions if a.dest == "command"]
    return commands.choices


def test_every_cli_flag_has_help():
    missing = []
    for name, parser in subcommands().items():
        parser.format_help()  # a stray % in a help text fails here, not when a user asks
        for action in parser._actions:
            if not isinstance(action, argparse._HelpAction) and not (action.help or "").strip():
                missing.append(f"inputgen {name} {'/'.join(action.option_strings) or action.dest}")
    assert not missing, "flags without help: " + ", ".join(missing)


def test_every_stage_has_help():
    parser = cli.build_parser()
    (commands,) = [a for a in parser._actions if a.dest == "command"]
    described = {
        choice.dest
        for choice in commands._choices_actions
        if choice.help and choice.help.strip() != choice.dest
    }
    assert described == set(commands.choices)


def test_inputgen_version():
    expected = f"inputgen {metadata.version('inputgen')}"
    result = run([str(BIN / "inputgen"), "--version"], REPO)
    assert result.returncode == 0 and result.stdout.strip() == expected
    with pytest.raises(SystemExit) as exit_:
        cli.main(["--version"])
    assert exit_.value.code == 0


def python_blocks(section: str = "## The library in three lines") -> list[str]:
    """The ```python blocks of a README.md section, in order."""
    text = (REPO / "README.md").read_text()
    start = text.index(section)
    end = text.find("\n## ", start + len(section))
    return re.findall(r"```python\n(.*?)```", text[start : end if end > 0 else None], flags=re.S)


def test_the_readmes_python_blocks_run_as_a_notebook_would(tmp_path):
    """The library quick start, block after block in one interpreter, outside the checkout."""
    blocks = python_blocks()
    assert len(blocks) >= 2 and "inputgen.class_images" in blocks[0]
    script = "\n".join(blocks) + textwrap.dedent(
        """
        assert images.shape == (2, 3, 224, 224) and 0 <= images.min() and images.max() <= 1
        assert lite0.logits(images).argmax(1).tolist() == [11, 291]  # goldfinch, lion
        assert table.shape == (2, 2) and table.index[0] == "_blocks.10"
        """
    )
    run = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True,
                         text=True, timeout=600)  # fmt: skip
    assert run.returncode == 0, run.stderr[-3000:]
    assert "penultimate" in run.stdout  # the table was printed


def dry_run_jobs(config: Path, workdir: Path) -> int:
    from test_workflow import job_counts

    output = snakemake(workdir, "-n", config=config)
    return sum(job_counts(output).values())


def test_the_readmes_counts_are_the_configs(tmp_path):
    """The numbers README.md and config/README.md state about the configs: jobs and classes."""
    readme = (REPO / "README.md").read_text()
    default = int(re.search(r"`make run`, default config \((\d+) jobs", readme).group(1))
    paper = int(re.search(r"--configfile config/paper.yaml +# (\d+) jobs", readme).group(1))
    assert dry_run_jobs(REPO / "config/config.yaml", tmp_path / "default") == default
    assert dry_run_jobs(REPO / "config/paper.yaml", tmp_path / "paper") == paper
    classes = len(yaml.safe_load((REPO / "config/config.yaml").read_text())["classes"])
    stated = re.findall(r"(\d+) classes", readme + (REPO / "config/README.md").read_text())
    says = re.search(
        r"The default has (\d+) in coarse groups", (REPO / "config/README.md").read_text()
    )
    assert int(says.group(1)) == classes
    assert "40" not in stated, "a stale count of the default's classes"
