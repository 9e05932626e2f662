"""The four roles as typed protocols.

Third-party plugins only need to match these shapes; nothing has to inherit from an
Ombud class. Each protocol is small on purpose: a probe yields attempts, a mutator
rewrites one, a target answers one conversation, a detector scores one response.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from ombud.redteam.core._attempt import Attempt, DetectorResult, Turn

__all__ = [
    "Detector",
    "Mutator",
    "Probe",
    "ProbeInfo",
    "Target",
    "TargetCapabilities",
    "TargetReply",
]


@dataclass(frozen=True)
class ProbeInfo:
    """What a probe attacks and how its answers are judged.

    ``owasp`` holds ids of the OWASP Top 10 for LLM Applications 2025 (``LLM01``...);
    ``nist`` holds risk names of NIST AI 600-1 (the generative AI profile).
    """

    id: str
    goal: str
    category: str
    family: str
    severity: str
    detectors: tuple[str, ...]
    owasp: tuple[str, ...] = ()
    nist: tuple[str, ...] = ()
    license: str = "Apache-2.0"
    provenance: str = "written for Ombud"


@runtime_checkable
class Probe(Protocol):
    @property
    def info(self) -> ProbeInfo: ...

    def attempts(self) -> Iterable[Attempt]:
        """Attempts in a fixed order; the same probe yields the same attempts."""
        ...


@runtime_checkable
class Mutator(Protocol):
    @property
    def id(self) -> str: ...

    def mutate(self, attempt: Attempt, rng: random.Random) -> Attempt:
        """Return the attempt with its payload transformed (``Attempt.with_payload``)."""
        ...


@dataclass(frozen=True)
class TargetCapabilities:
    system_prompt: bool = True
    multi_turn: bool = True


@dataclass(frozen=True)
class TargetReply:
    text: str
    prompt_tokens: int | None = None
    completion_tokens: int | None = None


@runtime_checkable
class Target(Protocol):
    @property
    def capabilities(self) -> TargetCapabilities: ...

    def describe(self) -> Mapping[str, Any]:
        """Configuration for the run manifest, with every secret left out."""
        ...

    async def complete(self, messages: Sequence[Turn]) -> TargetReply:
        """Answer a conversation; raise ``TargetError`` (or its auth subclass) on failure."""
        ...

    async def aclose(self) -> None: ...


@runtime_checkable
class Detector(Protocol):
    @property
    def id(self) -> str: ...

    async def score(self, attempt: Attempt) -> DetectorResult:
        """Judge ``attempt.response``; return ``Outcome.UNSCORABLE`` when it cannot tell."""
        ...
