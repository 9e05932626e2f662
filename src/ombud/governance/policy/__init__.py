"""Policy as code: per risk tier, the evidence, rules, documents and approvals a launch needs.

One frozen ``PolicyPack`` is read from YAML (line-numbered errors) and handed to the gate
and to reviews; nothing here touches a database, so a notebook or CI can load and test a
pack on its own.
"""

from ombud.governance.policy._diff import PolicyChange, diff_policies
from ombud.governance.policy._model import (
    CAPACITIES,
    Approvals,
    EvidenceRequirement,
    Overlay,
    PolicyPack,
    PolicyRule,
    Requirements,
    Waiver,
)
from ombud.governance.policy._monitoring import MONITORING_KEYS, IncidentRule, MonitoringPolicy
from ombud.governance.policy._names import NameRegistry, default_registry
from ombud.governance.policy._parse import (
    DEFAULT_POLICY_FILE,
    load_default_policy,
    load_policy,
    parse_policy,
)

__all__ = [
    "CAPACITIES",
    "DEFAULT_POLICY_FILE",
    "MONITORING_KEYS",
    "Approvals",
    "EvidenceRequirement",
    "IncidentRule",
    "MonitoringPolicy",
    "NameRegistry",
    "Overlay",
    "PolicyChange",
    "PolicyPack",
    "PolicyRule",
    "Requirements",
    "Waiver",
    "default_registry",
    "diff_policies",
    "load_default_policy",
    "load_policy",
    "parse_policy",
]
