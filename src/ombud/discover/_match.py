"""Hits matched to known systems, so a registered system is matched, not found again.

Three kinds of claim say that code belongs to a system:

- a marker comment ``ombud: <system-id>`` claims the file it sits in;
- a system manifest found in the tree claims its ``code_paths`` (files or folders,
  relative to the manifest), or its own folder when it lists none;
- a model file whose SHA-256 a registered version pins belongs to that system.

A claim counts only for a system the inventory knows: a marker naming an unregistered
system leaves the hit unmatched (and the result says so in a note).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from ombud.discover._model import Candidate, Hit, ScanResult

__all__ = ["Claim", "marker_claims", "match"]


@dataclass(frozen=True)
class Claim:
    """``path`` (a file, or a folder and all below it) belongs to ``system_id``."""

    system_id: str
    path: Path
    source: str  # "marker", "manifest"

    def covers(self, file: Path) -> bool:
        return file == self.path or self.path in file.parents


def match(
    result: ScanResult,
    claims: Iterable[Claim],
    registered: Collection[str],
    digests: Mapping[str, Collection[str]] | None = None,
) -> ScanResult:
    """The result with each hit's systems filled in, and notes on claims that did not count."""
    all_claims = list(claims)
    notes = sorted(
        {
            f"{c.source} at {c.path} names '{c.system_id}', which is not registered in the "
            "workspace: register it or fix the id"
            for c in all_claims
            if c.system_id not in registered
        }
    )
    known = [c for c in all_claims if c.system_id in registered]
    digests = digests or {}

    def matched(hit: Hit) -> Hit:
        systems: set[str] = set()
        how: set[str] = set()
        for claim in known:
            if claim.covers(hit.file):
                systems.add(claim.system_id)
                how.add(claim.source)
        if hit.sha256 and hit.sha256 in digests:
            pinned = {s for s in digests[hit.sha256] if s in registered}
            if pinned:
                systems |= pinned
                how.add("sha256")
        if not systems:
            return hit
        return hit.with_match(tuple(sorted(systems)), "+".join(sorted(how)))

    candidates = tuple(
        Candidate(c.root, c.name, c.system_kind, tuple(matched(h) for h in c.hits))
        for c in result.candidates
    )
    return replace(result, candidates=candidates, notes=(*result.notes, *notes))


def marker_claims(result: ScanResult) -> list[Claim]:
    return [Claim(m.system_id, m.file, "marker") for m in result.markers]
