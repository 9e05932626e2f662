"""The optional ``monitoring:`` section of a policy pack: thresholds of ``ombud monitor check``.

A pack may set, once for every tier (``defaults``) and per risk tier (``tiers``), how hard
the monitoring check looks: how large a drift must be, how far accuracy may fall, how many
windows form the recent range, the error rates of the sequential tests, and how soon a
finding opened by a breach is due. Unknown keys and out-of-range values are refused at
``file:line`` like the rest of the pack, because a typo must not loosen a check. A key a
pack does not set keeps the check's own default (``services.monitor_check``'s settings).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ombud.yamlsource import KeyPath

__all__ = ["MONITORING_KEYS", "MonitoringPolicy", "parse_monitoring"]

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


@dataclass(frozen=True)
class MonitoringPolicy:
    """Thresholds for every tier, and the tiers' own changes to them."""

    defaults: Mapping[str, Any] = field(default_factory=dict)
    tiers: Mapping[int, Mapping[str, Any]] = field(default_factory=dict)

    def thresholds(self, tier: int | None) -> dict[str, Any]:
        """The defaults overridden by the tier's own values (a system without a tier: the
        defaults)."""
        own = self.tiers.get(tier, {}) if tier is not None else {}
        return {**self.defaults, **own}

    def to_dict(self) -> dict[str, Any]:
        return {
            "defaults": dict(self.defaults),
            "tiers": {t: dict(v) for t, v in sorted(self.tiers.items())},
        }


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
    unknown = [str(k) for k in value if str(k) not in ("defaults", "tiers")]
    if unknown:
        raise fail((*path, unknown[0]), f"unknown key '{unknown[0]}'; allowed: defaults, tiers")
    defaults = _values(value.get("defaults", {}), (*path, "defaults"), fail)
    raw = value.get("tiers", {})
    if not isinstance(raw, Mapping):
        raise fail((*path, "tiers"), "'tiers' must map risk tiers 1-4 to thresholds")
    per_tier: dict[int, dict[str, Any]] = {}
    for key, item in raw.items():
        if key not in tiers or isinstance(key, bool):
            raise fail((*path, "tiers", str(key)), f"tier '{key}' is unknown; tiers are 1-4")
        per_tier[int(key)] = _values(item, (*path, "tiers", str(key)), fail)
    return MonitoringPolicy(defaults, per_tier)
