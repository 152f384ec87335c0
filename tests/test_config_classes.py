"""Every ImageNet class index in the shipped configs carries a comment naming its label.

The convention (what ``class_comment_errors`` checks):

* Class-bearing values: ``classes`` under any key (the top-level block list included, one item a
  line), ``transfiguration.targets``, ``interpolation.start`` / ``interpolation.end`` and
  ``addition.pairs`` (a list of [a, b] pairs), when the value is an int or a list of ints (pairs:
  a list of lists of ints). ``classes: all`` / ``null`` name nothing; ``inversion.pairs`` (a
  count), ``frames``, ``features``, ``steps`` ... are not classes.
* Each value must sit on one line, with a comment after ``#`` naming its classes in order,
  separated by ``,``; a pair is written ``a + b``. When one line holds several class-bearing keys
  (``interpolation: {start: 250, end: 251, frames: 16}``) the names follow the keys' order.
* In the comment: text after `` -- `` is a free note; an optional prefix ending with ``: `` (e.g.
  ``dogs: ``) is ignored; leading spaces (a block list's continuation indent) are ignored.
* A name equals its label (``inputgen.engine.models.imagenet_class_names()``) ignoring case and
  runs of spaces. A trailing parenthetical containing a digit is a note, e.g. ``tench (article
  3, class 0)``; any other parenthesis is part of the name, so ``flute (transverse)`` fails (label
  "flute").
"""

import re
from collections import Counter

import pytest
import yaml
from conftest import REPO, split_comment
from inputgen.engine.models import imagenet_class_names

CONFIGS = ["config/config.yaml", "config/paper.yaml"]
SECTION_KEYS = {
    ("transfiguration", "targets"),
    ("interpolation", "start"),
    ("interpolation", "end"),
    ("addition", "pairs"),
}
KEY_LINE = re.compile(r"^\s*([A-Za-z_][\w-]*)\s*:(.*)$")
NOTE = re.compile(r"^(.*?)\s*\(([^()]*\d[^()]*)\)$")  # "tench (article 3, class 0)"


def is_class_key(section: str, key: str) -> bool:
    return key == "classes" or (section, key) in SECTION_KEYS


def groups_of(value) -> list[list[int]] | None:
    """The class groups of a value (one int each, or one pair each); None if it holds no classes."""

    def is_int(x) -> bool:
        return isinstance(x, int) and not isinstance(x, bool)

    if is_int(value):
        return [[value]]
    if isinstance(value, list) and value:
        if all(is_int(x) for x in value):
            return [[x] for x in value]
        if all(isinstance(x, list) and x and all(is_int(y) for y in x) for x in value):
            return [list(x) for x in value]
    return None


def class_values(node, section: str | None = None):
    """Yield (section, key, groups) for every class-bearing key in loaded YAML, in order."""
    if isinstance(node, dict):
        for key, value in node.items():
            here = str(key) if section is None else section
            groups = groups_of(value) if is_class_key(here, str(key)) else None
            if groups is not None:
                yield here, str(key), groups
            else:
                yield from class_values(value, here)
    elif isinstance(node, list):
        for item in node:
            yield from class_values(item, section)


def split_top(text: str, separator: str) -> list[str]:
    """Split on ``separator`` outside parentheses."""
    parts, depth, start, i = [], 0, 0, 0
    while i < len(text):
        if text[i] == "(":
            depth += 1
        elif text[i] == ")":
            depth = max(depth - 1, 0)
        elif depth == 0 and text.startswith(separator, i):
            parts.append(text[start:i])
            start = i + len(separator)
            i = start
            continue
        i += 1
    return [*parts, text[start:]]


def comment_names(comment: str) -> list[list[str]]:
    """The names a comment gives, grouped like ``groups_of``: 'a, b' -> [[a], [b]]; 'a + b'."""
    text = comment.split(" -- ")[0].strip()
    text = split_top(text, ": ")[-1]
    return [[name.strip() for name in split_top(chunk, "+")] for chunk in split_top(text, ",")]


def normalise(name: str) -> str:
    note = NOTE.match(name.strip())
    if note:
        name = note.group(1)
    return " ".join(name.split()).casefold()


def parse_config(text: str):
    """Read a config line by line: (records, lines).

    records: (section, key, index) for every class index the lines hold; lines: (line number,
    groups, comment or None, error or None) for every line holding class indices (or failing to).
    """
    records, lines = [], []
    section, block = None, None  # block: (section, key, indent) of an open class block list
    for number, raw in enumerate(text.splitlines(), 1):
        code, comment = split_comment(raw)
        if not code.strip():
            continue
        indent = len(code) - len(code.lstrip())
        stripped = code.strip()
        groups: list[list[int]] = []
        if stripped.startswith("- ") or stripped == "-":
            if block is None or indent < block[2]:
                continue  # an item of a list that holds no classes
            try:
                item = groups_of(yaml.safe_load(stripped))  # "- 163" -> [[163]]
            except yaml.YAMLError:
                item = None
            if item is None or len(item) != 1:
                lines.append((number, [], comment, "a class list item must be one int or pair"))
                continue
            records += [(block[0], block[1], index) for index in item[0]]
            groups = item
        else:
            match = KEY_LINE.match(code)
            if indent == 0 and match:
                section = match.group(1)
            if match and block is not None and indent <= block[2]:
                block = None
            try:
                snippet = yaml.safe_load(stripped)
            except yaml.YAMLError:
                if match and is_class_key(section, match.group(1)):
                    lines.append(
                        (number, [], comment, "a class-bearing value must fit on one line")
                    )
                continue
            if not isinstance(snippet, dict):
                continue
            if match and match.group(2).strip() == "" and is_class_key(section, match.group(1)):
                block = (section, match.group(1), indent)
            for here, key, found in class_values(snippet, None if indent == 0 else section):
                records += [(here, key, index) for group in found for index in group]
                groups += found
        if groups:
            lines.append((number, groups, comment, None))
    return records, lines


def class_comment_errors(name: str, text: str, labels) -> list[str]:
    """Every breach of the convention in one config's text, as 'name:line: message'."""
    errors = []
    records, lines = parse_config(text)
    loaded = Counter(
        (section, key, index)
        for section, key, groups in class_values(yaml.safe_load(text))
        for group in groups
        for index in group
    )
    if Counter(records) != loaded:
        errors.append(
            f"{name}: the line parser saw {sorted((Counter(records) - loaded).elements())} beyond"
            f" the YAML and missed {sorted((loaded - Counter(records)).elements())}"
        )
    for number, groups, comment, error in lines:
        where = f"{name}:{number}"
        ints = [group[0] if len(group) == 1 else group for group in groups]
        if error:
            errors.append(f"{where}: {error}")
            continue
        if comment is None or not comment.strip():
            errors.append(f"{where}: class indices {ints} have no comment naming them")
            continue
        names = comment_names(comment)
        if [len(g) for g in names] != [len(g) for g in groups]:
            shown = [g[0] if len(g) == 1 else " + ".join(g) for g in names]
            errors.append(f"{where}: class indices {ints} but the comment names {shown}")
            continue
        for group, named in zip(groups, names, strict=True):
            for index, given in zip(group, named, strict=True):
                if not 0 <= index < len(labels):
                    errors.append(f"{where}: class index {index} is not an ImageNet class")
                elif normalise(given) != normalise(labels[index]):
                    errors.append(
                        f"{where}: class {index} is {labels[index]!r}, the comment says {given!r}"
                    )
    return errors


@pytest.fixture(scope="module")
def labels():
    return imagenet_class_names()


@pytest.mark.parametrize("path", CONFIGS)
def test_every_class_index_is_named_by_its_comment(path, labels):
    text = (REPO / path).read_text()
    assert any(True for _ in class_values(yaml.safe_load(text))), f"{path} names no classes"
    errors = class_comment_errors(path, text, labels)
    assert not errors, "\n".join(errors)


SAMPLE = """\
classes:            # 3 classes
  - 163   # dogs: bloodhound
  - 173   #   Ibizan hound
  - 558   #   flute (transverse)
  - 0     #   Tench (article 3, class 0)
photos:
  names: [chelsea]
  size: 224
opposites:
  classes: [250, 251]               # Siberian husky, dalmatian -- the source's pair
  steps: 40
pairs:
  classes: [573, 566]
transfiguration:
  targets: [483]                    # castle
  frames: 6
interpolation: {model: m, start: 250, end: 251, frames: 16}   # Siberian husky, dalmatian
addition:
  pairs: [[33, 11], [0, 13]]        # loggerhead + goldfinch, tench + snowbird
inversion:
  pairs: 24
ablation:
  classes: all
  configs:
    blur: {octaves: [1.0]}
  other:
    classes: [805, 949]             # soccer ball
"""


def test_the_checker_catches_wrong_missing_and_miscounted_names(labels):
    records, lines = parse_config(SAMPLE)
    assert Counter(records) == Counter(
        [("classes", "classes", i) for i in (163, 173, 558, 0)]
        + [("opposites", "classes", 250), ("opposites", "classes", 251)]
        + [("pairs", "classes", 573), ("pairs", "classes", 566)]
        + [("transfiguration", "targets", 483)]
        + [("interpolation", "start", 250), ("interpolation", "end", 251)]
        + [("addition", "pairs", i) for i in (33, 11, 0, 13)]
        + [("ablation", "classes", 805), ("ablation", "classes", 949)]
    )
    assert [number for number, *_ in lines] == [2, 3, 4, 5, 10, 13, 15, 17, 19, 27]
    errors = class_comment_errors("sample.yaml", SAMPLE, labels)
    assert errors == [
        "sample.yaml:4: class 558 is 'flute', the comment says 'flute (transverse)'",
        "sample.yaml:13: class indices [573, 566] have no comment naming them",
        "sample.yaml:19: class 13 is 'junco', the comment says 'snowbird'",
        "sample.yaml:27: class indices [805, 949] but the comment names ['soccer ball']",
    ]


def test_the_checker_reports_what_the_line_parser_cannot_read(labels):
    text = "opposites:\n  classes: [1,\n    2]   # goldfish, great white shark\n"
    errors = class_comment_errors("split.yaml", text, labels)
    assert errors[0].startswith("split.yaml: the line parser saw [] beyond the YAML and missed")
    assert errors[1] == "split.yaml:2: a class-bearing value must fit on one line"


def test_comment_names():
    assert comment_names("   Ibizan hound") == [["Ibizan hound"]]
    assert comment_names(" singletons from the articles: lion -- note: x, y") == [["lion"]]
    assert comment_names(" tench (article 3, class 0), goldfinch") == [
        ["tench (article 3, class 0)"],
        ["goldfinch"],
    ]
    assert comment_names(" loggerhead + goldfinch, tench+junco") == [
        ["loggerhead", "goldfinch"],
        ["tench", "junco"],
    ]
    assert normalise("Tench  (article 3, class 0)") == "tench"
    assert normalise("flute (transverse)") == "flute (transverse)"
