"""The public API of ombud.fairness.mitigate: curated, importable, documented.

Oracle: the package's ``__all__`` against the names it exports and docs/mitigation.md.
"""

from __future__ import annotations

from pathlib import Path

import ombud.fairness.mitigate as mitigate


def test_all_names_exist_and_are_unique() -> None:
    assert len(set(mitigate.__all__)) == len(mitigate.__all__)
    assert all(hasattr(mitigate, name) for name in mitigate.__all__)
    assert not [name for name in mitigate.__all__ if name.startswith("_")]


def test_every_public_name_is_documented() -> None:
    doc = (Path(__file__).parents[3] / "docs" / "mitigation.md").read_text(encoding="utf-8")
    assert [name for name in mitigate.__all__ if f"`{name}`" not in doc] == []
