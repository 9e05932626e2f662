"""What changed between two versions of a policy pack, item by item.

A policy change can unblock a launch, so the review of a policy pull request needs
to see each requirement that appeared, vanished or moved, not a text diff of YAML.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ombud.governance.policy._model import PolicyPack, Requirements

__all__ = ["PolicyChange", "diff_policies"]


@dataclass(frozen=True)
class PolicyChange:
    where: str  # e.g. "tier 1 rule redteam-asr", "overlay hiring evidence fairness_audit"
    change: str  # added | removed | changed
    old: Any
    new: Any

    def to_dict(self) -> dict[str, Any]:
        return {"where": self.where, "change": self.change, "old": self.old, "new": self.new}


def _flatten(requirements: Requirements, prefix: str) -> dict[str, Any]:
    data = requirements.to_dict()
    items: dict[str, Any] = {}
    for section in ("evidence", "documents"):
        for entry in data[section]:
            items[f"{prefix} {section} {entry['kind']}"] = {"max_age_days": entry["max_age_days"]}
    for rule in data["rules"]:
        items[f"{prefix} rule {rule['id']}"] = {k: v for k, v in rule.items() if k != "id"}
    items[f"{prefix} approvals"] = data["approvals"]
    return items


def _flatten_pack(pack: PolicyPack) -> dict[str, Any]:
    items: dict[str, Any] = {}
    for tier, requirements in sorted(pack.tiers.items()):
        items.update(_flatten(requirements, f"tier {tier}"))
    for overlay in pack.overlays:
        prefix = f"overlay {overlay.id}"
        items[f"{prefix} when"] = {
            "domain": list(overlay.domains),
            "eu_category": list(overlay.eu_categories),
            "tier": list(overlay.tiers),
            "system_kind": list(overlay.system_kinds),
            "obligation": list(overlay.obligations),
            "status": list(overlay.statuses),
        }
        items.update(_flatten(overlay.requirements, prefix))
    if pack.custom_names:
        items["custom names"] = sorted(pack.custom_names)
    if pack.monitoring is not None:
        items["monitoring defaults"] = dict(pack.monitoring.defaults)
        for tier, values in sorted(pack.monitoring.tiers.items()):
            items[f"monitoring tier {tier}"] = dict(values)
        for entry in pack.monitoring.incidents:
            items[f"monitoring incident on {entry.rule}"] = entry.to_dict()
    for waiver in pack.waivers:
        items[f"waiver {waiver.rule_id} for {waiver.system_id}"] = {
            "reason": waiver.reason,
            "approved_by": waiver.approved_by,
            "expires": waiver.expires.isoformat(),
        }
    return items


def diff_policies(old: PolicyPack, new: PolicyPack) -> list[PolicyChange]:
    """Every requirement added, removed or changed from ``old`` to ``new``, in a stable order."""
    before, after = _flatten_pack(old), _flatten_pack(new)
    changes = []
    for key in list(before) + [k for k in after if k not in before]:
        if key not in after:
            changes.append(PolicyChange(key, "removed", before[key], None))
        elif key not in before:
            changes.append(PolicyChange(key, "added", None, after[key]))
        elif before[key] != after[key]:
            changes.append(PolicyChange(key, "changed", before[key], after[key]))
    return changes
