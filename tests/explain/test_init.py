"""The public API of ombud.explain: curated, importable, documented in docs/explain.md.

Oracle: the package's ``__all__`` against the names it exports and the text of the docs
page; and the layer rule (no database or service import) read from the module sources.
"""

from __future__ import annotations

from pathlib import Path

import ombud.explain as explain

ROOT = Path(__file__).parents[2]


def test_all_names_exist_and_are_unique() -> None:
    assert len(set(explain.__all__)) == len(explain.__all__)
    assert all(hasattr(explain, name) for name in explain.__all__)
    assert not [name for name in explain.__all__ if name.startswith("_")]


def test_every_public_name_is_documented() -> None:
    doc = (ROOT / "docs" / "explain.md").read_text(encoding="utf-8")
    assert [name for name in explain.__all__ if name not in doc] == []


def test_modules_stay_small_and_free_of_the_database() -> None:
    for source in (ROOT / "src" / "ombud" / "explain").glob("*.py"):
        text = source.read_text(encoding="utf-8")
        assert len(text.splitlines()) < 400, source.name
        for layer in ("ombud.store", "ombud.services", "ombud.fairness", "sqlalchemy"):
            assert f"import {layer}" not in text, source.name
            assert f"from {layer}" not in text, source.name
