"""Discovery of AI usage in code, matched against the inventory (docs/discovery.md).

The scan itself is the engine's (``ombud.discover``): it reads files, never the database.
This service adds what only the workspace knows: which systems are registered, which
model digests their versions pin, and what the manifests found in the scanned tree claim.
It writes nothing: a scan is a question asked of the inventory, not a change to it.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from sqlalchemy import select

from ombud.discover import Claim, ScanOptions, ScanResult, marker_claims, match, scan
from ombud.governance import DomainError, parse_system_manifest
from ombud.governance.manifest import MAX_MANIFEST_BYTES
from ombud.services.context import AppContext
from ombud.store.models import AISystemRow, SystemVersionRow
from ombud.yamlsource import YamlSourceError, load_yaml_file

__all__ = ["discover_code", "manifest_claims"]


def manifest_claims(manifests: Sequence[Path]) -> tuple[list[Claim], list[str]]:
    """What each manifest found in the tree claims, and a note for each unreadable one.

    A manifest claims its ``code_paths`` (relative to its folder), or its own folder when it
    lists none. A manifest that does not parse claims nothing: the note says so, and its
    code stays unmatched (the same manifest could not register the system either).
    """
    claims: list[Claim] = []
    notes: list[str] = []
    for path in manifests:
        try:
            parsed = parse_system_manifest(load_yaml_file(path, max_bytes=MAX_MANIFEST_BYTES))
        except (YamlSourceError, DomainError, OSError) as exc:
            notes.append(f"manifest {path} was not read ({exc}); the code it covers is unmatched")
            continue
        for entry in parsed.code_paths or (".",):
            target = Path(os.path.normpath(path.parent / entry))
            claims.append(Claim(parsed.system_id, target, f"manifest {path.name}"))
    return claims, notes


def discover_code(
    context: AppContext, paths: Sequence[Path], options: ScanOptions | None = None
) -> ScanResult:
    """Scan ``paths`` and match every hit to the registered systems that claim it."""
    result = scan(paths, options)
    with context.read() as session:
        registered = set(session.scalars(select(AISystemRow.id)))
        digests: dict[str, set[str]] = {}
        for system_id, models in session.execute(
            select(SystemVersionRow.system_id, SystemVersionRow.models)
        ):
            for model in models or []:
                if isinstance(model, dict) and isinstance(model.get("sha256"), str):
                    digests.setdefault(model["sha256"], set()).add(system_id)
    claims, notes = manifest_claims(result.manifests)
    claims.extend(marker_claims(result))
    matched = match(result, claims, registered, digests)
    return replace(matched, notes=(*notes, *matched.notes))
