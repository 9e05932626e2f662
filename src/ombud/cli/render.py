"""Terminal rendering of records (Rich). Presentation only: no rules live here."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from rich.console import Console
from rich.table import Table

from ombud.compliance import obligation_schedule
from ombud.services.system_records import SystemDetail

__all__ = ["render_classification", "render_portfolio", "render_system"]

CATEGORY_STYLE = {
    "prohibited": "bold white on red",
    "high_risk": "bold red",
    "limited_risk_transparency": "yellow",
    "minimal_risk": "green",
    "out_of_scope": "dim",
}


def _category(value: str | None) -> str:
    if not value:
        return "[dim]unclassified[/]"
    return f"[{CATEGORY_STYLE.get(value, '')}]{value}[/]"


def render_classification(
    out: Console,
    result: Mapping[str, Any],
    tier: Mapping[str, Any] | None,
    as_of: date | None = None,
) -> None:
    out.print(
        f"EU AI Act category: {_category(result['eu_category'])}  "
        f"(operator role: {result['operator_role']}; catalog {result['catalog_version']})"
    )
    if tier:
        out.print(f"Internal risk tier: [bold]{tier['tier']}[/] ({tier['label']})")
        for reason in tier.get("reasons", []):
            out.print(f"  • {reason}")
    reasons = Table("reason", "citation", title="Why", title_justify="left", show_lines=False)
    for reason in result["reasons"]:
        reasons.add_row(reason["text"], reason["citation"])
    out.print(reasons)
    if result["obligations"]:
        on = as_of or date.today()
        schedule = obligation_schedule(result["obligations"], on)
        table = Table(
            "obligation",
            "citation",
            "applies from",
            f"on {on.isoformat()}",
            title="Obligations",
            title_justify="left",
        )
        upcoming = {o["id"]: o["days_left"] for o in schedule["upcoming"]}
        for item in result["obligations"]:
            left = upcoming.get(item["id"])
            table.add_row(
                f"{item['id']}: {item['title']}",
                item["citation"],
                item.get("applies_from") or "",
                "in force" if left is None else f"upcoming ({left} days left)",
            )
        out.print(table)
        out.print(
            f"On {on.isoformat()}: {len(schedule['in_force'])} obligation(s) in force, "
            f"{len(schedule['upcoming'])} upcoming."
        )
    if result["other_regimes"]:
        table = Table(
            "regime", "citation", "why", title="Other regimes triggered", title_justify="left"
        )
        for item in result["other_regimes"]:
            table.add_row(item["title"], item["citation"], item["why"])
        out.print(table)


def render_system(out: Console, data: SystemDetail, as_of: date | None = None) -> None:
    out.print(f"[bold]{data.name}[/] ({data.id}) — status [bold]{data.status}[/]")
    facts = Table(show_header=False, box=None)
    for key in (
        "purpose",
        "owner",
        "owner_team",
        "business_unit",
        "domain",
        "kind",
        "operator_role",
        "vendor",
        "automation",
        "deployment_regions",
        "affected_people",
        "data_categories",
        "out_of_scope_uses",
    ):
        value = getattr(data, key)
        if isinstance(value, tuple):
            value = ", ".join(value)
        if value:
            facts.add_row(key.replace("_", " "), str(value))
    out.print(facts)
    classification = data.classification
    if classification:
        render_classification(
            out,
            classification.result,
            {
                "tier": classification.tier,
                "label": classification.tier_label,
                "reasons": list(classification.tier_reasons),
            },
            as_of,
        )
    else:
        out.print(f"not classified yet: run `ombud classify {data.id}`")
    if data.versions:
        table = Table(
            "version", "models", "training data", "by", title="Versions", title_justify="left"
        )
        for v in data.versions:
            table.add_row(v.label, _refs(v.models), _refs(v.training_data), v.created_by)
        out.print(table)
    if data.transitions:
        table = Table("at", "from → to", "by", "reason", title="Lifecycle", title_justify="left")
        for t in data.transitions:
            at = t.at.isoformat()[:19]
            table.add_row(at, f"{t.source} → {t.target}", t.actor, t.reason)
        out.print(table)


def _refs(refs: Sequence[Mapping[str, str]]) -> str:
    return "\n".join(f"{r['name']} {r['sha256'][:12]}…" for r in refs)


def render_portfolio(out: Console, systems: Sequence[Mapping[str, Any]]) -> None:
    table = Table(
        "tier", "system", "EU AI Act", "decided by", "status", title="AI system portfolio"
    )
    for s in sorted(systems, key=lambda s: (s.get("tier") or 9, s["id"])):
        classification = s.get("classification") or {}
        result = classification.get("result") or {}
        # The operator-role reason (Art. 3) is context, not what decided the category.
        deciding = [
            r["citation"].removeprefix("EU AI Act ")
            for r in result.get("reasons", [])
            if not r["citation"].startswith("EU AI Act Art. 3(")
        ]
        table.add_row(
            str(s.get("tier") or "-"),
            s["id"],
            _category(s.get("eu_category")),
            "; ".join(deciding[:2]),
            s["status"],
        )
    out.print(table)
