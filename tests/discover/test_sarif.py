"""The SARIF log of a scan, checked against SARIF 2.1.0's rules for what it contains.

Oracle: the OASIS SARIF 2.1.0 JSON schema. It is not installed anywhere offline, so the
parts this output uses are restated below from that schema (``sarif-schema-2.1.0.json``:
required properties, enumerations, ``additionalProperties: false``, minimums) and
validated with ``jsonschema``; plus the spec's rule that a result whose ``kind`` is not
``fail`` has ``level`` ``none`` (§3.27.9/3.27.10).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema

from ombud.discover import Claim, Confidence, ScanOptions, match, scan, to_sarif

_MESSAGE = {
    "type": "object",
    "additionalProperties": False,
    "properties": {"text": {"type": "string"}, "id": {"type": "string"}},
    "anyOf": [{"required": ["text"]}, {"required": ["id"]}],
}
_ARTIFACT_LOCATION = {
    "type": "object",
    "additionalProperties": False,
    "properties": {"uri": {"type": "string"}, "uriBaseId": {"type": "string"}},
}
_LOCATION = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "physicalLocation": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "artifactLocation": _ARTIFACT_LOCATION,
                "region": {
                    "type": "object",
                    "additionalProperties": False,
                    "properties": {"startLine": {"type": "integer", "minimum": 1}},
                },
            },
            "anyOf": [{"required": ["address"]}, {"required": ["artifactLocation"]}],
        }
    },
}
_RULE = {
    "type": "object",
    "additionalProperties": False,
    "required": ["id"],
    "properties": {
        "id": {"type": "string"},
        "name": {"type": "string"},
        "shortDescription": _MESSAGE,
        "help": _MESSAGE,
        "defaultConfiguration": {
            "type": "object",
            "additionalProperties": False,
            "properties": {"level": {"enum": ["none", "note", "warning", "error"]}},
        },
    },
}
_RESULT = {
    "type": "object",
    "additionalProperties": False,
    "required": ["message"],
    "properties": {
        "ruleId": {"type": "string"},
        "ruleIndex": {"type": "integer", "minimum": -1},
        "kind": {"enum": ["notApplicable", "pass", "fail", "review", "open", "informational"]},
        "level": {"enum": ["none", "note", "warning", "error"]},
        "message": _MESSAGE,
        "locations": {"type": "array", "items": _LOCATION},
        "partialFingerprints": {"type": "object", "additionalProperties": {"type": "string"}},
        "properties": {"type": "object"},
    },
}
SARIF_SUBSET: dict[str, Any] = {
    "$schema": "http://json-schema.org/draft-07/schema#",
    "type": "object",
    "additionalProperties": False,
    "required": ["version", "runs"],
    "properties": {
        "$schema": {"type": "string"},
        "version": {"enum": ["2.1.0"]},
        "runs": {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["tool"],
                "properties": {
                    "tool": {
                        "type": "object",
                        "additionalProperties": False,
                        "required": ["driver"],
                        "properties": {
                            "driver": {
                                "type": "object",
                                "additionalProperties": False,
                                "required": ["name"],
                                "properties": {
                                    "name": {"type": "string"},
                                    "version": {"type": "string"},
                                    "informationUri": {"type": "string"},
                                    "rules": {"type": "array", "items": _RULE},
                                },
                            }
                        },
                    },
                    "originalUriBaseIds": {
                        "type": "object",
                        "additionalProperties": _ARTIFACT_LOCATION,
                    },
                    "results": {"type": "array", "items": _RESULT},
                    "properties": {"type": "object"},
                },
            },
        },
    },
}


def _log(corpus: Path) -> dict[str, Any]:
    raw = scan([corpus], ScanOptions(min_confidence=Confidence.MEDIUM))
    claims = [Claim("credit-scoring", corpus / "scoring", "manifest")]
    result = match(raw, claims, {"credit-scoring"})
    # Through JSON, as a code-scanning upload reads it.
    log: dict[str, Any] = json.loads(json.dumps(to_sarif(result, corpus.parent, "0.1.0")))
    return log


def test_the_log_follows_the_sarif_schema(corpus: Path) -> None:
    log = _log(corpus)
    jsonschema.Draft7Validator.check_schema(SARIF_SUBSET)
    jsonschema.Draft7Validator(SARIF_SUBSET).validate(log)


def test_results_point_at_their_rule_and_pass_only_when_matched(corpus: Path) -> None:
    (run,) = _log(corpus)["runs"]
    rules = run["tool"]["driver"]["rules"]
    assert len(run["results"]) > 40
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        matched = result["properties"]["matchedSystems"]
        uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        assert uri.startswith("corpus/")
        if uri.startswith("corpus/scoring/"):
            assert (result["kind"], result["level"], matched) == (
                "pass",
                "none",
                ["credit-scoring"],
            )
        else:
            assert (result["kind"], result["level"], matched) == ("fail", "warning", [])
    fingerprints = [r["partialFingerprints"]["ombudDiscover/v1"] for r in run["results"]]
    assert len(set(fingerprints)) == len(fingerprints)


def test_a_model_file_result_has_no_region_and_carries_its_digest(corpus: Path) -> None:
    (run,) = _log(corpus)["runs"]
    models = [r for r in run["results"] if r["ruleId"] == "ombud.discover.model-file"]
    assert models
    for result in models:
        assert "region" not in result["locations"][0]["physicalLocation"]
        assert len(result["properties"]["sha256"]) == 64
