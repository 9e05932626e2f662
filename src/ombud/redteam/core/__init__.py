"""The shared vocabulary of the harness: attempts, errors, plugin protocols and the registry.

Every other part (probes, mutators, targets, detectors, runner, importers, reports)
speaks in these types and imports nothing else from its siblings but this, so the
attempt record and the plugin contracts have one definition.
"""

from ombud.redteam.core._attempt import (
    Attempt,
    AttemptStatus,
    DetectorResult,
    Outcome,
    Turn,
    attempt_from_dict,
    attempt_to_dict,
)
from ombud.redteam.core._errors import (
    ErrorKind,
    NoResultError,
    PluginError,
    PromptSetError,
    RedteamError,
    TargetAuthError,
    TargetError,
    UnknownPluginError,
)
from ombud.redteam.core._protocols import (
    Detector,
    Mutator,
    Probe,
    ProbeInfo,
    Target,
    TargetCapabilities,
    TargetReply,
)
from ombud.redteam.core._registry import (
    PROBE_GROUP,
    detector_registry,
    lookup,
    mutator_registry,
    probe_registry,
    target_factories,
)

__all__ = [
    "PROBE_GROUP",
    "Attempt",
    "AttemptStatus",
    "Detector",
    "DetectorResult",
    "ErrorKind",
    "Mutator",
    "NoResultError",
    "Outcome",
    "PluginError",
    "Probe",
    "ProbeInfo",
    "PromptSetError",
    "RedteamError",
    "Target",
    "TargetAuthError",
    "TargetCapabilities",
    "TargetError",
    "TargetReply",
    "Turn",
    "UnknownPluginError",
    "attempt_from_dict",
    "attempt_to_dict",
    "detector_registry",
    "lookup",
    "mutator_registry",
    "probe_registry",
    "target_factories",
]
