"""The reason-code table: which statement a declined applicant reads for each feature.

A YAML file kept with the system manifest maps every model feature to a reason code
and the statement printed on the notice; several features may share one code (many to
one: ``dti`` and ``housing_ratio`` both read "Excessive obligations in relation to
income")::

    features:
      dti:
        code: R03
        statement: Excessive obligations in relation to income
      housing_ratio:
        code: R03
        statement: Excessive obligations in relation to income

Refused, at ``file:line``: a protected attribute given a code (it can never be a reason),
one code with two different statements, an entry without a code or statement. Whether
every feature of the model is mapped is checked when the table meets the model.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from ombud.explain._errors import ReasonTableError
from ombud.records import sha256_bytes
from ombud.yamlsource import LocatedYaml, YamlSourceError, parse_yaml

__all__ = ["ReasonCode", "ReasonTable", "load_reason_table", "parse_reason_table"]

_MAX_BYTES = 1 << 20


@dataclass(frozen=True)
class ReasonCode:
    code: str
    statement: str


@dataclass(frozen=True)
class ReasonTable:
    """Feature -> reason code, read from ``source``; ``sha256`` is the text's digest."""

    entries: Mapping[str, ReasonCode]
    source: str
    sha256: str

    def check_covers(self, features: Iterable[str], excluded: Iterable[str]) -> None:
        """Refuse a table that leaves a model feature unmapped (``excluded`` need none)."""
        skip = {f.lower() for f in excluded}
        missing = [f for f in features if f not in self.entries and f.lower() not in skip]
        if missing:
            raise ReasonTableError(
                f"{self.source}: no reason code for model feature(s) {missing}; add an entry "
                "for each under features: (every factor scored must be disclosable)"
            )

    def codes(self) -> dict[str, str]:
        """Code -> statement."""
        return {r.code: r.statement for r in self.entries.values()}


def _text(doc: LocatedYaml, path: tuple[str | int, ...], value: object, what: str) -> str:
    if not isinstance(value, str | int) or isinstance(value, bool) or not str(value).strip():
        raise ReasonTableError(f"{doc.where(path)}: {what} must be non-empty text")
    return str(value).strip()


def parse_reason_table(
    text: str, source: str = "<reason table>", *, protected: Iterable[str] = ()
) -> ReasonTable:
    """Parse and check a reason-code table (see the module docstring)."""
    try:
        doc = parse_yaml(text, source)
    except YamlSourceError as exc:
        raise ReasonTableError(str(exc)) from None
    if not isinstance(doc.data, dict) or not isinstance(doc.data.get("features"), dict):
        raise ReasonTableError(
            f"{doc.where(())}: a reason table needs a 'features:' mapping of feature -> "
            "{code, statement}"
        )
    forbidden = {p.lower() for p in protected}
    entries: dict[str, ReasonCode] = {}
    statement_of: dict[str, tuple[str, str]] = {}
    for feature, body in doc.data["features"].items():
        path: tuple[str | int, ...] = ("features", feature)
        if feature.lower() in forbidden:
            raise ReasonTableError(
                f"{doc.where(path)}: maps protected attribute {feature!r} to a reason; remove "
                "it (a protected attribute is never a reason for adverse action)"
            )
        if not isinstance(body, dict):
            raise ReasonTableError(f"{doc.where(path)}: give {feature!r} a code and a statement")
        unknown = sorted(set(body) - {"code", "statement"})
        if unknown:
            raise ReasonTableError(f"{doc.where(path)}: unknown key(s) {unknown} for {feature!r}")
        code = _text(doc, (*path, "code"), body.get("code"), f"the code of {feature!r}")
        statement = _text(
            doc, (*path, "statement"), body.get("statement"), f"the statement of {feature!r}"
        )
        if code in statement_of and statement_of[code][0] != statement:
            raise ReasonTableError(
                f"{doc.where((*path, 'statement'))}: code {code} already reads "
                f"{statement_of[code][0]!r} (for {statement_of[code][1]!r}); "
                "one code, one statement"
            )
        statement_of.setdefault(code, (statement, feature))
        entries[feature] = ReasonCode(code, statement)
    if not entries:
        raise ReasonTableError(f"{doc.where(('features',))}: the table maps no feature")
    return ReasonTable(entries, source, sha256_bytes(text.encode("utf-8")))


def load_reason_table(path: str | Path, *, protected: Iterable[str] = ()) -> ReasonTable:
    """Read a reason-code table file (at most 1 MiB) and check it."""
    file = Path(path)
    try:
        with file.open("rb") as handle:
            data = handle.read(_MAX_BYTES + 1)
    except OSError as exc:
        raise ReasonTableError(f"{file}: cannot read ({exc.strerror}); check the path") from None
    if len(data) > _MAX_BYTES:
        raise ReasonTableError(f"{file}: larger than 1 MiB; is it the right file?")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ReasonTableError(f"{file}: not UTF-8 text; save it as UTF-8") from None
    return parse_reason_table(text, str(file), protected=protected)
