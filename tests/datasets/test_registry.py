"""Loading by name."""

from __future__ import annotations

import pytest

import ombud.datasets as datasets
from ombud.datasets import UnknownDatasetError, available_datasets, load


def test_every_name_loads_with_provenance() -> None:
    names = available_datasets()
    assert len(names) == 8
    for name in names:
        data = load(name)
        assert data.name == name
        assert len(data.sha256) == 64
        assert data.label.column in data.frame.columns
        assert set(data.protected_attributes) <= set(data.frame.columns)
        assert data.citation
        assert data.license_note
        assert "rownames" not in data.frame.columns


def test_keyword_arguments_reach_the_loader() -> None:
    assert len(load("compas", filtered=True).frame) == 6_172


def test_unknown_name_lists_the_choices() -> None:
    with pytest.raises(UnknownDatasetError, match="hmda"):
        load("hdma")


def test_public_api_is_curated() -> None:
    assert sorted(datasets.__all__) == sorted(set(datasets.__all__))
    for name in datasets.__all__:
        assert hasattr(datasets, name)
