"""Which disparities an audit judges, and how far each may go, as data rather than code.

A verdict is only as good as the rule behind it, and rules differ by law and by use: the
four-fifths rule of the US Uniform Guidelines (29 CFR 1607.4(D)) is about selection rates in
employment; error-rate balance matters most where a false positive costs someone their liberty.
So rules live in a frozen policy object with defaults a reviewer can read, and the workspace's
policy file can build one from a plain mapping.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import Any, Literal

from ombud.fairness._errors import PolicyError
from ombud.fairness._vectorized import SCORE_AUDIT_METRICS
from ombud.stats import CLASSIFICATION_METRICS, DEFAULT_MIN_ROWS

__all__ = ["DEFAULT_RULES", "FairnessPolicy", "Rule"]

Statistic = Literal["ratio", "difference"]


@dataclass(frozen=True)
class Rule:
    """One rule over the groups of each sensitive attribute.

    ``statistic='ratio'``: the smallest group's metric divided by the largest (min/max over
    groups, and over ``metrics`` if several) must be at least ``bound``.
    ``statistic='difference'``: the largest gap between groups (max − min, the largest over
    ``metrics``) must be at most ``bound``.
    """

    name: str
    metrics: tuple[str, ...]
    statistic: Statistic
    bound: float
    description: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "metrics", tuple(self.metrics))
        known = (*CLASSIFICATION_METRICS, *SCORE_AUDIT_METRICS)
        unknown = [m for m in self.metrics if m not in known]
        if not self.metrics or unknown:
            raise PolicyError(
                f"rule {self.name!r}: unknown or no metric(s) {unknown}; choose from {list(known)}"
            )
        if self.statistic not in ("ratio", "difference"):
            raise PolicyError(
                f"rule {self.name!r}: statistic must be 'ratio' or 'difference', "
                f"got {self.statistic!r}"
            )
        if self.statistic == "ratio" and not 0.0 < self.bound <= 1.0:
            raise PolicyError(f"rule {self.name!r}: a ratio bound must be in (0, 1]")
        if self.statistic == "difference" and not 0.0 <= self.bound <= 1.0:
            raise PolicyError(f"rule {self.name!r}: a difference bound must be in [0, 1]")

    def breaches(self, value: float) -> bool:
        """True when ``value`` of the rule's statistic breaks the rule."""
        return value < self.bound if self.statistic == "ratio" else value > self.bound


DEFAULT_RULES: tuple[Rule, ...] = (
    Rule(
        "four_fifths",
        ("selection_rate",),
        "ratio",
        0.8,
        "Uniform Guidelines on Employee Selection Procedures, 29 CFR 1607.4(D): a selection "
        "rate below four-fifths of the highest group's rate is generally taken as evidence of "
        "adverse impact.",
    ),
    Rule(
        "equalized_odds",
        ("tpr", "fpr"),
        "difference",
        0.1,
        "Equalized odds (Hardt, Price & Srebro 2016): true and false positive rates should not "
        "differ between groups by more than the bound.",
    ),
    Rule(
        "fpr_ratio",
        ("fpr",),
        "ratio",
        0.8,
        "False positive rates (people wrongly flagged) within a factor of 0.8 across groups.",
    ),
    Rule(
        "fnr_ratio",
        ("fnr",),
        "ratio",
        0.8,
        "False negative rates (people wrongly passed over) within a factor of 0.8 across groups.",
    ),
)


@dataclass(frozen=True)
class FairnessPolicy:
    """Rules and the thresholds around them; every field has a documented default.

    ``min_group_size``: a group with fewer rows is never used to pass a rule.
    ``suppress_below``: cells and groups with fewer rows are removed from anything shared
    (the HTML report), per usual statistical disclosure control.
    ``tested_metrics``: rates compared group by group with tests and multiplicity corrections
    (complements such as FNR = 1 − TPR would only repeat a test, so they are left out).
    ``power_ratio``: the power column reports the chance of detecting a group whose rate is
    this fraction of the reference group's.
    """

    rules: tuple[Rule, ...] = DEFAULT_RULES
    min_group_size: int = 30
    suppress_below: int = DEFAULT_MIN_ROWS
    tested_metrics: tuple[str, ...] = (
        "selection_rate",
        "tpr",
        "fpr",
        "ppv",
        "npv",
        "accuracy",
    )
    power_ratio: float = 0.8
    alpha: float = 0.05
    extra: Mapping[str, Any] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "rules", tuple(self.rules))
        object.__setattr__(self, "tested_metrics", tuple(self.tested_metrics))
        names = [r.name for r in self.rules]
        if len(set(names)) != len(names):
            raise PolicyError(f"rule names must be unique, got {names}")
        if self.min_group_size < 1 or self.suppress_below < 1:
            raise PolicyError("min_group_size and suppress_below must be at least 1")
        if not 0.0 < self.alpha < 1.0 or not 0.0 < self.power_ratio < 1.0:
            raise PolicyError("alpha and power_ratio must lie strictly between 0 and 1")

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> FairnessPolicy:
        """Build a policy from plain data (e.g. a YAML policy file's ``fairness:`` section).

        ``rules`` is a list of mappings with ``name``, ``metrics`` (a list or one name),
        ``statistic`` and ``bound``; other keys are the fields of this class.
        """
        known = {f.name for f in fields(cls)} - {"extra"}
        unknown = sorted(set(data) - known)
        if unknown:
            raise PolicyError(f"unknown fairness policy key(s) {unknown}; known: {sorted(known)}")
        kwargs: dict[str, Any] = {k: v for k, v in data.items() if k != "rules"}
        if "rules" in data:
            kwargs["rules"] = tuple(_rule_from_mapping(r) for r in _as_list(data["rules"]))
        try:
            return cls(**kwargs)
        except TypeError as exc:
            raise PolicyError(f"fairness policy: {exc}") from exc


def _as_list(value: Any) -> Sequence[Any]:
    if isinstance(value, Sequence) and not isinstance(value, str):
        return value
    raise PolicyError("fairness policy 'rules' must be a list of rule mappings")


def _rule_from_mapping(item: Any) -> Rule:
    if not isinstance(item, Mapping):
        raise PolicyError(f"each fairness rule must be a mapping, got {item!r}")
    missing = [k for k in ("name", "metrics", "statistic", "bound") if k not in item]
    if missing:
        raise PolicyError(f"fairness rule {item.get('name', '?')!r} lacks {missing}")
    metrics = item["metrics"]
    return Rule(
        name=str(item["name"]),
        metrics=(metrics,) if isinstance(metrics, str) else tuple(str(m) for m in metrics),
        statistic=item["statistic"],
        bound=float(item["bound"]),
        description=str(item.get("description", "")),
    )
