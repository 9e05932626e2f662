"""Line-aware YAML loading."""

from __future__ import annotations

import pytest

from ombud.compliance import ClassificationInputError
from ombud.compliance._yaml_lines import load_lined_yaml

TEXT = """# comment
top:
  inner: 1
  list:
    - a
    - {x: 2}
other: [1, 2]
"""


def test_lines_of_nested_paths() -> None:
    doc = load_lined_yaml("f.yaml", TEXT)
    assert doc.data == {"top": {"inner": 1, "list": ["a", {"x": 2}]}, "other": [1, 2]}
    assert doc.line_of(("top",)) == 2
    assert doc.line_of(("top", "inner")) == 3
    assert doc.line_of(("top", "list", 1, "x")) == 6
    assert doc.where(("other", 1)) == "f.yaml:7"
    assert doc.line_of(("top", "missing", "deeper")) == 2


def test_duplicate_keys_and_bad_syntax() -> None:
    with pytest.raises(ClassificationInputError, match=r"^f\.yaml:3: key 'a' appears twice"):
        load_lined_yaml("f.yaml", "a: 1\nb: 2\na: 3\n")
    with pytest.raises(ClassificationInputError, match=r"^f\.yaml:2: not valid YAML"):
        load_lined_yaml("f.yaml", "a: [1,\nb: }\n")


def test_empty_document() -> None:
    assert load_lined_yaml("f.yaml", "").data is None
