"""The record every engine hands to the workspace: an evidence draft.

Engines (fairness, red team, monitoring, documentation) must stay usable without a
database, yet what they measure has to land in the workspace as typed, versioned
Evidence. This module is the one format they share, below every engine, so an engine
never imports the store and the store never needs to know an engine's internals.

Metric names are flat and namespaced, ``<engine>.<subject>.<measure>[.<statistic>]``,
for example ``fairness.race.fpr.ratio_min`` or
``redteam.prompt_injection.attack_success_rate.upper``; a policy rule addresses them
with glob patterns.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

__all__ = [
    "METRIC_NAME_PATTERN",
    "NAME_PLACEHOLDER",
    "ArtifactDraft",
    "EvidenceDraft",
    "EvidenceNames",
    "InputRef",
    "Verdict",
    "sha256_bytes",
    "sha256_file",
]

#: Lower-case dotted segments; a segment may hold letters, digits, ``_`` and ``-``.
METRIC_NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_]*(\.[A-Za-z0-9_\-+=<>]+)+$")


#: A placeholder in a name template: one segment chosen by the data (a column, a category).
NAME_PLACEHOLDER = re.compile(r"\{[a-z_]+\}")


@dataclass(frozen=True)
class EvidenceNames:
    """What evidence of one ``kind`` can carry: templates of its metric and verdict names.

    Each engine declares these next to the code that emits the names, so a policy can be
    checked against them: a rule that names something no engine produces is refused when
    the policy is read, instead of waiting forever (or passing) on a name that never comes.
    In a template, ``{placeholder}`` stands for one name segment that the data decides
    (``fairness.{attribute}.fpr_ratio``); everything else is literal.
    """

    kind: str
    metrics: tuple[str, ...] = ()
    verdicts: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        bad = [
            t
            for t in (*self.metrics, *self.verdicts)
            if not METRIC_NAME_PATTERN.match(NAME_PLACEHOLDER.sub("x", t))
        ]
        if bad:
            raise ValueError(f"evidence name templates must be dotted lower-case paths; got {bad}")


class Verdict(StrEnum):
    """Outcome of one rule over measured evidence.

    ``concern`` means the point estimate breaches the rule but its interval does not
    exclude compliance; ``insufficient`` means the data cannot support a conclusion
    (too few rows, no positives): it is never counted as a pass.
    """

    PASS = "pass"
    CONCERN = "concern"
    FAIL = "fail"
    INSUFFICIENT = "insufficient"


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: str, chunk_size: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(chunk_size):
            digest.update(chunk)
    return digest.hexdigest()


@dataclass(frozen=True)
class InputRef:
    """One input an engine read: a file, a table or a query, identified by content hash."""

    name: str
    sha256: str
    rows: int | None = None
    description: str = ""


@dataclass(frozen=True)
class ArtifactDraft:
    """A file produced by an engine (report, stored statistics, run log)."""

    name: str
    media_type: str
    content: bytes


@dataclass(frozen=True)
class EvidenceDraft:
    """What an engine measured, ready to be recorded against a system version."""

    kind: str
    summary: str
    engine: str
    engine_version: str
    metrics: Mapping[str, float] = field(default_factory=dict)
    verdicts: Mapping[str, Verdict] = field(default_factory=dict)
    parameters: Mapping[str, Any] = field(default_factory=dict)
    inputs: Sequence[InputRef] = ()
    artifacts: Sequence[ArtifactDraft] = ()

    def __post_init__(self) -> None:
        bad = [name for name in self.metrics if not METRIC_NAME_PATTERN.match(name)]
        if bad:
            raise ValueError(
                f"evidence metric names must be dotted lower-case paths such as "
                f"'fairness.race.fpr.ratio_min'; got {', '.join(sorted(bad)[:5])}"
            )
