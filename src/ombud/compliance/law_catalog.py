"""The legal catalog: what the law says, as versioned data.

Law changes by amendment, and a classification must stay explainable under the text it
was made with. So the EU AI Act's triggers (Art. 5, Art. 6, Annex III, Art. 50, Arts
51-55), its obligations and the other regimes live in ``data/catalog-<version>.yaml``;
an amendment ships as a new file, old files stay, and ``load_catalog()`` picks the
newest unless told otherwise. Every condition is checked against the questionnaire at
load time, so a catalog cannot silently refer to a question or option that does not exist.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from ombud.compliance._conditions import Condition, parse_condition
from ombud.compliance._errors import ClassificationInputError, load_yaml
from ombud.compliance._law_catalog_checks import cross_check
from ombud.compliance.questionnaire import load_questionnaire
from ombud.yamlsource import KeyPath, LocatedYaml

__all__ = [
    "ACT_IN_FORCE",
    "ITEM_KINDS",
    "ApplicationDate",
    "LegalCatalog",
    "LegalItem",
    "ObligationRule",
    "RegimeRule",
    "available_catalog_versions",
    "catalog_for_date",
    "load_catalog",
    "obligation_schedule",
    "parse_as_of",
]

ITEM_KINDS = (
    "operator_role",
    "scope_exclusion",
    "prohibited_practice",
    "annex_i",
    "annex_iii_point",
    "carve_out",
    "derogation_condition",
    "derogation_override",
    "transparency",
    "gpai",
    "gpai_systemic",
)
_VERSION = re.compile(r"^\d{4}\.\d+$")
_FILE = re.compile(r"^catalog-(\d{4}\.\d+)\.yaml$")


@dataclass(frozen=True)
class ApplicationDate:
    id: str
    date: dt.date
    citation: str
    paraphrase: str


@dataclass(frozen=True)
class LegalItem:
    """A legal test: fires when ``when`` holds, unless its stated exception holds."""

    id: str
    kind: str
    title: str
    citation: str
    paraphrase: str
    when: Condition
    unless: Condition | None = None
    exception: str | None = None
    applies_from: dt.date | None = None
    verified: bool = True
    source: str | None = None


@dataclass(frozen=True)
class ObligationRule:
    id: str
    title: str
    citation: str
    paraphrase: str
    roles: tuple[str, ...]
    applies_to: tuple[str, ...]
    applies_from: dt.date | None
    when: Condition | None = None
    verified: bool = True
    source: str | None = None


@dataclass(frozen=True)
class RegimeRule:
    id: str
    jurisdiction: str
    title: str
    citation: str
    paraphrase: str
    why: str
    when: Condition
    applies_from: dt.date | None = None
    note: str | None = None
    verified: bool = True
    source: str | None = None


@dataclass(frozen=True)
class LegalCatalog:
    version: str
    title: str
    regulation: Mapping[str, str]
    application_dates: tuple[ApplicationDate, ...]
    items: tuple[LegalItem, ...]
    obligations: tuple[ObligationRule, ...]
    regimes: tuple[RegimeRule, ...]
    #: The day this text became the law (the Act's or the amending act's entry into force).
    in_force: dt.date | None = None

    def date(self, date_id: str) -> dt.date:
        return next(d.date for d in self.application_dates if d.id == date_id)

    def items_of(self, kind: str) -> tuple[LegalItem, ...]:
        return tuple(item for item in self.items if item.kind == kind)


def _version_key(version: str) -> tuple[int, int]:
    year, number = version.split(".")
    return int(year), int(number)


def available_catalog_versions() -> tuple[str, ...]:
    """Versions shipped with the package, oldest first."""
    folder = resources.files("ombud.compliance").joinpath("data")
    found = [m.group(1) for f in folder.iterdir() if (m := _FILE.match(f.name))]
    return tuple(sorted(found, key=_version_key))


class _Reader:
    """Field access on one YAML document that reports ``file:line`` on every problem."""

    def __init__(self, doc: LocatedYaml) -> None:
        self.doc = doc

    def fail(self, path: KeyPath, what: str) -> ClassificationInputError:
        return ClassificationInputError(f"{self.doc.where(path)}: {what}")

    def mapping(
        self, raw: Any, path: KeyPath, keys: set[str], required: set[str]
    ) -> Mapping[str, Any]:
        if not isinstance(raw, Mapping):
            raise self.fail(path, "expected a mapping")
        unknown = set(raw) - keys
        if unknown:
            raise self.fail(
                path,
                f"unknown key(s) {sorted(unknown)}; allowed: {sorted(keys)} "
                "(quote texts with commas)",
            )
        missing = required - set(raw)
        if missing:
            raise self.fail(path, f"missing key(s) {sorted(missing)}")
        return raw

    def text(self, raw: Mapping[str, Any], key: str, path: KeyPath) -> str:
        value = raw.get(key)
        if not isinstance(value, str) or not value.strip():
            raise self.fail((*path, key), f"'{key}' must be non-empty text")
        return " ".join(value.split())

    def texts(self, raw: Mapping[str, Any], key: str, path: KeyPath) -> tuple[str, ...]:
        value = raw.get(key)
        if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
            raise self.fail((*path, key), f"'{key}' must be a non-empty list of texts")
        return tuple(value)

    def provenance(self, raw: Mapping[str, Any], path: KeyPath) -> tuple[bool, str | None]:
        """``verified`` (default true) and ``source``; an unverified entry must name its source."""
        verified = raw.get("verified", True)
        if not isinstance(verified, bool):
            raise self.fail((*path, "verified"), "'verified' must be true or false")
        source = self.text(raw, "source", path) if "source" in raw else None
        if not verified and source is None:
            raise self.fail(
                path, "an entry with 'verified: false' must say in 'source' where it was read"
            )
        return verified, source

    def list_at(self, data: Mapping[str, Any], key: str) -> list[Any]:
        value = data.get(key)
        if not isinstance(value, list):
            raise self.fail((key,), f"'{key}' must be a list")
        return value


def _parse(doc: LocatedYaml) -> LegalCatalog:
    read = _Reader(doc)
    top = read.mapping(
        doc.data,
        (),
        {
            "catalog_version",
            "title",
            "regulation",
            "application_dates",
            "items",
            "obligations",
            "other_regimes",
            "in_force",
        },
        {
            "catalog_version",
            "title",
            "regulation",
            "application_dates",
            "items",
            "obligations",
            "other_regimes",
        },
    )
    version = str(top["catalog_version"])
    if not _VERSION.match(version):
        raise read.fail(
            ("catalog_version",), f"version '{version}' must look like 2024.1 (year.number)"
        )
    dates = []
    for i, raw in enumerate(read.list_at(top, "application_dates")):
        path: KeyPath = ("application_dates", i)
        raw = read.mapping(
            raw,
            path,
            {"id", "date", "citation", "paraphrase"},
            {"id", "date", "citation", "paraphrase"},
        )
        if not isinstance(raw["date"], dt.date):
            raise read.fail((*path, "date"), "'date' must be written as YYYY-MM-DD")
        dates.append(
            ApplicationDate(
                read.text(raw, "id", path),
                raw["date"],
                read.text(raw, "citation", path),
                read.text(raw, "paraphrase", path),
            )
        )
    date_by_id = {d.id: d.date for d in dates}

    def applies_from(raw: Mapping[str, Any], path: KeyPath) -> dt.date | None:
        if "applies_from" not in raw:
            return None
        key = raw["applies_from"]
        if key not in date_by_id:
            raise read.fail(
                (*path, "applies_from"),
                f"unknown application date '{key}'; use one of {sorted(date_by_id)}",
            )
        return date_by_id[key]

    def condition(raw: Any, path: KeyPath, outcomes: bool = False) -> Condition:
        return parse_condition(raw, path, doc.where, allow_outcomes=outcomes)

    items = []
    item_keys = {
        "id",
        "kind",
        "title",
        "citation",
        "paraphrase",
        "when",
        "unless",
        "exception",
        "applies_from",
        "verified",
        "source",
    }
    for i, raw in enumerate(read.list_at(top, "items")):
        path = ("items", i)
        raw = read.mapping(
            raw, path, item_keys, {"id", "kind", "title", "citation", "paraphrase", "when"}
        )
        if raw["kind"] not in ITEM_KINDS:
            raise read.fail(
                (*path, "kind"), f"unknown kind '{raw['kind']}'; use one of {', '.join(ITEM_KINDS)}"
            )
        if ("unless" in raw) != ("exception" in raw):
            raise read.fail(
                path,
                "'unless' and 'exception' go together: say when the exception holds and what it is",
            )
        items.append(
            LegalItem(
                id=read.text(raw, "id", path),
                kind=raw["kind"],
                title=read.text(raw, "title", path),
                citation=read.text(raw, "citation", path),
                paraphrase=read.text(raw, "paraphrase", path),
                when=condition(raw["when"], (*path, "when")),
                unless=condition(raw["unless"], (*path, "unless")) if "unless" in raw else None,
                exception=read.text(raw, "exception", path) if "exception" in raw else None,
                applies_from=applies_from(raw, path),
                **_provenance(read, raw, path),
            )
        )
    obligations = []
    for i, raw in enumerate(read.list_at(top, "obligations")):
        path = ("obligations", i)
        raw = read.mapping(
            raw,
            path,
            {
                "id",
                "title",
                "citation",
                "paraphrase",
                "roles",
                "applies_to",
                "applies_from",
                "when",
                "verified",
                "source",
            },
            {"id", "title", "citation", "paraphrase", "roles", "applies_to"},
        )
        obligations.append(
            ObligationRule(
                id=read.text(raw, "id", path),
                title=read.text(raw, "title", path),
                citation=read.text(raw, "citation", path),
                paraphrase=read.text(raw, "paraphrase", path),
                roles=read.texts(raw, "roles", path),
                applies_to=read.texts(raw, "applies_to", path),
                applies_from=applies_from(raw, path),
                when=condition(raw["when"], (*path, "when"), True) if "when" in raw else None,
                **_provenance(read, raw, path),
            )
        )
    regimes = []
    regime_keys = {"id", "jurisdiction", "title", "citation", "paraphrase", "why", "when"}
    optional = {"applies_from", "note", "verified", "source"}
    for i, raw in enumerate(read.list_at(top, "other_regimes")):
        path = ("other_regimes", i)
        raw = read.mapping(raw, path, regime_keys | optional, regime_keys)
        regimes.append(
            RegimeRule(
                id=read.text(raw, "id", path),
                jurisdiction=read.text(raw, "jurisdiction", path),
                title=read.text(raw, "title", path),
                citation=read.text(raw, "citation", path),
                paraphrase=read.text(raw, "paraphrase", path),
                why=read.text(raw, "why", path),
                when=condition(raw["when"], (*path, "when"), True),
                applies_from=applies_from(raw, path),
                note=read.text(raw, "note", path) if "note" in raw else None,
                **_provenance(read, raw, path),
            )
        )
    regulation = read.mapping(
        top["regulation"],
        ("regulation",),
        {
            "name",
            "celex",
            "source",
            "published",
            "entry_into_force",
            "amended_by",
            "consolidated_celex",
        },
        {"name", "celex", "source"},
    )
    in_force = top.get("in_force", regulation.get("entry_into_force"))
    if in_force is not None and not isinstance(in_force, dt.date):
        raise read.fail(("in_force",), "'in_force' must be written as YYYY-MM-DD")
    for group, entries in (
        ("items", items),
        ("obligations", obligations),
        ("other_regimes", regimes),
    ):
        ids = [entry.id for entry in entries]
        for i, entry_id in enumerate(ids):
            if entry_id in ids[:i]:
                raise read.fail((group, i, "id"), f"id '{entry_id}' repeats")
    return LegalCatalog(
        version=version,
        title=read.text(top, "title", ()),
        regulation={k: str(v) for k, v in regulation.items()},
        application_dates=tuple(dates),
        items=tuple(items),
        obligations=tuple(obligations),
        regimes=tuple(regimes),
        in_force=in_force,
    )


def _provenance(read: _Reader, raw: Mapping[str, Any], path: KeyPath) -> dict[str, Any]:
    verified, source = read.provenance(raw, path)
    return {"verified": verified, "source": source}


def _load(version: str | None, path: str | None) -> LegalCatalog:
    if path is not None:
        doc = load_yaml(path)
    else:
        versions = available_catalog_versions()
        chosen = versions[-1] if version is None else version
        if chosen not in versions:
            raise ClassificationInputError(
                f"catalog version '{chosen}' is not shipped; available: {', '.join(versions)}"
            )
        resource = resources.files("ombud.compliance").joinpath("data", f"catalog-{chosen}.yaml")
        doc = load_yaml(str(resource), resource.read_text(encoding="utf-8"))
    catalog = _parse(doc)
    if version is not None and path is not None and catalog.version != version:
        raise ClassificationInputError(
            f"{path}: holds catalog version '{catalog.version}', not '{version}'"
        )
    cross_check(catalog, load_questionnaire().for_catalog(catalog.version), doc.source)
    return catalog


def load_catalog(version: str | None = None, *, path: str | Path | None = None) -> LegalCatalog:
    """A shipped catalog (the newest by default), or one read from ``path``."""
    if path is not None:  # a file being edited must be re-read every time
        return _load(version, str(path))
    return _load_shipped(version)


@lru_cache(maxsize=16)
def _load_shipped(version: str | None) -> LegalCatalog:
    # Shipped files are immutable package data, so parsing each once is safe.
    return _load(version, None)


#: The EU AI Act entered into force on 1 August 2024 (Art. 113, first paragraph); no
#: classification can be made "as of" a day before it.
ACT_IN_FORCE = dt.date(2024, 8, 1)


def catalog_for_date(on: dt.date) -> LegalCatalog:
    """The newest shipped catalog whose text was in force on ``on``.

    A classification made on a day uses the law of that day: an amendment counts from
    its entry into force, not from its publication or from when Ombud shipped it.
    """
    if on < ACT_IN_FORCE:
        raise ClassificationInputError(
            f"date {on.isoformat()} is before the EU AI Act entered into force "
            f"({ACT_IN_FORCE.isoformat()}); give a later date"
        )
    chosen = None
    for version in available_catalog_versions():
        catalog = load_catalog(version)
        if catalog.in_force is None or catalog.in_force <= on:
            chosen = catalog
    if chosen is None:  # pragma: no cover - 2024.1 is in force from ACT_IN_FORCE
        raise ClassificationInputError(f"no shipped catalog was in force on {on.isoformat()}")
    return chosen


def parse_as_of(text: str | dt.date) -> dt.date:
    """A ``--as-of`` day: ISO ``YYYY-MM-DD``, not before the Act entered into force."""
    if isinstance(text, dt.date):
        day = text
    else:
        try:
            day = dt.date.fromisoformat(text.strip())
        except ValueError:
            raise ClassificationInputError(
                f"--as-of '{text}' is not a date; write it as YYYY-MM-DD, e.g. 2027-12-02"
            ) from None
    if day < ACT_IN_FORCE:
        raise ClassificationInputError(
            f"--as-of {day.isoformat()} is before the EU AI Act entered into force "
            f"({ACT_IN_FORCE.isoformat()}); give {ACT_IN_FORCE.isoformat()} or later"
        )
    return day


def obligation_schedule(obligations: Any, on: dt.date) -> dict[str, list[dict[str, Any]]]:
    """Obligation dicts (as in ``Classification.to_dict()``) split by whether they apply on ``on``.

    ``in_force`` keeps the input order; ``upcoming`` is soonest first and says how many days
    are left. Works on stored records, so an old classification can be read on any day.
    """
    in_force: list[dict[str, Any]] = []
    upcoming: list[dict[str, Any]] = []
    for raw in obligations:
        when = raw.get("applies_from")
        start = dt.date.fromisoformat(when) if isinstance(when, str) and when else None
        if start is None or start <= on:
            in_force.append(dict(raw))
        else:
            upcoming.append({**raw, "days_left": (start - on).days})
    upcoming.sort(key=lambda o: (o["applies_from"], o["id"]))
    return {"in_force": in_force, "upcoming": upcoming}
