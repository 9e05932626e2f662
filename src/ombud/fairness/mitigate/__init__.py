"""Remediation engines: what a fairness failure could be traded for, and what the law allows.

``threshold_tradeoffs`` reads the per-group score histograms of a Tally and gives, for every
candidate threshold (one for everyone, one per group, or randomised), utility and every
fairness gap, the Pareto frontier and the option each common rule picks, with bootstrap
intervals; no row is read twice. ``assess`` flags each option under the law of the
system's context and recommends the best lawful one. docs/mitigation.md says what
each method changes. ``reweighing`` gives Kamiran–Calders training weights from the
same Tally cells.
"""

from ombud.fairness.mitigate._counts import ScoreHistograms, histograms
from ombud.fairness.mitigate._errors import MitigationInputError
from ombud.fairness.mitigate._evidence import MITIGATION_KIND, MITIGATION_NAMES, mitigation_draft
from ombud.fairness.mitigate._legal import (
    PROVISIONS,
    RULE_OPTIONS,
    LegalAssessment,
    LegalContext,
    LegalFlag,
    Provision,
    assess,
)
from ombud.fairness.mitigate._rates import GAPS, Utility, pareto_mask
from ombud.fairness.mitigate._report import to_html
from ombud.fairness.mitigate._result import OPTION_METRICS, Option, ThresholdTradeoffs
from ombud.fairness.mitigate._reweigh import Reweighing, reweighing
from ombud.fairness.mitigate._tradeoffs import FOUR_FIFTHS, option_metrics, threshold_tradeoffs

__all__ = [
    "FOUR_FIFTHS",
    "GAPS",
    "MITIGATION_KIND",
    "MITIGATION_NAMES",
    "OPTION_METRICS",
    "PROVISIONS",
    "RULE_OPTIONS",
    "LegalAssessment",
    "LegalContext",
    "LegalFlag",
    "MitigationInputError",
    "Option",
    "Provision",
    "Reweighing",
    "ScoreHistograms",
    "ThresholdTradeoffs",
    "Utility",
    "assess",
    "histograms",
    "mitigation_draft",
    "option_metrics",
    "pareto_mask",
    "reweighing",
    "threshold_tradeoffs",
    "to_html",
]
