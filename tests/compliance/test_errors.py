"""Compliance reads its YAML through ``ombud.yamlsource`` but raises its own error type."""

from __future__ import annotations

from pathlib import Path

import pytest

from ombud.compliance import ClassificationInputError
from ombud.compliance._errors import load_yaml

TEXT = """# comment
top:
  inner: 1
  list:
    - a
    - {x: 2}
other: [1, 2]
"""


def test_lines_of_nested_paths() -> None:
    doc = load_yaml("f.yaml", TEXT)
    assert doc.data == {"top": {"inner": 1, "list": ["a", {"x": 2}]}, "other": [1, 2]}
    assert doc.line_of(("top",)) == 2
    assert doc.line_of(("top", "inner")) == 3
    assert doc.line_of(("top", "list", 1, "x")) == 6
    assert doc.where(("other", 1)) == "f.yaml:7"
    assert doc.line_of(("top", "missing", "deeper")) == 2


def test_duplicate_keys_and_bad_syntax() -> None:
    with pytest.raises(ClassificationInputError, match=r"^f\.yaml:3: duplicate key 'a'"):
        load_yaml("f.yaml", "a: 1\nb: 2\na: 3\n")
    with pytest.raises(ClassificationInputError, match=r"^f\.yaml:2: not valid YAML"):
        load_yaml("f.yaml", "a: [1,\nb: }\n")


def test_empty_document() -> None:
    assert load_yaml("f.yaml", "").data is None


def test_keys_keep_their_yaml_type_and_paths_use_their_text() -> None:
    doc = load_yaml("tiers.yaml", "tiers:\n  1: critical\n  2: high\n")
    assert doc.data == {"tiers": {1: "critical", 2: "high"}}
    assert doc.line_of(("tiers", "2")) == 3


def test_unreadable_files_are_classification_input_errors(tmp_path: Path) -> None:
    missing = tmp_path / "missing.yaml"
    with pytest.raises(ClassificationInputError, match=r"missing\.yaml: cannot read file"):
        load_yaml(missing)
    latin = tmp_path / "latin.yaml"
    latin.write_bytes(b"name: caf\xe9\n")
    with pytest.raises(ClassificationInputError, match=r"latin\.yaml: .*not UTF-8"):
        load_yaml(latin)
    with pytest.raises(ClassificationInputError, match=r"^d\.yaml:2: mapping key '~'"):
        load_yaml("d.yaml", "a: 1\n~: 2\n")
