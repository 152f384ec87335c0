"""A stage declared once: its settings dataclass and files give the command, the record and
the rule's command line (inputgen.platform.stage)."""

import dataclasses
import json
from dataclasses import dataclass

import pytest
from conftest import REPO, run_stage
from inputgen.engine.optimize import Descent
from inputgen.platform import artifacts, cli
from inputgen.platform.config import schema_default, schema_defaults
from inputgen.platform.stage import (
    STAGES,
    File,
    command_line,
    knob,
    pick,
    settings_from,
    settings_json,
)


@dataclass(frozen=True)
class Toy:
    width: int = knob("a width")
    scale: float = knob("a scale", 1.0)
    names: list[str] = knob("names", [])
    octaves: tuple[float, ...] = knob("octaves", (1.0,))
    descent: Descent | None = knob("an optional nested descent", None)


def test_settings_refuse_unknown_and_missing_keys_by_name():
    with pytest.raises(ValueError, match=r"toy: unknown settings \['widht'\]"):
        settings_from(Toy, {"widht": 3}, "toy")
    with pytest.raises(ValueError, match=r"toy: settings \['width'\] are required"):
        settings_from(Toy, {}, "toy")
    with pytest.raises(ValueError, match="toy.width must be int, got '3'"):
        settings_from(Toy, {"width": "3"}, "toy")
    with pytest.raises(ValueError, match="toy.width must be int, got True"):
        settings_from(Toy, {"width": True}, "toy")


def test_settings_take_json_values_as_their_types():
    toy = settings_from(
        Toy, {"width": 3, "scale": 2, "octaves": [0.5, 1.0], "descent": {"steps": 4, "lr": 1}}
    )
    assert toy.scale == 2.0 and isinstance(toy.scale, float)
    assert toy.octaves == (0.5, 1.0)
    assert toy.descent == Descent(steps=4, lr=1)
    assert toy.names == [] and Toy(width=1).names is not Toy(width=1).names  # no shared default


def test_every_stage_has_a_command_with_its_files_and_settings_help():
    parser = cli.build_parser()
    (commands,) = [a for a in parser._actions if a.dest == "command"]
    assert len(STAGES) >= 30
    for name, stage in STAGES.items():
        command = commands.choices[name]
        flags = {option for action in command._actions for option in action.option_strings}
        assert "--settings" in flags
        assert {"--" + f.replace("_", "-") for f in stage.files} <= flags, name
        assert ("--device" in flags) == stage.models, name
        assert all(action.help for action in command._actions), name
        assert "settings (the --settings JSON object):" in command.epilog, name


def test_the_rule_command_line_names_the_stage_files_and_refuses_a_missing_one():
    line = command_line(
        "conditioning",
        {"table": "t.tsv", "spectra": "s.tsv", "figure": "f.png", "weights": "ignored.pth"},
    )
    assert line == "conditioning --table t.tsv --spectra s.tsv --figure f.png"
    with pytest.raises(ValueError, match="needs the file 'figure'"):
        command_line("conditioning", {"table": "t.tsv", "spectra": "s.tsv"})
    runtime = {"device": "cpu", "batch_size": 4, "threads": 2}
    line = command_line("classify", {"photos": "p", "table": "t", "figure": "f"}, runtime)
    assert line.endswith("--device cpu --batch-size 4 --threads 2")


def test_rule_settings_are_checked_and_canonical():
    section = {"width": 8, "depth": 3, "schemes": ["default"], "models": ["not a setting"]}
    picked = pick("conditioning", section, seed=1)
    assert picked == {"width": 8, "depth": 3, "schemes": ["default"], "seed": 1}
    text = settings_json("conditioning", dict(reversed(list(picked.items()))))
    assert text == settings_json("conditioning", picked)  # key order never reruns a job
    with pytest.raises(ValueError, match="conditioning: unknown settings"):
        settings_json("conditioning", {**picked, "widths": 8})


def test_the_record_holds_the_settings_and_every_argument(tmp_path):
    settings = {"width": 4, "depth": 2, "schemes": ["orthogonal"], "seed": 3}
    files = {
        "table": tmp_path / "c.tsv",
        "spectra": tmp_path / "s.tsv",
        "figure": tmp_path / "c.png",
    }
    assert run_stage("conditioning", settings, **files) == 0
    record = artifacts.read_provenance(files["table"])
    assert record["stage"] == "conditioning" and record["seed"] == 3
    assert record["config"] == settings
    assert record["arguments"]["files"] == {k: str(v) for k, v in files.items()}
    assert {k: record["arguments"][k] for k in settings} == settings
    assert record["code"]["module"] == "inputgen.studies.conditioning"


def test_a_bad_setting_exits_2_naming_it(tmp_path, capsys):
    files = {name: tmp_path / name for name in ("table", "spectra", "figure")}
    assert run_stage("conditioning", {"width": 4, "depth": 2}, **files) == 2
    assert "settings ['schemes'] are required" in capsys.readouterr().err
    assert not any(path.exists() for path in files.values())


def test_a_stage_needs_a_settings_dataclass_and_distinct_files():
    from inputgen.platform.stage import stage

    with pytest.raises(TypeError, match="must be a dataclass"):
        stage("bad", dict, outputs={"out": File("x")})(lambda job: None)
    with pytest.raises(ValueError, match=r"files \['out'\] are both"):
        stage("bad", Toy, inputs={"out": File("x")}, outputs={"out": File("y")})(lambda job: None)
    with pytest.raises(TypeError, match="needs a docstring"):
        stage("bad", Toy, outputs={"out": File("y")})(lambda job: None)
    assert "bad" not in STAGES


def _code_default(spec: dataclasses.Field):
    if spec.default_factory is not dataclasses.MISSING:
        return spec.default_factory()
    return spec.default


def test_no_knob_default_disagrees_with_the_schema():
    """A default is spelled in the schema; a knob that retypes one must agree with it (the
    stage's config section, and the top-level seed)."""
    checked = 0
    for stage in STAGES.values():
        section = schema_defaults(stage.schema) if stage.schema else {}
        for spec in dataclasses.fields(stage.settings):
            default = _code_default(spec)
            if default is dataclasses.MISSING:
                continue
            key = "seed" if spec.name == "seed" else f"{stage.schema}.{spec.name}"
            if spec.name != "seed" and spec.name not in section:
                continue
            expected = schema_default(key)
            assert json.loads(json.dumps(default)) == expected, (stage.name, spec.name)
            checked += 1
    assert checked >= 40, checked


def test_no_library_default_retypes_the_schemas():
    """A library function's keyword default named as a schema key must not spell that key's
    default again (read it with ``schema_default``): a literal that equals the schema's is a
    second copy that drifts the day the schema changes."""
    import ast

    import yaml

    schema = yaml.safe_load((REPO / "workflow/inputgen/platform/config.schema.yaml").read_text())
    defaults: dict[str, list] = {}
    for section, node in schema["properties"].items():
        if "properties" in node or "$ref" in node:
            for key, value in schema_defaults(section).items():
                defaults.setdefault(key, []).append((section, value))
    retyped = []
    library = REPO / "workflow/inputgen"
    for path in library.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            args = node.args
            positional = args.args[len(args.args) - len(args.defaults) :]
            named = list(zip(positional, args.defaults, strict=True))
            keywords = zip(args.kwonlyargs, args.kw_defaults, strict=True)
            named += [(a, d) for a, d in keywords if d is not None]
            for arg, default in named:
                try:
                    value = ast.literal_eval(default)
                except ValueError:
                    continue  # computed, e.g. schema_default("graphs.permutations")
                for section, expected in defaults.get(arg.arg, []):
                    if value == expected and value not in (None, 0, False, True, 1, [], {}):
                        where = f"{path.relative_to(library)}:{node.lineno} {node.name}"
                        retyped.append(f"{where}({arg.arg}={value!r}): {section}.{arg.arg}")
    assert not retyped, "\n".join(retyped)


def test_a_knob_takes_its_default_from_the_schema():
    @dataclass(frozen=True)
    class Knobs:
        permutations: int = knob("permutations", schema="graphs.permutations")
        seed: int = knob("seed", schema="seed")

    assert Knobs() == Knobs(schema_defaults("graphs")["permutations"], 0)
    with pytest.raises(TypeError, match="not both"):
        knob("x", 3, schema="seed")
    with pytest.raises(KeyError):
        knob("x", schema="graphs.nothing")


def test_two_outputs_on_one_path_are_refused_naming_both(tmp_path, capsys):
    """Issue 25's finding 11: `inputgen photos --photos X --natural X` overwrote one output."""
    from inputgen.platform import cli

    same = tmp_path / "x.safetensors"
    code = cli.main(["photos", "--photos", str(same), "--natural", str(same),
                     "--figure", str(tmp_path / "p.png"), "--settings", "{}"])  # fmt: skip
    assert code == 2
    assert "outputs --photos and --natural are one path" in capsys.readouterr().err
    assert not same.exists()


@pytest.mark.parametrize(
    "stage, settings, message",
    [
        ("photos", {"size": -3}, "setting size (config key photos.size) = -3: -3 is less than"),
        ("photos", {"crops": 10**7}, "setting crops (config key photos.crops) = 10000000"),
        ("photos", {"on_bad_image": "ignore"}, "setting on_bad_image (config key photos.on_"),
        ("photos", {"seed": -1}, "setting seed (config key seed) = -1"),
        (
            "photos",
            {"crop_scale": [0.5, float("nan")]},
            "crop_scale[1] (config key photos.crop_scale[1]) = nan: not",
        ),
        ("photos", {"folder": "x\n"}, "(config key photos.folder) = 'x\\n': holds a control char"),
        ("graphs", {"permutations": 10**9}, "config key graphs.permutations) = 1000000000"),
        (
            "autoencoding",
            {"steps": 3, "priors": {"resize": {"low": 0.9, "high": 0.5}}},
            "setting priors.resize (config key autoencoding.priors.resize) = {",
        ),
        (
            "representations-chunk",
            {"name": "m", "model": {}, "classes": [1], "settings": {"octaves": [1.0, 0.5]}},
            "setting settings.octaves (config key generation.octaves) = [1.0, 0.5]: must incr",
        ),
        (
            "representations-chunk",
            {"name": "m", "model": {}, "classes": [1], "settings": {"lr": float("inf")}},
            "setting settings.lr (config key generation.lr) = inf: not a finite",
        ),
    ],
)
def test_a_stage_called_by_hand_checks_its_settings_as_the_config_does(
    tmp_path, capsys, stage, settings, message
):
    files = {key: tmp_path / f"{key}.out" for key in STAGES[stage].files}
    assert run_stage(stage, settings, **files) == 2
    err = capsys.readouterr().err
    assert f"inputgen {stage}: error: stage {stage}: " in err and message in err, err
    assert "Traceback" not in err and not list(tmp_path.iterdir())


def test_no_import_loop_between_library_modules():
    """No module imports, directly or through others, a module that imports it (also inside
    functions: code_digest follows those too). An architecture outside model_specs' list is
    built to learn its outputs and layers by inputgen.engine.builds, which imports neither
    model_specs nor models."""
    import networkx as nx
    from inputgen.platform import provenance

    library = provenance.PACKAGE_DIR
    modules = {}
    for path in library.rglob("*.py"):
        parts = path.relative_to(library.parent).with_suffix("").parts
        modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    graph = nx.DiGraph()
    for name, path in modules.items():
        # The code digests' edges: a package that loads its folder imports each module there.
        imported = provenance._imports_of(name, path)
        graph.add_edges_from((name, other) for other in imported if other in modules)
    graph.remove_edges_from(nx.selfloop_edges(graph))
    loops = sorted(sorted(loop) for loop in nx.simple_cycles(graph))
    assert loops == [], loops


def test_the_engine_and_the_platform_import_no_study():
    """The engine (what every study uses) and the platform (how a study runs) name no study:
    a module of either imports only the two of them, but for the command line, which takes the
    stage registry (inputgen.stages, every study's stage) as a whole."""
    from inputgen.platform import provenance

    library = provenance.PACKAGE_DIR
    outside = {}
    for layer in ("engine", "platform"):
        for path in (library / layer).rglob("*.py"):
            parts = path.relative_to(library.parent).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            imported = provenance._imports_of(name, path) - {"inputgen"}
            others = {
                m for m in imported if not m.startswith(("inputgen.engine", "inputgen.platform"))
            }
            if others:
                outside[name] = sorted(others)
    assert outside == {"inputgen.platform.cli": ["inputgen.stages"]}, outside


FILES = {"table": "c.tsv", "spectra": "s.tsv", "figure": "c.png"}


def test_a_job_draws_headless_whatever_display_its_machine_has(tmp_path, monkeypatch):
    """The stage runner sets matplotlib's backend for every job (a study's figures module need
    not), unless the environment already chose one."""
    import os

    monkeypatch.delenv("MPLBACKEND", raising=False)
    settings = {"width": 4, "depth": 2, "schemes": ["orthogonal"], "seed": 3}
    for run, chosen in enumerate((None, "pdf")):
        if chosen:
            monkeypatch.setenv("MPLBACKEND", chosen)
        files = {name: tmp_path / f"{run}.{suffix}" for name, suffix in FILES.items()}
        assert run_stage("conditioning", settings, **files) == 0
        assert os.environ["MPLBACKEND"] == (chosen or "Agg")
