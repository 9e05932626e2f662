"""Deployment-region codes: ISO 3166-1 alpha-2 countries, optionally with a subdivision.

Where a system is used decides which law applies (the EU AI Act reaches systems used
in the Union, Art. 2(1)), so a mistyped region silently drops a regime. A code is
accepted when its country part is an assigned ISO 3166-1 alpha-2 code (the table in
``data/iso3166-1-alpha2.tsv``, taken from the IANA tz database's copy) or one of the
two codes of EU usage the classifier understands: ``EU`` for the Union as a whole and
``EL`` for Greece. A subdivision (``US-CO``) is checked for its form only (one to three
letters or digits after the hyphen, as in ISO 3166-2); its list is not shipped.
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources

__all__ = ["EU_USAGE_CODES", "country_codes", "region_problem"]

#: Codes outside ISO 3166-1 that the EU uses and the classifier reads (see _conditions).
EU_USAGE_CODES = frozenset({"EU", "EL"})
_FORM = re.compile(r"[A-Z]{2}(-[A-Z0-9]{1,3})?")


@lru_cache(maxsize=1)
def country_codes() -> frozenset[str]:
    """The assigned ISO 3166-1 alpha-2 codes of the shipped table."""
    text = (resources.files("ombud.compliance") / "data" / "iso3166-1-alpha2.tsv").read_text(
        encoding="utf-8"
    )
    return frozenset(
        line.split("\t", 1)[0] for line in text.splitlines() if line and not line.startswith("#")
    )


def region_problem(code: str) -> str | None:
    """Why ``code`` (already upper-case) is not a region code, or None when it is one."""
    if not _FORM.fullmatch(code):
        return (
            f"{code!r} is not a region code; write an ISO 3166-1 alpha-2 country code, "
            "optionally with a subdivision (e.g. EU, DE, US-CO)"
        )
    country = code[:2]
    if country not in country_codes() and country not in EU_USAGE_CODES:
        return (
            f"{code!r}: '{country}' is not an assigned ISO 3166-1 alpha-2 country code "
            "(nor EU); check the spelling (e.g. GB for the United Kingdom, DE for Germany)"
        )
    return None
