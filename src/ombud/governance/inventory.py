"""What an AI system is, as the inventory records it, and the rules its fields obey.

The enumerations below are the vocabulary a Responsible AI Lead uses to sort a
portfolio; the classifier's questionnaire uses the same ids, so an inventory record
pre-fills the answers it can.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields
from enum import StrEnum
from typing import Any

from ombud.compliance.regions import region_problem
from ombud.governance.errors import InvalidInput
from ombud.governance.text import check_name, check_text

__all__ = [
    "RESERVED_SYSTEM_IDS",
    "SLUG_PATTERN",
    "AffectedGroup",
    "Automation",
    "DataCategory",
    "Domain",
    "LifecycleStatus",
    "OperatorRole",
    "SystemKind",
    "SystemProfile",
    "VersionSpec",
    "answers_from_profile",
    "check_slug",
    "check_system_id",
    "check_version_label",
]

#: The longest artifact location (a URI) a version may pin.
MAX_URI_CHARS = 2_000

SLUG_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}[a-z0-9]$")


class Domain(StrEnum):
    HIRING = "hiring"
    LENDING = "lending"
    INSURANCE = "insurance"
    HEALTHCARE = "healthcare"
    CRIMINAL_JUSTICE = "criminal_justice"
    EDUCATION = "education"
    PUBLIC_BENEFITS = "public_benefits"
    BIOMETRICS = "biometrics"
    CRITICAL_INFRASTRUCTURE = "critical_infrastructure"
    CUSTOMER_SERVICE = "customer_service"
    MARKETING = "marketing"
    INTERNAL_PRODUCTIVITY = "internal_productivity"
    OTHER = "other"


class SystemKind(StrEnum):
    DECISION_MODEL = "decision_model"
    LLM_APPLICATION = "llm_application"
    GENERAL_PURPOSE_MODEL = "general_purpose_model"
    AGENT = "agent"


class OperatorRole(StrEnum):
    PROVIDER = "provider"
    DEPLOYER = "deployer"
    IMPORTER = "importer"
    DISTRIBUTOR = "distributor"


class Automation(StrEnum):
    HUMAN_IN_THE_LOOP = "human_in_the_loop"
    HUMAN_ON_THE_LOOP = "human_on_the_loop"
    FULLY_AUTOMATED = "fully_automated"


class AffectedGroup(StrEnum):
    EMPLOYEES = "employees"
    JOB_APPLICANTS = "job_applicants"
    CONSUMERS = "consumers"
    PATIENTS = "patients"
    STUDENTS = "students"
    CHILDREN = "children"
    CITIZENS = "citizens"
    DEFENDANTS = "defendants"
    MIGRANTS = "migrants"
    VOTERS = "voters"
    BUSINESSES = "businesses"
    NONE = "none"


class DataCategory(StrEnum):
    PERSONAL_DATA = "personal_data"
    SPECIAL_CATEGORIES = "special_categories"
    BIOMETRIC_DATA = "biometric_data"
    CHILDREN_DATA = "children_data"
    NONE = "none"


class LifecycleStatus(StrEnum):
    PROPOSED = "proposed"
    IN_REVIEW = "in_review"
    APPROVED = "approved"
    DEPLOYED = "deployed"
    SUSPENDED = "suspended"
    RETIRED = "retired"
    REJECTED = "rejected"


def check_slug(value: str, what: str = "system id") -> str:
    if not SLUG_PATTERN.fullmatch(value):
        raise InvalidInput(
            f"{what} {value!r} is not a slug; use 3-64 lower-case letters, digits and '-', "
            "starting and ending with a letter or digit (e.g. 'credit-scoring')"
        )
    return value


#: Words that name pages rather than systems in the web interface (/systems/new).
RESERVED_SYSTEM_IDS = frozenset({"new"})


def check_system_id(value: str) -> str:
    """A slug that is not reserved: every system id is also a path of the web interface."""
    check_slug(value)
    if value in RESERVED_SYSTEM_IDS:
        raise InvalidInput(
            f"system id '{value}' is reserved (it names a page of the web interface); "
            "choose another, e.g. 'new-model'"
        )
    return value


def _enum_value(enum: type[StrEnum], value: Any, name: str) -> str:
    try:
        return enum(str(value)).value
    except ValueError:
        allowed = ", ".join(member.value for member in enum)
        raise InvalidInput(f"{name} {str(value)!r} is not one of: {allowed}") from None


def _text_list(value: Any, name: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, Sequence) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise InvalidInput(f"{name} must be a list of strings, got {value!r}")


@dataclass(frozen=True)
class SystemProfile:
    """The descriptive record of one AI system (everything but its id and status)."""

    name: str
    purpose: str
    owner: str
    owner_team: str
    domain: str
    kind: str
    operator_role: str
    automation: str
    business_unit: str = ""
    out_of_scope_uses: tuple[str, ...] = ()
    vendor: str = "in-house"
    deployment_regions: tuple[str, ...] = ()
    affected_people: tuple[str, ...] = ()
    data_categories: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for name in ("name", "purpose", "owner", "owner_team"):
            if not str(getattr(self, name)).strip():
                raise InvalidInput(f"field '{name}' must not be empty")
        for name in ("name", "owner", "owner_team", "business_unit", "vendor"):
            check_name(getattr(self, name), f"field '{name}'")
        check_text(self.purpose, "field 'purpose'")
        for use in self.out_of_scope_uses:
            check_text(use, "an out_of_scope_uses item")
        for region in self.deployment_regions:
            problem = region_problem(region)
            if problem is not None:
                raise InvalidInput(f"deployment_regions item {problem}")
        _enum_value(Domain, self.domain, "domain")
        _enum_value(SystemKind, self.kind, "kind")
        _enum_value(OperatorRole, self.operator_role, "operator_role")
        _enum_value(Automation, self.automation, "automation")
        for category in self.data_categories:
            _enum_value(DataCategory, category, "data_categories item")
        for group in self.affected_people:
            _enum_value(AffectedGroup, group, "affected_people item")

    @classmethod
    def field_names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in fields(cls))

    @classmethod
    def required_field_names(cls) -> tuple[str, ...]:
        return (
            "name",
            "purpose",
            "owner",
            "owner_team",
            "domain",
            "kind",
            "operator_role",
            "automation",
        )

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> SystemProfile:
        """Build from plain data (a manifest or a form); unknown or missing fields are errors."""
        known = set(cls.field_names())
        unknown = sorted(set(data) - known)
        if unknown:
            raise InvalidInput(
                f"unknown field(s) {', '.join(unknown)}; known fields: {', '.join(sorted(known))}"
            )
        missing = [name for name in cls.required_field_names() if data.get(name) in (None, "")]
        if missing:
            raise InvalidInput(f"missing required field(s): {', '.join(missing)}")
        list_fields = {
            "out_of_scope_uses",
            "deployment_regions",
            "affected_people",
            "data_categories",
        }
        values: dict[str, Any] = {}
        for name in cls.field_names():
            if name not in data:
                continue
            raw = data[name]
            if name == "deployment_regions":
                values[name] = tuple(r.strip().upper() for r in _text_list(raw, name))
            elif name in list_fields:
                values[name] = _text_list(raw, name)
            else:
                if not isinstance(raw, str | int | float):
                    raise InvalidInput(f"field '{name}' must be text, got {type(raw).__name__}")
                values[name] = str(raw)
        return cls(**values)

    @classmethod
    def from_record(cls, data: Mapping[str, Any]) -> SystemProfile:
        """A profile read back from the record, not re-checked.

        It was checked under the rules of the day it was written; a rule added later
        (a length limit, a region list) must not make an old record unreadable, nor
        impossible to correct. Changing it (``with_changes``) checks every field again.
        """
        profile = object.__new__(cls)
        for name in cls.field_names():
            value = data[name]
            object.__setattr__(
                profile, name, tuple(value) if isinstance(value, list | tuple) else value
            )
        return profile

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for key, value in data.items():
            if isinstance(value, tuple):
                data[key] = list(value)
        return data

    def with_changes(self, changes: Mapping[str, Any]) -> SystemProfile:
        merged = self.to_dict()
        merged.update(changes)
        return SystemProfile.from_mapping(merged)


@dataclass(frozen=True)
class VersionSpec:
    """A reference to a model artifact or a training data set, pinned by content hash."""

    name: str
    uri: str
    sha256: str
    extra: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        check_name(self.name, "an artifact name")
        check_name(self.uri, "an artifact location", max_chars=MAX_URI_CHARS)
        if not re.fullmatch(r"[0-9a-f]{64}", self.sha256):
            raise InvalidInput(
                f"sha256 of '{self.name}' must be 64 lower-case hex digits, got '{self.sha256}'"
            )


def check_version_label(label: str) -> str:
    """A version label: one non-empty line of at most 100 characters."""
    if not label.strip():
        raise InvalidInput("a version needs a non-empty label (e.g. 1.0.0)")
    return check_name(label, f"version label {label[:40]!r}", max_chars=100)


def answers_from_profile(profile: SystemProfile) -> dict[str, Any]:
    """Questionnaire answers that the inventory record already gives.

    The classifier's questionnaire uses the same ids as these fields on purpose, so a
    registered system never asks its owner twice.
    """
    answers: dict[str, Any] = {
        "domain": profile.domain,
        "system_kind": profile.kind,
        "operator_role": profile.operator_role,
        "automation": profile.automation,
    }
    if profile.deployment_regions:
        answers["deployment_regions"] = list(profile.deployment_regions)
    if profile.affected_people:
        answers["affected_people"] = list(profile.affected_people)
    if profile.data_categories:
        answers["data_categories"] = list(profile.data_categories)
    return answers
