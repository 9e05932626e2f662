"""The public API of ombud.discover: curated, importable, documented in docs/discovery.md.

Oracle: the package's ``__all__`` against the names it exports and the docs page. That the
engine needs no database is enforced by the import-linter layers contract (``lint-imports``).
"""

from __future__ import annotations

from pathlib import Path

import ombud.discover as discover


def test_all_names_exist_and_are_unique() -> None:
    assert len(set(discover.__all__)) == len(discover.__all__)
    assert all(hasattr(discover, name) for name in discover.__all__)
    assert not [name for name in discover.__all__ if name.startswith("_")]


def test_every_public_name_is_documented() -> None:
    doc = (Path(__file__).parents[2] / "docs" / "discovery.md").read_text(encoding="utf-8")
    missing = [name for name in discover.__all__ if f"`{name}" not in doc]
    assert missing == []
