"""LLM red-teaming harness: probes, mutators, targets and detectors with measured accuracy.

The harness is a library first (no database, no server): build a plan from probes and
mutator chains, run it against a target with bounded concurrency into a resumable JSONL
log, score with detectors whose precision and recall are measured on a shipped labelled
set, and reduce the log to attack success rates with Wilson intervals, run comparisons,
an HTML report and an ``EvidenceDraft`` for the workspace. See docs/redteam.md.
"""

from ombud.redteam._attempt import (
    Attempt,
    AttemptStatus,
    DetectorResult,
    Outcome,
    Turn,
    attempt_from_dict,
    attempt_to_dict,
)
from ombud.redteam._errors import (
    PluginError,
    PromptSetError,
    RedteamError,
    TargetAuthError,
    TargetError,
    UnknownPluginError,
)
from ombud.redteam._log import RunLog, latest_attempts, read_log
from ombud.redteam._plan import Plan, build_plan
from ombud.redteam._protocols import (
    Detector,
    Mutator,
    Probe,
    ProbeInfo,
    Target,
    TargetCapabilities,
    TargetReply,
)
from ombud.redteam._registry import (
    detector_registry,
    lookup,
    mutator_registry,
    probe_registry,
    target_factories,
)
from ombud.redteam._results import (
    BiasResult,
    ComparisonRow,
    RateRow,
    attack_success_rates,
    compare_runs,
    paired_bias,
)
from ombud.redteam._runner import RunSettings, RunStopped, score_attempt
from ombud.redteam._session import Estimate, estimate, read_manifest, run_plan
from ombud.redteam._targets import CallableTarget, OpenAIChatTarget, RestTarget, SubprocessTarget

__all__ = [
    "Attempt",
    "AttemptStatus",
    "BiasResult",
    "CallableTarget",
    "ComparisonRow",
    "Detector",
    "DetectorResult",
    "Estimate",
    "Mutator",
    "OpenAIChatTarget",
    "Outcome",
    "Plan",
    "PluginError",
    "Probe",
    "ProbeInfo",
    "PromptSetError",
    "RateRow",
    "RedteamError",
    "RestTarget",
    "RunLog",
    "RunSettings",
    "RunStopped",
    "SubprocessTarget",
    "Target",
    "TargetAuthError",
    "TargetCapabilities",
    "TargetError",
    "TargetReply",
    "Turn",
    "UnknownPluginError",
    "attack_success_rates",
    "attempt_from_dict",
    "attempt_to_dict",
    "build_plan",
    "compare_runs",
    "detector_registry",
    "estimate",
    "latest_attempts",
    "lookup",
    "mutator_registry",
    "paired_bias",
    "probe_registry",
    "read_log",
    "read_manifest",
    "run_plan",
    "score_attempt",
    "target_factories",
]
