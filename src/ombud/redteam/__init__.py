"""LLM red-teaming harness: probes, mutators, targets and detectors with measured accuracy.

The harness is a library first (no database, no server): build a plan from probes and
mutator chains, run it against a target with bounded concurrency into a resumable JSONL
log, score with detectors whose precision and recall are measured on a shipped labelled
set, and reduce the log to attack success rates with Wilson intervals, run comparisons,
an HTML report and an ``EvidenceDraft`` for the workspace. See docs/redteam.md.
"""

from ombud.redteam._accuracy import (
    DetectorAccuracy,
    LabelledResponse,
    load_labels,
    measure_accuracy,
)
from ombud.redteam._attempt import (
    Attempt,
    AttemptStatus,
    DetectorResult,
    Outcome,
    Turn,
    attempt_from_dict,
    attempt_to_dict,
)
from ombud.redteam._crescendo import CrescendoSettings, run_crescendo
from ombud.redteam._detectors import (
    CanaryDetector,
    FabricationDetector,
    PersonalDataDetector,
    RefusalDetector,
    RegexDetector,
)
from ombud.redteam._embedding import EmbeddingRefusalDetector
from ombud.redteam._errors import (
    ErrorKind,
    NoResultError,
    PluginError,
    PromptSetError,
    RedteamError,
    TargetAuthError,
    TargetError,
    UnknownPluginError,
)
from ombud.redteam._evidence import EVIDENCE_NAMES, evidence_draft
from ombud.redteam._importers import (
    import_garak,
    import_promptfoo,
    probe_from_csv,
    probe_from_garak_data,
    probe_from_pyrit_yaml,
)
from ombud.redteam._judge import DEFAULT_RUBRIC, JudgeDetector
from ombud.redteam._log import RunLog, latest_attempts, read_log
from ombud.redteam._outcome import RunOutcome, run_outcome
from ombud.redteam._plan import Plan, build_plan
from ombud.redteam._probe_base import PromptSpec, StaticProbe
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
from ombud.redteam._report import render_report
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
from ombud.redteam._toxicity import ToxicityDetector

__all__ = [
    "DEFAULT_RUBRIC",
    "EVIDENCE_NAMES",
    "Attempt",
    "AttemptStatus",
    "BiasResult",
    "CallableTarget",
    "CanaryDetector",
    "ComparisonRow",
    "CrescendoSettings",
    "Detector",
    "DetectorAccuracy",
    "DetectorResult",
    "EmbeddingRefusalDetector",
    "ErrorKind",
    "Estimate",
    "FabricationDetector",
    "JudgeDetector",
    "LabelledResponse",
    "Mutator",
    "NoResultError",
    "OpenAIChatTarget",
    "Outcome",
    "PersonalDataDetector",
    "Plan",
    "PluginError",
    "Probe",
    "ProbeInfo",
    "PromptSetError",
    "PromptSpec",
    "RateRow",
    "RedteamError",
    "RefusalDetector",
    "RegexDetector",
    "RestTarget",
    "RunLog",
    "RunOutcome",
    "RunSettings",
    "RunStopped",
    "StaticProbe",
    "SubprocessTarget",
    "Target",
    "TargetAuthError",
    "TargetCapabilities",
    "TargetError",
    "TargetReply",
    "ToxicityDetector",
    "Turn",
    "UnknownPluginError",
    "attack_success_rates",
    "attempt_from_dict",
    "attempt_to_dict",
    "build_plan",
    "compare_runs",
    "detector_registry",
    "estimate",
    "evidence_draft",
    "import_garak",
    "import_promptfoo",
    "latest_attempts",
    "load_labels",
    "lookup",
    "measure_accuracy",
    "mutator_registry",
    "paired_bias",
    "probe_from_csv",
    "probe_from_garak_data",
    "probe_from_pyrit_yaml",
    "probe_registry",
    "read_log",
    "read_manifest",
    "render_report",
    "run_crescendo",
    "run_outcome",
    "run_plan",
    "score_attempt",
    "target_factories",
]
