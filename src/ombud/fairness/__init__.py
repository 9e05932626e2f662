"""Fairness audits of classifiers, on mergeable sufficient statistics (docs/fairness.md).

``audit`` measures every group metric from one Tally, with intervals, tests and verdicts
against a policy; ``bias_audit`` reports selection or scoring rates and impact ratios
from decisions alone (no ground truth, no accuracy claims), as NYC LL144 audits need;
the counterfactual flip test and proxy detection ask the model itself.
"""

from ombud.fairness._audit import audit
from ombud.fairness._errors import (
    AuditInputError,
    MissingColumnsError,
    MissingValuesError,
    PolicyError,
    SingleGroupError,
)
from ombud.fairness._evidence import evidence_names
from ombud.fairness._inputs import SQLSource
from ombud.fairness._policy import DEFAULT_RULES, FairnessPolicy, Rule
from ombud.fairness._result import AuditResult
from ombud.fairness.bias_audit import BIAS_AUDIT_NAMES, BiasAuditResult, bias_audit
from ombud.fairness.counterfactual import (
    CounterfactualError,
    FlipPair,
    FlipTestResult,
    counterfactual_flip_test,
)
from ombud.fairness.proxies import ProxyDetectionError, ProxyFinding, ProxyReport, detect_proxies

__all__ = [
    "BIAS_AUDIT_NAMES",
    "DEFAULT_RULES",
    "AuditInputError",
    "AuditResult",
    "BiasAuditResult",
    "CounterfactualError",
    "FairnessPolicy",
    "FlipPair",
    "FlipTestResult",
    "MissingColumnsError",
    "MissingValuesError",
    "PolicyError",
    "ProxyDetectionError",
    "ProxyFinding",
    "ProxyReport",
    "Rule",
    "SQLSource",
    "SingleGroupError",
    "audit",
    "bias_audit",
    "counterfactual_flip_test",
    "detect_proxies",
    "evidence_names",
]
