"""A probe built from fixed prompt lists, the shape of every built-in probe.

Prompts are data; the probe only wraps them into ``Attempt`` records with the probe's
metadata, a deterministic planted canary where the family needs one, and the
license and provenance of each prompt (kept in the attempt context so imported prompt
sets carry their origin into the log and the report).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from ombud.redteam.core import Attempt, ProbeInfo, Turn

__all__ = ["CANARY_SLOT", "PromptSpec", "StaticProbe", "canary_for", "user"]

#: Placeholder in prompt text replaced by the probe's canary value.
CANARY_SLOT = "{canary}"


def canary_for(probe_id: str, index: int) -> str:
    digest = hashlib.sha256(f"{probe_id}:{index}".encode()).hexdigest()
    return f"OMB-{digest[:4].upper()}-{int(digest[4:10], 16) % 100000:05d}"


@dataclass(frozen=True)
class PromptSpec:
    """One attempt's turns as ``(role, text)`` pairs plus extra context (pair ids, groups)."""

    turns: tuple[tuple[str, str], ...]
    context: Mapping[str, str] = field(default_factory=dict)


def user(text: str) -> PromptSpec:
    return PromptSpec((("user", text),))


@dataclass(frozen=True)
class StaticProbe:
    info: ProbeInfo
    prompts: Sequence[PromptSpec]

    def attempts(self) -> Iterator[Attempt]:
        for index, spec in enumerate(self.prompts):
            canary = canary_for(self.info.id, index)
            uses_canary = any(CANARY_SLOT in text for _, text in spec.turns)
            turns = tuple(
                Turn(role, text.replace(CANARY_SLOT, canary)) for role, text in spec.turns
            )
            context = {"license": self.info.license, "provenance": self.info.provenance}
            context.update(spec.context)
            if uses_canary:
                context["canary"] = canary
            yield Attempt(
                probe=self.info.id,
                index=index,
                turns=turns,
                category=self.info.category,
                family=self.info.family,
                goal=self.info.goal,
                detectors=self.info.detectors,
                context=context,
            )
