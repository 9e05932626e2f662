"""Loading a data set by name, for the command line, configuration files and the demo.

The registry is a plain, explicit mapping written out here (no plugin discovery): the set
of offline data sets is small and fixed by what the pinned packages ship.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ombud.datasets._adult import load_adult
from ombud.datasets._compas import load_compas
from ombud.datasets._german import load_german_credit
from ombud.datasets._model import Dataset
from ombud.datasets._r_packages import (
    load_bertrand_mullainathan,
    load_hmda,
    load_minneapolis_stops,
    load_ricci,
    load_toronto_arrests,
)

__all__ = ["UnknownDatasetError", "available_datasets", "load"]

_LOADERS: dict[str, Callable[..., Dataset]] = {
    "adult": load_adult,
    "bertrand_mullainathan": load_bertrand_mullainathan,
    "compas": load_compas,
    "german_credit": load_german_credit,
    "hmda": load_hmda,
    "minneapolis_stops": load_minneapolis_stops,
    "ricci": load_ricci,
    "toronto_arrests": load_toronto_arrests,
}


class UnknownDatasetError(ValueError):
    """``load`` was given a name that is not in ``available_datasets()``."""


def available_datasets() -> tuple[str, ...]:
    """Names accepted by ``load``, sorted."""
    return tuple(sorted(_LOADERS))


def load(name: str, **kwargs: Any) -> Dataset:
    """Load a data set by name; keyword arguments go to its loader (``path=``, ``filtered=``)."""
    try:
        loader = _LOADERS[name]
    except KeyError:
        raise UnknownDatasetError(
            f"unknown data set {name!r}; choose one of {', '.join(available_datasets())}"
        ) from None
    return loader(**kwargs)
