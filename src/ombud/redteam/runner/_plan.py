"""Expanding probes and mutator chains into the ordered list of attempts of a run.

The plan is a pure function of (probes, chains, seed): resume rebuilds it and skips
the ids already in the log, so the ids must not depend on anything else. A probe
whose code raises is reported by name and the rest of the plan goes ahead.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Sequence
from dataclasses import dataclass

from ombud.redteam.core import Attempt, Mutator, Probe

__all__ = ["Plan", "build_plan", "probe_prompt_hash"]


@dataclass(frozen=True)
class Plan:
    attempts: tuple[Attempt, ...]
    problems: tuple[str, ...]

    @property
    def sha256(self) -> str:
        ids = "\n".join(a.attempt_id for a in self.attempts)
        return hashlib.sha256(ids.encode()).hexdigest()


def probe_prompt_hash(attempts: Sequence[Attempt]) -> str:
    text = json.dumps([[[t.role, t.content] for t in a.turns] for a in attempts])
    return hashlib.sha256(text.encode()).hexdigest()


def build_plan(
    probes: Sequence[Probe],
    chains: Sequence[Sequence[Mutator]] = (),
    *,
    seed: int = 0,
    include_baseline: bool = True,
) -> Plan:
    attempts: list[Attempt] = []
    problems: list[str] = []
    for probe in probes:
        try:
            base = list(probe.attempts())
        except Exception as exc:
            problems.append(f"probe {probe.info.id} raised {exc!r} while producing attempts")
            continue
        for attempt in base:
            if include_baseline:
                attempts.append(attempt)
            for chain in chains:
                mutated = attempt
                key = f"{seed}:{attempt.attempt_id}:{'+'.join(m.id for m in chain)}"
                rng = random.Random(hashlib.sha256(key.encode()).digest())
                try:
                    for mutator in chain:
                        mutated = mutator.mutate(mutated, rng)
                except Exception as exc:
                    problems.append(f"mutator chain {key.split(':')[-1]} raised {exc!r}")
                    break
                attempts.append(mutated)
    return Plan(tuple(attempts), tuple(problems))
