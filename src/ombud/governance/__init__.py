"""Domain entities and rules of Ombud: pure, no I/O.

Everything a person may or may not do to the record (lifecycle moves, separation of
duties, who may register or classify: one table in governance/authorization.py) is
decided here, so that the CLI, the web app and the services cannot disagree.
"""

from ombud.governance.authorization import Action, Relation, Target, authorize, permits
from ombud.governance.errors import (
    ConflictError,
    DomainError,
    InvalidInput,
    NotFoundError,
    PermissionDenied,
)
from ombud.governance.inventory import (
    AffectedGroup,
    Automation,
    DataCategory,
    Domain,
    LifecycleStatus,
    OperatorRole,
    SystemKind,
    SystemProfile,
    VersionSpec,
    answers_from_profile,
    check_slug,
    check_system_id,
    check_version_label,
)
from ombud.governance.lifecycle import TRANSITIONS, Transition, allowed_targets, check_transition
from ombud.governance.manifest import ManifestVersion, SystemManifest, parse_system_manifest
from ombud.governance.roles import Role
from ombud.governance.text import check_name, check_text

__all__ = [
    "TRANSITIONS",
    "Action",
    "AffectedGroup",
    "Automation",
    "ConflictError",
    "DataCategory",
    "Domain",
    "DomainError",
    "InvalidInput",
    "LifecycleStatus",
    "ManifestVersion",
    "NotFoundError",
    "OperatorRole",
    "PermissionDenied",
    "Relation",
    "Role",
    "SystemKind",
    "SystemManifest",
    "SystemProfile",
    "Target",
    "Transition",
    "VersionSpec",
    "allowed_targets",
    "answers_from_profile",
    "authorize",
    "check_name",
    "check_slug",
    "check_system_id",
    "check_text",
    "check_transition",
    "check_version_label",
    "parse_system_manifest",
    "permits",
]
