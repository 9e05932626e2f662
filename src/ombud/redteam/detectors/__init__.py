"""Detectors: score a response (hit, miss or unscorable), with measured accuracy.

Rule detectors (canary, refusal, personal data, fabrication, regex), the ML detectors
(profanity-model toxicity, MiniLM embedding refusal), the LLM judge, and the accuracy
measurement on the shipped labelled set ``data/detector_labels.jsonl``. The
``*_detectors`` functions are what the ``ombud.detectors`` entry points load.
"""

from ombud.redteam.detectors._accuracy import (
    DetectorAccuracy,
    LabelledResponse,
    load_labels,
    measure_accuracy,
)
from ombud.redteam.detectors._embedding import (
    EmbeddingRefusalDetector,
    embedding_detectors,
)
from ombud.redteam.detectors._judge import (
    DEFAULT_RUBRIC,
    JudgeDetector,
)
from ombud.redteam.detectors._rules import (
    CanaryDetector,
    FabricationDetector,
    PersonalDataDetector,
    RefusalDetector,
    RegexDetector,
    builtin_detectors,
    is_refusal,
)
from ombud.redteam.detectors._toxicity import (
    ToxicityDetector,
    toxicity_detectors,
)

__all__ = [
    "DEFAULT_RUBRIC",
    "CanaryDetector",
    "DetectorAccuracy",
    "EmbeddingRefusalDetector",
    "FabricationDetector",
    "JudgeDetector",
    "LabelledResponse",
    "PersonalDataDetector",
    "RefusalDetector",
    "RegexDetector",
    "ToxicityDetector",
    "builtin_detectors",
    "embedding_detectors",
    "is_refusal",
    "load_labels",
    "measure_accuracy",
    "toxicity_detectors",
]
