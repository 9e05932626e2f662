"""The records a scan produces: a hit (one piece of evidence of AI usage) and a candidate.

A hit says where (file, line), what (kind, provider or library), how sure the scanner is
and why (a short evidence snippet). Hits of one repository or service form a candidate:
the unit a Responsible AI Lead triages, registers or links to a known system.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import StrEnum
from pathlib import Path
from typing import Any

__all__ = [
    "Candidate",
    "Confidence",
    "Hit",
    "HitKind",
    "ScanResult",
    "ScanStats",
    "SystemMarker",
]


class HitKind(StrEnum):
    """What was found.

    ``llm-api``: a large language model is called, through a hosted API (SDK or HTTP) or a
    local LLM runtime (llama.cpp, vLLM, a text-generation pipeline).
    ``ml-training`` / ``ml-inference``: a machine-learning library fits or applies a model.
    ``model-file``: a serialized model (weights, a pickled estimator).
    ``prompt-template``: a prompt kept as a file or as a literal sent as a chat message.
    """

    LLM_API = "llm-api"
    ML_TRAINING = "ml-training"
    ML_INFERENCE = "ml-inference"
    MODEL_FILE = "model-file"
    PROMPT_TEMPLATE = "prompt-template"


class Confidence(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"

    @property
    def rank(self) -> int:
        return {"low": 0, "medium": 1, "high": 2}[self.value]


@dataclass(frozen=True)
class Hit:
    """One piece of evidence. ``file`` is absolute; ``line`` is 0 for a whole file."""

    file: Path
    line: int
    kind: HitKind
    provider: str
    confidence: Confidence
    evidence: str
    language: str
    size: int | None = None
    sha256: str | None = None
    matched: tuple[str, ...] = ()
    matched_by: str = ""

    def with_match(self, systems: tuple[str, ...], how: str) -> Hit:
        return replace(self, matched=systems, matched_by=how)

    def where(self, root: Path | None = None) -> str:
        shown = _relative(self.file, root)
        return f"{shown}:{self.line}" if self.line else shown

    def to_dict(self, root: Path | None = None) -> dict[str, Any]:
        data: dict[str, Any] = {
            "file": _relative(self.file, root),
            "line": self.line,
            "kind": self.kind.value,
            "provider": self.provider,
            "confidence": self.confidence.value,
            "evidence": self.evidence,
            "language": self.language,
            "matched": list(self.matched),
            "matched_by": self.matched_by,
        }
        if self.size is not None:
            data["size"] = self.size
            data["sha256"] = self.sha256
        return data


@dataclass(frozen=True)
class SystemMarker:
    """An ``ombud: <system-id>`` comment: the file it sits in belongs to that system."""

    file: Path
    line: int
    system_id: str


@dataclass(frozen=True)
class Candidate:
    """The hits of one repository or service (the nearest folder with a project file)."""

    root: Path
    name: str
    system_kind: str
    hits: tuple[Hit, ...]

    @property
    def providers(self) -> tuple[str, ...]:
        return tuple(sorted({h.provider for h in self.hits}))

    @property
    def matched_systems(self) -> tuple[str, ...]:
        return tuple(sorted({s for h in self.hits for s in h.matched}))

    @property
    def unmatched(self) -> tuple[Hit, ...]:
        return tuple(h for h in self.hits if not h.matched)

    @property
    def status(self) -> str:
        """``registered`` (every hit belongs to a known system), ``partly``, ``unregistered``."""
        left = len(self.unmatched)
        if left == 0:
            return "registered"
        return "unregistered" if left == len(self.hits) else "partly"

    def to_dict(self, root: Path | None = None) -> dict[str, Any]:
        kinds: dict[str, int] = {}
        for hit in self.hits:
            kinds[hit.kind.value] = kinds.get(hit.kind.value, 0) + 1
        return {
            "root": _relative(self.root, root) or ".",
            "name": self.name,
            "system_kind": self.system_kind,
            "status": self.status,
            "providers": list(self.providers),
            "kinds": kinds,
            "matched_systems": list(self.matched_systems),
            "unmatched_hits": len(self.unmatched),
            "hits": [h.to_dict(root) for h in self.hits],
        }


@dataclass
class ScanStats:
    """What the walk looked at and what it left out, by reason (reported, never silent)."""

    files_scanned: int = 0
    too_large: int = 0
    binary: int = 0
    undecodable: int = 0
    unparsable: int = 0
    symlinks: int = 0
    unreadable: int = 0
    skipped_dirs: int = 0
    lines: int = 0

    def to_dict(self) -> dict[str, int]:
        return dict(vars(self))


@dataclass(frozen=True)
class ScanResult:
    """Everything one scan found: hits grouped into candidates, markers, manifests, counts."""

    roots: tuple[Path, ...]
    candidates: tuple[Candidate, ...]
    markers: tuple[SystemMarker, ...]
    manifests: tuple[Path, ...]
    stats: ScanStats = field(default_factory=ScanStats)
    notes: tuple[str, ...] = ()

    @property
    def hits(self) -> tuple[Hit, ...]:
        return tuple(h for c in self.candidates for h in c.hits)

    @property
    def unregistered(self) -> tuple[Hit, ...]:
        return tuple(h for h in self.hits if not h.matched)

    def to_dict(self, root: Path | None = None) -> dict[str, Any]:
        return {
            "roots": [str(r) for r in self.roots],
            "candidates": [c.to_dict(root) for c in self.candidates],
            "markers": [
                {"file": _relative(m.file, root), "line": m.line, "system_id": m.system_id}
                for m in self.markers
            ],
            "manifests": [_relative(m, root) for m in self.manifests],
            "stats": self.stats.to_dict(),
            "notes": list(self.notes),
            "hits": len(self.hits),
            "unregistered_hits": len(self.unregistered),
        }


def _relative(path: Path, root: Path | None) -> str:
    if root is not None:
        try:
            return path.relative_to(root).as_posix()
        except ValueError:
            pass
    return path.as_posix()
