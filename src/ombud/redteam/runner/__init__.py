"""The runner: a plan of attempts, run with bounded concurrency into a resumable log.

Plans from probes and mutator chains, the async executor (retries, rate limits, early
stopping on interval width, multi-turn crescendo), the JSONL log and the run folder
(``run.json`` spec, ``manifest.json``, ``attempts.jsonl``), the spec helpers that
rebuild a run from its folder, and the outcome check that tells a result from a run
that scored nothing.
"""

from ombud.redteam.runner._crescendo import (
    CrescendoSettings,
    run_crescendo,
)
from ombud.redteam.runner._execute import (
    AttackerSetup,
    RunSettings,
    RunStopped,
    close_detectors,
    score_attempt,
)
from ombud.redteam.runner._log import (
    RunLog,
    finished_ids,
    latest_attempts,
    read_log,
)
from ombud.redteam.runner._outcome import (
    RunOutcome,
    cause_of,
    run_outcome,
    target_where,
)
from ombud.redteam.runner._plan import (
    Plan,
    build_plan,
    probe_prompt_hash,
)
from ombud.redteam.runner._session import (
    LOG_NAME,
    MANIFEST_NAME,
    Estimate,
    estimate,
    ombud_version,
    read_manifest,
    run_plan,
)
from ombud.redteam.runner._setup import (
    SPEC_NAME,
    check_spec,
    detectors_for,
    make_attacker,
    make_target,
    plan_from_spec,
    public_spec,
    read_spec,
    select_probes,
    settings_from_spec,
    write_spec,
)

__all__ = [
    "LOG_NAME",
    "MANIFEST_NAME",
    "SPEC_NAME",
    "AttackerSetup",
    "CrescendoSettings",
    "Estimate",
    "Plan",
    "RunLog",
    "RunOutcome",
    "RunSettings",
    "RunStopped",
    "build_plan",
    "cause_of",
    "check_spec",
    "close_detectors",
    "detectors_for",
    "estimate",
    "finished_ids",
    "latest_attempts",
    "make_attacker",
    "make_target",
    "ombud_version",
    "plan_from_spec",
    "probe_prompt_hash",
    "public_spec",
    "read_log",
    "read_manifest",
    "read_spec",
    "run_crescendo",
    "run_outcome",
    "run_plan",
    "score_attempt",
    "select_probes",
    "settings_from_spec",
    "target_where",
    "write_spec",
]
