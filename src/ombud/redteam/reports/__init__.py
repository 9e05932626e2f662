"""Reports: a run's log reduced to rates, comparisons, an HTML page and evidence.

Attack success rates with Wilson intervals, run-to-run comparison and paired bias
tests, the self-contained HTML report, and the ``EvidenceDraft`` a workspace records.
"""

from ombud.redteam.reports._corrected import CorrectedRow, corrected_rates
from ombud.redteam.reports._evidence import (
    EVIDENCE_NAMES,
    evidence_draft,
    metric_slug,
)
from ombud.redteam.reports._html import (
    render_report,
)
from ombud.redteam.reports._results import (
    GROUPINGS,
    NO_DATA,
    BiasResult,
    ComparisonRow,
    RateRow,
    attack_success_rates,
    compare_runs,
    paired_bias,
    percent,
)

__all__ = [
    "EVIDENCE_NAMES",
    "GROUPINGS",
    "NO_DATA",
    "BiasResult",
    "ComparisonRow",
    "CorrectedRow",
    "RateRow",
    "attack_success_rates",
    "compare_runs",
    "corrected_rates",
    "evidence_draft",
    "metric_slug",
    "paired_bias",
    "percent",
    "render_report",
]
