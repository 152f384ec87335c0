"""A stage is one step of the workflow, declared once.

A stage is a function of a :class:`Job`, registered with :func:`stage` together with a frozen
dataclass of its settings and the named files it reads and writes. Everything else comes from
that one declaration:

* its command, ``inputgen NAME --settings JSON --FILE PATH ...`` (:func:`add_parser`),
  whose ``--help`` lists every setting with its type, default and meaning;
* its provenance record: the settings dataclass as a dict (nothing can be left out), the
  declared inputs by hash, every model's weights (:class:`Job`);
* the command line its Snakemake rule runs (:func:`command_line`), which maps the rule's
  named inputs and outputs onto the stage's file arguments; the rule passes the settings as
  one JSON value (:func:`settings_json`) and does not list them again.

The settings dataclass is the one place a stage's knobs are spelled; a default the config
schema gives is read from it (``knob(..., schema="section.key")``), not retyped (a test checks
that no knob's default disagrees with the schema's).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import shlex
import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from inputgen.platform import artifacts, provenance
from inputgen.platform.config import schema_default


@dataclass(frozen=True)
class File:
    """A file argument of a stage: ``many`` takes one or more paths, ``optional`` may be left
    out, ``temporary`` marks temp() chunks whose lineage moves into this stage's record."""

    help: str
    many: bool = False
    optional: bool = False
    temporary: bool = False


# The optional input of every stage that generates images: maco's magnitude spectrum (the
# spectrum stage's), read by Job.generation when the settings ask for it.
SPECTRUM = {
    "spectrum": File(
        "natural magnitude spectrum .safetensors (for generation parameterisation maco)",
        optional=True,
    )
}
# What a generation stage of several studies writes: the images, their table and their grid.
GENERATED = {
    "out": File("images .safetensors"),
    "table": File("table .tsv"),
    "figure": File("image grid .png"),
}
# What a stage that makes one model (theta1) take another's (theta2) view reads.
PAIR_INPUTS = {
    "own": File("theta1's class representations .safetensors"),
    "target_images": File("theta2's class representations .safetensors"),
}
# The help of a stage's evaluators setting.
EVALUATORS = "the other models that rate the images: name -> spec (the generator rates itself)"


def knob(help: str, default=dataclasses.MISSING, *, schema: str | None = None):
    """A settings field with the help text ``inputgen STAGE --help`` shows. ``schema``:
    the config key (``section.key``, or ``seed``) whose schema default is the default, so a
    stage called by hand gets what a config that leaves the key out gets."""
    if schema is not None:
        if default is not dataclasses.MISSING:
            raise TypeError(f"knob {help!r}: a default or a schema key, not both")
        from inputgen.platform.config import schema_default

        default = schema_default(schema)
    if isinstance(default, list | dict):
        frozen = json.dumps(default)  # a fresh copy per instance, never a shared object
        return field(default_factory=lambda: json.loads(frozen), metadata={"help": help})
    return field(default=default, metadata={"help": help})


@dataclass(frozen=True)
class Stage:
    name: str
    function: Callable[[Job], None]
    settings: type
    inputs: Mapping[str, File]
    outputs: Mapping[str, File]
    models: bool  # runs models: the device, threads and determinism switches apply
    help: str
    schema: str | None = None  # the config section its settings of the same name come from

    @property
    def module(self) -> str:
        """The module whose code (and what it imports) the stage runs: its code digest."""
        return self.function.__module__

    @property
    def files(self) -> dict[str, File]:
        return {**self.inputs, **self.outputs}


STAGES: dict[str, Stage] = {}


def stage(
    name: str,
    settings: type,
    *,
    outputs: Mapping[str, File],
    inputs: Mapping[str, File] | None = None,
    models: bool = False,
    schema: str | None = None,
):
    """Register the decorated function as the stage ``name``; ``schema``: the config section
    whose rules its settings of the same name follow (:func:`check_settings`)."""

    def declare(function: Callable[[Job], None]) -> Callable[[Job], None]:
        if name in STAGES:
            raise ValueError(f"stage {name!r} is declared twice")
        if not dataclasses.is_dataclass(settings):
            raise TypeError(f"stage {name!r}: its settings must be a dataclass")
        overlap = sorted(set(inputs or {}) & set(outputs))
        if overlap:
            raise ValueError(f"stage {name!r}: files {overlap} are both in- and outputs")
        if not (function.__doc__ or "").strip():
            raise TypeError(f"stage {name!r}: its function needs a docstring (its --help)")
        doc = function.__doc__.strip().splitlines()[0]
        STAGES[name] = Stage(
            name, function, settings, dict(inputs or {}), dict(outputs), models, doc, schema
        )
        return function

    return declare


# ------------------------------------------------------------------------------- settings
def _coerce(kind, value, where: str):
    """``value`` (from JSON) as the annotated ``kind``: nested settings, tuples, floats."""
    origin = typing.get_origin(kind)
    if origin in (typing.Union, types.UnionType):
        options = [k for k in typing.get_args(kind) if k is not type(None)]
        return None if value is None else _coerce(options[0], value, where)
    if dataclasses.is_dataclass(kind):
        if not isinstance(value, Mapping):
            raise ValueError(f"{where} must be an object, got {value!r}")
        parse = getattr(kind, "from_dict", None)
        return parse(value) if parse else settings_from(kind, value, where)
    expected = origin or kind
    if expected is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if expected is tuple and isinstance(value, list):
        return tuple(value)
    checks = {int: int, float: float, str: str, bool: bool, list: list, tuple: tuple}
    wanted = checks.get(expected)
    if wanted is None and expected in (dict, Mapping):
        wanted = Mapping
    bad = wanted is not None and (
        not isinstance(value, wanted) or (wanted is int and isinstance(value, bool))
    )
    if bad:
        raise ValueError(
            f"{where} must be {getattr(expected, '__name__', expected)}, got {value!r}"
        )
    return value


def settings_from(cls: type, values: Mapping, where: str | None = None):
    """An instance of the settings dataclass ``cls`` from a JSON object: unknown keys and
    missing required ones are refused by name."""
    where = where or cls.__name__
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(values) - set(fields))
    if unknown:
        raise ValueError(f"{where}: unknown settings {unknown}; known: {', '.join(fields)}")
    missing = [name for name, f in fields.items() if name not in values and _required(f)]
    if missing:
        raise ValueError(f"{where}: settings {missing} are required")
    hints = typing.get_type_hints(cls)
    return cls(
        **{name: _coerce(hints[name], value, f"{where}.{name}") for name, value in values.items()}
    )


def _required(f: dataclasses.Field) -> bool:
    return f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING


def settings_dict(settings) -> dict:
    """The settings as plain JSON values (tuples as lists): the provenance record's config.
    Fields marked ``metadata={"data": True}`` (data a job reads from an input file, such as
    maco's magnitude spectrum) are no settings and are left out."""
    return json.loads(json.dumps(_plain(settings)))


def _plain(value):
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            f.name: _plain(getattr(value, f.name))
            for f in dataclasses.fields(value)
            if not f.metadata.get("data")
        }
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, Mapping):
        return {key: _plain(item) for key, item in value.items()}
    return value


def settings_json(name: str, values: Mapping) -> str:
    """A rule's ``settings`` param: the stage's settings, checked now (a bad value fails the
    DAG build, naming the stage) and written canonically (key order never reruns a job)."""
    stage = STAGES[name]
    check_settings(stage, values)
    return json.dumps(settings_dict(settings_from(stage.settings, values, name)), sort_keys=True)


def check_settings(stage: Stage, values: Mapping) -> None:
    """Refuse settings that break the config schema's rules for the keys they come from (a
    stage called by hand gets the checks a config gets), naming each."""
    from inputgen.platform.config import setting_errors

    problems = setting_errors(stage.schema, values)
    if problems:
        raise ValueError(f"stage {stage.name}: " + "; ".join(problems))


def pick(name: str, /, *sections: Mapping | None, **values) -> dict:
    """The keys of config ``sections`` that the stage's settings have (later wins), then
    ``values``: a section's other keys belong to its rules (model lists, study names)."""
    fields = {f.name for f in dataclasses.fields(STAGES[name].settings)}
    picked = {}
    for section in sections:
        picked.update({key: value for key, value in (section or {}).items() if key in fields})
    return {**picked, **values}


def settings_help(cls: type) -> str:
    hints = typing.get_type_hints(cls)
    lines = ["settings (the --settings JSON object):"]
    for f in dataclasses.fields(cls):
        hint = hints[f.name]
        kind = str(hint).replace("typing.", "") if typing.get_args(hint) else hint.__name__
        if _required(f):
            default = "required"
        else:
            value = f.default if f.default_factory is dataclasses.MISSING else f.default_factory()
            default = f"default {json.dumps(value, default=str)}"
        lines.append(f"  {f.name} ({kind}, {default}): {f.metadata.get('help', '')}")
    return "\n".join(lines)


# ----------------------------------------------------------------------------------- jobs
class Job:
    """One run of a stage: its settings, its files, where it runs, and the provenance record
    every artifact it writes carries (made once, at the first write)."""

    def __init__(
        self,
        stage: Stage,
        settings,
        files: Mapping,
        device="cpu",
        batch_size: int = schema_default("runtime.batch_size"),
    ):
        self.stage = stage
        self.settings = settings
        self.device = device
        self.batch_size = batch_size
        self._files = dict(files)
        self._record: dict | None = None
        seed = getattr(settings, "seed", None)
        self.run = provenance.Run(
            stage.name, settings_dict(settings), seed=seed, device=str(device)
        )
        for name, spec in stage.inputs.items():  # every declared input is recorded, by hash
            for path in self.paths(name):
                self.run.add_input(path, temporary=spec.temporary)

    def paths(self, name: str) -> list[str]:
        value = self._files.get(name)
        return [] if value is None else [value] if isinstance(value, str) else list(value)

    def path(self, name: str) -> str | None:
        value = self._files.get(name)
        return value[0] if isinstance(value, list) else value

    def load_model(self, spec: Mapping):
        """A model on the job's device; its weights go into the record."""
        from inputgen.engine import models

        zoo = models.load_model(spec).to(self.device)
        self.run.add_weights(zoo.weights_path)
        return zoo

    def generation(self, settings):
        """Generation settings with the data they need: maco's magnitude spectrum, read from
        the job's ``spectrum`` input (so its digest is in the record, like every input)."""
        if not settings.needs_magnitude:
            return settings
        path = self.path("spectrum")
        if path is None:
            raise ValueError(
                f"stage {self.stage.name}: generation parameterisation maco needs the natural "
                "magnitude spectrum: --spectrum results/data/spectrum.safetensors"
            )
        tensors, _ = artifacts.load_tensors(path)
        return settings.with_magnitude(tensors["magnitude"])

    def record(self) -> dict:
        if self._record is None:
            self._record = self.run.record()
        return self._record

    def save_tensors(self, name: str, tensors, metadata: Mapping | None = None) -> None:
        artifacts.save_tensors(self.path(name), tensors, self.record(), metadata)

    def write_table(self, name: str, table) -> None:
        artifacts.write_table(self.path(name), table, self.record())

    def write_figure(self, name: str, figure) -> None:
        artifacts.write_figure(self.path(name), figure, self.record())

    def write_text(self, name: str, text: str) -> None:
        artifacts.write_text(self.path(name), text, self.record())


# ------------------------------------------------------------------------------- commands
def _flag(name: str) -> str:
    return "--" + name.replace("_", "-")


def json_object(text: str) -> dict:
    """argparse type of ``--settings``: a JSON object."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        raise argparse.ArgumentTypeError(f"expected a JSON object: {error}") from None
    if not isinstance(value, dict):
        raise argparse.ArgumentTypeError("expected a JSON object, e.g. '{\"seed\": 0}'")
    return value


def add_runtime_args(parser: argparse.ArgumentParser) -> None:
    """Resources: they decide where and how fast, never what comes out."""
    group = parser.add_argument_group("runtime (does not change results)")
    group.add_argument("--device", default="auto", help="auto, cpu, cuda or cuda:N (default auto)")
    group.add_argument(
        "--batch-size",
        type=int,
        default=schema_default("runtime.batch_size"),
        help="images per forward pass",
    )
    group.add_argument("--threads", type=int, default=0, help="CPU threads (default: torch's)")


def add_parser(commands, stage: Stage) -> argparse.ArgumentParser:
    """The stage's sub-command, generated from its declaration."""
    parser = commands.add_parser(
        stage.name,
        help=stage.help,
        description=stage.help,
        epilog=settings_help(stage.settings),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    required = any(_required(f) for f in dataclasses.fields(stage.settings))
    parser.add_argument(
        "--settings",
        type=json_object,
        required=required,
        default={},
        metavar="JSON",
        help="the stage's settings as one JSON object (listed below)",
    )
    for name, spec in stage.files.items():
        parser.add_argument(
            _flag(name),
            dest=name,
            nargs="+" if spec.many else None,
            required=not spec.optional,
            metavar="PATH",
            help=spec.help,
        )
    if stage.models:
        add_runtime_args(parser)
    parser.set_defaults(stage=stage.name)
    return parser


def execute(stage: Stage, args: argparse.Namespace) -> None:
    """Run a parsed command: settings checked, arguments recorded, then the stage."""
    from inputgen.platform.lifetime import die_with_parent

    die_with_parent()
    # A job draws headless whatever display its machine has; an environment variable (not
    # matplotlib.use) so that a job that draws nothing does not import matplotlib for it.
    os.environ.setdefault("MPLBACKEND", "Agg")
    check_settings(stage, args.settings)
    settings = settings_from(stage.settings, args.settings, stage.name)
    files = {name: getattr(args, name) for name in stage.files}
    _check_distinct_paths(stage, files)
    # Snakemake deletes a job's outputs before it reruns it, but not their records: one
    # left beside a file that is gone would describe a file this run may fail to make.
    for name in stage.outputs:
        value = files.get(name)
        for path in _paths(value):
            artifacts.remove_orphan_sidecar(path)
    runtime = {}
    device = "cpu"
    if stage.models:
        from inputgen.platform.runtime import start_runtime

        runtime = {"device": args.device, "batch_size": args.batch_size, "threads": args.threads}
        device = start_runtime(args.device, args.batch_size, args.threads)
    arguments = {"command": stage.name, **settings_dict(settings), "files": files, **runtime}
    provenance.set_invocation(arguments, stage.module)
    batch_size = {"batch_size": runtime["batch_size"]} if runtime else {}  # else Job's default
    job = Job(stage, settings, files, device, **batch_size)
    stage.function(job)


def _paths(value) -> list:
    """A file argument's paths: one path, a list of them, or none."""
    return [value] if isinstance(value, str) else list(value or [])


def _check_distinct_paths(stage: Stage, files: Mapping[str, object]) -> None:
    """Two outputs on one path would silently keep only the one written last; an input given
    as an output would be overwritten while it is read."""
    seen: dict[str, str] = {}
    for name in stage.outputs:
        value = files.get(name)
        for path in _paths(value):
            resolved = os.path.realpath(path)
            if resolved in seen:
                raise ValueError(
                    f"stage {stage.name}: outputs --{seen[resolved]} and --{name} are one path "
                    f"({path}); give each output its own file"
                )
            seen[resolved] = name.replace("_", "-")
    for name in stage.inputs:
        value = files.get(name)
        for path in _paths(value):
            if os.path.realpath(path) in seen:
                raise ValueError(
                    f"stage {stage.name}: input --{name.replace('_', '-')} {path} is also the "
                    f"output --{seen[os.path.realpath(path)]}"
                )


def command_line(name: str, files: Mapping[str, object], runtime: Mapping | None = None) -> str:
    """``NAME --FILE PATH ...`` for a rule's named inputs and outputs (those the stage
    declares; others, such as weight files, are the rule's alone), then the runtime flags."""
    stage = STAGES[name]
    parts = [name]
    for key, spec in stage.files.items():
        value = files.get(key)
        if value is None or value == []:
            if not spec.optional:
                raise ValueError(f"stage {name!r} needs the file {key!r}; the rule has none")
            continue
        paths = [value] if isinstance(value, str) else list(value)
        parts += [_flag(key), *map(shlex.quote, map(str, paths))]
    if stage.models and runtime:
        parts += [f"--{key.replace('_', '-')} {shlex.quote(str(v))}" for key, v in runtime.items()]
    return " ".join(parts)
