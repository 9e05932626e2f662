"""Discovery of AI usage in source trees (docs/discovery.md).

``scan`` walks files and folders and reports every place that calls a large language
model, trains or applies a machine-learning model, holds a serialized model or a prompt
template, grouped into candidates per repository or service. ``match`` marks the hits that
belong to systems the inventory already knows. Scanned code is parsed, never imported or
run. No database is involved: the service and CLI layers build on this API.
"""

from ombud.discover._errors import DiscoverError, ScanPathError
from ombud.discover._group import PROJECT_FILES, guess_kind
from ombud.discover._match import Claim, marker_claims, match
from ombud.discover._model import (
    Candidate,
    Confidence,
    Hit,
    HitKind,
    ScanResult,
    ScanStats,
    SystemMarker,
)
from ombud.discover._sarif import to_sarif
from ombud.discover._scan import (
    DEFAULT_MAX_FILE_BYTES,
    SKIPPED_DIRS,
    ScanOptions,
    check_paths,
    scan,
)

__all__ = [
    "DEFAULT_MAX_FILE_BYTES",
    "PROJECT_FILES",
    "SKIPPED_DIRS",
    "Candidate",
    "Claim",
    "Confidence",
    "DiscoverError",
    "Hit",
    "HitKind",
    "ScanOptions",
    "ScanPathError",
    "ScanResult",
    "ScanStats",
    "SystemMarker",
    "check_paths",
    "guess_kind",
    "marker_claims",
    "match",
    "scan",
    "to_sarif",
]
