"""The optional ``monitoring:`` section of a policy pack: thresholds of ``ombud monitor check``.

A pack may set, once for every tier (``defaults``) and per risk tier (``tiers``), how hard
the monitoring check looks: how large a drift must be, how far accuracy may fall, how many
windows form the recent range, the error rates of the sequential tests, and how soon a
finding opened by a breach is due. Unknown keys and out-of-range values are refused at
``file:line`` like the rest of the pack, because a typo must not loosen a check. A key a
pack does not set keeps the check's own default (``services.monitor_check``'s settings).

``incidents`` says which breaches are more than a finding: a list of
``{rule, severity, tiers, serious}`` entries. When a check breaches ``rule`` on a system
of one of ``tiers`` (all tiers when absent) and the breach's finding is opened or
updated, the check also opens an incident of ``severity`` linked to that finding (one
open incident per system and rule); ``serious: true`` marks it a serious incident, which
starts the Art. 73 reporting clock. Checked at ``file:line`` like the thresholds.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ombud.yamlsource import KeyPath

__all__ = [
    "INCIDENT_KEYS",
    "MONITORING_KEYS",
    "IncidentRule",
    "MonitoringPolicy",
    "parse_monitoring",
]

Fail = Callable[[KeyPath, str], Exception]


def _integer(low: int) -> Callable[[Any], str | None]:
    def check(value: Any) -> str | None:
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            return f"must be a whole number of at least {low}"
        return None

    return check


def _number(low: float, high: float, *, open_low: bool = True) -> Callable[[Any], str | None]:
    def check(value: Any) -> str | None:
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        if ok and (value > low if open_low else value >= low) and value < high:
            return None
        bracket = "(" if open_low else "["
        return f"must be a number in {bracket}{low:g}, {high:g})"

    return check


def _period(value: Any) -> str | None:
    return None if value in ("day", "week", "month") else "must be day, week or month"


#: Every key the section accepts, with its check (the meaning is in docs/monitoring.md).
MONITORING_KEYS: dict[str, Callable[[Any], str | None]] = {
    "recent_windows": _integer(1),
    "psi_threshold": _number(0.0, float("inf")),
    "fdr": _number(0.0, 1.0),
    "min_rows": _integer(0),
    "accuracy_drop": _number(0.0, 1.0, open_low=False),
    "gap_margin": _number(0.0, 1.0, open_low=False),
    "gap_alpha": _number(0.0, 1.0),
    "gap_horizon": _integer(1),
    "gap_min_count": _integer(1),
    "gap_period": _period,
    "due_days": _integer(1),
    "raise_after": _integer(1),
}


#: Keys of one ``incidents`` entry (``rule`` and ``severity`` are required).
INCIDENT_KEYS = ("rule", "severity", "tiers", "serious")


@dataclass(frozen=True)
class IncidentRule:
    """A breach of ``rule`` on a system of one of ``tiers`` (empty: any) opens an incident."""

    rule: str
    severity: str
    tiers: tuple[int, ...] = ()
    serious: bool = False

    def applies(self, rule: str, tier: int | None) -> bool:
        return rule == self.rule and (not self.tiers or tier in self.tiers)

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "severity": self.severity,
            "tiers": list(self.tiers),
            "serious": self.serious,
        }


@dataclass(frozen=True)
class MonitoringPolicy:
    """Thresholds for every tier, the tiers' own changes to them, and which breaches
    open an incident."""

    defaults: Mapping[str, Any] = field(default_factory=dict)
    tiers: Mapping[int, Mapping[str, Any]] = field(default_factory=dict)
    incidents: tuple[IncidentRule, ...] = ()

    def incident_rule(self, rule: str, tier: int | None) -> IncidentRule | None:
        """The entry that makes a breach of ``rule`` on a ``tier`` system an incident."""
        return next((r for r in self.incidents if r.applies(rule, tier)), None)

    def thresholds(self, tier: int | None) -> dict[str, Any]:
        """The defaults overridden by the tier's own values (a system without a tier: the
        defaults)."""
        own = self.tiers.get(tier, {}) if tier is not None else {}
        return {**self.defaults, **own}

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "defaults": dict(self.defaults),
            "tiers": {t: dict(v) for t, v in sorted(self.tiers.items())},
        }
        if self.incidents:
            out["incidents"] = [r.to_dict() for r in self.incidents]
        return out


def _values(value: Any, path: KeyPath, fail: Fail) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        raise fail(path, f"expected a mapping with keys {', '.join(MONITORING_KEYS)}")
    out: dict[str, Any] = {}
    for key, item in value.items():
        name = str(key)
        check = MONITORING_KEYS.get(name)
        if check is None:
            raise fail(
                (*path, name),
                f"unknown monitoring key '{name}'; allowed: {', '.join(MONITORING_KEYS)}",
            )
        problem = check(item)
        if problem:
            raise fail((*path, name), f"'{name}' {problem}, got {item!r}")
        out[name] = item
    return out


def parse_monitoring(value: Any, tiers: tuple[int, ...], fail: Fail) -> MonitoringPolicy | None:
    """Read the section (None when the pack has none)."""
    if value is None:
        return None
    path: KeyPath = ("monitoring",)
    if not isinstance(value, Mapping):
        raise fail(path, "'monitoring' must be a mapping with 'defaults' and/or 'tiers'")
    unknown = [str(k) for k in value if str(k) not in ("defaults", "tiers", "incidents")]
    if unknown:
        raise fail(
            (*path, unknown[0]),
            f"unknown key '{unknown[0]}'; allowed: defaults, tiers, incidents",
        )
    defaults = _values(value.get("defaults", {}), (*path, "defaults"), fail)
    raw = value.get("tiers", {})
    if not isinstance(raw, Mapping):
        raise fail((*path, "tiers"), "'tiers' must map risk tiers 1-4 to thresholds")
    per_tier: dict[int, dict[str, Any]] = {}
    for key, item in raw.items():
        if key not in tiers or isinstance(key, bool):
            raise fail((*path, "tiers", str(key)), f"tier '{key}' is unknown; tiers are 1-4")
        per_tier[int(key)] = _values(item, (*path, "tiers", str(key)), fail)
    incidents = _incidents(value.get("incidents", []), (*path, "incidents"), tiers, fail)
    return MonitoringPolicy(defaults, per_tier, incidents)


def _incidents(
    value: Any, path: KeyPath, tiers: tuple[int, ...], fail: Fail
) -> tuple[IncidentRule, ...]:
    from ombud.governance.incidents import IncidentSeverity
    from ombud.monitor import MONITORING_RUN_RULES  # the rules the check can breach

    if not isinstance(value, list):
        raise fail(path, "'incidents' must be a list of {rule, severity, tiers, serious}")
    out: list[IncidentRule] = []
    severities = [s.value for s in IncidentSeverity]
    for i, item in enumerate(value):
        at: KeyPath = (*path, i)
        if not isinstance(item, Mapping):
            raise fail(at, f"expected a mapping with keys {', '.join(INCIDENT_KEYS)}")
        for key in item:
            if str(key) not in INCIDENT_KEYS:
                raise fail(
                    (*at, str(key)),
                    f"unknown incident key '{key}'; allowed: {', '.join(INCIDENT_KEYS)}",
                )
        rule = item.get("rule")
        if rule not in MONITORING_RUN_RULES:
            raise fail(
                (*at, "rule") if "rule" in item else at,
                f"'rule' must be one of {', '.join(MONITORING_RUN_RULES)}, got {rule!r}",
            )
        severity = item.get("severity")
        if severity not in severities:
            raise fail(
                (*at, "severity") if "severity" in item else at,
                f"'severity' must be one of {', '.join(severities)}, got {severity!r}",
            )
        raw_tiers = item.get("tiers", [])
        if not isinstance(raw_tiers, list) or any(
            isinstance(t, bool) or t not in tiers for t in raw_tiers
        ):
            raise fail((*at, "tiers"), f"'tiers' must be a list of tiers 1-4, got {raw_tiers!r}")
        serious = item.get("serious", False)
        if not isinstance(serious, bool):
            raise fail((*at, "serious"), f"'serious' must be true or false, got {serious!r}")
        entry = IncidentRule(str(rule), str(severity), tuple(int(t) for t in raw_tiers), serious)
        for earlier in out:
            overlap = earlier.rule == entry.rule and (
                not earlier.tiers or not entry.tiers or set(earlier.tiers) & set(entry.tiers)
            )
            if overlap:
                raise fail(
                    at,
                    f"a second incident entry for '{entry.rule}' on the same tiers; "
                    "merge them into one",
                )
        out.append(entry)
    return tuple(out)
