"""The public API of ombud.fairness: curated, importable, and documented in docs/fairness.md.

Oracle: the package's ``__all__`` against the names it exports and the text of the docs page.
"""

from __future__ import annotations

from pathlib import Path

import ombud.fairness as fairness


def test_all_names_exist_and_are_unique() -> None:
    assert len(set(fairness.__all__)) == len(fairness.__all__)
    assert all(hasattr(fairness, name) for name in fairness.__all__)
    assert not [name for name in fairness.__all__ if name.startswith("_")]


def test_every_public_name_is_documented() -> None:
    doc = (Path(__file__).parents[2] / "docs" / "fairness.md").read_text(encoding="utf-8")
    missing = [name for name in fairness.__all__ if name not in doc]
    assert missing == []


def test_model_aware_checks_stay_exported() -> None:
    assert "counterfactual_flip_test" in fairness.__all__
    assert "detect_proxies" in fairness.__all__
