"""``ombud system register|list|show|update|transition|version add``."""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from ombud.cli._state import emit_json, state_of
from ombud.cli.render import render_system
from ombud.compliance import obligation_schedule, parse_as_of
from ombud.governance import InvalidInput, SystemProfile, VersionSpec, parse_system_manifest
from ombud.governance.manifest import MAX_MANIFEST_BYTES
from ombud.services import classification, systems
from ombud.yamlsource import load_yaml_file

__all__ = ["register"]

system_app = typer.Typer(help="The inventory of AI systems.", no_args_is_help=True)
version_app = typer.Typer(help="Versions of a system.", no_args_is_help=True)
system_app.add_typer(version_app, name="version")

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON.")]
ListOpt = Annotated[list[str] | None, typer.Option()]


@system_app.command("register")
def register_cmd(
    ctx: typer.Context,
    system_id: Annotated[str | None, typer.Argument(help="Slug id, e.g. credit-scoring.")] = None,
    manifest: Annotated[
        Path | None, typer.Option("-f", "--file", help="Register or update from a YAML manifest.")
    ] = None,
    name: Annotated[str | None, typer.Option()] = None,
    purpose: Annotated[str | None, typer.Option(help="Purpose and intended use.")] = None,
    owner: Annotated[str | None, typer.Option(help="Owner: a workspace user.")] = None,
    team: Annotated[str | None, typer.Option(help="Owning team.")] = None,
    domain: Annotated[str | None, typer.Option()] = None,
    kind: Annotated[str | None, typer.Option()] = None,
    role: Annotated[
        str | None, typer.Option(help="provider, deployer, importer, distributor")
    ] = None,
    automation: Annotated[str | None, typer.Option()] = None,
    business_unit: Annotated[str, typer.Option()] = "",
    vendor: Annotated[str, typer.Option()] = "in-house",
    region: ListOpt = None,
    affected: ListOpt = None,
    data_category: ListOpt = None,
    out_of_scope: ListOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Register an AI system from options, or register/update it from a manifest (-f)."""
    state = state_of(ctx)
    if manifest is not None:
        if system_id is not None:
            raise InvalidInput("give either a system id with options, or -f MANIFEST, not both")
        parsed = parse_system_manifest(load_yaml_file(manifest, max_bytes=MAX_MANIFEST_BYTES))
        with state.context() as context:
            applied = classification.apply_manifest(context, state.actor(context), parsed)
        outcome, system, added = applied.outcome, applied.system, applied.versions_added
        if as_json:
            emit_json({"outcome": outcome, "system": system, "versions_added": added})
        else:
            extra = f"; versions added: {', '.join(added)}" if added else ""
            state.out.print(f"{outcome} '{parsed.system_id}' from {manifest}{extra}")
        return
    if system_id is None:
        raise InvalidInput(
            "give a system id (e.g. `ombud system register credit-scoring ...`) or -f system.yaml"
        )
    fields: dict[str, Any] = {
        "name": name,
        "purpose": purpose,
        "owner": owner,
        "owner_team": team,
        "domain": domain,
        "kind": kind,
        "operator_role": role,
        "automation": automation,
        "business_unit": business_unit,
        "vendor": vendor,
        "deployment_regions": region or [],
        "affected_people": affected or [],
        "data_categories": data_category or [],
        "out_of_scope_uses": out_of_scope or [],
    }
    missing = [k for k in SystemProfile.required_field_names() if not fields.get(k)]
    if missing:
        flags = {"owner_team": "--team", "operator_role": "--role"}
        raise InvalidInput(
            "missing " + ", ".join(flags.get(k, "--" + k.replace("_", "-")) for k in missing)
        )
    profile = SystemProfile.from_mapping(fields)
    with state.context() as context:
        system = systems.register_system(context, state.actor(context), system_id, profile)
    if as_json:
        emit_json(system)
    else:
        state.out.print(f"registered '{system_id}' (status {system.status})")


@system_app.command("list")
def list_cmd(
    ctx: typer.Context,
    status: Annotated[str | None, typer.Option(help="Only systems in this status.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """List the inventory with tier, EU AI Act category and status."""
    state = state_of(ctx)
    with state.context() as context:
        items = systems.list_systems(context, status=status)
    if as_json:
        emit_json(items)
        return
    table = Table()
    for column in ("id", "tier", "EU AI Act", "status", "owner", "domain"):
        table.add_column(column, no_wrap=column in {"id", "status", "owner"})
    for s in items:
        table.add_row(
            s.id,
            str(s.tier) if s.tier else "-",
            s.eu_category or "unclassified",
            s.status,
            s.owner,
            s.domain,
        )
    state.out.print(table)


@system_app.command("show")
def show_cmd(
    ctx: typer.Context,
    system_id: str,
    as_json: JsonOpt = False,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of", help="Show which obligations apply on this day, YYYY-MM-DD (default: today)."
        ),
    ] = None,
) -> None:
    """Everything recorded about one system."""
    state = state_of(ctx)
    day = parse_as_of(as_of) if as_of is not None else date.today()
    with state.context() as context:
        data = systems.get_system(context, system_id)
    if as_json:
        shown = data.to_dict()
        if data.classification:
            obligations = data.classification.result.get("obligations", [])
            shown = {
                **shown,
                "as_of": day.isoformat(),
                "obligations_on": obligation_schedule(obligations, day),
            }
        emit_json(shown)
        return
    render_system(state.out, data, day)


@system_app.command("update")
def update_cmd(
    ctx: typer.Context,
    system_id: str,
    sets: Annotated[
        list[str],
        typer.Option("--set", help="FIELD=VALUE (lists comma-separated); repeatable."),
    ],
    expect_version: Annotated[
        int | None, typer.Option(help="Refuse if the record changed since this row version.")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Change fields of a registered system."""
    state = state_of(ctx)
    list_fields = {"out_of_scope_uses", "deployment_regions", "affected_people", "data_categories"}
    changes: dict[str, Any] = {}
    for item in sets:
        key, sep, value = item.partition("=")
        if not sep:
            raise InvalidInput(f"--set '{item}' must look like FIELD=VALUE")
        key = key.strip()
        changes[key] = (
            [v.strip() for v in value.split(",") if v.strip()] if (key in list_fields) else value
        )
    with state.context() as context:
        system = systems.update_system(
            context, state.actor(context), system_id, changes, expected_version=expect_version
        )
    if as_json:
        emit_json(system)
    else:
        state.out.print(f"updated '{system_id}'")


@system_app.command("transition")
def transition_cmd(
    ctx: typer.Context,
    system_id: str,
    status: Annotated[str, typer.Argument(help="Target lifecycle status.")],
    reason: Annotated[str, typer.Option(help="Why (required).")] = "",
    as_json: JsonOpt = False,
) -> None:
    """Move a system through its lifecycle (proposed → in_review → approved → deployed ...)."""
    state = state_of(ctx)
    with state.context() as context:
        system = systems.transition_system(context, state.actor(context), system_id, status, reason)
    if as_json:
        emit_json(system)
    else:
        state.out.print(f"'{system_id}' is now {system.status}")


def _spec(text: str, option: str) -> VersionSpec:
    """NAME=LOCATION[#sha256]; a local file is hashed, a remote URI needs its sha256."""
    name, sep, rest = text.partition("=")
    if not sep or not name or not rest:
        raise InvalidInput(f"{option} '{text}' must look like NAME=PATH or NAME=URI#SHA256")
    location, _, sha = rest.partition("#")
    path = Path(location)
    if not sha:
        if not path.is_file():
            raise InvalidInput(
                f"{option} '{text}': '{location}' is not a local file; give its hash as "
                "NAME=URI#SHA256"
            )
        digest = hashlib.sha256()
        with path.open("rb") as handle:
            while chunk := handle.read(1 << 20):
                digest.update(chunk)
        sha = digest.hexdigest()
        location = path.resolve().as_uri()
    return VersionSpec(name=name, uri=location, sha256=sha)


@version_app.command("add")
def version_add_cmd(
    ctx: typer.Context,
    system_id: str,
    label: str,
    model: Annotated[
        list[str] | None, typer.Option(help="NAME=PATH or NAME=URI#SHA256 (repeatable).")
    ] = None,
    data: Annotated[
        list[str] | None, typer.Option(help="Training data NAME=PATH or NAME=URI#SHA256.")
    ] = None,
    notes: Annotated[str, typer.Option()] = "",
    as_json: JsonOpt = False,
) -> None:
    """Record an immutable version of a system, pinning model and data by sha256."""
    state = state_of(ctx)
    models = tuple(_spec(m, "--model") for m in model or [])
    datasets = tuple(_spec(d, "--data") for d in data or [])
    with state.context() as context:
        version = systems.add_version(
            context,
            state.actor(context),
            system_id,
            label,
            models=models,
            training_data=datasets,
            notes=notes,
        )
    if as_json:
        emit_json(version)
    else:
        state.out.print(f"version '{label}' of '{system_id}' recorded")


def register(app: typer.Typer) -> None:
    app.add_typer(system_app, name="system")
