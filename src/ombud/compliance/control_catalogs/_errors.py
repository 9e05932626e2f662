"""The one error type of the catalogs package, so callers can tell bad input from bugs."""

from __future__ import annotations

__all__ = ["CatalogError", "UnknownFrameworkError"]


class CatalogError(ValueError):
    """A catalog, crosswalk or OSCAL file that cannot be used, with where and how to fix it."""


class UnknownFrameworkError(CatalogError):
    """A framework name that is not one of the known catalogs."""
