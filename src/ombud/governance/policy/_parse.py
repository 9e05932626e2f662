"""Reading a policy pack from YAML, with every mistake reported at ``file:line``.

A policy is written by people and decides whether a launch is blocked, so a typo must
never silently weaken it: unknown keys, unknown verdicts, malformed thresholds, metric
names and evidence kinds that no engine records, control characters, and an
``if_missing: pass`` without a written justification are errors, not defaults. Every way
of loading a pack (``policy validate``, a gate run, a review) goes through here.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from ombud.governance.inventory import LifecycleStatus
from ombud.governance.policy._model import (
    CAPACITIES,
    METRIC_OPERATORS,
    Approvals,
    EvidenceRequirement,
    Overlay,
    PolicyPack,
    PolicyRule,
    Requirements,
    Waiver,
)
from ombud.governance.policy._monitoring import parse_monitoring
from ombud.governance.policy._names import NameRegistry, default_registry
from ombud.records import METRIC_NAME_PATTERN, NAME_PLACEHOLDER, Verdict
from ombud.yamlsource import KeyPath, LocatedYaml, load_yaml_file, parse_yaml

__all__ = ["DEFAULT_POLICY_FILE", "load_default_policy", "load_policy", "parse_policy"]

DEFAULT_POLICY_FILE = "default-policy.yaml"
TIERS = (1, 2, 3, 4)
_KIND = re.compile(r"^[a-z][a-z0-9_]*$")
_RULE_ID = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
_GLOB = re.compile(r"^[a-z*?\[][A-Za-z0-9_\-+=<>.*?\[\]!]*$")
_VERDICTS = tuple(v.value for v in Verdict)
_TOP_KEYS = (
    "name",
    "version",
    "description",
    "custom_names",
    "tiers",
    "overlays",
    "waivers",
    "monitoring",
)
# C0/C1 control characters other than tab and line breaks, and the bidirectional
# overrides that make text display differently from what it says.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_SECTION_KEYS = ("evidence", "documents", "rules", "approvals")


class _Reader:
    def __init__(self, doc: LocatedYaml, names: NameRegistry) -> None:
        self.doc = doc
        self.names = names
        self.unknown: list[tuple[KeyPath, str]] = []  # names no engine records, reported together

    def unknown_name(self, path: KeyPath, message: str) -> None:
        self.unknown.append((path, message))

    def raise_unknown(self) -> None:
        if not self.unknown:
            return
        (path, message), *more = self.unknown
        if more:
            rest = ", ".join(f"line {self.doc.line_of(p)}" for p, _ in more)
            message += f" ({len(more)} more unknown name(s): {rest})"
        raise self.fail(path, message)

    def fail(self, path: KeyPath, message: str) -> Exception:
        return self.doc.error(path, message)

    def mapping(self, value: Any, path: KeyPath, allowed: tuple[str, ...]) -> Mapping[str, Any]:
        if not isinstance(value, Mapping):
            raise self.fail(path, f"expected a mapping with keys {', '.join(allowed)}")
        unknown = [str(k) for k in value if str(k) not in allowed]
        if unknown:
            raise self.fail(
                (*path, unknown[0]),
                f"unknown key '{unknown[0]}'; allowed here: {', '.join(allowed)}",
            )
        return value

    def text(self, data: Mapping[str, Any], key: str, path: KeyPath, *, required: bool) -> str:
        value = data.get(key)
        if value is None:
            if required:
                raise self.fail(path, f"'{key}' is required here")
            return ""
        if not isinstance(value, str | int | float) or isinstance(value, bool):
            raise self.fail((*path, key), f"'{key}' must be text")
        return str(value)

    def listing(self, data: Mapping[str, Any], key: str, path: KeyPath) -> list[Any]:
        value = data.get(key, [])
        if value is None:
            return []
        if not isinstance(value, list):
            raise self.fail((*path, key), f"'{key}' must be a list")
        return value

    def texts(self, data: Mapping[str, Any], key: str, path: KeyPath) -> tuple[str, ...]:
        items = self.listing(data, key, path)
        for i, item in enumerate(items):
            if not isinstance(item, str | int) or isinstance(item, bool):
                raise self.fail((*path, key, i), f"items of '{key}' must be text")
        return tuple(str(item) for item in items)


def _check_characters(r: _Reader, value: Any, path: KeyPath) -> None:
    """No control character anywhere: it would garble terminals, JUnit XML and reports."""
    if isinstance(value, Mapping):
        for key, item in value.items():
            _check_characters(r, str(key), (*path, str(key)))
            _check_characters(r, item, (*path, str(key)))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _check_characters(r, item, (*path, i))
    elif isinstance(value, str) and (found := _CONTROL.search(value)):
        raise r.fail(
            path,
            f"control character U+{ord(found.group()):04X} in the policy text; "
            "remove it (write plain text)",
        )


def parse_policy(
    doc: LocatedYaml, *, sha256: str = "", names: NameRegistry | None = None
) -> PolicyPack:
    """Build a PolicyPack from a parsed document; raises YamlSourceError at ``file:line``.

    ``names`` is what the evidence can hold (default: what this installation's engines
    record); a rule or requirement naming anything else is refused.
    """
    r = _Reader(doc, names or default_registry())
    _check_characters(r, doc.data, ())
    top = r.mapping(doc.data, (), _TOP_KEYS)
    custom = _custom_names(r, top)
    r.names = r.names.with_custom(custom)
    name = r.text(top, "name", (), required=True)
    version = r.text(top, "version", (), required=True)
    tiers_raw = top.get("tiers")
    if not isinstance(tiers_raw, Mapping):
        raise r.fail(("tiers",), "'tiers' must map each risk tier 1-4 to its requirements")
    tiers: dict[int, Requirements] = {}
    for key, section in tiers_raw.items():
        if key not in TIERS or isinstance(key, bool):
            raise r.fail(("tiers", str(key)), f"tier '{key}' is unknown; tiers are 1, 2, 3, 4")
        tiers[int(key)] = _requirements(r, section, ("tiers", str(key)), _SECTION_KEYS)
    missing = [t for t in TIERS if t not in tiers]
    if missing:
        raise r.fail(("tiers",), f"tier(s) {missing} missing; give every tier 1-4 a section")
    overlays = tuple(
        _overlay(r, item, ("overlays", i)) for i, item in enumerate(r.listing(top, "overlays", ()))
    )
    ids = [o.id for o in overlays]
    if len(set(ids)) != len(ids):
        dup = next(i for i in ids if ids.count(i) > 1)
        raise r.fail(("overlays", ids.index(dup, ids.index(dup) + 1)), f"overlay id '{dup}' twice")
    rule_ids = {rule.id for req in tiers.values() for rule in req.rules} | {
        rule.id for o in overlays for rule in o.requirements.rules
    }
    waivers = tuple(
        _waiver(r, item, ("waivers", i), rule_ids)
        for i, item in enumerate(r.listing(top, "waivers", ()))
    )
    monitoring = parse_monitoring(top.get("monitoring"), TIERS, r.fail)
    r.raise_unknown()
    return PolicyPack(
        name=name,
        version=version,
        description=r.text(top, "description", (), required=False),
        tiers=tiers,
        overlays=overlays,
        waivers=waivers,
        source=doc.source,
        sha256=sha256,
        custom_names=custom,
        monitoring=monitoring,
    )


def _custom_names(r: _Reader, top: Mapping[str, Any]) -> tuple[str, ...]:
    """Names recorded with `ombud evidence attach --metric/--verdict` that no engine makes."""
    found = r.texts(top, "custom_names", ())
    for i, item in enumerate(found):
        if not METRIC_NAME_PATTERN.match(NAME_PLACEHOLDER.sub("x", item)):
            raise r.fail(
                ("custom_names", i),
                f"custom name '{item}' must be a dotted lower-case name such as "
                "'vendor.bias_audit.score' ({placeholder} for a segment the data decides)",
            )
    return found


def _check_kind(r: _Reader, kind: str, path: KeyPath) -> None:
    if kind in r.names.by_kind:
        return
    close = r.names.suggest_kind(kind)
    hint = (
        f"did you mean '{close[0]}'? (`ombud policy names` lists the kinds)"
        if close
        else f"known kinds: {', '.join(r.names.kinds)}"
    )
    r.unknown_name(path, f"evidence kind '{kind}' is unknown; {hint}")


def _check_pattern(r: _Reader, rule: PolicyRule, path: KeyPath) -> None:
    if r.names.can_match(rule.pattern, rule.subject, rule.evidence_kind):
        return
    where = f"{rule.evidence_kind} evidence" if rule.evidence_kind else "any evidence"
    close = r.names.suggest(rule.pattern, rule.subject, rule.evidence_kind)
    hint = (
        f"did you mean '{close[0]}'?"
        if close
        else "see `ombud policy names` for the names each kind records"
    )
    r.unknown_name(
        path,
        f"rule '{rule.id}': {rule.subject} '{rule.pattern}' matches no {rule.subject} name "
        f"that {where} records; {hint} (a name recorded with `ombud evidence attach` "
        "goes under custom_names)",
    )


def _requirements(r: _Reader, value: Any, path: KeyPath, allowed: tuple[str, ...]) -> Requirements:
    data = r.mapping(value if value is not None else {}, path, allowed)
    rules = tuple(
        _rule(r, item, (*path, "rules", i)) for i, item in enumerate(r.listing(data, "rules", path))
    )
    seen: set[str] = set()
    for i, rule in enumerate(rules):
        if rule.id in seen:
            raise r.fail((*path, "rules", i), f"rule id '{rule.id}' appears twice in this section")
        seen.add(rule.id)
    return Requirements(
        evidence=_evidence_list(r, data, "evidence", path),
        documents=_evidence_list(r, data, "documents", path),
        rules=rules,
        approvals=_approvals(r, data.get("approvals"), (*path, "approvals")),
    )


def _evidence_list(
    r: _Reader, data: Mapping[str, Any], key: str, path: KeyPath
) -> tuple[EvidenceRequirement, ...]:
    found: list[EvidenceRequirement] = []
    for i, item in enumerate(r.listing(data, key, path)):
        where = (*path, key, i)
        entry = r.mapping(item, where, ("kind", "max_age_days", "why", "cites", "accepts"))
        kind = r.text(entry, "kind", where, required=True)
        accepts = r.texts(entry, "accepts", where)
        for j, name in enumerate((kind, *accepts)):
            at = (*where, "kind") if j == 0 else (*where, "accepts", j - 1)
            if not _KIND.match(name):
                raise r.fail(at, f"kind '{name}' must be lower_snake_case")
            if any(name in e.kinds for e in found) or name in (kind, *accepts)[:j]:
                raise r.fail(at, f"{key} kind '{name}' listed twice")
            _check_kind(r, name, at)
        age = entry.get("max_age_days")
        if age is not None and (not isinstance(age, int) or isinstance(age, bool) or age < 1):
            raise r.fail((*where, "max_age_days"), "max_age_days must be a whole number >= 1")
        found.append(
            EvidenceRequirement(
                kind,
                age,
                r.text(entry, "why", where, required=False),
                r.texts(entry, "cites", where),
                accepts,
            )
        )
    return tuple(found)


_RULE_KEYS = (
    "id", "description", "metric", "verdict", "op", "value", "not_in", "evidence_kind",
    "if_missing", "justification", "remedy", "cites", "otherwise",
)  # fmt: skip
_OTHERWISE_KEYS = ("metric", "verdict", "op", "value", "not_in", "evidence_kind", "remedy", "cites")


@dataclass(frozen=True)
class _Condition:
    subject: Literal["metric", "verdict"]
    pattern: str
    op: Any
    value: float | None
    forbidden: tuple[str, ...]
    kind: str | None


def _condition(r: _Reader, data: Mapping[str, Any], path: KeyPath, rule_id: str) -> _Condition:
    """What a rule (or its ``otherwise``) measures: a metric with op/value or a verdict."""
    if ("metric" in data) == ("verdict" in data):
        raise r.fail(path, f"rule '{rule_id}' needs exactly one of 'metric' or 'verdict'")
    subject: Literal["metric", "verdict"] = "metric" if "metric" in data else "verdict"
    pattern = r.text(data, subject, path, required=True)
    if not _GLOB.match(pattern):
        raise r.fail((*path, subject), f"'{pattern}' is not a glob over dotted metric names")
    op: Any = None
    number: Any = None
    forbidden: tuple[str, ...] = ()
    if subject == "metric":
        if "not_in" in data:
            raise r.fail((*path, "not_in"), "'not_in' belongs to verdict rules; use op and value")
        op = data.get("op")
        if op not in METRIC_OPERATORS:
            raise r.fail(
                (*path, "op"), f"op must be one of {', '.join(METRIC_OPERATORS)} (quote it)"
            )
        number = data.get("value")
        if not isinstance(number, int | float) or isinstance(number, bool):
            raise r.fail((*path, "value"), "value must be a number")
    else:
        if "op" in data or "value" in data:
            raise r.fail(path, "op and value belong to metric rules; verdict rules use not_in")
        forbidden = r.texts(data, "not_in", path)
        bad = [v for v in forbidden if v not in _VERDICTS]
        if not forbidden or bad:
            raise r.fail(
                (*path, "not_in"), f"not_in must list verdicts among {', '.join(_VERDICTS)}"
            )
    kind = r.text(data, "evidence_kind", path, required=False) or None
    if kind is not None:
        _check_kind(r, kind, (*path, "evidence_kind"))
    value = float(number) if number is not None else None
    return _Condition(subject, pattern, op, value, forbidden, kind)


def _rule(r: _Reader, value: Any, path: KeyPath) -> PolicyRule:
    data = r.mapping(value, path, _RULE_KEYS)
    rule_id = r.text(data, "id", path, required=True)
    if not _RULE_ID.match(rule_id):
        raise r.fail((*path, "id"), f"rule id '{rule_id}' must be lower-case: a-z 0-9 . _ -")
    cond = _condition(r, data, path, rule_id)
    if_missing = data.get("if_missing", "insufficient")
    if if_missing not in ("insufficient", "pass"):
        raise r.fail((*path, "if_missing"), "if_missing must be 'insufficient' or 'pass'")
    justification = r.text(data, "justification", path, required=False).strip()
    if if_missing == "pass" and not justification:
        raise r.fail(
            (*path, "if_missing"),
            f"rule '{rule_id}' has if_missing: pass without a justification; write why a "
            "missing measurement may be waived (justification: ...) or drop if_missing",
        )
    if justification and if_missing != "pass":
        raise r.fail(
            (*path, "justification"),
            "justification belongs to if_missing: pass; remove it or set if_missing: pass",
        )
    description = r.text(data, "description", path, required=True)
    otherwise = None
    if "otherwise" in data:
        where = (*path, "otherwise")
        alt = r.mapping(data["otherwise"], where, _OTHERWISE_KEYS)
        if "otherwise" in alt:
            raise r.fail(where, "an 'otherwise' cannot have its own 'otherwise'")
        alt_cond = _condition(r, alt, where, rule_id)
        if alt_cond.kind is None or alt_cond.kind == cond.kind:
            raise r.fail(
                where,
                f"rule '{rule_id}': 'otherwise' measures the duty from another kind of "
                "evidence; give it an evidence_kind different from the rule's",
            )
        otherwise = _make_rule(
            r,
            where,
            rule_id,
            description,
            alt_cond,
            remedy=r.text(alt, "remedy", where, required=False)
            or r.text(data, "remedy", path, required=False),
            cites=r.texts(alt, "cites", where) or r.texts(data, "cites", path),
        )
    return _make_rule(
        r,
        path,
        rule_id,
        description,
        cond,
        if_missing=if_missing,
        justification=justification,
        remedy=r.text(data, "remedy", path, required=False),
        cites=r.texts(data, "cites", path),
        otherwise=otherwise,
    )


def _make_rule(
    r: _Reader,
    path: KeyPath,
    rule_id: str,
    description: str,
    cond: _Condition,
    *,
    if_missing: Literal["insufficient", "pass"] = "insufficient",
    justification: str = "",
    remedy: str = "",
    cites: tuple[str, ...] = (),
    otherwise: PolicyRule | None = None,
) -> PolicyRule:
    rule = PolicyRule(
        id=rule_id,
        description=description,
        subject=cond.subject,
        pattern=cond.pattern,
        op=cond.op,
        value=cond.value,
        forbidden=cond.forbidden,
        evidence_kind=cond.kind,
        if_missing=if_missing,
        justification=justification,
        remedy=remedy,
        cites=cites,
        otherwise=otherwise,
    )
    if cond.kind is None or cond.kind in r.names.by_kind:
        _check_pattern(r, rule, (*path, cond.subject))
    return rule


def _approvals(r: _Reader, value: Any, path: KeyPath) -> Approvals:
    if value is None:
        return Approvals()
    data = r.mapping(value, path, ("quorum", "capacities"))
    quorum = data.get("quorum", 1)
    if not isinstance(quorum, int) or isinstance(quorum, bool) or quorum < 1:
        raise r.fail((*path, "quorum"), "quorum must be a whole number >= 1")
    caps = r.texts(data, "capacities", path)
    for i, cap in enumerate(caps):
        if cap not in CAPACITIES:
            raise r.fail(
                (*path, "capacities", i),
                f"capacity '{cap}' is unknown; capacities are {', '.join(CAPACITIES)}",
            )
    if len(set(caps)) > quorum:
        raise r.fail((*path, "quorum"), f"quorum {quorum} is below the {len(caps)} capacities")
    return Approvals(quorum, caps)


def _overlay(r: _Reader, value: Any, path: KeyPath) -> Overlay:
    data = r.mapping(value, path, ("id", "when", "description", *_SECTION_KEYS))
    overlay_id = r.text(data, "id", path, required=True)
    when = r.mapping(
        data.get("when"),
        (*path, "when"),
        ("domain", "eu_category", "tier", "system_kind", "obligation", "status"),
    )
    if not when:
        raise r.fail(
            (*path, "when"),
            "an overlay needs a 'when': domain, eu_category, tier, system_kind, obligation "
            "or status",
        )
    statuses = r.texts(when, "status", (*path, "when"))
    known = [s.value for s in LifecycleStatus]
    for i, status in enumerate(statuses):
        if status not in known:
            raise r.fail(
                (*path, "when", "status", i),
                f"status '{status}' is unknown; lifecycle statuses are {', '.join(known)}",
            )
    tiers = r.listing(when, "tier", (*path, "when"))
    for i, tier in enumerate(tiers):
        if tier not in TIERS or isinstance(tier, bool):
            raise r.fail((*path, "when", "tier", i), "tiers are 1, 2, 3, 4")
    body = {k: v for k, v in data.items() if k in _SECTION_KEYS}
    return Overlay(
        id=overlay_id,
        domains=r.texts(when, "domain", (*path, "when")),
        eu_categories=r.texts(when, "eu_category", (*path, "when")),
        tiers=tuple(int(t) for t in tiers),
        system_kinds=r.texts(when, "system_kind", (*path, "when")),
        requirements=_requirements(r, body, path, _SECTION_KEYS),
        obligations=r.texts(when, "obligation", (*path, "when")),
        statuses=statuses,
    )


def _waiver(r: _Reader, value: Any, path: KeyPath, rule_ids: set[str]) -> Waiver:
    data = r.mapping(value, path, ("rule", "system", "reason", "approved_by", "expires"))
    rule_id = r.text(data, "rule", path, required=True)
    if rule_id not in rule_ids:
        raise r.fail((*path, "rule"), f"waiver names rule '{rule_id}', which this pack lacks")
    expires = data.get("expires")
    if isinstance(expires, str):
        try:
            expires = date.fromisoformat(expires)
        except ValueError:
            expires = None
    if not isinstance(expires, date):
        raise r.fail((*path, "expires"), "expires must be a date, YYYY-MM-DD")
    return Waiver(
        rule_id=rule_id,
        system_id=r.text(data, "system", path, required=True),
        reason=r.text(data, "reason", path, required=True),
        approved_by=r.text(data, "approved_by", path, required=True),
        expires=expires,
    )


def load_policy(path: str | Path) -> PolicyPack:
    """Read and validate a policy pack file.

    Parsed packs are kept per (file, modification time, size): every gate run and every
    system page reads the policy in force, and parsing it costs tens of milliseconds,
    while an edited file changes its stamp and is read afresh.
    """
    try:
        stat = Path(path).stat()
    except OSError:
        return _load_policy(str(path))  # let the reader report the missing file
    return _load_policy_stamped(str(Path(path).resolve()), stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=32)
def _load_policy_stamped(path: str, mtime_ns: int, size: int) -> PolicyPack:
    del mtime_ns, size  # only part of the cache key
    return _load_policy(path)


def _load_policy(path: str) -> PolicyPack:
    doc = load_yaml_file(path, scalar_keys=True)
    digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()
    return parse_policy(doc, sha256=digest)


@functools.cache  # the shipped pack cannot change while the process runs
def load_default_policy() -> PolicyPack:
    """The pack shipped with Ombud (``governance/data/default-policy.yaml``)."""
    text = (
        resources.files("ombud.governance")
        .joinpath("data", DEFAULT_POLICY_FILE)
        .read_text(encoding="utf-8")
    )
    doc = parse_yaml(text, f"<ombud>/{DEFAULT_POLICY_FILE}", scalar_keys=True)
    return parse_policy(doc, sha256=hashlib.sha256(text.encode("utf-8")).hexdigest())
