"""The system manifest: a YAML file kept in the model's repository (the GitOps path).

``ombud system register -f system.yaml`` registers or updates from it, so the record of
a system changes by pull request, next to the code. Every error names ``file:line``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ombud.compliance import check_answers
from ombud.governance.errors import DomainError
from ombud.governance.inventory import (
    SystemProfile,
    VersionSpec,
    check_system_id,
    check_version_label,
)
from ombud.governance.text import check_name, check_text
from ombud.yamlsource import LocatedYaml

__all__ = [
    "MANIFEST_KEYS",
    "MAX_CODE_PATHS",
    "MAX_MANIFEST_BYTES",
    "ManifestVersion",
    "SystemManifest",
    "parse_system_manifest",
]

#: The largest manifest read: a real one is a few KiB; a 50 MB one took 94 s to parse.
MAX_MANIFEST_BYTES = 1 << 20

MANIFEST_KEYS = ("id", "versions", "classification", "code_paths", *SystemProfile.field_names())
#: At most this many ``code_paths`` entries, each one line of at most 500 characters.
MAX_CODE_PATHS = 100
_VERSION_KEYS = ("label", "models", "training_data", "notes")
_REF_KEYS = ("name", "uri", "sha256")


@dataclass(frozen=True)
class ManifestVersion:
    label: str
    models: tuple[VersionSpec, ...]
    training_data: tuple[VersionSpec, ...]
    notes: str


@dataclass(frozen=True)
class SystemManifest:
    system_id: str
    profile: SystemProfile
    versions: tuple[ManifestVersion, ...]
    classification_answers: Mapping[str, Any] | None
    #: Where the system's code lives, relative to the manifest's folder (files or folders).
    #: ``ombud discover code`` reads it from the manifest found in the scanned tree to
    #: match code to this system; it is not stored in the workspace.
    code_paths: tuple[str, ...] = ()


def _code_paths(doc: LocatedYaml, raw: Any) -> tuple[str, ...]:
    if raw is None:
        return ()
    where: tuple[str | int, ...] = ("code_paths",)
    if not isinstance(raw, list) or not all(isinstance(item, str) for item in raw):
        raise doc.error(where, "'code_paths' must be a list of paths (e.g. [src/scoring])")
    if len(raw) > MAX_CODE_PATHS:
        raise doc.error(where, f"'code_paths' lists {len(raw)} paths; at most {MAX_CODE_PATHS}")
    for i, item in enumerate(raw):
        at = (*where, i)
        try:
            check_name(item, "a code_paths entry", max_chars=500)
        except DomainError as exc:
            raise doc.error(at, str(exc)) from None
        text = item.strip()
        if not text:
            raise doc.error(at, "a code_paths entry is empty; name a file or folder")
        if text.startswith(("/", "\\", "~")) or re.match(r"^[A-Za-z]:[\\/]", text):
            raise doc.error(
                at,
                f"code path {text!r} is absolute; write it relative to the manifest's folder "
                "(e.g. src/scoring), so it holds in every checkout",
            )
        if any(c in text for c in "*?["):
            raise doc.error(at, f"code path {text!r} is a pattern; name a file or folder")
    return tuple(item.strip() for item in raw)


def _refs(doc: LocatedYaml, raw: Any, path: tuple[str | int, ...]) -> tuple[VersionSpec, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise doc.error(path, f"'{path[-1]}' must be a list of {{name, uri, sha256}} entries")
    specs = []
    for i, item in enumerate(raw):
        where = (*path, i)
        if not isinstance(item, dict):
            raise doc.error(where, "each entry must be a mapping with name, uri and sha256")
        unknown = sorted(set(item) - set(_REF_KEYS))
        if unknown:
            raise doc.error(
                where, f"unknown key(s) {', '.join(unknown)}; use {', '.join(_REF_KEYS)}"
            )
        missing = [k for k in _REF_KEYS if not item.get(k)]
        if missing:
            raise doc.error(where, f"missing {', '.join(missing)}")
        try:
            specs.append(VersionSpec(str(item["name"]), str(item["uri"]), str(item["sha256"])))
        except DomainError as exc:
            key = "sha256" if "sha256" in str(exc) else "name"
            raise doc.error((*where, key), str(exc)) from None
    return tuple(specs)


def _versions(doc: LocatedYaml, raw: Any) -> tuple[ManifestVersion, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise doc.error(("versions",), "'versions' must be a list")
    result = []
    for i, item in enumerate(raw):
        where: tuple[str | int, ...] = ("versions", i)
        if not isinstance(item, dict):
            raise doc.error(where, "each version must be a mapping with at least 'label'")
        unknown = sorted(set(item) - set(_VERSION_KEYS))
        if unknown:
            raise doc.error(
                where, f"unknown key(s) {', '.join(unknown)}; use {', '.join(_VERSION_KEYS)}"
            )
        if not item.get("label"):
            raise doc.error(where, "a version needs a 'label' (e.g. '1.0.0')")
        try:
            check_version_label(str(item["label"]))
            check_text(str(item.get("notes") or ""), "version notes")
        except DomainError as exc:
            raise doc.error(where, str(exc)) from None
        result.append(
            ManifestVersion(
                label=str(item["label"]),
                models=_refs(doc, item.get("models"), (*where, "models")),
                training_data=_refs(doc, item.get("training_data"), (*where, "training_data")),
                notes=str(item.get("notes") or ""),
            )
        )
    labels = [v.label for v in result]
    duplicates = sorted({x for x in labels if labels.count(x) > 1})
    if duplicates:
        raise doc.error(("versions",), f"duplicate version label(s): {', '.join(duplicates)}")
    return tuple(result)


def parse_system_manifest(doc: LocatedYaml) -> SystemManifest:
    data = doc.data
    if not isinstance(data, dict):
        raise doc.error((), "a system manifest must be a mapping of fields (id, name, purpose...)")
    unknown = sorted(set(data) - set(MANIFEST_KEYS))
    if unknown:
        first = min(unknown, key=lambda k: doc.line_of((k,)))
        raise doc.error(
            (first,),
            f"unknown field '{first}'; known fields: {', '.join(sorted(MANIFEST_KEYS))}",
        )
    if not data.get("id"):
        raise doc.error((), "missing 'id' (the system's slug, e.g. 'credit-scoring')")
    try:
        system_id = check_system_id(str(data["id"]))
    except DomainError as exc:
        raise doc.error(("id",), str(exc)) from None
    missing = [k for k in SystemProfile.required_field_names() if data.get(k) in (None, "")]
    if missing:
        raise doc.error((), f"missing required field(s): {', '.join(missing)}")
    profile_data = {k: v for k, v in data.items() if k in SystemProfile.field_names()}
    # Validate field by field so the error points at the offending line.
    for key, value in profile_data.items():
        try:
            SystemProfile.from_mapping({**_placeholder(), key: value})
        except DomainError as exc:
            raise doc.error((key,), str(exc)) from None
    profile = SystemProfile.from_mapping(profile_data)
    classification = data.get("classification")
    answers: Mapping[str, Any] | None = None
    if classification is not None:
        if not isinstance(classification, dict) or set(classification) - {"answers"}:
            raise doc.error(("classification",), "'classification' takes one key, 'answers'")
        raw_answers = classification.get("answers") or {}
        if not isinstance(raw_answers, dict):
            raise doc.error(("classification", "answers"), "'answers' must be a mapping")
        # Checked here, answer by answer, so a bad one names its line and nothing is
        # registered: the manifest is one unit (the service checks the merged answers).
        for key, value in raw_answers.items():
            problems = check_answers({key: value})
            if problems:
                where = ("classification", "answers", str(key))
                raise doc.error(where, problems[0].removeprefix(f"answers[{key!r}]: "))
        answers = raw_answers
    return SystemManifest(
        system_id,
        profile,
        _versions(doc, data.get("versions")),
        answers,
        _code_paths(doc, data.get("code_paths")),
    )


def _placeholder() -> dict[str, Any]:
    return {
        "name": "x",
        "purpose": "x",
        "owner": "x",
        "owner_team": "x",
        "domain": "other",
        "kind": "decision_model",
        "operator_role": "provider",
        "automation": "human_in_the_loop",
    }
