"""Prompt-set spec entries turned into probes; the oracle is the files written here by hand."""

from __future__ import annotations

from pathlib import Path

import pytest

from ombud.redteam.core import PromptSetError
from ombud.redteam.importers import prompt_set_entry, prompt_set_probes


def test_entry_stores_an_absolute_path_and_defaults(tmp_path: Path) -> None:
    path = tmp_path / "set.csv"
    path.write_text("prompt\nhi\n", encoding="utf-8")
    entry = prompt_set_entry(path, "csv", None)
    assert entry == {
        "path": str(path.resolve()),
        "format": "csv",
        "license": "unspecified",
        "detectors": ["compliance"],
    }


def test_entry_rejects_unknown_format_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(PromptSetError, match="csv, pyrit, garak-data"):
        prompt_set_entry(tmp_path, "tsv", None)
    with pytest.raises(PromptSetError, match="no such prompt file"):
        prompt_set_entry(tmp_path / "absent.csv", "csv", None)


def test_same_stem_in_two_folders_gets_distinct_probe_ids(tmp_path: Path) -> None:
    entries = []
    for folder, fmt, text in (("a", "csv", "prompt\nx\ny\n"), ("b", "garak-data", "z\n")):
        (tmp_path / folder).mkdir()
        path = tmp_path / folder / "set.txt"
        path.write_text(text, encoding="utf-8")
        entries.append(prompt_set_entry(path, fmt, "MIT", ["refusal"]))
    probes = prompt_set_probes(entries)
    assert [p.info.id for p in probes] == ["imported.set", "imported.set.2"]
    attempts = [a for p in probes for a in p.attempts()]
    assert [a.turns[0].content for a in attempts] == ["x", "y", "z"]
    assert {a.context["license"] for a in attempts} == {"MIT"}
    assert {a.detectors for a in attempts} == {("refusal",)}
    assert len({a.attempt_id for a in attempts}) == 3


def test_unreadable_csv_is_a_prompt_set_error(tmp_path: Path) -> None:
    path = tmp_path / "latin.csv"
    path.write_bytes(b"prompt\ncaf\xe9\n")
    with pytest.raises(PromptSetError, match=r"latin\.csv: cannot read prompts"):
        prompt_set_probes([prompt_set_entry(path, "csv", None)])
