"""Line-aware YAML: data as PyYAML reads it, and the line a person wrote each value on.

Oracles: ``yaml.safe_load`` for the data (the loader must not change what a document
means), and the hand-written documents below, whose line numbers can be counted by eye.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from ombud.yamlsource import LocatedYaml, YamlSourceError, load_yaml_file, parse_yaml

TEXT = """# a comment on line 1
system:
  id: credit
  versions:
    - label: "2.1"
      models: [a, b]
    - label: "2.2"
owners: [risk, data]
"""


def test_lines_of_keys_items_and_the_root() -> None:
    doc = parse_yaml(TEXT, "s.yaml")
    assert doc.data == yaml.safe_load(TEXT)
    assert doc.line_of(()) == 2
    assert doc.line_of(("system",)) == 2
    assert doc.line_of(("system", "id")) == 3
    assert doc.line_of(("system", "versions", 0)) == 5
    assert doc.line_of(("system", "versions", 0, "models", 1)) == 6
    assert doc.line_of(("system", "versions", 1, "label")) == 7
    assert doc.where(("owners", 1)) == "s.yaml:8"


def test_line_of_falls_back_to_the_nearest_written_ancestor() -> None:
    doc = parse_yaml(TEXT, "s.yaml")
    assert doc.line_of(("system", "versions", 1, "models")) == 7
    assert doc.line_of(("system", "owner", "team")) == 2
    assert doc.line_of(("nowhere",)) == 2
    assert parse_yaml("", "e.yaml").line_of(("a", 0)) == 1
    error = doc.error(("system", "versions", 0, "sha"), "missing sha256")
    assert isinstance(error, YamlSourceError)
    assert str(error) == "s.yaml:5: missing sha256"


def test_empty_and_scalar_documents() -> None:
    assert parse_yaml("", "e.yaml").data is None
    assert parse_yaml("# only a comment\n", "e.yaml").data is None
    assert parse_yaml("\n\n42\n", "n.yaml").data == 42
    assert parse_yaml("\n\n42\n", "n.yaml").line_of(()) == 3


@pytest.mark.parametrize(
    ("text", "scalar_keys", "expected"),
    [
        ("a: 1\nb: 2\na: 3\n", False, r"^d\.yaml:3: duplicate key 'a'; remove one"),
        ("x:\n  a: 1\n  'a': 2\n", False, r"^d\.yaml:3: duplicate key 'a'"),
        ("1: a\n'1': b\n", False, r"^d\.yaml:2: duplicate key '1'"),
        ("1: a\n1.0: b\n", True, r"^d\.yaml:2: duplicate key '1.0'"),
        ("1: a\ntrue: b\n", True, r"^d\.yaml:2: duplicate key 'True'"),
        ("- {k: 1}\n- {k: 2, k: 3}\n", True, r"^d\.yaml:2: duplicate key 'k'"),
    ],
)
def test_duplicate_keys_name_the_second_occurrence(
    text: str, scalar_keys: bool, expected: str
) -> None:
    with pytest.raises(YamlSourceError, match=expected):
        parse_yaml(text, "d.yaml", scalar_keys=scalar_keys)


def test_the_same_text_is_two_keys_when_typed() -> None:
    """``1`` and ``'1'`` are different keys to YAML (safe_load is the oracle)."""
    text = "1: a\n'1': b\n"
    assert parse_yaml(text, scalar_keys=True).data == yaml.safe_load(text) == {1: "a", "1": "b"}


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("a: 1\nb: [1, 2\nc: 3\n", 3),
        ("a: 1\nb: }\n", 2),
        ("a: 1\n  b: 2\n", 2),
        ("a: 1\nb: 'open\n\n", 4),
        ("a: 1\n---\nb: 2\n", 2),
        ("a: *nowhere\n", 1),
    ],
)
def test_syntax_errors_point_at_their_line(text: str, line: int) -> None:
    with pytest.raises(YamlSourceError, match=rf"^bad\.yaml:{line}: not valid YAML .*fix the YAML"):
        parse_yaml(text, "bad.yaml")


def test_keys_are_text_by_default_and_typed_on_request() -> None:
    text = "3: three\ntrue: yes\n2.5: half\nname: x\n"
    assert parse_yaml(text).data == {"3": "three", "true": True, "2.5": "half", "name": "x"}
    typed = parse_yaml(text, "t.yaml", scalar_keys=True)
    assert typed.data == yaml.safe_load(text) == {3: "three", True: True, 2.5: "half", "name": "x"}
    # Paths hold str(key), so a caller holding the typed key finds its line.
    assert [typed.line_of((str(key),)) for key in typed.data] == [1, 2, 3, 4]


@pytest.mark.parametrize(
    ("text", "scalar_keys", "expected"),
    [
        ("a: 1\n? [x, y]\n: 2\n", False, r"^k\.yaml:2: mapping keys must be plain text"),
        ("a: 1\n? {x: 1}\n: 2\n", True, r"^k\.yaml:2: mapping keys must be plain text"),
        ("a: 1\n~: 2\n", True, r"^k\.yaml:2: mapping key '~' is not text, a number"),
        ("a: 1\n2024-01-01: 2\n", True, r"^k\.yaml:2: mapping key '2024-01-01' is not text"),
    ],
)
def test_keys_that_are_not_plain_scalars_are_refused(
    text: str, scalar_keys: bool, expected: str
) -> None:
    with pytest.raises(YamlSourceError, match=expected):
        parse_yaml(text, "k.yaml", scalar_keys=scalar_keys)


def test_null_and_date_keys_are_plain_text_by_default() -> None:
    assert parse_yaml("~: 1\n2024-01-01: 2\n").data == {"~": 1, "2024-01-01": 2}


def test_files_are_read_as_utf8_and_named_in_errors(tmp_path: Path) -> None:
    good = tmp_path / "good.yaml"
    good.write_text("name: café\ntiers: {1: high}\n", encoding="utf-8")
    doc = load_yaml_file(good, scalar_keys=True)
    assert doc.data == {"name": "café", "tiers": {1: "high"}}
    assert doc.where(("tiers", "1")) == f"{good}:2"
    with pytest.raises(YamlSourceError, match=r"missing\.yaml: cannot read file \(not found\)"):
        load_yaml_file(tmp_path / "missing.yaml")
    latin = tmp_path / "latin.yaml"
    latin.write_bytes(b"name: caf\xe9\n")
    with pytest.raises(YamlSourceError, match=r"latin\.yaml: cannot read file \(not UTF-8"):
        load_yaml_file(latin)
    with pytest.raises(YamlSourceError, match=r": cannot read file \(.+\); check the path"):
        load_yaml_file(tmp_path)


_keys = st.text(alphabet="abcdefghij_", min_size=1, max_size=6)
_leaves = st.none() | st.booleans() | st.integers(-1000, 1000) | st.text(max_size=8)
_documents = st.recursive(
    _leaves,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_keys, inner, max_size=4),
    max_leaves=20,
)


def _paths(data: Any, path: tuple[str | int, ...] = ()) -> list[tuple[str | int, ...]]:
    found = [path]
    if isinstance(data, dict):
        for key, value in data.items():
            found += _paths(value, (*path, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            found += _paths(value, (*path, index))
    return found


@given(_documents, st.booleans())
def test_data_matches_safe_load_and_every_key_line_holds_its_key(data: Any, flow: bool) -> None:
    """Oracle: ``yaml.safe_load`` of the same text, and the text of the line itself."""
    text = yaml.safe_dump(data, default_flow_style=flow, sort_keys=False)
    doc: LocatedYaml = parse_yaml(text, "p.yaml", scalar_keys=True)
    assert doc.data == yaml.safe_load(text)
    assert doc.data == data
    written = text.splitlines()
    for path in _paths(data):
        line = doc.line_of(path)
        assert path in doc.lines
        assert 1 <= line <= max(len(written), 1)
        if path and isinstance(path[-1], str):
            assert path[-1] in written[line - 1]


@pytest.mark.parametrize(
    ("text", "line", "says"),
    [
        ("a: 1\nwhen: 2026-13-01\n", 2, "'2026-13-01' is not a valid date (month must be"),
        ("a:\n  - 2026-02-30\n", 2, "'2026-02-30' is not a valid date (day is out of range"),
        ("2026-13-01: x\n", 1, "'2026-13-01' is not a valid date"),
        ("a: !!int abc\n", 1, "'abc' is not a valid integer"),
        ("a: 1\nb: x\x00y\n", 2, "control character U+0000 is not allowed"),
    ],
)
def test_impossible_values_and_control_characters_are_located(
    text: str, line: int, says: str
) -> None:
    scalar_keys = text.startswith("2026")
    with pytest.raises(YamlSourceError) as raised:
        parse_yaml(text, "f.yaml", scalar_keys=scalar_keys)
    message = str(raised.value)
    assert message.startswith(f"f.yaml:{line}: ")
    assert says in message
    assert "\n" not in message


def test_a_file_over_the_limit_is_refused_before_parsing(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    path.write_text("a: " + "x" * 2000 + "\n")
    assert load_yaml_file(path, max_bytes=4096).data == {"a": "x" * 2000}
    with pytest.raises(YamlSourceError, match=r"big\.yaml: the file is larger than the limit"):
        load_yaml_file(path, max_bytes=1024)


def test_answers_files_have_a_limit(tmp_path: Path) -> None:
    from ombud.compliance import ClassificationInputError, load_answers_yaml
    from ombud.compliance.questionnaire import MAX_ANSWERS_BYTES

    path = tmp_path / "answers.yaml"
    path.write_text("# " + "x" * MAX_ANSWERS_BYTES + "\nsocial_scoring: false\n")
    with pytest.raises(ClassificationInputError, match="larger than the limit of 1 MiB"):
        load_answers_yaml(path)
