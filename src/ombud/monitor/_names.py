"""What a monitoring check records as evidence: the names, declared beside the engine.

A policy pack is checked, when it is read, against the names the engines declare
(``ombud.governance.policy`` builds its registry from these), so a rule over
``monitoring.drift.*.psi`` is known to be satisfiable and a typo is refused. The service
that runs a check (``ombud.services.monitor_check``) builds its names with
:func:`name_segment` and a contract test holds a real run to these templates.
"""

from __future__ import annotations

import re

from ombud.records import EvidenceNames

__all__ = ["MONITORING_RUN_NAMES", "MONITORING_RUN_RULES", "name_segment"]

#: The rules a check evaluates; each breach opens (at most) one finding per system.
MONITORING_RUN_RULES = ("monitoring.drift", "monitoring.performance", "monitoring.fairness_gap")

MONITORING_RUN_NAMES = EvidenceNames(
    "monitoring_run",
    (
        "monitoring.windows",
        "monitoring.rows",
        "monitoring.recent_rows",
        "monitoring.breaches",
        "monitoring.age_days",
        "monitoring.drift.{feature}.psi",
        "monitoring.drift.{feature}.pvalue",
        "monitoring.performance.{metric}",
        "monitoring.performance.{metric}.lower",
        "monitoring.performance.{metric}.upper",
        "monitoring.performance.{metric}.reference",
        "monitoring.gap.{attribute}.{group}.{metric}.latest",
        "monitoring.gap.{attribute}.{group}.{metric}.pvalue",
    ),
    MONITORING_RUN_RULES,
)

_UNSAFE = re.compile(r"[^A-Za-z0-9_\-+=<>]+")


def name_segment(value: object) -> str:
    """A column or group value as one segment of an evidence name (``African American`` ->
    ``African_American``): anything a name may not hold becomes ``_``."""
    text = _UNSAFE.sub("_", str(value)).strip("_")
    return text or "_"
