"""Values refused by name before any job, whatever their type: control characters (a trailing
newline passes a pattern's ``$``), NaN and infinities, integers beyond 64 bits, numbers past a
sane bound, YAML alias bombs, and the cross-key rules of every descent (issue 25's findings 1,
4, 6 and 7)."""

from __future__ import annotations

import copy
import time

import pytest
import yaml
from conftest import REPO
from inputgen.engine import models
from inputgen.platform.config import ConfigError, validate

SCHEMA = REPO / "workflow/inputgen/platform/config.schema.yaml"
TINY = yaml.safe_load((REPO / "tests/config/tiny.yaml").read_text())


def refused(change) -> str:
    config = copy.deepcopy(TINY)
    change(config)
    with pytest.raises(ConfigError) as error:
        validate(config, SCHEMA)
    return str(error.value)


@pytest.mark.parametrize(
    "change, expected",
    [
        (lambda c: c["models"]["resnet18_random"].update(weights="random\n"),
         "config key models.resnet18_random.weights = 'random\\n': holds a control character"),
        (lambda c: c["runtime"].update(device="cpu\n"), "config key runtime.device"),
        (lambda c: c["models"].update({"liteX\n": c["models"]["lite0"]}),
         "the key 'liteX\\n' holds a control character"),
        (lambda c: c["generation"]["priors"]["blur"].update(until=float("nan")),
         "config key generation.priors.blur.until = nan: not a finite number"),
        (lambda c: c["generation"].update(lr=float("inf")),
         "config key generation.lr = inf: not a finite number"),
        (lambda c: c.update(seed=2**70), "config key seed = 1180591620717411303424: does not fit"),
        (lambda c: c["generation"].update(steps=10**9), "config key generation.steps"),
        (lambda c: c["photos"].update(crops=10**8), "config key photos.crops"),
        (lambda c: c["ablation"]["configs"]["none"].update(octaves=[1.0, 0.5]),
         "config key ablation.configs.none.octaves = [1.0, 0.5]: must increase and end at 1"),
        (lambda c: c["autoencoding"]["priors"].update(resize={"low": 0.9, "high": 0.5}),
         "config key autoencoding.priors.resize"),
    ],
)  # fmt: skip
def test_a_bad_value_is_refused_by_name(change, expected):
    assert expected in refused(change)


def test_an_alias_bomb_is_refused_at_once_without_expanding_it():
    text = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{b}: &{b} [*{a}, *{a}, *{a}, *{a}, *{a}, *{a}, *{a}, *{a}, *{a}, *{a}]\n"
        for a, b in zip("abcdefgh", "bcdefghi", strict=True)
    )
    bomb = yaml.safe_load(text)["i"]  # 10^9 items once expanded
    config = copy.deepcopy(TINY)
    config["seed"] = bomb
    start = time.perf_counter()
    with pytest.raises(ConfigError, match="config key seed: its value expands to more than"):
        validate(config, SCHEMA)
    assert time.perf_counter() - start < 5


def test_weights_with_a_trailing_newline_are_not_a_source_in_the_library_either():
    with pytest.raises(ValueError, match="expected one of"):
        models.resolve_spec({"arch": "resnet18", "weights": "random\n"})
