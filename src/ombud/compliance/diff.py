"""What changed between two classifications of the same system.

Re-classifying under a new catalog version (an amendment) or after an answer changed
must show a reviewer exactly what moved: the category, each obligation and regime
added or dropped, obligations whose text or date changed, and the reasons. Items are
compared by their stable ids, never by position.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from ombud.compliance.classification_result import Classification, EUCategory

__all__ = ["ClassificationDiff", "diff_classifications"]


@dataclass(frozen=True)
class ClassificationDiff:
    old_catalog_version: str
    new_catalog_version: str
    old_category: EUCategory
    new_category: EUCategory
    added_obligations: tuple[str, ...] = ()
    removed_obligations: tuple[str, ...] = ()
    changed_obligations: tuple[str, ...] = ()
    added_regimes: tuple[str, ...] = ()
    removed_regimes: tuple[str, ...] = ()
    added_reasons: tuple[str, ...] = ()
    removed_reasons: tuple[str, ...] = ()
    flag_changes: tuple[str, ...] = ()

    @property
    def category_changed(self) -> bool:
        return self.old_category is not self.new_category

    @property
    def is_empty(self) -> bool:
        """No legal difference (a catalog version bump alone does not count)."""
        return not self.category_changed and not any(
            getattr(self, f.name) for f in fields(self) if isinstance(getattr(self, f.name), tuple)
        )

    def summary_lines(self) -> tuple[str, ...]:
        lines = []
        if self.old_catalog_version != self.new_catalog_version:
            lines.append(f"catalog: {self.old_catalog_version} -> {self.new_catalog_version}")
        if self.category_changed:
            lines.append(f"category: {self.old_category.value} -> {self.new_category.value}")
        for name in (f.name for f in fields(self)):
            value = getattr(self, name)
            if isinstance(value, tuple) and value:
                lines.append(f"{name.replace('_', ' ')}: {', '.join(value)}")
        return tuple(lines)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            out[f.name] = (
                list(value) if isinstance(value, tuple) else getattr(value, "value", value)
            )
        out["category_changed"] = self.category_changed
        return out


def _added(old: tuple[str, ...], new: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(item for item in new if item not in old)


def diff_classifications(old: Classification, new: Classification) -> ClassificationDiff:
    """Differences from ``old`` to ``new``, by stable ids."""
    old_obligations = {o.id: o for o in old.obligations}
    changed = tuple(
        o.id for o in new.obligations if o.id in old_obligations and o != old_obligations[o.id]
    )
    flag_changes = tuple(
        f"{f.name}: {getattr(old.flags, f.name)!r} -> {getattr(new.flags, f.name)!r}"
        for f in fields(old.flags)
        if getattr(old.flags, f.name) != getattr(new.flags, f.name)
    )
    return ClassificationDiff(
        old_catalog_version=old.catalog_version,
        new_catalog_version=new.catalog_version,
        old_category=old.eu_category,
        new_category=new.eu_category,
        added_obligations=_added(old.obligation_ids(), new.obligation_ids()),
        removed_obligations=_added(new.obligation_ids(), old.obligation_ids()),
        changed_obligations=changed,
        added_regimes=_added(old.regime_ids(), new.regime_ids()),
        removed_regimes=_added(new.regime_ids(), old.regime_ids()),
        added_reasons=_added(old.reason_codes(), new.reason_codes()),
        removed_reasons=_added(new.reason_codes(), old.reason_codes()),
        flag_changes=flag_changes,
    )
