"""The one path from an engine run to the record.

Every engine (fairness, bias audit, red-team, and the monitoring, explanation and
mitigation engines that follow) is run the same way, whoever asks: the CLI, the web app
or the demo build an :class:`EngineRun` and hand it to :func:`run_engine`, which

1. refuses at once what the record would refuse later (the actor's permission, an unknown
   system or version), so a long run never ends in "no such version";
2. runs the engine outside any transaction (an audit can take minutes; no database lock is
   held meanwhile, and the engine never sees the database);
3. builds the evidence draft from the result and records it in one write transaction,
   which checks the actor and the target again as they are at that moment and appends the
   audit event beside the row.

Without a :class:`RecordTarget` it only runs the engine, so the same adapter code serves
``ombud audit fairness data.csv`` (no workspace needed) and ``... --system S --version V``.
The contract, with a sequence picture, is in docs/architecture.md.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from ombud.governance import InvalidInput
from ombud.records import EvidenceDraft
from ombud.services.context import Actor, AppContext, Tx
from ombud.services.evidence import Evidence, check_evidence_target, insert_evidence

__all__ = ["EngineRun", "RecordTarget", "RunOutcome", "run_engine"]

R = TypeVar("R")


@dataclass(frozen=True)
class RecordTarget:
    """Where a run's evidence goes, and who records it."""

    context: AppContext
    actor: Actor
    system_id: str
    version: str
    valid_for_days: int | None = 365

    def __post_init__(self) -> None:
        if not self.system_id or not self.version:
            raise InvalidInput("a recorded run needs both the system and the version")


@dataclass(frozen=True)
class EngineRun(Generic[R]):
    """One engine invocation, described before it starts.

    ``execute`` does the work and returns the engine's own result type; ``draft`` turns
    that result into the evidence it stands for. Both are plain callables so an engine
    needs no knowledge of the record, and the record none of the engine.
    """

    label: str
    execute: Callable[[], R]
    draft: Callable[[R], EvidenceDraft]


@dataclass(frozen=True)
class RunOutcome(Generic[R]):
    """The engine's result, and the evidence recorded from it (None when not recorded)."""

    result: R
    evidence: Evidence | None


#: What a run's record may add in the evidence's own transaction (see ``run_engine``).
Then = Callable[[Tx, R, Evidence], None]


def run_engine(
    run: EngineRun[R], target: RecordTarget | None = None, *, then: Then[R] | None = None
) -> RunOutcome[R]:
    """Check the target, run the engine, record its evidence: see the module docstring.

    ``then`` runs inside the evidence's write transaction, after the evidence row exists:
    what a run decides from its result (the findings and incidents of a monitoring check)
    is written there, so the evidence and its consequences commit together or not at all.
    If ``then`` raises, nothing of the run is recorded.
    """
    if target is not None:
        check_evidence_target(target.context, target.actor, target.system_id, target.version)
    result = run.execute()
    if target is None:
        return RunOutcome(result, None)
    draft = run.draft(result)
    with target.context.write(target.actor) as tx:
        evidence = insert_evidence(
            tx, target.system_id, target.version, draft, valid_for_days=target.valid_for_days
        )
        if then is not None:
            then(tx, result, evidence)
    return RunOutcome(result, evidence)
