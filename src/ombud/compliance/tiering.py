"""The organisation's internal risk tier, from its own policy file.

The law's categories are coarse and differ by jurisdiction; an organisation sets its
own tiers (1 = critical ... 4 = low) to decide how much evidence and review a system
needs. The mapping is policy, so it lives in YAML the Responsible AI Lead edits; this
module reads it strictly (``file:line`` on every mistake) and applies it.

Rule semantics, chosen deliberately: the highest-risk matching rule wins (the lowest
tier number), independent of rule order, so adding a rule can never lower a tier.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from ombud.compliance._errors import ClassificationInputError, load_yaml
from ombud.compliance.classification_result import Classification, EUCategory
from ombud.compliance.law_catalog import available_catalog_versions, load_catalog
from ombud.compliance.questionnaire import load_questionnaire, validate_answers
from ombud.yamlsource import KeyPath

__all__ = [
    "DEFAULT_TIER_LABELS",
    "TierAssignment",
    "TierRule",
    "assign_tier",
    "load_tiering_rules",
    "parse_tiering_rules",
]

DEFAULT_TIER_LABELS = {1: "critical", 2: "high", 3: "medium", 4: "low"}
FLAG_NAMES = ("gpai", "gpai_systemic_risk", "art_6_3_derogation", "art_50")
SINGLE_KEYS = ("eu_category", "domain", "automation")
LIST_KEYS = ("affected_people", "data_categories", "regimes", "flags")


@dataclass(frozen=True)
class TierRule:
    id: str
    tier: int
    label: str
    reason: str
    when: Mapping[str, tuple[str, ...]]


@dataclass(frozen=True)
class TierAssignment:
    tier: int
    label: str
    reasons: tuple[str, ...]
    matched_rules: tuple[str, ...] = ()


def _allowed_values() -> dict[str, tuple[str, ...]]:
    questionnaire = load_questionnaire()
    allowed = {"eu_category": tuple(c.value for c in EUCategory), "flags": FLAG_NAMES}
    for key in ("domain", "automation", "affected_people", "data_categories"):
        question = questionnaire.get(key)
        allowed[key] = question.option_ids if question is not None else ()
    # Any regime of any shipped catalog: a tiering policy outlives one amendment.
    regimes = dict.fromkeys(
        r.id for version in available_catalog_versions() for r in load_catalog(version).regimes
    )
    allowed["regimes"] = tuple(regimes)
    return allowed


def _parse_rule(
    raw: Any,
    index: int,
    where: Callable[[KeyPath], str],
    labels: Mapping[int, str],
    allowed: Mapping[str, tuple[str, ...]],
    base: KeyPath,
) -> TierRule:
    path: KeyPath = (*base, index)

    def fail(at: KeyPath, what: str) -> ClassificationInputError:
        return ClassificationInputError(f"{where(at)}: {what}")

    if not isinstance(raw, Mapping):
        raise fail(path, "each rule must be a mapping with id, tier, when, reason")
    unknown = set(raw) - {"id", "tier", "label", "when", "reason"}
    if unknown:
        raise fail(
            path, f"unknown key(s) {sorted(unknown)}; allowed: id, tier, label, when, reason"
        )
    for key in ("id", "reason"):
        if not isinstance(raw.get(key), str) or not raw[key].strip():
            raise fail((*path, key), f"rule needs text '{key}'")
    tier = raw.get("tier")
    if not isinstance(tier, int) or isinstance(tier, bool) or tier not in labels:
        raise fail((*path, "tier"), f"tier must be one of {sorted(labels)}, got {tier!r}")
    when = raw.get("when", {})
    if not isinstance(when, Mapping):
        raise fail((*path, "when"), "'when' must be a mapping such as {eu_category: [high_risk]}")
    conditions: dict[str, tuple[str, ...]] = {}
    for key, values in when.items():
        at = (*path, "when", str(key))
        if key not in allowed:
            raise fail(at, f"unknown condition '{key}'; use {', '.join(SINGLE_KEYS + LIST_KEYS)}")
        if not isinstance(values, list) or not values:
            raise fail(at, f"'{key}' needs a non-empty list, e.g. {key}: [{allowed[key][0]}]")
        for value in values:
            if value not in allowed[key]:
                raise fail(
                    at, f"'{value}' is not a valid {key}; use one of: {', '.join(allowed[key])}"
                )
        conditions[str(key)] = tuple(values)
    label = raw.get("label", labels[tier])
    return TierRule(raw["id"], tier, str(label), " ".join(raw["reason"].split()), conditions)


def parse_tiering_rules(rules: Sequence[Mapping[str, Any] | TierRule]) -> tuple[TierRule, ...]:
    """Rules given as mappings (or already parsed), checked like a policy file."""
    allowed = _allowed_values()

    def where(path: KeyPath) -> str:
        return (
            "rules"
            + "".join(f"[{p!r}]" for p in path[1:2])
            + (f".{'.'.join(str(p) for p in path[2:])}" if len(path) > 2 else "")
        )

    parsed = tuple(
        rule
        if isinstance(rule, TierRule)
        else _parse_rule(rule, i, where, DEFAULT_TIER_LABELS, allowed, ("rules",))
        for i, rule in enumerate(rules)
    )
    if not parsed:
        raise ClassificationInputError("rules: empty; add at least a catch-all rule with when: {}")
    return parsed


def load_tiering_rules(path: str | Path | None = None) -> tuple[TierRule, ...]:
    """Rules from an organisation's policy file, or the shipped default policy."""
    if path is None:
        resource = resources.files("ombud.compliance").joinpath("data", "default-tiering.yaml")
        doc = load_yaml(str(resource), resource.read_text(encoding="utf-8"))
    else:
        doc = load_yaml(path)
    data = doc.data
    if (
        not isinstance(data, Mapping)
        or not isinstance(data.get("rules"), list)
        or not data["rules"]
    ):
        raise ClassificationInputError(f"{doc.where(())}: policy needs a non-empty 'rules' list")
    labels: dict[int, str] = dict(DEFAULT_TIER_LABELS)
    if "tiers" in data:
        tiers = data["tiers"]
        if not isinstance(tiers, Mapping) or not all(
            isinstance(k, int) and not isinstance(k, bool) and k >= 1 and isinstance(v, str)
            for k, v in tiers.items()
        ):
            raise ClassificationInputError(
                f"{doc.where(('tiers',))}: 'tiers' maps tier numbers to labels, e.g. 1: critical"
            )
        labels = {int(k): str(v) for k, v in tiers.items()}
    allowed = _allowed_values()
    ids: set[str] = set()
    rules = []
    for i, raw in enumerate(data["rules"]):
        rule = _parse_rule(raw, i, doc.where, labels, allowed, ("rules",))
        if rule.id in ids:
            raise ClassificationInputError(
                f"{doc.where(('rules', i, 'id'))}: rule id '{rule.id}' repeats"
            )
        ids.add(rule.id)
        rules.append(rule)
    return tuple(rules)


def _values(
    key: str, classification: Classification, answers: Mapping[str, Any]
) -> tuple[str, ...]:
    if key == "eu_category":
        return (classification.eu_category.value,)
    if key == "regimes":
        return classification.regime_ids()
    if key == "flags":
        flags = classification.flags
        present = {
            "gpai": flags.gpai,
            "gpai_systemic_risk": flags.gpai_systemic_risk,
            "art_6_3_derogation": flags.art_6_3_derogation_applied,
            "art_50": bool(flags.art_50_duties),
        }
        return tuple(name for name, on in present.items() if on)
    value = answers.get(key)
    if value is None:
        return ()
    return tuple(value) if isinstance(value, (list, tuple)) else (str(value),)


def assign_tier(
    classification: Classification,
    answers: Mapping[str, Any],
    rules: Sequence[Mapping[str, Any] | TierRule],
) -> TierAssignment:
    """The highest-risk tier whose rule matches; its reasons name every deciding rule."""
    parsed = parse_tiering_rules(rules)
    clean = validate_answers(answers)
    matching = [
        rule
        for rule in parsed
        if all(set(_values(k, classification, clean)) & set(v) for k, v in rule.when.items())
    ]
    if not matching:
        raise ClassificationInputError(
            "tiering rules: no rule matched this system; add a catch-all rule with when: {}"
        )
    best = min(rule.tier for rule in matching)
    deciding = [rule for rule in matching if rule.tier == best]
    return TierAssignment(
        tier=best,
        label=deciding[0].label,
        reasons=tuple(f"{rule.id}: {rule.reason}" for rule in deciding),
        matched_rules=tuple(rule.id for rule in matching),
    )
