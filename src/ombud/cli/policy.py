"""``ombud policy validate|show|diff|names``: read a policy pack before it gates anything."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from ombud.cli._state import CliState, emit_json, state_of
from ombud.governance import InvalidInput
from ombud.governance.policy import PolicyPack, default_registry, diff_policies, load_policy
from ombud.services.gates import policy_in_force
from ombud.store import WorkspaceError

__all__ = ["register"]

policy_app = typer.Typer(
    help="Policy packs: what each risk tier needs to launch.", no_args_is_help=True
)
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON.")]


def _in_force(state: CliState) -> PolicyPack:
    """The workspace's policy.yaml if there is one, else the pack shipped with Ombud."""
    try:
        workspace = state.workspace()
    except WorkspaceError:
        return policy_in_force(None)
    return policy_in_force(workspace)


@policy_app.command("validate")
def validate_cmd(ctx: typer.Context, file: Path) -> None:
    """Check a policy pack, names and kinds included; errors name file:line (exit 2)."""
    pack = load_policy(file)
    rules = sum(len(r.rules) for r in pack.tiers.values())
    state_of(ctx).out.print(
        f"{file}: valid policy '{pack.name}' version {pack.version} "
        f"({rules} tier rules, {len(pack.overlays)} overlays, {len(pack.waivers)} waivers)"
    )


@policy_app.command("show")
def show_cmd(
    ctx: typer.Context,
    file: Annotated[Path | None, typer.Argument(help="Pack (default: the one in force).")] = None,
    tier: Annotated[int | None, typer.Option(help="Only this tier (1-4).")] = None,
    domain: Annotated[str, typer.Option(help="Apply overlays for this domain.")] = "",
    eu_category: Annotated[str | None, typer.Option(help="...and this EU AI Act category.")] = None,
    system_kind: Annotated[str, typer.Option(help="...and this system kind.")] = "",
    as_json: JsonOpt = False,
) -> None:
    """Show what each tier requires (with --domain/--eu-category/--system-kind: overlays too)."""
    state = state_of(ctx)
    pack = load_policy(file) if file else _in_force(state)
    if tier is not None and tier not in pack.tiers:
        raise InvalidInput(f"--tier {tier} is unknown; tiers are 1, 2, 3, 4")
    tiers = [tier] if tier is not None else sorted(pack.tiers)
    sections = {
        t: pack.requirements_for(t, domain, eu_category, system_kind).to_dict() for t in tiers
    }
    if as_json:
        emit_json(
            {
                "name": pack.name,
                "version": pack.version,
                "sha256": pack.sha256,
                "tiers": {str(t): s for t, s in sections.items()},
            }
        )
        return
    state.out.print(f"[bold]{pack.name}[/] version {pack.version}  ({pack.source})")
    for t, section in sections.items():
        table = Table(
            "requirement",
            "detail",
            "cites",
            title=f"Tier {t}: " + ", ".join(section["sources"]),
            title_justify="left",
        )
        for key in ("evidence", "documents"):
            for item in section[key]:
                age = f"≤ {item['max_age_days']} days" if item["max_age_days"] else "unexpired"
                table.add_row(
                    f"{key[:-1] if key == 'documents' else key}: {item['kind']}",
                    age,
                    "; ".join(item["cites"]),
                )
        for rule in section["rules"]:
            subject = rule.get("metric") or rule.get("verdict")
            detail = (
                f"{subject} {rule['op']} {rule['value']:g}"
                if "op" in rule
                else f"{subject} not in {rule['not_in']}"
            )
            if rule["if_missing"] == "pass":
                detail += f"; if nothing matches: waived ({rule['justification']})"
            table.add_row(f"rule: {rule['id']}", Text(detail), "; ".join(rule.get("cites", [])))
        approvals = section["approvals"]
        table.add_row(
            "approvals",
            f"quorum {approvals['quorum']}; must include: "
            + (", ".join(approvals["capacities"]) or "any"),
            "",
        )
        state.out.print(table)


@policy_app.command("names")
def names_cmd(
    ctx: typer.Context,
    kind: Annotated[str | None, typer.Option(help="Only this evidence kind.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """List the evidence kinds, and the metric and verdict names each records."""
    registry = default_registry()
    if kind is not None and kind not in registry.by_kind:
        close = registry.suggest_kind(kind)
        hint = f"did you mean '{close[0]}'? " if close else ""
        raise InvalidInput(f"--kind '{kind}' is unknown; {hint}see `ombud policy names`")
    kinds = [kind] if kind else list(registry.kinds)
    rows = {
        k: {
            "metrics": list(registry.by_kind[k].metrics),
            "verdicts": list(registry.by_kind[k].verdicts),
        }
        for k in kinds
    }
    if as_json:
        emit_json(rows)
        return
    table = Table("kind", "metrics", "verdicts", title="{placeholder}: one segment set by the data")
    for k, names in rows.items():
        table.add_row(
            k,
            Text("\n".join(names["metrics"]) or "any engine's names, or custom_names"),
            Text("\n".join(names["verdicts"])),
        )
    state_of(ctx).out.print(table)


@policy_app.command("diff")
def diff_cmd(ctx: typer.Context, old: Path, new: Path, as_json: JsonOpt = False) -> None:
    """List requirements added, removed or changed between two packs."""
    changes = diff_policies(load_policy(old), load_policy(new))
    if as_json:
        emit_json([c.to_dict() for c in changes])
        return
    state = state_of(ctx)
    if not changes:
        state.out.print("no requirement changed")
        return
    table = Table("where", "change", "old", "new")
    for c in changes:
        table.add_row(c.where, c.change, str(c.old or ""), str(c.new or ""))
    state.out.print(table)


def register(app: typer.Typer) -> None:
    app.add_typer(policy_app, name="policy")
