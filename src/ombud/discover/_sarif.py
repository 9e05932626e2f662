"""A scan as SARIF 2.1.0, so code-scanning interfaces show AI usage next to the code.

One rule per hit kind; one result per hit. A hit no registered system claims is a
``fail`` at level ``warning`` (the thing to fix: register the system or mark the code);
a matched hit is a ``pass`` at level ``none`` (SARIF requires ``none`` for any kind but
``fail``), kept so the log shows what the inventory already covers. Locations are relative
to ``%SRCROOT%`` (the folder the scan was started from) when they lie under it.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from ombud.discover._model import Hit, HitKind, ScanResult

__all__ = ["SARIF_SCHEMA", "to_sarif"]

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_BASE = "%SRCROOT%"

_RULE_TEXT = {
    HitKind.LLM_API: "A large language model is called (SDK, HTTP endpoint or local runtime).",
    HitKind.ML_TRAINING: "A machine-learning model is trained.",
    HitKind.ML_INFERENCE: "A machine-learning model is applied.",
    HitKind.MODEL_FILE: "A serialized model file.",
    HitKind.PROMPT_TEMPLATE: "A prompt template.",
}
_HELP = (
    "Every AI system belongs in the inventory. Register it (`ombud system register -f "
    "system.yaml`, with `code_paths` naming this code) or mark the file with a comment "
    "`ombud: <system-id>` naming the registered system it belongs to."
)


def _rule_id(kind: HitKind) -> str:
    return f"ombud.discover.{kind.value}"


def _location(hit: Hit, base: Path) -> dict[str, Any]:
    try:
        artifact: dict[str, Any] = {
            "uri": hit.file.relative_to(base).as_posix(),
            "uriBaseId": _BASE,
        }
    except ValueError:
        artifact = {"uri": hit.file.as_uri()}
    physical: dict[str, Any] = {"artifactLocation": artifact}
    if hit.line > 0:
        physical["region"] = {"startLine": hit.line}
    return {"physicalLocation": physical}


def _fingerprint(hit: Hit, base: Path) -> str:
    """Stable across line moves: the file, what was found and the evidence text."""
    key = "\x1f".join((_location(hit, base)["physicalLocation"]["artifactLocation"]["uri"],
                       hit.kind.value, hit.provider, hit.evidence))  # fmt: skip
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]


def _result(hit: Hit, base: Path, rule_index: int) -> dict[str, Any]:
    if hit.matched:
        text = (
            f"{hit.kind.value} ({hit.provider}) belongs to registered system(s) "
            f"{', '.join(hit.matched)} (by {hit.matched_by})."
        )
        outcome = {"kind": "pass", "level": "none"}
    else:
        text = (
            f"Unregistered AI usage: {hit.kind.value} ({hit.provider}), {hit.confidence.value} "
            f"confidence: {hit.evidence}"
        )
        outcome = {"kind": "fail", "level": "warning"}
    properties: dict[str, Any] = {
        "provider": hit.provider,
        "confidence": hit.confidence.value,
        "matchedSystems": list(hit.matched),
    }
    if hit.sha256:
        properties["sha256"] = hit.sha256
        properties["size"] = hit.size
    return {
        "ruleId": _rule_id(hit.kind),
        "ruleIndex": rule_index,
        **outcome,
        "message": {"text": text},
        "locations": [_location(hit, base)],
        "partialFingerprints": {"ombudDiscover/v1": _fingerprint(hit, base)},
        "properties": properties,
    }


def to_sarif(result: ScanResult, base: Path, version: str) -> dict[str, Any]:
    """The SARIF log of ``result``; ``base`` is %SRCROOT%, ``version`` Ombud's version."""
    kinds = list(HitKind)
    rules = [
        {
            "id": _rule_id(kind),
            "name": kind.value.replace("-", " ").title().replace(" ", ""),
            "shortDescription": {"text": _RULE_TEXT[kind]},
            "help": {"text": _HELP},
            "defaultConfiguration": {"level": "warning"},
        }
        for kind in kinds
    ]
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "ombud-discover",
                        "version": version,
                        "informationUri": "https://pypi.org/project/ombud/",
                        "rules": rules,
                    }
                },
                "originalUriBaseIds": {_BASE: {"uri": base.as_uri() + "/"}},
                "results": [_result(h, base, kinds.index(h.kind)) for h in result.hits],
                "properties": {"stats": result.stats.to_dict(), "notes": list(result.notes)},
            }
        ],
    }
